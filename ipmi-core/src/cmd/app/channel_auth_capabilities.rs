//! Get Channel Authentication Capabilities (App 0x38): the first request of every IPMI-over-LAN
//! client, sent before any session (ipmitool lanplus in 1.5 framing with `8E priv`, retrying with
//! `0E priv`). freeipmi checks the user-name bits and that the K_g bit matches its `-k`.
//!
//! Request: channel (b7 = get IPMI v2.0 extended data, b3:0 channel) · requested maximum privilege.
//! Response (8 bytes): channel · auth type support · status · extended capabilities · OEM IANA (3)
//! · OEM auxiliary data.
use super::{bit, fit, flag, privilege_bits, privilege_of, AuthType};
use crate::{Error, Privilege};

app_command! {
    /// Get Channel Authentication Capabilities (App 0x38).
    GetChannelAuthCapabilities, 0x38, GetChannelAuthCapabilitiesRequest,
    GetChannelAuthCapabilitiesResponse
}

/// The Get Channel Authentication Capabilities request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelAuthCapabilitiesRequest {
    /// Byte 1 bit 7: the console asks for IPMI v2.0 extended data (RMCP+ capable console).
    pub get_ipmi_v20_extended_data: bool,
    /// Byte 1 bits 3:0: channel number (0x0E = this channel).
    pub channel: u8,
    /// Byte 2 bits 3:0: requested maximum privilege level.
    pub requested_max_privilege: Privilege,
}

impl GetChannelAuthCapabilitiesRequest {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetChannelAuthCapabilitiesRequest {
            get_ipmi_v20_extended_data: bit(b[0], 7),
            channel: b[0] & 0x0F,
            requested_max_privilege: privilege_of(b[1]),
        })
    }

    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([
            flag(self.get_ipmi_v20_extended_data, 7) | fit(self.channel, 0x0F)?,
            privilege_bits(self.requested_max_privilege)?,
        ])
    }
}

fixed_body!(GetChannelAuthCapabilitiesRequest, 2);

/// The IPMI 1.5 authentication types a channel supports (response byte 2, bits 5:0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AuthTypeSupport {
    /// Bit 5: OEM proprietary.
    pub oem: bool,
    /// Bit 4: straight password / key.
    pub straight_password: bool,
    /// Bit 2: MD5.
    pub md5: bool,
    /// Bit 1: MD2.
    pub md2: bool,
    /// Bit 0: none.
    pub none: bool,
}

impl AuthTypeSupport {
    /// Decodes bits 5:0 of the auth type support byte.
    pub const fn from_byte(b: u8) -> Self {
        AuthTypeSupport {
            oem: bit(b, 5),
            straight_password: bit(b, 4),
            md5: bit(b, 2),
            md2: bit(b, 1),
            none: bit(b, 0),
        }
    }
    /// Encodes bits 5:0 of the auth type support byte.
    pub const fn to_byte(self) -> u8 {
        flag(self.oem, 5)
            | flag(self.straight_password, 4)
            | flag(self.md5, 2)
            | flag(self.md2, 1)
            | flag(self.none, 0)
    }
    /// Whether `auth_type` is among the supported ones (RMCP+ and unknown types never are).
    pub const fn supports(self, auth_type: AuthType) -> bool {
        match auth_type {
            AuthType::None => self.none,
            AuthType::Md2 => self.md2,
            AuthType::Md5 => self.md5,
            AuthType::StraightPassword => self.straight_password,
            AuthType::Oem => self.oem,
            AuthType::RmcpPlus | AuthType::Unknown(_) => false,
        }
    }
}

/// The Get Channel Authentication Capabilities response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelAuthCapabilitiesResponse {
    /// Byte 1 bits 3:0: the channel number (the real one, not 0x0E).
    pub channel: u8,
    /// Byte 2 bit 7: IPMI v2.0+ extended capabilities available (byte 4 is meaningful).
    pub ipmi_v20_extended_capabilities: bool,
    /// Byte 2 bits 5:0: IPMI 1.5 authentication types enabled for the requested privilege.
    pub auth_types: AuthTypeSupport,
    /// Byte 3 bit 5: K_g is set to a non-default (non-zero) value.
    pub kg_non_default: bool,
    /// Byte 3 bit 4: per-message authentication is disabled.
    pub per_message_auth_disabled: bool,
    /// Byte 3 bit 3: user-level authentication is disabled.
    pub user_level_auth_disabled: bool,
    /// Byte 3 bit 2: non-null user names are enabled.
    pub non_null_usernames: bool,
    /// Byte 3 bit 1: null user names are enabled.
    pub null_usernames: bool,
    /// Byte 3 bit 0: anonymous login (null user, null password) is enabled.
    pub anonymous_login: bool,
    /// Byte 4 bit 1: the channel supports IPMI v2.0 (RMCP+) connections.
    pub supports_ipmi_v20: bool,
    /// Byte 4 bit 0: the channel supports IPMI v1.5 connections.
    pub supports_ipmi_v15: bool,
    /// Bytes 5-7: OEM IANA enterprise number (24 bits, little-endian), 0 when no OEM auth type.
    pub oem_iana: u32,
    /// Byte 8: OEM auxiliary data.
    pub oem_aux: u8,
}

impl GetChannelAuthCapabilitiesResponse {
    /// This answer as `request` should see it: a console that did not ask for IPMI v2.0
    /// extended data (request byte 1 bit 7 clear, e.g. ipmiping, ipmitool's `0E` retry) gets byte 2
    /// bit 7 and byte 4 cleared, as ipmi_sim answers; everything else is unchanged.
    pub fn for_request(self, request: &GetChannelAuthCapabilitiesRequest) -> Self {
        if request.get_ipmi_v20_extended_data {
            self
        } else {
            GetChannelAuthCapabilitiesResponse {
                ipmi_v20_extended_capabilities: false,
                supports_ipmi_v20: false,
                supports_ipmi_v15: false,
                ..self
            }
        }
    }

    fn decode(b: &[u8; 8]) -> Result<Self, Error> {
        Ok(GetChannelAuthCapabilitiesResponse {
            channel: b[0] & 0x0F,
            ipmi_v20_extended_capabilities: bit(b[1], 7),
            auth_types: AuthTypeSupport::from_byte(b[1]),
            kg_non_default: bit(b[2], 5),
            per_message_auth_disabled: bit(b[2], 4),
            user_level_auth_disabled: bit(b[2], 3),
            non_null_usernames: bit(b[2], 2),
            null_usernames: bit(b[2], 1),
            anonymous_login: bit(b[2], 0),
            supports_ipmi_v20: bit(b[3], 1),
            supports_ipmi_v15: bit(b[3], 0),
            oem_iana: u32::from_le_bytes([b[4], b[5], b[6], 0]),
            oem_aux: b[7],
        })
    }

    fn encode(&self) -> Result<[u8; 8], Error> {
        if self.oem_iana > 0x00FF_FFFF {
            return Err(Error::InvalidField);
        }
        let iana = self.oem_iana.to_le_bytes();
        Ok([
            fit(self.channel, 0x0F)?,
            flag(self.ipmi_v20_extended_capabilities, 7) | self.auth_types.to_byte(),
            flag(self.kg_non_default, 5)
                | flag(self.per_message_auth_disabled, 4)
                | flag(self.user_level_auth_disabled, 3)
                | flag(self.non_null_usernames, 2)
                | flag(self.null_usernames, 1)
                | flag(self.anonymous_login, 0),
            flag(self.supports_ipmi_v20, 1) | flag(self.supports_ipmi_v15, 0),
            iana[0],
            iana[1],
            iana[2],
            self.oem_aux,
        ])
    }
}

fixed_body!(GetChannelAuthCapabilitiesResponse, 8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;
    use crate::cmd::Body;

    #[test]
    fn requests_from_clients() {
        // ipmitool lanplus (cs00-ipmitool-4cmds.txt): 8e 04.
        let r = check_exact!(GetChannelAuthCapabilitiesRequest, &[0x8e, 0x04]);
        assert!(r.get_ipmi_v20_extended_data);
        assert_eq!(r.channel, 0x0E);
        assert_eq!(r.requested_max_privilege, Privilege::Administrator);
        // ipmipower (cs00-ipmipower-stat.txt): 8e 03.
        let r = check_exact!(GetChannelAuthCapabilitiesRequest, &[0x8e, 0x03]);
        assert_eq!(r.requested_max_privilege, Privilege::Operator);
        // ipmiping (v15-ipmiping.txt): 0e 02.
        let r = check_exact!(GetChannelAuthCapabilitiesRequest, &[0x0e, 0x02]);
        assert!(!r.get_ipmi_v20_extended_data);
        assert_eq!(r.requested_max_privilege, Privilege::User);
    }

    #[test]
    fn ipmi_sim_response_to_lanplus() {
        // cs00-ipmipower-stat.txt: ipmi_sim, RMCP+ console.
        let r = check_exact!(
            GetChannelAuthCapabilitiesResponse,
            &hex::<8>("0197040300000000")
        );
        assert_eq!(r.channel, 1);
        assert!(r.ipmi_v20_extended_capabilities);
        assert_eq!(
            r.auth_types,
            AuthTypeSupport {
                oem: false,
                straight_password: true,
                md5: true,
                md2: true,
                none: true
            }
        );
        assert!(r.auth_types.supports(AuthType::Md5));
        assert!(!r.auth_types.supports(AuthType::RmcpPlus));
        assert!(r.non_null_usernames);
        assert!(!r.null_usernames && !r.anonymous_login && !r.kg_non_default);
        assert!(!r.per_message_auth_disabled && !r.user_level_auth_disabled);
        assert!(r.supports_ipmi_v20 && r.supports_ipmi_v15);
        assert_eq!(r.oem_iana, 0);
        assert_eq!(r.oem_aux, 0);
    }

    #[test]
    fn kg_and_v15_responses() {
        // kg-cs03-ipmipower-stat.txt: ipmi_sim with a K_g set.
        let r = check_exact!(
            GetChannelAuthCapabilitiesResponse,
            &hex::<8>("0197240300000000")
        );
        assert!(r.kg_non_default && r.non_null_usernames);
        // kg-cs17-ipmipower-stat.txt: fakebmc.py (MD5 only, 2.0 only, K_g set).
        let r = check_exact!(
            GetChannelAuthCapabilitiesResponse,
            &hex::<8>("0184240200000000")
        );
        assert!(r.auth_types.md5 && !r.auth_types.none && !r.auth_types.straight_password);
        assert!(r.supports_ipmi_v20 && !r.supports_ipmi_v15 && r.kg_non_default);
        // v15-ipmiping.txt: answer to a 1.5 request, no extended capabilities.
        let r = check_exact!(
            GetChannelAuthCapabilitiesResponse,
            &hex::<8>("0117040000000000")
        );
        assert!(!r.ipmi_v20_extended_capabilities);
        assert!(!r.supports_ipmi_v20 && !r.supports_ipmi_v15);
    }

    #[test]
    fn answer_depends_on_the_v20_request_bit() {
        // ipmi_sim answers `8e ..` with 01 97 04 03 .. and `0e ..` with 01 17 04 00 ..
        // (cs00-ipmipower-stat.txt, v15-ipmiping.txt).
        let full =
            GetChannelAuthCapabilitiesResponse::parse(&hex::<8>("0197040300000000")).unwrap();
        let v20 = GetChannelAuthCapabilitiesRequest::parse(&[0x8e, 0x03]).unwrap();
        let v15 = GetChannelAuthCapabilitiesRequest::parse(&[0x0e, 0x02]).unwrap();
        let mut out = [0u8; 8];
        full.for_request(&v20).emit(&mut out).unwrap();
        assert_eq!(out, hex::<8>("0197040300000000"));
        full.for_request(&v15).emit(&mut out).unwrap();
        assert_eq!(out, hex::<8>("0117040000000000"));
    }

    #[test]
    fn construct_and_invalid_fields() {
        let r = GetChannelAuthCapabilitiesResponse {
            channel: 1,
            ipmi_v20_extended_capabilities: true,
            auth_types: AuthTypeSupport::from_byte(0x17),
            kg_non_default: false,
            per_message_auth_disabled: false,
            user_level_auth_disabled: false,
            non_null_usernames: true,
            null_usernames: false,
            anonymous_login: false,
            supports_ipmi_v20: true,
            supports_ipmi_v15: true,
            oem_iana: 0,
            oem_aux: 0,
        };
        let mut out = [0u8; 8];
        assert_eq!(r.emit(&mut out), Ok(8));
        assert_eq!(out, hex::<8>("0197040300000000"));
        let bad = GetChannelAuthCapabilitiesResponse {
            oem_iana: 1 << 24,
            ..r
        };
        assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
        let bad = GetChannelAuthCapabilitiesResponse { channel: 0x10, ..r };
        assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
        let req = GetChannelAuthCapabilitiesRequest {
            get_ipmi_v20_extended_data: true,
            channel: 0x0E,
            requested_max_privilege: Privilege::Unknown(0x14),
        };
        assert_eq!(req.emit(&mut out), Err(Error::InvalidField));
    }

    #[test]
    fn lengths() {
        check_lengths!(GetChannelAuthCapabilitiesRequest, &[0x8e, 0x04]);
        check_lengths!(
            GetChannelAuthCapabilitiesResponse,
            &hex::<8>("0197040300000000")
        );
    }

    no_input_panics!(
        GetChannelAuthCapabilitiesRequest,
        GetChannelAuthCapabilitiesResponse
    );
}
