//! Set User Name (App 0x45) and Get User Name (App 0x46) (ipmitool `user set name`, `user list`).
//!
//! Set request: user id (b5:0) · name (16, ASCII, NUL padded). Set response: no data.
//! Get request: user id (b5:0). Get response: name (16).
use super::{fit, Empty, UserName};
use crate::Error;

app_command! {
    /// Set User Name (App 0x45).
    SetUserName, 0x45, SetUserNameRequest, Empty
}

app_command! {
    /// Get User Name (App 0x46).
    GetUserName, 0x46, GetUserNameRequest, GetUserNameResponse
}

/// The Set User Name request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetUserNameRequest {
    /// Byte 1 bits 5:0: user id (1 is the fixed null user).
    pub user_id: u8,
    /// Bytes 2-17: the name.
    pub name: UserName,
}

impl SetUserNameRequest {
    fn decode(b: &[u8; 17]) -> Result<Self, Error> {
        let mut name = [0u8; 16];
        name.copy_from_slice(&b[1..]);
        Ok(SetUserNameRequest {
            user_id: b[0] & 0x3F,
            name: UserName(name),
        })
    }

    fn encode(&self) -> Result<[u8; 17], Error> {
        let mut out = [0u8; 17];
        out[0] = fit(self.user_id, 0x3F)?;
        out[1..].copy_from_slice(&self.name.0);
        Ok(out)
    }
}

fixed_body!(SetUserNameRequest, 17);

/// The Get User Name request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetUserNameRequest {
    /// Byte 1 bits 5:0: user id.
    pub user_id: u8,
}

impl GetUserNameRequest {
    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        Ok(GetUserNameRequest {
            user_id: b[0] & 0x3F,
        })
    }

    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([fit(self.user_id, 0x3F)?])
    }
}

fixed_body!(GetUserNameRequest, 1);

/// The Get User Name response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetUserNameResponse {
    /// Bytes 1-16: the name.
    pub name: UserName,
}

impl GetUserNameResponse {
    fn decode(b: &[u8; 16]) -> Result<Self, Error> {
        Ok(GetUserNameResponse { name: UserName(*b) })
    }

    fn encode(&self) -> Result<[u8; 16], Error> {
        Ok(self.name.0)
    }
}

fixed_body!(GetUserNameResponse, 16);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;
    use crate::cmd::Body;

    // Captured against ipmi_sim (testdata/ipmi_sim-app-commands.txt): ipmitool `user set name 3
    // bob`, and the Get User Name 02 reply to freeipmi `ipmi-config --checkout --section=User2`.
    const SET_BOB: &str = "03626f6200000000000000000000000000";
    const SET_ADMIN: &str = "0261646d696e0000000000000000000000";
    const ADMIN: &str = "61646d696e0000000000000000000000";

    #[test]
    fn captured() {
        let r = check_exact!(SetUserNameRequest, &hex::<17>(SET_BOB));
        assert_eq!(r.user_id, 3);
        assert_eq!(r.name.as_bytes(), b"bob");
    }

    #[test]
    fn set_and_get() {
        let r = check_exact!(SetUserNameRequest, &hex::<17>(SET_ADMIN));
        assert_eq!(r.user_id, 2);
        assert_eq!(r.name.as_bytes(), b"admin");
        let r = check_exact!(GetUserNameRequest, &[0x02]);
        assert_eq!(r.user_id, 2);
        let r = check_exact!(GetUserNameResponse, &hex::<16>(ADMIN));
        assert_eq!(r.name, UserName::new(b"admin").unwrap());
        let r = check_exact!(GetUserNameResponse, &[0; 16]);
        assert!(r.name.is_null());
        let bad = SetUserNameRequest {
            user_id: 0x40,
            name: UserName::default(),
        };
        assert_eq!(bad.emit(&mut [0u8; 17]), Err(Error::InvalidField));
    }

    #[test]
    fn lengths() {
        check_lengths!(SetUserNameRequest, &hex::<17>(SET_ADMIN));
        check_lengths!(GetUserNameRequest, &[0x02]);
        check_lengths!(GetUserNameResponse, &hex::<16>(ADMIN));
    }

    no_input_panics!(SetUserNameRequest, GetUserNameRequest, GetUserNameResponse);
}
