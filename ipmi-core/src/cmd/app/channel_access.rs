//! Set Channel Access (App 0x40) and Get Channel Access (App 0x41): whether and how a channel
//! may be used, and its privilege limit (ipmitool `channel info` reads both the volatile and the
//! non-volatile settings; `lan set N access on|off` and `lan set N privilege` write them).
//!
//! Get request: channel (b3:0) · b7:6 which settings (01 non-volatile, 10 volatile).
//! Get response: b5 PEF alerting disabled, b4 per-message auth disabled, b3 user-level auth
//! disabled, b2:0 access mode · channel privilege limit (b3:0).
//! Set request: channel (b3:0) · b7:6 what to set + the same flags and access mode as the Get
//! response · b7:6 what to set + privilege limit (b3:0). Set response: no data.
use super::{bit, fit, flag, privilege_bits, privilege_of, Empty};
use crate::{Error, Privilege};

app_command! {
    /// Get Channel Access (App 0x41).
    GetChannelAccess, 0x41, GetChannelAccessRequest, GetChannelAccessResponse
}

app_command! {
    /// Set Channel Access (App 0x40).
    SetChannelAccess, 0x40, SetChannelAccessRequest, Empty
}

open_enum! {
    /// Channel access mode (bits 2:0).
    pub enum ChannelAccessMode {
        /// 0: channel disabled.
        Disabled = 0,
        /// 1: pre-boot only (while the system is powered down or in BIOS).
        PreBootOnly = 1,
        /// 2: always available.
        AlwaysAvailable = 2,
        /// 3: shared.
        Shared = 3,
    }
}

open_enum! {
    /// Which copy of the settings a request reads or writes (bits 7:6).
    pub enum ChannelAccessSelector {
        /// 00: Set: do not change this part. (Reserved in Get.)
        DontChange = 0,
        /// 01: the non-volatile settings (survive a BMC restart).
        NonVolatile = 1,
        /// 10: the present volatile (active) settings.
        Volatile = 2,
    }
}

fn selector_bits(s: ChannelAccessSelector) -> Result<u8, Error> {
    Ok(fit(u8::from(s), 0x03)? << 6)
}

fn selector_of(b: u8) -> ChannelAccessSelector {
    ChannelAccessSelector::from(b >> 6)
}

/// The Get Channel Access request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelAccessRequest {
    /// Byte 1 bits 3:0: channel number (0x0E = this channel).
    pub channel: u8,
    /// Byte 2 bits 7:6: non-volatile or volatile settings.
    pub selector: ChannelAccessSelector,
}

impl GetChannelAccessRequest {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetChannelAccessRequest {
            channel: b[0] & 0x0F,
            selector: selector_of(b[1]),
        })
    }

    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([fit(self.channel, 0x0F)?, selector_bits(self.selector)?])
    }
}

fixed_body!(GetChannelAccessRequest, 2);

/// The Get Channel Access response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelAccessResponse {
    /// Byte 1 bit 5: PEF alerting disabled on this channel.
    pub alerting_disabled: bool,
    /// Byte 1 bit 4: per-message authentication disabled.
    pub per_message_auth_disabled: bool,
    /// Byte 1 bit 3: user-level authentication disabled.
    pub user_level_auth_disabled: bool,
    /// Byte 1 bits 2:0: access mode.
    pub access_mode: ChannelAccessMode,
    /// Byte 2 bits 3:0: channel privilege level limit.
    pub privilege_limit: Privilege,
}

impl GetChannelAccessResponse {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetChannelAccessResponse {
            alerting_disabled: bit(b[0], 5),
            per_message_auth_disabled: bit(b[0], 4),
            user_level_auth_disabled: bit(b[0], 3),
            access_mode: ChannelAccessMode::from(b[0] & 0x07),
            privilege_limit: privilege_of(b[1]),
        })
    }

    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([
            flag(self.alerting_disabled, 5)
                | flag(self.per_message_auth_disabled, 4)
                | flag(self.user_level_auth_disabled, 3)
                | fit(u8::from(self.access_mode), 0x07)?,
            privilege_bits(self.privilege_limit)?,
        ])
    }
}

fixed_body!(GetChannelAccessResponse, 2);

/// The Set Channel Access request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetChannelAccessRequest {
    /// Byte 1 bits 3:0: channel number.
    pub channel: u8,
    /// Byte 2 bits 7:6: which settings the access fields below go to (or none).
    pub access_selector: ChannelAccessSelector,
    /// Byte 2 bit 5: disable PEF alerting.
    pub alerting_disabled: bool,
    /// Byte 2 bit 4: disable per-message authentication.
    pub per_message_auth_disabled: bool,
    /// Byte 2 bit 3: disable user-level authentication.
    pub user_level_auth_disabled: bool,
    /// Byte 2 bits 2:0: access mode.
    pub access_mode: ChannelAccessMode,
    /// Byte 3 bits 7:6: which settings the privilege limit goes to (or none).
    pub privilege_selector: ChannelAccessSelector,
    /// Byte 3 bits 3:0: channel privilege level limit.
    pub privilege_limit: Privilege,
}

impl SetChannelAccessRequest {
    fn decode(b: &[u8; 3]) -> Result<Self, Error> {
        Ok(SetChannelAccessRequest {
            channel: b[0] & 0x0F,
            access_selector: selector_of(b[1]),
            alerting_disabled: bit(b[1], 5),
            per_message_auth_disabled: bit(b[1], 4),
            user_level_auth_disabled: bit(b[1], 3),
            access_mode: ChannelAccessMode::from(b[1] & 0x07),
            privilege_selector: selector_of(b[2]),
            privilege_limit: privilege_of(b[2]),
        })
    }

    fn encode(&self) -> Result<[u8; 3], Error> {
        Ok([
            fit(self.channel, 0x0F)?,
            selector_bits(self.access_selector)?
                | flag(self.alerting_disabled, 5)
                | flag(self.per_message_auth_disabled, 4)
                | flag(self.user_level_auth_disabled, 3)
                | fit(u8::from(self.access_mode), 0x07)?,
            selector_bits(self.privilege_selector)? | privilege_bits(self.privilege_limit)?,
        ])
    }
}

fixed_body!(SetChannelAccessRequest, 3);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    // ipmitool `channel info 1` and `lan set 1 access on` against ipmi_sim
    // (testdata/ipmi_sim-app-commands.txt): Get `01 80` / `01 40` -> `02 04` (ipmitool printed
    // alerting, per-message auth and user level auth "enabled", access mode "always available").
    #[test]
    fn ipmi_sim_get() {
        let r = check_exact!(GetChannelAccessResponse, &[0x02, 0x04]);
        assert!(!r.alerting_disabled && !r.per_message_auth_disabled);
        assert!(!r.user_level_auth_disabled);
        assert_eq!(r.access_mode, ChannelAccessMode::AlwaysAvailable);
        assert_eq!(r.privilege_limit, Privilege::Administrator);
    }

    #[test]
    fn get() {
        let r = check_exact!(GetChannelAccessRequest, &[0x01, 0x80]);
        assert_eq!(r.channel, 1);
        assert_eq!(r.selector, ChannelAccessSelector::Volatile);
        let r = check_exact!(GetChannelAccessRequest, &[0x01, 0x40]);
        assert_eq!(r.selector, ChannelAccessSelector::NonVolatile);
        let r = check_exact!(GetChannelAccessResponse, &[0x12, 0x04]);
        assert!(r.per_message_auth_disabled);
        assert!(!r.alerting_disabled && !r.user_level_auth_disabled);
        assert_eq!(r.access_mode, ChannelAccessMode::AlwaysAvailable);
        assert_eq!(r.privilege_limit, Privilege::Administrator);
        let r = check_exact!(GetChannelAccessResponse, &[0x28, 0x03]);
        assert!(r.alerting_disabled && r.user_level_auth_disabled);
        assert_eq!(r.access_mode, ChannelAccessMode::Disabled);
        assert_eq!(r.privilege_limit, Privilege::Operator);
    }

    #[test]
    fn set() {
        // `ipmitool lan set 1 access on` (captured): the non-volatile then the volatile settings,
        // "always available", privilege limit rewritten with the value read before.
        let r = check_exact!(SetChannelAccessRequest, &[0x01, 0x42, 0x44]);
        assert_eq!(r.channel, 1);
        assert_eq!(r.access_selector, ChannelAccessSelector::NonVolatile);
        assert_eq!(r.access_mode, ChannelAccessMode::AlwaysAvailable);
        assert!(!r.alerting_disabled && !r.per_message_auth_disabled);
        assert_eq!(r.privilege_selector, ChannelAccessSelector::NonVolatile);
        assert_eq!(r.privilege_limit, Privilege::Administrator);
        let r = check_exact!(SetChannelAccessRequest, &[0x01, 0x82, 0x84]);
        assert_eq!(r.access_selector, ChannelAccessSelector::Volatile);
        assert_eq!(r.privilege_selector, ChannelAccessSelector::Volatile);
        let r = check_exact!(SetChannelAccessRequest, &[0x01, 0x82, 0x00]);
        assert_eq!(r.privilege_selector, ChannelAccessSelector::DontChange);
        let r = check_exact!(SetChannelAccessRequest, &[0x01, 0x00, 0x44]);
        assert_eq!(r.access_selector, ChannelAccessSelector::DontChange);
        assert_eq!(r.privilege_selector, ChannelAccessSelector::NonVolatile);
        assert_eq!(r.privilege_limit, Privilege::Administrator);
        let bad = SetChannelAccessRequest {
            access_mode: ChannelAccessMode::Unknown(8),
            ..r
        };
        assert_eq!(bad.emit(&mut [0u8; 3]), Err(Error::InvalidField));
        let bad = SetChannelAccessRequest {
            privilege_selector: ChannelAccessSelector::Unknown(4),
            ..r
        };
        assert_eq!(bad.emit(&mut [0u8; 3]), Err(Error::InvalidField));
    }

    #[test]
    fn lengths() {
        check_lengths!(GetChannelAccessRequest, &[0x01, 0x80]);
        check_lengths!(GetChannelAccessResponse, &[0x12, 0x04]);
        check_lengths!(SetChannelAccessRequest, &[0x01, 0x82, 0x00]);
    }

    no_input_panics!(
        GetChannelAccessRequest,
        GetChannelAccessResponse,
        SetChannelAccessRequest
    );
}
