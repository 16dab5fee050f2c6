//! Get Payload Instance Info (App 0x4B): which session runs a payload instance.
//!
//! Request: payload type (b5:0) · payload instance (b3:0). Response (12 bytes): session id of
//! the session the instance is active on (4, LE; 0 when inactive) · payload-specific data (8;
//! for SOL byte 1 is the port number, 1 = the primary serial port, the rest reserved).
use crate::Error;

app_command! {
    /// Get Payload Instance Info (App 0x4B).
    GetPayloadInstanceInfo, 0x4B, GetPayloadInstanceInfoRequest, GetPayloadInstanceInfoResponse
}

/// The Get Payload Instance Info request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetPayloadInstanceInfoRequest {
    /// Payload type (6 bits).
    pub payload_type: u8,
    /// Payload instance (4 bits, 1-based).
    pub instance: u8,
}

impl GetPayloadInstanceInfoRequest {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetPayloadInstanceInfoRequest {
            payload_type: b[0] & 0x3F,
            instance: b[1] & 0x0F,
        })
    }
    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([
            super::fit(self.payload_type, 0x3F)?,
            super::fit(self.instance, 0x0F)?,
        ])
    }
}

fixed_body!(GetPayloadInstanceInfoRequest, 2);

/// The Get Payload Instance Info response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetPayloadInstanceInfoResponse {
    /// The session the instance runs on (the BMC's session id), 0 when inactive.
    pub session_id: u32,
    /// Payload-specific bytes (SOL: byte 1 = port number).
    pub data: [u8; 8],
}

impl GetPayloadInstanceInfoResponse {
    fn decode(b: &[u8; 12]) -> Result<Self, Error> {
        let mut data = [0u8; 8];
        data.copy_from_slice(&b[4..]);
        Ok(GetPayloadInstanceInfoResponse {
            session_id: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            data,
        })
    }
    fn encode(&self) -> Result<[u8; 12], Error> {
        let mut o = [0u8; 12];
        o[..4].copy_from_slice(&self.session_id.to_le_bytes());
        o[4..].copy_from_slice(&self.data);
        Ok(o)
    }
}

fixed_body!(GetPayloadInstanceInfoResponse, 12);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sol_instance_on_a_session() {
        let r = check_exact!(GetPayloadInstanceInfoRequest, &[0x01, 0x01]);
        assert_eq!((r.payload_type, r.instance), (1, 1));
        let rsp = check_exact!(
            GetPayloadInstanceInfoResponse,
            &[0x78, 0x56, 0x34, 0x12, 1, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(rsp.session_id, 0x1234_5678);
        assert_eq!(rsp.data[0], 1);
        check_lengths!(GetPayloadInstanceInfoRequest, &[1, 1]);
        check_lengths!(GetPayloadInstanceInfoResponse, &[0; 12]);
    }

    no_input_panics!(
        GetPayloadInstanceInfoRequest,
        GetPayloadInstanceInfoResponse
    );
}
