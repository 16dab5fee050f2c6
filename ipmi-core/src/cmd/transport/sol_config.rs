//! Get / Set SOL Configuration Parameters (NetFn Transport 0x22 / 0x21): Serial over LAN's
//! enable, authentication, character accumulation, retries, bit rates and port, one parameter
//! at a time. `ipmitool sol info` / `sol set` and freeipmi's `bmc-config` SOL_Conf section.
//!
//! Get request: `b7 get revision only | b3:0 channel` · parameter · set selector · block
//! selector. Get response: parameter revision (0x11) · the parameter's data. Set request:
//! channel (b3:0) · parameter · data. What the data mean is the dispatcher's business
//! (`bmc::sol`); the codec only frames them. Completion codes: 0x80 parameter not supported,
//! 0x81 set in progress already, 0x82 read-only parameter.
use super::parameters::{GetParameterRequest, GetParameterResponse, SetParameterRequest};
use crate::cmd::Command;
use crate::NetFn;

/// The parameter revision every Get reply carries.
pub const SOL_CONFIG_REVISION: u8 = 0x11;
/// Longest parameter data this codec carries (the longest SOL parameter is 2 bytes; room for
/// OEM ones).
pub const MAX_SOL_PARAMETER_DATA: usize = 16;

/// Marker for Get SOL Configuration Parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSolConfig;

impl Command for GetSolConfig {
    const NETFN: NetFn = NetFn::Transport;
    const CMD: u8 = 0x22;
    type Request<'a> = GetSolConfigRequest;
    type Response<'a> = GetSolConfigResponse<'a>;
}

/// Marker for Set SOL Configuration Parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSolConfig;

impl Command for SetSolConfig {
    const NETFN: NetFn = NetFn::Transport;
    const CMD: u8 = 0x21;
    type Request<'a> = SetSolConfigRequest<'a>;
    type Response<'a> = crate::cmd::app::Empty;
}

open_enum! {
    /// SOL configuration parameter selectors (IPMI 2.0 table 26-5).
    pub enum SolParameter {
        /// 0 set in progress (0 complete, 1 in progress, 2 commit write).
        SetInProgress = 0,
        /// 1 SOL enable (b0).
        Enable = 1,
        /// 2 SOL authentication: b7 force encryption, b6 force authentication, b3:0 the
        /// privilege level a session needs to activate SOL.
        Authentication = 2,
        /// 3 character accumulate interval (5 ms units, 1-based) and send threshold.
        Accumulate = 3,
        /// 4 SOL retry: count (b2:0) and interval (10 ms units).
        Retry = 4,
        /// 5 non-volatile bit rate (b3:0: 0 serial setting, 6 9600, 7 19.2k, 8 38.4k, 9 57.6k,
        /// 10 115.2k).
        NonVolatileBitRate = 5,
        /// 6 volatile bit rate (same codes).
        VolatileBitRate = 6,
        /// 7 payload channel (read only).
        PayloadChannel = 7,
        /// 8 payload port number (2 bytes, LE).
        PayloadPort = 8,
    }
}

/// The Get SOL Configuration Parameters request (4 bytes).
pub type GetSolConfigRequest = GetParameterRequest<SolParameter>;
/// The Get SOL Configuration Parameters response: revision, then the parameter's data.
pub type GetSolConfigResponse<'a> = GetParameterResponse<'a, MAX_SOL_PARAMETER_DATA>;
/// The Set SOL Configuration Parameters request: channel, parameter, data (at least one byte).
pub type SetSolConfigRequest<'a> = SetParameterRequest<'a, SolParameter, MAX_SOL_PARAMETER_DATA>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;
    use crate::Error;

    #[test]
    fn ipmitool_sol_info_and_set() {
        // `ipmitool sol info 1` asks for the retry parameter: 01 04 00 00.
        let r = GetSolConfigRequest::parse(&[0x01, 0x04, 0x00, 0x00]).unwrap();
        assert_eq!(r.parameter, SolParameter::Retry);
        assert_eq!(r.channel, 1);
        let mut out = [0u8; 24];
        assert_eq!(r.emit(&mut out), Ok(4));
        assert_eq!(&out[..4], &[0x01, 0x04, 0x00, 0x00]);
        assert_eq!(
            GetSolConfigRequest::parse(&[1, 4, 0]),
            Err(Error::Truncated)
        );
        // `ipmitool sol set retry-interval 50 1`: 01 04 <count> 32 (count read back first).
        let bytes = [0x01, 0x04, 0x07, 0x32];
        let s = SetSolConfigRequest::parse(&bytes).unwrap();
        assert_eq!(s.data, &[0x07, 0x32]);
        let n = s.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &bytes);
        assert_eq!(SetSolConfigRequest::parse(&[1, 4]), Err(Error::Truncated));
        assert_eq!(SetSolConfigRequest::parse(&[0u8; 19]), Err(Error::TooLong));
        let rsp = GetSolConfigResponse {
            revision: SOL_CONFIG_REVISION,
            data: &[0x6F, 0x02],
        };
        let n = rsp.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &[0x11, 0x6F, 0x02]);
        assert_eq!(GetSolConfigResponse::parse(&out[..n]), Ok(rsp));
        assert_eq!(rsp.emit(&mut out[..2]), Err(Error::BufferTooSmall));
        for b in 0..=255u8 {
            assert_eq!(u8::from(SolParameter::from(b)), b);
        }
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..32)) {
            let mut out = [0u8; 32];
            if let Ok(r) = GetSolConfigRequest::parse(&bytes) {
                let n = r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(GetSolConfigRequest::parse(&out[..n]).unwrap(), r);
            }
            if let Ok(r) = SetSolConfigRequest::parse(&bytes) {
                let n = r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(SetSolConfigRequest::parse(&out[..n]).unwrap(), r);
            }
            if let Ok(r) = GetSolConfigResponse::parse(&bytes) {
                let n = r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(GetSolConfigResponse::parse(&out[..n]).unwrap(), r);
            }
        }
    }
}
