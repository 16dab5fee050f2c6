//! Deactivate Payload (App 0x49): ends a payload instance, from its own session or from
//! another one (`ipmitool sol deactivate`, ironic before it attaches its console).
//!
//! Request: payload type (b5:0) · payload instance (b3:0) · auxiliary data (4, reserved for
//! SOL). Response: no data. Completion codes: 0x80 payload already deactivated, 0x81 payload
//! type disabled.
use super::Empty;
use crate::Error;

app_command! {
    /// Deactivate Payload (App 0x49).
    DeactivatePayload, 0x49, DeactivatePayloadRequest, Empty
}

/// The Deactivate Payload request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeactivatePayloadRequest {
    /// Payload type (6 bits): 1 = SOL.
    pub payload_type: u8,
    /// Payload instance (4 bits, 1-based).
    pub instance: u8,
    /// Auxiliary data (reserved for SOL, kept as sent).
    pub aux: [u8; 4],
}

impl DeactivatePayloadRequest {
    fn decode(b: &[u8; 6]) -> Result<Self, Error> {
        Ok(DeactivatePayloadRequest {
            payload_type: b[0] & 0x3F,
            instance: b[1] & 0x0F,
            aux: [b[2], b[3], b[4], b[5]],
        })
    }
    fn encode(&self) -> Result<[u8; 6], Error> {
        let a = self.aux;
        Ok([
            super::fit(self.payload_type, 0x3F)?,
            super::fit(self.instance, 0x0F)?,
            a[0],
            a[1],
            a[2],
            a[3],
        ])
    }
}

fixed_body!(DeactivatePayloadRequest, 6);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipmitool_sol_deactivate() {
        let r = check_exact!(DeactivatePayloadRequest, &[0x01, 0x01, 0, 0, 0, 0]);
        assert_eq!((r.payload_type, r.instance), (1, 1));
        check_lengths!(DeactivatePayloadRequest, &[1, 1, 0, 0, 0, 0]);
    }

    no_input_panics!(DeactivatePayloadRequest);
}
