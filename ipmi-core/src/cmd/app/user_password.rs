//! Set User Password (App 0x47): enable or disable a user, set or test its password (ipmitool
//! `user set password`, `user enable|disable`, `user test`).
//!
//! Request: b7 password size (1 = 20 bytes, 0 = 16), b5:0 user id · operation (b1:0: 0 disable
//! user, 1 enable user, 2 set password, 3 test password) · password (16 or 20 bytes, NUL padded;
//! required for set and test, and sent by ipmitool for enable and disable as well).
//! Response: no data. Completion codes: 0x80 test failed (wrong password), 0x81 test failed
//! (wrong password size).
//!
//! The password never appears in `Debug` output, and is compared without an early exit.
use super::{bit, ct_eq, fit, flag, Empty};
use crate::cmd::Body;
use crate::Error;
use core::fmt;

app_command! {
    /// Set User Password (App 0x47).
    SetUserPassword, 0x47, SetUserPasswordRequest, Empty
}

open_enum! {
    /// Set User Password operation (byte 2, bits 1:0).
    pub enum PasswordOperation {
        /// 0: disable the user.
        DisableUser = 0,
        /// 1: enable the user.
        EnableUser = 1,
        /// 2: set the password.
        SetPassword = 2,
        /// 3: test the password.
        TestPassword = 3,
    }
}

/// A password as Set User Password carries it: 16 or 20 bytes, NUL padded. Not `Copy`; wiped
/// (best effort, without `zeroize`) on drop; `Debug` prints only the size; `==` takes the same
/// time wherever the first difference is.
#[derive(Clone)]
pub struct Password {
    bytes: [u8; 20],
    twenty: bool,
}

impl Password {
    /// A password of at most 16 (`twenty == false`) or 20 bytes, NUL padded to that size.
    pub fn new(password: &[u8], twenty: bool) -> Result<Self, Error> {
        let size = if twenty { 20 } else { 16 };
        if password.len() > size {
            return Err(Error::InvalidField);
        }
        let mut bytes = [0u8; 20];
        bytes[..password.len()].copy_from_slice(password);
        Ok(Password { bytes, twenty })
    }

    /// Whether this is a 20-byte (IPMI 2.0) password field.
    pub fn is_twenty_bytes(&self) -> bool {
        self.twenty
    }

    /// The password field as on the wire: 16 or 20 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        if self.twenty {
            &self.bytes
        } else {
            &self.bytes[..16]
        }
    }

    /// The password zero-padded to 20 bytes (Kuid, the RAKP key).
    pub fn padded(&self) -> &[u8; 20] {
        &self.bytes
    }

    /// Whether `stored` (a password zero-padded to 20 bytes) equals this one, compared over all
    /// 20 bytes without an early exit. A 16-byte field never matches a stored password that uses
    /// bytes 17-20.
    pub fn matches(&self, stored: &[u8; 20]) -> bool {
        ct_eq(&self.bytes, stored)
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        (self.twenty == other.twenty) & ct_eq(&self.bytes, &other.bytes)
    }
}

impl Eq for Password {}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Password(<{} bytes, redacted>)", self.as_bytes().len())
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.bytes = [0u8; 20];
        core::hint::black_box(&mut self.bytes);
    }
}

/// The Set User Password request data. `Debug` redacts the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SetUserPasswordRequest {
    /// Byte 1 bits 5:0: user id.
    pub user_id: u8,
    /// Byte 2 bits 1:0: operation.
    pub operation: PasswordOperation,
    /// Bytes 3-18 or 3-22: the password field; its size gives byte 1 bit 7.
    pub password: Option<Password>,
}

impl fmt::Debug for SetUserPasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetUserPasswordRequest")
            .field("user_id", &self.user_id)
            .field("operation", &self.operation)
            .field("password", &self.password)
            .finish()
    }
}

impl<'a> Body<'a> for SetUserPasswordRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (head, field) = data.split_at_checked(2).ok_or(Error::Truncated)?;
        let twenty = bit(head[0], 7);
        let operation = PasswordOperation::from(head[1] & 0x03);
        let size = if twenty { 20 } else { 16 };
        let password = match field.len() {
            0 if matches!(
                operation,
                PasswordOperation::SetPassword | PasswordOperation::TestPassword
            ) =>
            {
                return Err(Error::Truncated)
            }
            0 => None,
            n if n == size => Some(Password::new(field, twenty)?),
            n if n < size => return Err(Error::Truncated),
            _ => return Err(Error::TooLong),
        };
        Ok(SetUserPasswordRequest {
            user_id: head[0] & 0x3F,
            operation,
            password,
        })
    }

    fn buffer_len(&self) -> usize {
        2 + self.password.as_ref().map_or(0, |p| p.as_bytes().len())
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needs_password = matches!(
            self.operation,
            PasswordOperation::SetPassword | PasswordOperation::TestPassword
        );
        if needs_password && self.password.is_none() {
            return Err(Error::InvalidField);
        }
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let twenty = self
            .password
            .as_ref()
            .is_some_and(Password::is_twenty_bytes);
        out[0] = flag(twenty, 7) | fit(self.user_id, 0x3F)?;
        out[1] = fit(u8::from(self.operation), 0x03)?;
        if let Some(p) = &self.password {
            out[2..].copy_from_slice(p.as_bytes());
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::cmd::app::testutil::hex;
    use std::format;

    // SET16 follows the specification; the others are captured against ipmi_sim
    // (testdata/ipmi_sim-app-commands.txt): ipmitool `user test 2 16 password`, `user set password
    // 3 secret20bytes 20`, `user enable 3`, `user disable 3` (ipmitool sends a zero password field
    // for enable and disable).
    const TEST16: &str = "020370617373776f72640000000000000000";
    const SET20_CAPTURED: &str = "83027365637265743230627974657300000000000000";
    const ENABLE3: &str = "030100000000000000000000000000000000";
    const DISABLE3: &str = "030000000000000000000000000000000000";

    #[test]
    fn captured() {
        let r = check_exact!(SetUserPasswordRequest, &hex::<18>(TEST16));
        assert_eq!(r.user_id, 2);
        assert_eq!(r.operation, PasswordOperation::TestPassword);
        assert!(r
            .password
            .as_ref()
            .unwrap()
            .matches(&hex::<20>("70617373776f7264000000000000000000000000")));
        let r = check_exact!(SetUserPasswordRequest, &hex::<22>(SET20_CAPTURED));
        assert_eq!(r.user_id, 3);
        assert_eq!(r.operation, PasswordOperation::SetPassword);
        let p = r.password.as_ref().unwrap();
        assert!(p.is_twenty_bytes());
        assert_eq!(&p.as_bytes()[..13], b"secret20bytes");
        let r = check_exact!(SetUserPasswordRequest, &hex::<18>(ENABLE3));
        assert_eq!(r.operation, PasswordOperation::EnableUser);
        assert_eq!(r.password, Some(Password::new(b"", false).unwrap()));
        let r = check_exact!(SetUserPasswordRequest, &hex::<18>(DISABLE3));
        assert_eq!(r.operation, PasswordOperation::DisableUser);
    }

    const SET16: &str = "020270617373776f72640000000000000000";
    const SET20: &str = "820270617373776f7264000000000000000000000000";

    #[test]
    fn set_password() {
        let r = check_exact!(SetUserPasswordRequest, &hex::<18>(SET16));
        assert_eq!(r.user_id, 2);
        assert_eq!(r.operation, PasswordOperation::SetPassword);
        let p = r.password.as_ref().unwrap();
        assert!(!p.is_twenty_bytes());
        assert_eq!(&p.as_bytes()[..8], b"password");
        assert!(p.matches(&hex::<20>("70617373776f7264000000000000000000000000")));
        assert!(!p.matches(&[0; 20]));
        let r = check_exact!(SetUserPasswordRequest, &hex::<22>(SET20));
        assert!(r.password.as_ref().unwrap().is_twenty_bytes());
        assert_eq!(r.password.as_ref().unwrap().as_bytes().len(), 20);
    }

    #[test]
    fn enable_disable_test() {
        let r = check_exact!(SetUserPasswordRequest, &[0x03, 0x01]);
        assert_eq!(r.operation, PasswordOperation::EnableUser);
        assert!(r.password.is_none());
        let mut dis = hex::<18>(SET16);
        dis[1] = 0x00;
        let r = check_exact!(SetUserPasswordRequest, &dis);
        assert_eq!(r.operation, PasswordOperation::DisableUser);
        let mut test = hex::<18>(SET16);
        test[1] = 0x03;
        let r = check_exact!(SetUserPasswordRequest, &test);
        assert_eq!(r.operation, PasswordOperation::TestPassword);
    }

    #[test]
    fn debug_redacts() {
        let r = SetUserPasswordRequest::parse(&hex::<18>(SET16)).unwrap();
        let s = format!("{r:?}");
        assert!(s.contains("redacted"), "{s}");
        // 112 = b'p': no byte of the password is printed, in any form.
        assert!(
            !s.contains("112") && !s.contains("0x70") && !s.contains("70"),
            "{s}"
        );
    }

    #[test]
    fn lengths_and_invalid() {
        assert_eq!(SetUserPasswordRequest::parse(&[]), Err(Error::Truncated));
        assert_eq!(
            SetUserPasswordRequest::parse(&[0x02]),
            Err(Error::Truncated)
        );
        // Set and test need the password.
        assert_eq!(
            SetUserPasswordRequest::parse(&[0x02, 0x02]),
            Err(Error::Truncated)
        );
        assert_eq!(
            SetUserPasswordRequest::parse(&[0x02, 0x03]),
            Err(Error::Truncated)
        );
        let set16 = hex::<18>(SET16);
        for n in 3..18 {
            assert_eq!(
                SetUserPasswordRequest::parse(&set16[..n]),
                Err(Error::Truncated)
            );
        }
        let mut long = [0u8; 23];
        long[..18].copy_from_slice(&set16);
        assert_eq!(
            SetUserPasswordRequest::parse(&long[..19]),
            Err(Error::TooLong)
        );
        // Bit 7 says 20 bytes but 16 came.
        let mut wrong = set16;
        wrong[0] |= 0x80;
        assert_eq!(SetUserPasswordRequest::parse(&wrong), Err(Error::Truncated));
        let set20 = hex::<22>(SET20);
        long[..22].copy_from_slice(&set20);
        assert_eq!(SetUserPasswordRequest::parse(&long), Err(Error::TooLong));
        // Emit refuses a set without password, and an oversized password is refused.
        let bad = SetUserPasswordRequest {
            user_id: 2,
            operation: PasswordOperation::SetPassword,
            password: None,
        };
        assert_eq!(bad.emit(&mut [0u8; 22]), Err(Error::InvalidField));
        assert_eq!(
            Password::new(&[b'x'; 17], false).err(),
            Some(Error::InvalidField)
        );
        assert!(Password::new(&[b'x'; 20], true).is_ok());
    }

    no_input_panics!(SetUserPasswordRequest);
}
