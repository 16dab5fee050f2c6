//! Set Session Privilege Level (App 0x3B): raise or lower the session's operating privilege
//! (every client sends it right after activation; sessions start at User).
//!
//! Request: requested privilege level (b3:0; 0 = no change, just report the present level).
//! Response: the new (present) privilege level (b3:0).
//! Completion codes: 0x80 requested level not available for this user, 0x81 requested level
//! exceeds the user's or channel's limit, 0x82 cannot disable user-level authentication.
use super::{privilege_bits, privilege_of};
use crate::{Error, Privilege};

app_command! {
    /// Set Session Privilege Level (App 0x3B).
    SetSessionPrivilegeLevel, 0x3B, SetSessionPrivilegeLevelRequest,
    SetSessionPrivilegeLevelResponse
}

/// The Set Session Privilege Level request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetSessionPrivilegeLevelRequest {
    /// Byte 1 bits 3:0: the requested level; [`Privilege::Highest`] (0) means "no change".
    pub privilege: Privilege,
}

impl SetSessionPrivilegeLevelRequest {
    /// Whether this only asks for the present level (requested level 0).
    pub fn is_query(&self) -> bool {
        self.privilege == Privilege::Highest
    }

    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        Ok(SetSessionPrivilegeLevelRequest {
            privilege: privilege_of(b[0]),
        })
    }

    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([privilege_bits(self.privilege)?])
    }
}

fixed_body!(SetSessionPrivilegeLevelRequest, 1);

/// The Set Session Privilege Level response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetSessionPrivilegeLevelResponse {
    /// Byte 1 bits 3:0: the session's privilege level now.
    pub privilege: Privilege,
}

impl SetSessionPrivilegeLevelResponse {
    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        Ok(SetSessionPrivilegeLevelResponse {
            privilege: privilege_of(b[0]),
        })
    }

    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([privilege_bits(self.privilege)?])
    }
}

fixed_body!(SetSessionPrivilegeLevelResponse, 1);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    #[test]
    fn real_bytes() {
        // ipmitool, ADMINISTRATOR (v15-password-ipmitool-4cmds.txt and cs*-ipmitool-*): 04 -> 04.
        let r = check_exact!(SetSessionPrivilegeLevelRequest, &[0x04]);
        assert_eq!(r.privilege, Privilege::Administrator);
        assert!(!r.is_query());
        let r = check_exact!(SetSessionPrivilegeLevelResponse, &[0x04]);
        assert_eq!(r.privilege, Privilege::Administrator);
        // ipmipower, OPERATOR (cs00-ipmipower-stat.txt): 03 -> 03.
        let r = check_exact!(SetSessionPrivilegeLevelRequest, &[0x03]);
        assert_eq!(r.privilege, Privilege::Operator);
        let r = check_exact!(SetSessionPrivilegeLevelResponse, &[0x03]);
        assert_eq!(r.privilege, Privilege::Operator);
    }

    #[test]
    fn query_and_invalid() {
        let r = check_exact!(SetSessionPrivilegeLevelRequest, &[0x00]);
        assert!(r.is_query());
        // Reserved bits are ignored on parse.
        let r = SetSessionPrivilegeLevelRequest::parse(&[0xF2]).unwrap();
        assert_eq!(r.privilege, Privilege::User);
        let bad = SetSessionPrivilegeLevelResponse {
            privilege: Privilege::Unknown(0x20),
        };
        assert_eq!(bad.emit(&mut [0u8; 1]), Err(Error::InvalidField));
    }

    #[test]
    fn lengths() {
        check_lengths!(SetSessionPrivilegeLevelRequest, &[0x04]);
        check_lengths!(SetSessionPrivilegeLevelResponse, &[0x04]);
    }

    no_input_panics!(
        SetSessionPrivilegeLevelRequest,
        SetSessionPrivilegeLevelResponse
    );
}
