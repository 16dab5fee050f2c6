//! Get Self Test Results (App 0x04): the result of the BMC's power-on self test
//! (ipmitool `mc selftest`).
//!
//! Request: no data. Response: result code · detail byte.
use super::Empty;
use crate::Error;

app_command! {
    /// Get Self Test Results (App 0x04).
    GetSelfTestResults, 0x04, Empty, GetSelfTestResultsResponse
}

open_enum! {
    /// Self test result code (response byte 1).
    pub enum SelfTestResult {
        /// 0x55: no error; the detail byte is 0x00.
        NoError = 0x55,
        /// 0x56: self test function not implemented; the detail byte is 0x00.
        NotImplemented = 0x56,
        /// 0x57: corrupted or inaccessible data or devices; the detail byte says which
        /// (`DETAIL_*` constants).
        CorruptedOrInaccessible = 0x57,
        /// 0x58: fatal hardware error; the detail byte is device specific.
        FatalHardwareError = 0x58,
    }
}

/// The Get Self Test Results response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSelfTestResultsResponse {
    /// Byte 1: result code.
    pub result: SelfTestResult,
    /// Byte 2: detail (a bit field for 0x57, device specific for 0x58, else 0).
    pub detail: u8,
}

impl GetSelfTestResultsResponse {
    /// Detail bit 7 (result 0x57): cannot access SEL device.
    pub const DETAIL_SEL_INACCESSIBLE: u8 = 1 << 7;
    /// Detail bit 6: cannot access SDR repository.
    pub const DETAIL_SDR_INACCESSIBLE: u8 = 1 << 6;
    /// Detail bit 5: cannot access BMC FRU device.
    pub const DETAIL_FRU_INACCESSIBLE: u8 = 1 << 5;
    /// Detail bit 4: IPMB signal lines do not respond.
    pub const DETAIL_IPMB_NOT_RESPONDING: u8 = 1 << 4;
    /// Detail bit 3: SDR repository empty.
    pub const DETAIL_SDR_EMPTY: u8 = 1 << 3;
    /// Detail bit 2: internal use area of BMC FRU corrupted.
    pub const DETAIL_FRU_INTERNAL_USE_CORRUPTED: u8 = 1 << 2;
    /// Detail bit 1: controller update "boot block" firmware corrupted.
    pub const DETAIL_BOOT_BLOCK_CORRUPTED: u8 = 1 << 1;
    /// Detail bit 0: controller operational firmware corrupted.
    pub const DETAIL_OPERATIONAL_FIRMWARE_CORRUPTED: u8 = 1 << 0;

    /// The answer of a BMC whose self test passed: `55 00`.
    pub const PASSED: Self = GetSelfTestResultsResponse {
        result: SelfTestResult::NoError,
        detail: 0,
    };

    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetSelfTestResultsResponse {
            result: SelfTestResult::from(b[0]),
            detail: b[1],
        })
    }

    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([u8::from(self.result), self.detail])
    }
}

fixed_body!(GetSelfTestResultsResponse, 2);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    // ipmi_sim answers this command with C1 (testdata/ipmi_sim-app-commands.txt, `mc selftest`),
    // so there is no captured body; bytes from the specification.
    #[test]
    fn passed_and_failures() {
        let r = check_exact!(GetSelfTestResultsResponse, &[0x55, 0x00]);
        assert_eq!(r, GetSelfTestResultsResponse::PASSED);
        let r = check_exact!(GetSelfTestResultsResponse, &[0x57, 0x48]);
        assert_eq!(r.result, SelfTestResult::CorruptedOrInaccessible);
        assert_eq!(
            r.detail,
            GetSelfTestResultsResponse::DETAIL_SDR_INACCESSIBLE
                | GetSelfTestResultsResponse::DETAIL_SDR_EMPTY
        );
        let r = check_exact!(GetSelfTestResultsResponse, &[0x56, 0x00]);
        assert_eq!(r.result, SelfTestResult::NotImplemented);
        let r = check_exact!(GetSelfTestResultsResponse, &[0x80, 0x01]);
        assert_eq!(r.result, SelfTestResult::Unknown(0x80));
    }

    #[test]
    fn lengths() {
        check_lengths!(GetSelfTestResultsResponse, &[0x55, 0x00]);
        assert_eq!(Empty::parse(&[0x55]), Err(Error::TooLong));
    }

    no_input_panics!(GetSelfTestResultsResponse);
}
