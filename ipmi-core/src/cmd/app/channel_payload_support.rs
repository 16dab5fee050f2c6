//! Get Channel Payload Support (App 0x4E) and Get Channel Payload Version (App 0x4F): which
//! payload types a channel carries, and in which format version. freeipmi's `ipmiconsole`
//! checks the SOL bit before it activates, and sends Get Channel Payload Version as its idle
//! keepalive.
//!
//! Support request: channel (b3:0). Response (8 bytes): standard payload types (2, LE: bit n =
//! type n, b0 IPMI, b1 SOL) · session set-up payload types (2, LE: bit n = type 0x10 + n) · OEM
//! payload types (2, LE: bit n = type 0x20 + n) · reserved (2).
//! Version request: channel (b3:0) · payload type. Response: format version (b7:4 major,
//! b3:0 minor; 0x10 = 1.0). Completion code 0x80: payload type not available on this channel.
use crate::Error;

app_command! {
    /// Get Channel Payload Support (App 0x4E).
    GetChannelPayloadSupport, 0x4E, GetChannelPayloadSupportRequest,
    GetChannelPayloadSupportResponse
}

app_command! {
    /// Get Channel Payload Version (App 0x4F).
    GetChannelPayloadVersion, 0x4F, GetChannelPayloadVersionRequest,
    GetChannelPayloadVersionResponse
}

/// The Get Channel Payload Support request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelPayloadSupportRequest {
    /// Channel (4 bits; 0x0E = this channel).
    pub channel: u8,
}

impl GetChannelPayloadSupportRequest {
    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        Ok(GetChannelPayloadSupportRequest {
            channel: b[0] & 0x0F,
        })
    }
    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([super::fit(self.channel, 0x0F)?])
    }
}

fixed_body!(GetChannelPayloadSupportRequest, 1);

/// The Get Channel Payload Support response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelPayloadSupportResponse {
    /// Bit n: standard payload type n (b0 IPMI, b1 SOL).
    pub standard: u16,
    /// Bit n: session set-up payload type 0x10 + n.
    pub session_setup: u16,
    /// Bit n: OEM payload type 0x20 + n.
    pub oem: u16,
    /// Reserved bytes, as sent.
    pub reserved: u16,
}

impl GetChannelPayloadSupportResponse {
    fn decode(b: &[u8; 8]) -> Result<Self, Error> {
        let le = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        Ok(GetChannelPayloadSupportResponse {
            standard: le(0),
            session_setup: le(2),
            oem: le(4),
            reserved: le(6),
        })
    }
    fn encode(&self) -> Result<[u8; 8], Error> {
        let mut o = [0u8; 8];
        for (i, v) in [self.standard, self.session_setup, self.oem, self.reserved]
            .into_iter()
            .enumerate()
        {
            o[2 * i..2 * i + 2].copy_from_slice(&v.to_le_bytes());
        }
        Ok(o)
    }
}

fixed_body!(GetChannelPayloadSupportResponse, 8);

/// The Get Channel Payload Version request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelPayloadVersionRequest {
    /// Channel (4 bits; 0x0E = this channel).
    pub channel: u8,
    /// Payload type (6 bits).
    pub payload_type: u8,
}

impl GetChannelPayloadVersionRequest {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetChannelPayloadVersionRequest {
            channel: b[0] & 0x0F,
            payload_type: b[1] & 0x3F,
        })
    }
    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([
            super::fit(self.channel, 0x0F)?,
            super::fit(self.payload_type, 0x3F)?,
        ])
    }
}

fixed_body!(GetChannelPayloadVersionRequest, 2);

/// The Get Channel Payload Version response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelPayloadVersionResponse {
    /// Format version: b7:4 major, b3:0 minor.
    pub version: u8,
}

impl GetChannelPayloadVersionResponse {
    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        Ok(GetChannelPayloadVersionResponse { version: b[0] })
    }
    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([self.version])
    }
}

fixed_body!(GetChannelPayloadVersionResponse, 1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipmi_and_sol() {
        let r = check_exact!(GetChannelPayloadSupportRequest, &[0x0E]);
        assert_eq!(r.channel, 0x0E);
        let rsp = check_exact!(
            GetChannelPayloadSupportResponse,
            &[0x03, 0, 0x3F, 0, 0, 0, 0, 0]
        );
        assert_eq!(rsp.standard, 0x0003);
        assert_eq!(rsp.session_setup, 0x003F);
        let v = check_exact!(GetChannelPayloadVersionRequest, &[0x01, 0x01]);
        assert_eq!(v.payload_type, 1);
        let rsp = check_exact!(GetChannelPayloadVersionResponse, &[0x10]);
        assert_eq!(rsp.version, 0x10);
        check_lengths!(GetChannelPayloadSupportResponse, &[0; 8]);
        check_lengths!(GetChannelPayloadVersionRequest, &[0; 2]);
    }

    no_input_panics!(
        GetChannelPayloadSupportRequest,
        GetChannelPayloadSupportResponse,
        GetChannelPayloadVersionRequest,
        GetChannelPayloadVersionResponse
    );
}
