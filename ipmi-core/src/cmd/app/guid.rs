//! Get Device GUID (App 0x08) and Get System GUID (App 0x37): 16 bytes that identify the BMC or
//! the managed system. The System GUID is allowed before a session (ipmitool and freeipmi may use
//! it to pick the BMC GUID that RAKP2 carries).
//!
//! Request: no data. Response: the GUID, 16 bytes, in the order it travels (the same bytes RAKP2
//! carries as GUIDc).
use super::Empty;
use crate::Error;

app_command! {
    /// Get Device GUID (App 0x08).
    GetDeviceGuid, 0x08, Empty, GuidResponse
}

app_command! {
    /// Get System GUID (App 0x37).
    GetSystemGuid, 0x37, Empty, GuidResponse
}

/// The response of Get Device GUID and of Get System GUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GuidResponse {
    /// The GUID bytes as on the wire.
    pub guid: [u8; 16],
}

/// The Get Device GUID response data.
pub type GetDeviceGuidResponse = GuidResponse;
/// The Get System GUID response data.
pub type GetSystemGuidResponse = GuidResponse;

impl GuidResponse {
    fn decode(b: &[u8; 16]) -> Result<Self, Error> {
        Ok(GuidResponse { guid: *b })
    }

    fn encode(&self) -> Result<[u8; 16], Error> {
        Ok(self.guid)
    }
}

fixed_body!(GuidResponse, 16);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;
    use crate::cmd::{Body, Command};

    // ipmi_sim's Get System GUID reply to ipmitool `mc guid` and freeipmi `bmc-info
    // --get-system-guid` (testdata/ipmi_sim-app-commands.txt); the same bytes are the RAKP2 GUIDc
    // of every shared vector.
    const GUID: &str = "00112233445566778899aabbccddeeff";

    #[test]
    fn guid_round_trip() {
        let r = check_exact!(GuidResponse, &hex::<16>(GUID));
        assert_eq!(r.guid[0], 0x00);
        assert_eq!(r.guid[15], 0xff);
        assert_eq!(GetDeviceGuid::CMD, 0x08);
        assert_eq!(GetSystemGuid::CMD, 0x37);
    }

    #[test]
    fn lengths() {
        check_lengths!(GuidResponse, &hex::<16>(GUID));
        assert_eq!(Empty::parse(&[0]), Err(Error::TooLong));
    }

    no_input_panics!(GuidResponse);
}
