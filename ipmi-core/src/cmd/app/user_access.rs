//! Set User Access (App 0x43) and Get User Access (App 0x44): a user's privilege limit and
//! permissions on one channel (ipmitool `user list`, `user priv`, `channel setaccess`; freeipmi
//! `ipmi-config --section User2`).
//!
//! Set request: b7 change the bits in this byte, b6 callback only, b5 link auth, b4 IPMI
//! messaging, b3:0 channel · user id (b5:0) · privilege limit (b3:0) · optional session limit
//! (b3:0). Set response: no data.
//! Get request: channel (b3:0) · user id (b5:0).
//! Get response: maximum number of user ids (b5:0) · b7:6 user id enable status and b5:0 count of
//! enabled ids · count of fixed-name ids (b5:0) · b6 callback only, b5 link auth, b4 IPMI
//! messaging, b3:0 privilege limit.
use super::{bit, fit, flag, privilege_bits, privilege_of, Empty};
use crate::cmd::Body;
use crate::{Error, Privilege};

app_command! {
    /// Set User Access (App 0x43).
    SetUserAccess, 0x43, SetUserAccessRequest, Empty
}

app_command! {
    /// Get User Access (App 0x44).
    GetUserAccess, 0x44, GetUserAccessRequest, GetUserAccessResponse
}

open_enum! {
    /// User id enable status (Get User Access response byte 2, bits 7:6).
    pub enum UserEnableStatus {
        /// 00: unspecified (the BMC does not track it).
        Unspecified = 0,
        /// 01: enabled via Set User Password.
        Enabled = 1,
        /// 10: disabled via Set User Password.
        Disabled = 2,
    }
}

/// The Set User Access request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetUserAccessRequest {
    /// Byte 1 bit 7: apply bits 6:4 of byte 1 (else only the privilege and session limits).
    pub change_bits: bool,
    /// Byte 1 bit 6: user restricted to callback.
    pub callback_only: bool,
    /// Byte 1 bit 5: user enabled for link authentication.
    pub link_auth_enabled: bool,
    /// Byte 1 bit 4: user enabled for IPMI messaging.
    pub ipmi_messaging_enabled: bool,
    /// Byte 1 bits 3:0: channel number.
    pub channel: u8,
    /// Byte 2 bits 5:0: user id.
    pub user_id: u8,
    /// Byte 3 bits 3:0: user privilege limit ([`Privilege::NoAccess`] = no access).
    pub privilege_limit: Privilege,
    /// Byte 4 bits 3:0, optional: simultaneous session limit (0 = only the channel's limit).
    pub session_limit: Option<u8>,
}

impl<'a> Body<'a> for SetUserAccessRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (b, session_limit) = match *data {
            [a, b, c] => ([a, b, c], None),
            [a, b, c, d] => ([a, b, c], Some(d & 0x0F)),
            _ if data.len() < 3 => return Err(Error::Truncated),
            _ => return Err(Error::TooLong),
        };
        Ok(SetUserAccessRequest {
            change_bits: bit(b[0], 7),
            callback_only: bit(b[0], 6),
            link_auth_enabled: bit(b[0], 5),
            ipmi_messaging_enabled: bit(b[0], 4),
            channel: b[0] & 0x0F,
            user_id: b[1] & 0x3F,
            privilege_limit: privilege_of(b[2]),
            session_limit,
        })
    }

    fn buffer_len(&self) -> usize {
        if self.session_limit.is_some() {
            4
        } else {
            3
        }
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        out[0] = flag(self.change_bits, 7)
            | flag(self.callback_only, 6)
            | flag(self.link_auth_enabled, 5)
            | flag(self.ipmi_messaging_enabled, 4)
            | fit(self.channel, 0x0F)?;
        out[1] = fit(self.user_id, 0x3F)?;
        out[2] = privilege_bits(self.privilege_limit)?;
        if let Some(limit) = self.session_limit {
            out[3] = fit(limit, 0x0F)?;
        }
        Ok(len)
    }
}

/// The Get User Access request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetUserAccessRequest {
    /// Byte 1 bits 3:0: channel number.
    pub channel: u8,
    /// Byte 2 bits 5:0: user id.
    pub user_id: u8,
}

impl GetUserAccessRequest {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetUserAccessRequest {
            channel: b[0] & 0x0F,
            user_id: b[1] & 0x3F,
        })
    }

    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([fit(self.channel, 0x0F)?, fit(self.user_id, 0x3F)?])
    }
}

fixed_body!(GetUserAccessRequest, 2);

/// The Get User Access response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetUserAccessResponse {
    /// Byte 1 bits 5:0: maximum number of user ids (ipmitool `user list` walks 1..=this).
    pub max_user_ids: u8,
    /// Byte 2 bits 7:6: whether this user id is enabled.
    pub enable_status: UserEnableStatus,
    /// Byte 2 bits 5:0: count of currently enabled user ids.
    pub enabled_user_ids: u8,
    /// Byte 3 bits 5:0: count of user ids with fixed names (including user 1).
    pub fixed_name_user_ids: u8,
    /// Byte 4 bit 6: user restricted to callback.
    pub callback_only: bool,
    /// Byte 4 bit 5: link authentication enabled.
    pub link_auth_enabled: bool,
    /// Byte 4 bit 4: IPMI messaging enabled.
    pub ipmi_messaging_enabled: bool,
    /// Byte 4 bits 3:0: user privilege limit on this channel.
    pub privilege_limit: Privilege,
}

impl GetUserAccessResponse {
    fn decode(b: &[u8; 4]) -> Result<Self, Error> {
        Ok(GetUserAccessResponse {
            max_user_ids: b[0] & 0x3F,
            enable_status: UserEnableStatus::from(b[1] >> 6),
            enabled_user_ids: b[1] & 0x3F,
            fixed_name_user_ids: b[2] & 0x3F,
            callback_only: bit(b[3], 6),
            link_auth_enabled: bit(b[3], 5),
            ipmi_messaging_enabled: bit(b[3], 4),
            privilege_limit: privilege_of(b[3]),
        })
    }

    fn encode(&self) -> Result<[u8; 4], Error> {
        Ok([
            fit(self.max_user_ids, 0x3F)?,
            fit(u8::from(self.enable_status), 0x03)? << 6 | fit(self.enabled_user_ids, 0x3F)?,
            fit(self.fixed_name_user_ids, 0x3F)?,
            flag(self.callback_only, 6)
                | flag(self.link_auth_enabled, 5)
                | flag(self.ipmi_messaging_enabled, 4)
                | privilege_bits(self.privilege_limit)?,
        ])
    }
}

fixed_body!(GetUserAccessResponse, 4);

#[cfg(test)]
mod tests {
    use super::*;

    // Captured against ipmi_sim (testdata/ipmi_sim-app-commands.txt): freeipmi `ipmi-config
    // --checkout --section=User2` (Get User Access 01 02 -> 3f 02 00 14, printed
    // Lan_Enable_IPMI_Msgs Yes, Lan_Enable_Link_Auth No, Restricted_to_Callback No, Administrator)
    // and ipmitool `user priv 3 3 1`, `channel setaccess 1 3 callin=off ipmi=on link=on privilege=3`.
    #[test]
    fn captured() {
        let r = check_exact!(GetUserAccessRequest, &[0x01, 0x02]);
        assert_eq!((r.channel, r.user_id), (1, 2));
        let r = check_exact!(GetUserAccessResponse, &[0x3f, 0x02, 0x00, 0x14]);
        assert_eq!(r.max_user_ids, 63);
        assert_eq!(r.enable_status, UserEnableStatus::Unspecified);
        assert_eq!(r.enabled_user_ids, 2);
        assert_eq!(r.fixed_name_user_ids, 0);
        assert!(r.ipmi_messaging_enabled && !r.link_auth_enabled && !r.callback_only);
        assert_eq!(r.privilege_limit, Privilege::Administrator);
        let r = check_exact!(GetUserAccessResponse, &[0x3f, 0x02, 0x00, 0x02]);
        assert_eq!(r.privilege_limit, Privilege::User);
        assert!(!r.ipmi_messaging_enabled);
        let r = check_exact!(SetUserAccessRequest, &[0x01, 0x03, 0x03, 0x00]);
        assert!(!r.change_bits);
        assert_eq!((r.channel, r.user_id), (1, 3));
        assert_eq!(r.privilege_limit, Privilege::Operator);
        assert_eq!(r.session_limit, Some(0));
        let r = check_exact!(SetUserAccessRequest, &[0xb1, 0x03, 0x03, 0x00]);
        assert!(r.change_bits && r.link_auth_enabled && r.ipmi_messaging_enabled);
        assert!(!r.callback_only);
    }

    // The bytes below follow the specification's layout.
    #[test]
    fn get() {
        // ipmitool `user list 1`: channel 1, user 2.
        let r = check_exact!(GetUserAccessRequest, &[0x01, 0x02]);
        assert_eq!((r.channel, r.user_id), (1, 2));
        // 16 ids, this one enabled, 2 enabled in all, 1 fixed name, messaging on, ADMINISTRATOR.
        let r = check_exact!(GetUserAccessResponse, &[0x10, 0x42, 0x01, 0x14]);
        assert_eq!(r.max_user_ids, 16);
        assert_eq!(r.enable_status, UserEnableStatus::Enabled);
        assert_eq!(r.enabled_user_ids, 2);
        assert_eq!(r.fixed_name_user_ids, 1);
        assert!(r.ipmi_messaging_enabled && !r.link_auth_enabled && !r.callback_only);
        assert_eq!(r.privilege_limit, Privilege::Administrator);
        // The disabled null user: NO ACCESS.
        let r = check_exact!(GetUserAccessResponse, &[0x10, 0x82, 0x01, 0x0F]);
        assert_eq!(r.enable_status, UserEnableStatus::Disabled);
        assert_eq!(r.privilege_limit, Privilege::NoAccess);
    }

    #[test]
    fn set() {
        // ipmitool `channel setaccess 1 3 ipmi=on privilege=3`: 4 bytes.
        let r = check_exact!(SetUserAccessRequest, &[0x91, 0x03, 0x03, 0x00]);
        assert!(r.change_bits && r.ipmi_messaging_enabled);
        assert!(!r.link_auth_enabled && !r.callback_only);
        assert_eq!((r.channel, r.user_id), (1, 3));
        assert_eq!(r.privilege_limit, Privilege::Operator);
        assert_eq!(r.session_limit, Some(0));
        let r = check_exact!(SetUserAccessRequest, &[0x01, 0x03, 0x04]);
        assert!(!r.change_bits);
        assert_eq!(r.session_limit, None);
        let bad = SetUserAccessRequest { user_id: 64, ..r };
        assert_eq!(bad.emit(&mut [0u8; 4]), Err(Error::InvalidField));
        let bad = SetUserAccessRequest {
            session_limit: Some(16),
            ..r
        };
        assert_eq!(bad.emit(&mut [0u8; 4]), Err(Error::InvalidField));
    }

    #[test]
    fn lengths() {
        check_lengths!(GetUserAccessRequest, &[0x01, 0x02]);
        check_lengths!(GetUserAccessResponse, &[0x10, 0x42, 0x01, 0x14]);
        for n in 0..3 {
            assert_eq!(
                SetUserAccessRequest::parse(&[1; 3][..n]),
                Err(Error::Truncated)
            );
        }
        assert_eq!(SetUserAccessRequest::parse(&[1; 5]), Err(Error::TooLong));
    }

    no_input_panics!(
        GetUserAccessRequest,
        GetUserAccessResponse,
        SetUserAccessRequest
    );
}
