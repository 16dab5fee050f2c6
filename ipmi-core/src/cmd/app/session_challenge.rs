//! Get Session Challenge (App 0x39): IPMI 1.5 session set-up, step 1. The console names the user
//! and the authentication type; the BMC answers a temporary session id and a random challenge.
//!
//! Request: auth type (b3:0) · user name (16, NUL padded).
//! Response: temporary session id (4, LE) · challenge string (16).
use super::{fit, AuthType, UserName};
use crate::Error;

app_command! {
    /// Get Session Challenge (App 0x39).
    GetSessionChallenge, 0x39, GetSessionChallengeRequest, GetSessionChallengeResponse
}

/// The Get Session Challenge request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSessionChallengeRequest {
    /// Byte 1 bits 3:0: the authentication type the session will use.
    pub auth_type: AuthType,
    /// Bytes 2-17: user name (all NUL for the null user).
    pub user_name: UserName,
}

impl GetSessionChallengeRequest {
    fn decode(b: &[u8; 17]) -> Result<Self, Error> {
        let mut name = [0u8; 16];
        name.copy_from_slice(&b[1..]);
        Ok(GetSessionChallengeRequest {
            auth_type: AuthType::from(b[0] & 0x0F),
            user_name: UserName(name),
        })
    }

    fn encode(&self) -> Result<[u8; 17], Error> {
        let mut out = [0u8; 17];
        out[0] = fit(u8::from(self.auth_type), 0x0F)?;
        out[1..].copy_from_slice(&self.user_name.0);
        Ok(out)
    }
}

fixed_body!(GetSessionChallengeRequest, 17);

/// The Get Session Challenge response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSessionChallengeResponse {
    /// Bytes 1-4: temporary session id (LE); the console uses it in Activate Session.
    pub temporary_session_id: u32,
    /// Bytes 5-20: challenge string (random; the console echoes it in Activate Session).
    pub challenge: [u8; 16],
}

impl GetSessionChallengeResponse {
    fn decode(b: &[u8; 20]) -> Result<Self, Error> {
        let mut challenge = [0u8; 16];
        challenge.copy_from_slice(&b[4..]);
        Ok(GetSessionChallengeResponse {
            temporary_session_id: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            challenge,
        })
    }

    fn encode(&self) -> Result<[u8; 20], Error> {
        let mut out = [0u8; 20];
        out[..4].copy_from_slice(&self.temporary_session_id.to_le_bytes());
        out[4..].copy_from_slice(&self.challenge);
        Ok(out)
    }
}

fixed_body!(GetSessionChallengeResponse, 20);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;
    use crate::cmd::Body;

    // v15-password-ipmitool-4cmds.txt, datagrams of `ipmitool -I lan -A PASSWORD`.
    const REQ_PASSWORD: &str = "0461646d696e0000000000000000000000";
    const RSP_PASSWORD: &str = "85000000bebe229d36cf73dd6e66f8de59203fd2";
    // v15-md5-ipmipower-stat.txt (ipmipower, MD5).
    const REQ_MD5: &str = "0261646d696e0000000000000000000000";
    const RSP_MD5: &str = "050100000b3694869c8cecb94ba4509db27748a5";

    #[test]
    fn deconstruct_requests() {
        let r = check_exact!(GetSessionChallengeRequest, &hex::<17>(REQ_PASSWORD));
        assert_eq!(r.auth_type, AuthType::StraightPassword);
        assert_eq!(r.user_name.as_bytes(), b"admin");
        let r = check_exact!(GetSessionChallengeRequest, &hex::<17>(REQ_MD5));
        assert_eq!(r.auth_type, AuthType::Md5);
        assert_eq!(r.user_name, UserName::new(b"admin").unwrap());
    }

    #[test]
    fn deconstruct_responses() {
        let r = check_exact!(GetSessionChallengeResponse, &hex::<20>(RSP_PASSWORD));
        assert_eq!(r.temporary_session_id, 0x0000_0085);
        assert_eq!(r.challenge, hex::<16>("bebe229d36cf73dd6e66f8de59203fd2"));
        let r = check_exact!(GetSessionChallengeResponse, &hex::<20>(RSP_MD5));
        assert_eq!(r.temporary_session_id, 0x0000_0105);
        assert_eq!(r.challenge[0], 0x0b);
    }

    #[test]
    fn construct() {
        let req = GetSessionChallengeRequest {
            auth_type: AuthType::Md5,
            user_name: UserName::new(b"admin").unwrap(),
        };
        let mut out = [0u8; 17];
        assert_eq!(req.emit(&mut out), Ok(17));
        assert_eq!(out, hex::<17>(REQ_MD5));
        let bad = GetSessionChallengeRequest {
            auth_type: AuthType::Unknown(0x12),
            ..req
        };
        assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
        let rsp = GetSessionChallengeResponse {
            temporary_session_id: 0x85,
            challenge: hex::<16>("bebe229d36cf73dd6e66f8de59203fd2"),
        };
        let mut out = [0u8; 20];
        assert_eq!(rsp.emit(&mut out), Ok(20));
        assert_eq!(out, hex::<20>(RSP_PASSWORD));
    }

    #[test]
    fn lengths() {
        check_lengths!(GetSessionChallengeRequest, &hex::<17>(REQ_MD5));
        check_lengths!(GetSessionChallengeResponse, &hex::<20>(RSP_MD5));
    }

    no_input_panics!(GetSessionChallengeRequest, GetSessionChallengeResponse);
}
