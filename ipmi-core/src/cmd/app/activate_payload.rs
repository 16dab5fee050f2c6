//! Activate Payload (App 0x48): starts a payload other than IPMI messages inside the session
//! that asks, here Serial over LAN (payload type 1). `ipmitool sol activate` and freeipmi's
//! `ipmiconsole` send it once the session is up.
//!
//! Request: payload type (b5:0) · payload instance (b3:0) · auxiliary data (4): byte 1 b7
//! encrypt the payload, b6 authenticate it, b5 test mode, b3:2 serial/modem alerts while active,
//! b1 BMC deasserts CTS and DCD/DSR until the console asks otherwise; bytes 2-4 reserved.
//! Response (12 bytes): auxiliary data (4, reserved for SOL) · inbound payload size (2, LE: the
//! most the BMC accepts) · outbound payload size (2, LE: the most it sends) · payload UDP port
//! (2, LE) · payload VLAN (2, LE, 0xFFFF = none). ipmitool needs exactly 12 bytes.
//! Completion codes: 0x80 already active on another session, 0x81 payload type disabled,
//! 0x82 activation limit reached, 0x83 cannot activate with encryption, 0x84 cannot activate
//! without encryption (ipmitool prints each as an "Info:" line).
use crate::Error;

app_command! {
    /// Activate Payload (App 0x48).
    ActivatePayload, 0x48, ActivatePayloadRequest, ActivatePayloadResponse
}

/// "No VLAN" in the response.
pub const NO_VLAN: u16 = 0xFFFF;

/// The Activate Payload request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ActivatePayloadRequest {
    /// Payload type (6 bits): 1 = SOL.
    pub payload_type: u8,
    /// Payload instance (4 bits, 1-based).
    pub instance: u8,
    /// Auxiliary byte 1 b7: the payload is to be encrypted.
    pub encrypt: bool,
    /// Auxiliary byte 1 b6: the payload is to be authenticated.
    pub authenticate: bool,
    /// Auxiliary byte 1 b5: test mode (loop back, no serial port).
    pub test_mode: bool,
    /// Auxiliary byte 1 b3:2: serial/modem alerts while the payload is active (0 fail, 1 defer,
    /// 2 succeed).
    pub serial_alerts: u8,
    /// Auxiliary byte 1 b1: the BMC deasserts CTS and DCD/DSR until the console asserts them.
    pub deassert_handshake: bool,
}

impl ActivatePayloadRequest {
    fn decode(b: &[u8; 6]) -> Result<Self, Error> {
        Ok(ActivatePayloadRequest {
            payload_type: b[0] & 0x3F,
            instance: b[1] & 0x0F,
            encrypt: super::bit(b[2], 7),
            authenticate: super::bit(b[2], 6),
            test_mode: super::bit(b[2], 5),
            serial_alerts: (b[2] >> 2) & 0x03,
            deassert_handshake: super::bit(b[2], 1),
        })
    }
    fn encode(&self) -> Result<[u8; 6], Error> {
        Ok([
            super::fit(self.payload_type, 0x3F)?,
            super::fit(self.instance, 0x0F)?,
            super::flag(self.encrypt, 7)
                | super::flag(self.authenticate, 6)
                | super::flag(self.test_mode, 5)
                | (super::fit(self.serial_alerts, 0x03)? << 2)
                | super::flag(self.deassert_handshake, 1),
            0,
            0,
            0,
        ])
    }
}

fixed_body!(ActivatePayloadRequest, 6);

/// The Activate Payload response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ActivatePayloadResponse {
    /// Auxiliary response data (reserved for SOL).
    pub aux: [u8; 4],
    /// Largest payload the BMC accepts from the console.
    pub inbound_payload_size: u16,
    /// Largest payload the BMC sends.
    pub outbound_payload_size: u16,
    /// UDP port the payload's packets use.
    pub port: u16,
    /// VLAN of the payload's packets ([`NO_VLAN`] for none).
    pub vlan: u16,
}

impl ActivatePayloadResponse {
    fn decode(b: &[u8; 12]) -> Result<Self, Error> {
        let le = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        Ok(ActivatePayloadResponse {
            aux: [b[0], b[1], b[2], b[3]],
            inbound_payload_size: le(4),
            outbound_payload_size: le(6),
            port: le(8),
            vlan: le(10),
        })
    }
    fn encode(&self) -> Result<[u8; 12], Error> {
        let mut o = [0u8; 12];
        o[..4].copy_from_slice(&self.aux);
        o[4..6].copy_from_slice(&self.inbound_payload_size.to_le_bytes());
        o[6..8].copy_from_slice(&self.outbound_payload_size.to_le_bytes());
        o[8..10].copy_from_slice(&self.port.to_le_bytes());
        o[10..12].copy_from_slice(&self.vlan.to_le_bytes());
        Ok(o)
    }
}

fixed_body!(ActivatePayloadResponse, 12);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipmitool_sol_activate() {
        // ipmitool lib/ipmi_sol.c: 01 01 C6 00 00 00 (encrypt, authenticate, alerts deferred,
        // BMC deasserts handshake lines).
        let r = check_exact!(ActivatePayloadRequest, &[0x01, 0x01, 0xC6, 0, 0, 0]);
        assert_eq!(r.payload_type, 1);
        assert_eq!(r.instance, 1);
        assert!(r.encrypt && r.authenticate && !r.test_mode && r.deassert_handshake);
        assert_eq!(r.serial_alerts, 1);
        let rsp = check_exact!(
            ActivatePayloadResponse,
            &[0, 0, 0, 0, 0x68, 0, 0xA4, 0, 0x6F, 0x02, 0xFF, 0xFF]
        );
        assert_eq!(rsp.inbound_payload_size, 104);
        assert_eq!(rsp.outbound_payload_size, 164);
        assert_eq!(rsp.port, 623);
        assert_eq!(rsp.vlan, NO_VLAN);
    }

    #[test]
    fn lengths() {
        check_lengths!(ActivatePayloadRequest, &[1, 1, 0xC6, 0, 0, 0]);
        check_lengths!(ActivatePayloadResponse, &[0; 12]);
    }

    no_input_panics!(ActivatePayloadRequest, ActivatePayloadResponse);
}
