//! Get Channel Info (App 0x42): what kind of channel a number names (ipmitool `channel info`,
//! and ipmitool `lan print` which walks channels looking for an 802.3 LAN one).
//!
//! Request: channel (b3:0; 0x0E = this channel).
//! Response (9 bytes): channel (b3:0) · medium type (b6:0) · protocol type (b4:0) · session
//! support (b7:6) and number of active sessions (b5:0) · vendor IANA (3, LE; the IPMI Forum's
//! 7154 for standard protocols) · auxiliary channel info (2).
use super::{fit, CHANNEL_CURRENT};
use crate::Error;

app_command! {
    /// Get Channel Info (App 0x42).
    GetChannelInfo, 0x42, GetChannelInfoRequest, GetChannelInfoResponse
}

/// The IPMI Forum's IANA enterprise number, the vendor id of every standard channel protocol.
pub const IPMI_FORUM_IANA: u32 = 7154;

open_enum! {
    /// Channel medium type (bits 6:0).
    pub enum ChannelMedium {
        /// 0x01 IPMB (I2C).
        Ipmb = 0x01,
        /// 0x02 ICMB v1.0.
        IcmbV10 = 0x02,
        /// 0x03 ICMB v0.9.
        IcmbV09 = 0x03,
        /// 0x04 802.3 LAN.
        Lan802_3 = 0x04,
        /// 0x05 asynchronous serial/modem (RS-232).
        Serial = 0x05,
        /// 0x06 other LAN.
        OtherLan = 0x06,
        /// 0x07 PCI SMBus.
        PciSmbus = 0x07,
        /// 0x08 SMBus v1.0/1.1.
        SmbusV1 = 0x08,
        /// 0x09 SMBus v2.0.
        SmbusV2 = 0x09,
        /// 0x0A USB 1.x.
        Usb1 = 0x0A,
        /// 0x0B USB 2.x.
        Usb2 = 0x0B,
        /// 0x0C system interface (KCS, SMIC, BT, SSIF).
        SystemInterface = 0x0C,
    }
}

open_enum! {
    /// Channel protocol type (bits 4:0).
    pub enum ChannelProtocol {
        /// 0x01 IPMB-1.0 (also used for 802.3 LAN channels).
        IpmbV10 = 0x01,
        /// 0x02 ICMB-1.0.
        IcmbV10 = 0x02,
        /// 0x04 IPMI-SMBus.
        IpmiSmbus = 0x04,
        /// 0x05 KCS.
        Kcs = 0x05,
        /// 0x06 SMIC.
        Smic = 0x06,
        /// 0x07 BT-10.
        Bt10 = 0x07,
        /// 0x08 BT-15.
        Bt15 = 0x08,
        /// 0x09 TMode.
        TMode = 0x09,
    }
}

open_enum! {
    /// Channel session support (bits 7:6).
    pub enum SessionSupport {
        /// 00 session-less.
        SessionLess = 0,
        /// 01 single-session.
        SingleSession = 1,
        /// 10 multi-session.
        MultiSession = 2,
        /// 11 session-based (sessions supported, count not limited to one).
        SessionBased = 3,
    }
}

/// The Get Channel Info request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelInfoRequest {
    /// Byte 1 bits 3:0: channel number ([`CHANNEL_CURRENT`] = this channel).
    pub channel: u8,
}

impl GetChannelInfoRequest {
    /// Whether the request names the channel it arrives on.
    pub fn is_current_channel(&self) -> bool {
        self.channel == CHANNEL_CURRENT
    }

    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        Ok(GetChannelInfoRequest {
            channel: b[0] & 0x0F,
        })
    }

    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([fit(self.channel, 0x0F)?])
    }
}

fixed_body!(GetChannelInfoRequest, 1);

/// The Get Channel Info response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelInfoResponse {
    /// Byte 1 bits 3:0: the actual channel number (never 0x0E).
    pub channel: u8,
    /// Byte 2 bits 6:0: channel medium type.
    pub medium_type: ChannelMedium,
    /// Byte 3 bits 4:0: channel protocol type.
    pub protocol_type: ChannelProtocol,
    /// Byte 4 bits 7:6: session support.
    pub session_support: SessionSupport,
    /// Byte 4 bits 5:0: number of sessions active on this channel.
    pub active_sessions: u8,
    /// Bytes 5-7: vendor IANA number (LE), [`IPMI_FORUM_IANA`] for standard protocols.
    pub vendor_iana: u32,
    /// Bytes 8-9: auxiliary channel info (IRQs for system interfaces; 0 for LAN).
    pub aux: [u8; 2],
}

impl GetChannelInfoResponse {
    /// The answer for a multi-session 802.3 LAN channel speaking the standard protocol.
    pub const fn lan(channel: u8, active_sessions: u8) -> Self {
        GetChannelInfoResponse {
            channel,
            medium_type: ChannelMedium::Lan802_3,
            protocol_type: ChannelProtocol::IpmbV10,
            session_support: SessionSupport::MultiSession,
            active_sessions,
            vendor_iana: IPMI_FORUM_IANA,
            aux: [0, 0],
        }
    }

    fn decode(b: &[u8; 9]) -> Result<Self, Error> {
        Ok(GetChannelInfoResponse {
            channel: b[0] & 0x0F,
            medium_type: ChannelMedium::from(b[1] & 0x7F),
            protocol_type: ChannelProtocol::from(b[2] & 0x1F),
            session_support: SessionSupport::from(b[3] >> 6),
            active_sessions: b[3] & 0x3F,
            vendor_iana: u32::from_le_bytes([b[4], b[5], b[6], 0]),
            aux: [b[7], b[8]],
        })
    }

    fn encode(&self) -> Result<[u8; 9], Error> {
        if self.vendor_iana > 0x00FF_FFFF {
            return Err(Error::InvalidField);
        }
        let iana = self.vendor_iana.to_le_bytes();
        Ok([
            fit(self.channel, 0x0F)?,
            fit(u8::from(self.medium_type), 0x7F)?,
            fit(u8::from(self.protocol_type), 0x1F)?,
            fit(u8::from(self.session_support), 0x03)? << 6 | fit(self.active_sessions, 0x3F)?,
            iana[0],
            iana[1],
            iana[2],
            self.aux[0],
            self.aux[1],
        ])
    }
}

fixed_body!(GetChannelInfoResponse, 9);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;
    use crate::cmd::Body;

    // ipmi_sim's answers to ipmitool `channel info 1` and freeipmi `bmc-info --get-channel-info`
    // (testdata/ipmi_sim-app-commands.txt); ipmitool printed "802.3 LAN", "IPMB-1.0",
    // "multi-session", "Active Session Count: 1", "Protocol Vendor ID: 7154".
    const LAN1: &str = "01040181f21b000000";
    const IPMB0: &str = "00010100f21b000000";

    #[test]
    fn ipmb_channel() {
        let r = check_exact!(GetChannelInfoRequest, &[0x00]);
        assert_eq!(r.channel, 0);
        assert!(!r.is_current_channel());
        let r = check_exact!(GetChannelInfoResponse, &hex::<9>(IPMB0));
        assert_eq!(r.channel, 0);
        assert_eq!(r.medium_type, ChannelMedium::Ipmb);
        assert_eq!(r.protocol_type, ChannelProtocol::IpmbV10);
        assert_eq!(r.session_support, SessionSupport::SessionLess);
        assert_eq!(r.active_sessions, 0);
        assert_eq!(r.vendor_iana, IPMI_FORUM_IANA);
    }

    #[test]
    fn lan_channel() {
        let r = check_exact!(GetChannelInfoRequest, &[0x01]);
        assert_eq!(r.channel, 1);
        let r = check_exact!(GetChannelInfoRequest, &[0x0E]);
        assert!(r.is_current_channel());
        let r = check_exact!(GetChannelInfoResponse, &hex::<9>(LAN1));
        assert_eq!(r.channel, 1);
        assert_eq!(r.medium_type, ChannelMedium::Lan802_3);
        assert_eq!(r.protocol_type, ChannelProtocol::IpmbV10);
        assert_eq!(r.session_support, SessionSupport::MultiSession);
        assert_eq!(r.active_sessions, 1);
        assert_eq!(r.vendor_iana, IPMI_FORUM_IANA);
        assert_eq!(r.aux, [0, 0]);
        assert_eq!(r, GetChannelInfoResponse::lan(1, 1));
        let mut out = [0u8; 9];
        assert_eq!(GetChannelInfoResponse::lan(1, 1).emit(&mut out), Ok(9));
        assert_eq!(out, hex::<9>(LAN1));
    }

    #[test]
    fn invalid_fields() {
        let mut out = [0u8; 9];
        let r = GetChannelInfoResponse {
            active_sessions: 64,
            ..GetChannelInfoResponse::lan(1, 0)
        };
        assert_eq!(r.emit(&mut out), Err(Error::InvalidField));
        let r = GetChannelInfoResponse {
            vendor_iana: 1 << 24,
            ..GetChannelInfoResponse::lan(1, 0)
        };
        assert_eq!(r.emit(&mut out), Err(Error::InvalidField));
        let r = GetChannelInfoResponse {
            medium_type: ChannelMedium::Unknown(0x80),
            ..GetChannelInfoResponse::lan(1, 0)
        };
        assert_eq!(r.emit(&mut out), Err(Error::InvalidField));
    }

    #[test]
    fn lengths() {
        check_lengths!(GetChannelInfoRequest, &[0x0E]);
        check_lengths!(GetChannelInfoResponse, &hex::<9>(LAN1));
    }

    no_input_panics!(GetChannelInfoRequest, GetChannelInfoResponse);
}
