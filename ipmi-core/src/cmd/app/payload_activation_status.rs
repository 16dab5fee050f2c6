//! Get Payload Activation Status (App 0x4A): how many instances of a payload type the BMC
//! offers and which are active. freeipmi's `ipmiconsole` asks before it activates SOL.
//!
//! Request: payload type (b5:0). Response (3 bytes): instance capacity (b3:0) · activation
//! bitmap (2 bytes: byte 1 b0 = instance 1 .. byte 2 b7 = instance 16).
use crate::Error;

app_command! {
    /// Get Payload Activation Status (App 0x4A).
    GetPayloadActivationStatus, 0x4A, GetPayloadActivationStatusRequest,
    GetPayloadActivationStatusResponse
}

/// The Get Payload Activation Status request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetPayloadActivationStatusRequest {
    /// Payload type (6 bits).
    pub payload_type: u8,
}

impl GetPayloadActivationStatusRequest {
    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        Ok(GetPayloadActivationStatusRequest {
            payload_type: b[0] & 0x3F,
        })
    }
    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([super::fit(self.payload_type, 0x3F)?])
    }
}

fixed_body!(GetPayloadActivationStatusRequest, 1);

/// The Get Payload Activation Status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetPayloadActivationStatusResponse {
    /// Instances of this payload type the BMC can run at once (4 bits).
    pub capacity: u8,
    /// Bit n set: instance n + 1 is active.
    pub active: u16,
}

impl GetPayloadActivationStatusResponse {
    fn decode(b: &[u8; 3]) -> Result<Self, Error> {
        Ok(GetPayloadActivationStatusResponse {
            capacity: b[0] & 0x0F,
            active: u16::from_le_bytes([b[1], b[2]]),
        })
    }
    fn encode(&self) -> Result<[u8; 3], Error> {
        let [lo, hi] = self.active.to_le_bytes();
        Ok([super::fit(self.capacity, 0x0F)?, lo, hi])
    }
}

fixed_body!(GetPayloadActivationStatusResponse, 3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sol_instance_active() {
        let r = check_exact!(GetPayloadActivationStatusRequest, &[0x01]);
        assert_eq!(r.payload_type, 1);
        let rsp = check_exact!(GetPayloadActivationStatusResponse, &[0x01, 0x01, 0x00]);
        assert_eq!((rsp.capacity, rsp.active), (1, 1));
        check_lengths!(GetPayloadActivationStatusResponse, &[1, 0, 0]);
        check_lengths!(GetPayloadActivationStatusRequest, &[1]);
    }

    no_input_panics!(
        GetPayloadActivationStatusRequest,
        GetPayloadActivationStatusResponse
    );
}
