//! Activate Session (App 0x3A): IPMI 1.5 session set-up, step 2. Sent in a session header that
//! carries the temporary session id and is authenticated with the chosen auth type; the BMC
//! answers the real session id and the first sequence number it expects.
//!
//! Request: auth type (b3:0) · maximum privilege (b3:0) · challenge string (16) · initial
//! outbound sequence number (4, LE).
//! Response: auth type for the rest of the session (b3:0) · session id (4, LE) · initial inbound
//! sequence number (4, LE) · maximum privilege allowed (b3:0).
use super::{fit, privilege_bits, privilege_of, AuthType};
use crate::{Error, Privilege};

app_command! {
    /// Activate Session (App 0x3A).
    ActivateSession, 0x3A, ActivateSessionRequest, ActivateSessionResponse
}

/// The Activate Session request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ActivateSessionRequest {
    /// Byte 1 bits 3:0: authentication type for the session.
    pub auth_type: AuthType,
    /// Byte 2 bits 3:0: maximum privilege level requested for the session.
    pub max_privilege: Privilege,
    /// Bytes 3-18: the challenge string from Get Session Challenge.
    pub challenge: [u8; 16],
    /// Bytes 19-22: initial outbound sequence number (LE): the first sequence number the BMC
    /// uses in its replies. Never 0.
    pub initial_outbound_sequence: u32,
}

impl ActivateSessionRequest {
    fn decode(b: &[u8; 22]) -> Result<Self, Error> {
        let mut challenge = [0u8; 16];
        challenge.copy_from_slice(&b[2..18]);
        Ok(ActivateSessionRequest {
            auth_type: AuthType::from(b[0] & 0x0F),
            max_privilege: privilege_of(b[1]),
            challenge,
            initial_outbound_sequence: u32::from_le_bytes([b[18], b[19], b[20], b[21]]),
        })
    }

    fn encode(&self) -> Result<[u8; 22], Error> {
        let mut out = [0u8; 22];
        out[0] = fit(u8::from(self.auth_type), 0x0F)?;
        out[1] = privilege_bits(self.max_privilege)?;
        out[2..18].copy_from_slice(&self.challenge);
        out[18..].copy_from_slice(&self.initial_outbound_sequence.to_le_bytes());
        Ok(out)
    }
}

fixed_body!(ActivateSessionRequest, 22);

/// The Activate Session response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ActivateSessionResponse {
    /// Byte 1 bits 3:0: authentication type for the remainder of the session.
    pub auth_type: AuthType,
    /// Bytes 2-5: the session id (LE), random and never 0.
    pub session_id: u32,
    /// Bytes 6-9: initial inbound sequence number (LE): where the console's numbering starts.
    pub initial_inbound_sequence: u32,
    /// Byte 10 bits 3:0: maximum privilege level allowed for this session.
    pub max_privilege: Privilege,
}

impl ActivateSessionResponse {
    fn decode(b: &[u8; 10]) -> Result<Self, Error> {
        Ok(ActivateSessionResponse {
            auth_type: AuthType::from(b[0] & 0x0F),
            session_id: u32::from_le_bytes([b[1], b[2], b[3], b[4]]),
            initial_inbound_sequence: u32::from_le_bytes([b[5], b[6], b[7], b[8]]),
            max_privilege: privilege_of(b[9]),
        })
    }

    fn encode(&self) -> Result<[u8; 10], Error> {
        let mut out = [0u8; 10];
        out[0] = fit(u8::from(self.auth_type), 0x0F)?;
        out[1..5].copy_from_slice(&self.session_id.to_le_bytes());
        out[5..9].copy_from_slice(&self.initial_inbound_sequence.to_le_bytes());
        out[9] = privilege_bits(self.max_privilege)?;
        Ok(out)
    }
}

fixed_body!(ActivateSessionResponse, 10);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;
    use crate::cmd::Body;

    // v15-password-ipmitool-4cmds.txt (ipmitool -I lan -A PASSWORD, ADMINISTRATOR).
    const REQ_PASSWORD: &str = "0404bebe229d36cf73dd6e66f8de59203fd234c7b385";
    const RSP_PASSWORD: &str = "048a0c00007e771f9704";
    // v15-md5-ipmipower-stat.txt (ipmipower, MD5, OPERATOR).
    const REQ_MD5: &str = "02030b3694869c8cecb94ba4509db27748a501000000";
    const RSP_MD5: &str = "020a0d000046a05a2003";

    #[test]
    fn deconstruct_requests() {
        let r = check_exact!(ActivateSessionRequest, &hex::<22>(REQ_PASSWORD));
        assert_eq!(r.auth_type, AuthType::StraightPassword);
        assert_eq!(r.max_privilege, Privilege::Administrator);
        // The challenge from the Get Session Challenge reply of the same capture.
        assert_eq!(r.challenge, hex::<16>("bebe229d36cf73dd6e66f8de59203fd2"));
        assert_eq!(r.initial_outbound_sequence, 0x85b3_c734);
        let r = check_exact!(ActivateSessionRequest, &hex::<22>(REQ_MD5));
        assert_eq!(r.auth_type, AuthType::Md5);
        assert_eq!(r.max_privilege, Privilege::Operator);
        assert_eq!(r.initial_outbound_sequence, 1);
    }

    #[test]
    fn deconstruct_responses() {
        let r = check_exact!(ActivateSessionResponse, &hex::<10>(RSP_PASSWORD));
        assert_eq!(r.auth_type, AuthType::StraightPassword);
        assert_eq!(r.session_id, 0x0000_0c8a);
        assert_eq!(r.initial_inbound_sequence, 0x971f_777e);
        assert_eq!(r.max_privilege, Privilege::Administrator);
        let r = check_exact!(ActivateSessionResponse, &hex::<10>(RSP_MD5));
        assert_eq!(r.auth_type, AuthType::Md5);
        assert_eq!(r.session_id, 0x0000_0d0a);
        assert_eq!(r.max_privilege, Privilege::Operator);
    }

    #[test]
    fn construct() {
        let rsp = ActivateSessionResponse {
            auth_type: AuthType::Md5,
            session_id: 0x0d0a,
            initial_inbound_sequence: 0x205a_a046,
            max_privilege: Privilege::Operator,
        };
        let mut out = [0u8; 10];
        assert_eq!(rsp.emit(&mut out), Ok(10));
        assert_eq!(out, hex::<10>(RSP_MD5));
        let bad = ActivateSessionResponse {
            max_privilege: Privilege::Unknown(0x40),
            ..rsp
        };
        assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
    }

    #[test]
    fn lengths() {
        check_lengths!(ActivateSessionRequest, &hex::<22>(REQ_MD5));
        check_lengths!(ActivateSessionResponse, &hex::<10>(RSP_MD5));
    }

    no_input_panics!(ActivateSessionRequest, ActivateSessionResponse);
}
