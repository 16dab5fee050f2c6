//! IPMI 1.5 packets of a session: [`verify`] a received packet's auth code and [`seal`] a LAN
//! message with one (MD2, MD5 or the straight password); the layout is `wire::v15`.
use crate::crypto::{self, Kuid};
use crate::wire::v15::{AuthType, SessionRepr};
use crate::wire::{rmcp, WireError};

/// Checks the auth code against `password` in constant time: MD5/MD2 digest or the straight
/// password. Auth type none verifies trivially (policy decides whether it is allowed).
pub fn verify(session: &SessionRepr<'_>, password: &Kuid) -> Result<(), WireError> {
    match (session.auth_type, &session.auth_code) {
        (AuthType::None, None) => Ok(()),
        (t, Some(code)) => Ok(crypto::v15::verify(
            t,
            password,
            session.session_id,
            session.message,
            session.sequence,
            code,
        )?),
        _ => Err(WireError::InvalidField),
    }
}

/// Writes a whole IPMI 1.5 datagram (RMCP header included) carrying `message`, with the auth code
/// for `auth_type` computed from `password` (ignored for auth type none). Returns its length.
pub fn seal(
    out: &mut [u8],
    auth_type: AuthType,
    sequence: u32,
    session_id: u32,
    message: &[u8],
    password: Option<&Kuid>,
) -> Result<usize, WireError> {
    let auth_code = match auth_type {
        AuthType::None => None,
        t => {
            let pw = password.ok_or(WireError::NoKeys)?;
            Some(crypto::v15::auth_code(
                t, pw, session_id, message, sequence,
            )?)
        }
    };
    let repr = SessionRepr {
        auth_type,
        sequence,
        session_id,
        auth_code,
        message,
    };
    let n = rmcp::RmcpRepr::IPMI.emit(out)?;
    let rest = out.get_mut(n..).ok_or(WireError::BufferTooSmall)?;
    Ok(n + repr.emit(rest)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> heapless::Vec<u8, 128> {
        let mut v = heapless::Vec::new();
        for i in (0..s.len()).step_by(2) {
            v.push(u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .unwrap();
        }
        v
    }

    // v15-md5-ipmitool-4cmds.txt [9] (MD5, Set Session Privilege).
    const MD5: &str =
        "0600ff07023eb0fefb0a0c00008dfcc99678ec5b3d3f40a1544e0eeb92082018c881103b0430";
    // v15-password-ipmitool-4cmds.txt: an in-session request with the straight password.
    const PW: &str = "0600ff07047e771f978a0c000070617373776f72640000000000000000082018c881103b0430";

    fn password() -> Kuid {
        Kuid::from_slice(b"password").unwrap()
    }

    #[test]
    fn verify_and_seal() {
        let pw = password();
        for s in [MD5, PW] {
            let b = hex(s);
            let r = SessionRepr::parse(&b[4..]).unwrap();
            verify(&r, &pw).unwrap();
            assert_eq!(
                verify(&r, &Kuid::from_slice(b"passwore").unwrap()),
                Err(WireError::AuthCode)
            );
            let mut out = [0u8; 64];
            let n = seal(
                &mut out,
                r.auth_type,
                r.sequence,
                r.session_id,
                r.message,
                Some(&pw),
            )
            .unwrap();
            assert_eq!(&out[..n], &b[..]);
            if r.auth_type == AuthType::Md5 {
                let mut tampered = r;
                tampered.sequence += 1;
                assert_eq!(verify(&tampered, &pw), Err(WireError::AuthCode));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            if let Ok(r) = SessionRepr::parse(&bytes) {
                let _ = verify(&r, &password());
            }
        }
    }
}
