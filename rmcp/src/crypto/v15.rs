//! IPMI 1.5 session auth codes.
//!
//! MD5 (and MD2) = H(password16 ‖ session id ‖ message ‖ session seq ‖ password16), ids and
//! sequence numbers as their 4 little-endian wire bytes; straight password = password16.
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{mac, CryptoError, Kuid};
use crate::wire::v15::AuthType;

/// Bytes of an IPMI 1.5 auth code and of the password it uses.
pub const AUTH_CODE_LEN: usize = 16;

fn password16(password: &Kuid) -> Result<&[u8], CryptoError> {
    if password.len() > AUTH_CODE_LEN {
        // A 20-byte (IPMI 2.0) password cannot authenticate an IPMI 1.5 session.
        return Err(CryptoError::InvalidLength);
    }
    Ok(&password.padded()[..AUTH_CODE_LEN])
}

/// The auth code for one IPMI 1.5 packet. Auth type none, OEM and RMCP+ are `Unsupported`.
pub fn auth_code(
    auth_type: AuthType,
    password: &Kuid,
    session_id: u32,
    message: &[u8],
    sequence: u32,
) -> Result<[u8; AUTH_CODE_LEN], CryptoError> {
    let pw = password16(password)?;
    let mut out = [0u8; AUTH_CODE_LEN];
    let parts: [&[u8]; 5] = [
        pw,
        &session_id.to_le_bytes(),
        message,
        &sequence.to_le_bytes(),
        pw,
    ];
    match auth_type {
        AuthType::Md5 => mac::digest::<md5::Md5>(&parts, &mut out),
        AuthType::Md2 => mac::digest::<md2::Md2>(&parts, &mut out),
        AuthType::Password => out.copy_from_slice(pw),
        _ => return Err(CryptoError::Unsupported),
    }
    Ok(out)
}

/// Checks a received IPMI 1.5 auth code in constant time.
pub fn verify(
    auth_type: AuthType,
    password: &Kuid,
    session_id: u32,
    message: &[u8],
    sequence: u32,
    received: &[u8; AUTH_CODE_LEN],
) -> Result<(), CryptoError> {
    let mut expected = auth_code(auth_type, password, session_id, message, sequence)?;
    let ok = bool::from(expected.ct_eq(received));
    expected.zeroize();
    if ok {
        Ok(())
    } else {
        Err(CryptoError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    #[test]
    fn md5_known_answer() {
        // v15-md5-ipmitool-4cmds.txt [9]: Set Session Privilege Level.
        let pw = Kuid::from_slice(b"password").unwrap();
        let msg: [u8; 8] = hex("2018c881103b0430");
        let code = auth_code(AuthType::Md5, &pw, 0x0c0a, &msg, 0xfbfeb03e).unwrap();
        assert_eq!(code, hex::<16>("8dfcc99678ec5b3d3f40a1544e0eeb92"));
        verify(AuthType::Md5, &pw, 0x0c0a, &msg, 0xfbfeb03e, &code).unwrap();
        assert_eq!(
            verify(AuthType::Md5, &pw, 0x0c0a, &msg, 0xfbfeb03f, &code),
            Err(CryptoError::Mismatch)
        );
        assert_eq!(
            auth_code(AuthType::Password, &pw, 1, &msg, 2).unwrap(),
            hex::<16>("70617373776f72640000000000000000")
        );
        assert_eq!(
            auth_code(AuthType::None, &pw, 1, &msg, 2),
            Err(CryptoError::Unsupported)
        );
        let long = Kuid::from_slice(&[b'x'; 17]).unwrap();
        assert_eq!(
            auth_code(AuthType::Md5, &long, 1, &msg, 2),
            Err(CryptoError::InvalidLength)
        );
    }

    #[test]
    fn md2_rfc1319_vectors() {
        // RFC 1319 appendix A.5.
        let cases: [(&[u8], &str); 4] = [
            (b"", "8350e5a3e24c153df2275c9f80692773"),
            (b"a", "32ec01ec4a6dac72c0ab96fb34c0b5d1"),
            (b"abc", "da853b0d3f88d99b30283a69e6ded6bb"),
            (b"message digest", "ab4f496bfb2a530b219ff33031fe06b0"),
        ];
        for (input, want) in cases {
            let mut out = [0u8; 16];
            mac::digest::<md2::Md2>(&[input], &mut out);
            assert_eq!(out, hex::<16>(want));
        }
        // MD2 auth code = MD2(pw16 | sid | msg | seq | pw16), same layout as MD5.
        let pw = Kuid::from_slice(b"password").unwrap();
        let code = auth_code(AuthType::Md2, &pw, 5, b"m", 7).unwrap();
        let mut want = [0u8; 16];
        let pw16 = &pw.padded()[..16];
        mac::digest::<md2::Md2>(
            &[pw16, &5u32.to_le_bytes(), b"m", &7u32.to_le_bytes(), pw16],
            &mut want,
        );
        assert_eq!(code, want);
    }
}
