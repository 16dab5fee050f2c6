//! Get / Set System Info Parameters (App 0x59 / 0x58): strings about the managed system that
//! `bmc-info --get-system-info`, `ipmitool mc getsysinfo/setsysinfo` and `ipmiutil health -i`
//! read, such as the system firmware version and the system and OS names.
//!
//! Get request: `b7 get revision only` · parameter · set selector · block selector. Get
//! response: parameter revision (0x11) · the parameter's data (none when only the revision was
//! asked for). Set request: parameter · data. For the string parameters (1-4) the data is a set
//! selector and 16 bytes; set 0 starts with the encoding and the string's length.
use crate::cmd::{out_slice, Body};
use crate::Error;

use super::Empty;

/// Marker for Set System Info Parameters (App 0x58).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSystemInfo;

impl crate::cmd::Command for SetSystemInfo {
    const NETFN: crate::NetFn = crate::NetFn::App;
    const CMD: u8 = 0x58;
    type Request<'a> = SetSystemInfoRequest<'a>;
    type Response<'a> = Empty;
}

/// Marker for Get System Info Parameters (App 0x59).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSystemInfo;

impl crate::cmd::Command for GetSystemInfo {
    const NETFN: crate::NetFn = crate::NetFn::App;
    const CMD: u8 = 0x59;
    type Request<'a> = GetSystemInfoRequest;
    type Response<'a> = GetSystemInfoResponse<'a>;
}

open_enum! {
    /// System Info parameter selectors (IPMI 2.0 table 22-16) this stack names.
    pub enum SystemInfoParameter {
        /// 0 set in progress.
        SetInProgress = 0,
        /// 1 system firmware version.
        SystemFirmwareVersion = 1,
        /// 2 system name.
        SystemName = 2,
        /// 3 primary operating system name.
        PrimaryOsName = 3,
        /// 4 operating system name.
        OsName = 4,
    }
}

/// The parameter revision every Get reply carries.
pub const SYSTEM_INFO_REVISION: u8 = 0x11;
/// Longest parameter data carried (a set selector and one 16-byte block).
pub const MAX_SYSTEM_INFO_DATA: usize = 17;

/// The Get System Info Parameters request (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSystemInfoRequest {
    /// Only the parameter revision is asked for.
    pub revision_only: bool,
    /// Parameter selector.
    pub parameter: SystemInfoParameter,
    /// Set selector.
    pub set_selector: u8,
    /// Block selector.
    pub block_selector: u8,
}

impl<'a> Body<'a> for GetSystemInfoRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [b0, parameter, set_selector, block_selector] = *crate::cmd::exact::<4>(data)?;
        Ok(GetSystemInfoRequest {
            revision_only: b0 & 0x80 != 0,
            parameter: SystemInfoParameter::from(parameter),
            set_selector,
            block_selector,
        })
    }
    fn buffer_len(&self) -> usize {
        4
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        *out_slice::<4>(out)? = [
            u8::from(self.revision_only) << 7,
            u8::from(self.parameter),
            self.set_selector,
            self.block_selector,
        ];
        Ok(4)
    }
}

/// The Get System Info Parameters response: revision, then the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSystemInfoResponse<'a> {
    /// Parameter revision ([`SYSTEM_INFO_REVISION`]).
    pub revision: u8,
    /// The data.
    pub data: &'a [u8],
}

impl<'a> Body<'a> for GetSystemInfoResponse<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&revision, rest) = data.split_first().ok_or(Error::Truncated)?;
        if rest.len() > MAX_SYSTEM_INFO_DATA {
            return Err(Error::TooLong);
        }
        Ok(GetSystemInfoResponse {
            revision,
            data: rest,
        })
    }
    fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.data.len() > MAX_SYSTEM_INFO_DATA {
            return Err(Error::InvalidField);
        }
        let o = out
            .get_mut(..self.buffer_len())
            .ok_or(Error::BufferTooSmall)?;
        o[0] = self.revision;
        o[1..].copy_from_slice(self.data);
        Ok(o.len())
    }
}

/// The Set System Info Parameters request: parameter, then at least one byte of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetSystemInfoRequest<'a> {
    /// Parameter selector.
    pub parameter: SystemInfoParameter,
    /// The data.
    pub data: &'a [u8],
}

impl<'a> Body<'a> for SetSystemInfoRequest<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match data {
            [] | [_] => Err(Error::Truncated),
            [parameter, rest @ ..] => {
                if rest.len() > MAX_SYSTEM_INFO_DATA {
                    return Err(Error::TooLong);
                }
                Ok(SetSystemInfoRequest {
                    parameter: SystemInfoParameter::from(*parameter),
                    data: rest,
                })
            }
        }
    }
    fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.data.is_empty() || self.data.len() > MAX_SYSTEM_INFO_DATA {
            return Err(Error::InvalidField);
        }
        let o = out
            .get_mut(..self.buffer_len())
            .ok_or(Error::BufferTooSmall)?;
        o[0] = u8::from(self.parameter);
        o[1..].copy_from_slice(self.data);
        Ok(o.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        // `ipmitool mc getsysinfo system_fw_version`: 00 01 00 00.
        let r = check_exact!(GetSystemInfoRequest, &[0x00, 0x01, 0x00, 0x00]);
        assert_eq!(r.parameter, SystemInfoParameter::SystemFirmwareVersion);
        assert!(!r.revision_only);
        check_lengths!(GetSystemInfoRequest, &[0x80, 0x01, 0x00, 0x00]);
        let mut set = [0u8; 18];
        set[0] = 2;
        set[2] = 0x00;
        set[3] = 4;
        set[4..8].copy_from_slice(b"node");
        let s = check_exact!(SetSystemInfoRequest<'_>, &set);
        assert_eq!(s.parameter, SystemInfoParameter::SystemName);
        assert_eq!(s.data.len(), 17);
        assert_eq!(SetSystemInfoRequest::parse(&[2]), Err(Error::Truncated));
        assert_eq!(SetSystemInfoRequest::parse(&[0u8; 19]), Err(Error::TooLong));
        let rsp = check_exact!(GetSystemInfoResponse<'_>, &[0x11, 0x00, 0x00, 0x04, b'n']);
        assert_eq!(rsp.data.len(), 4);
        assert_eq!(GetSystemInfoResponse::parse(&[]), Err(Error::Truncated));
    }

    no_input_panics!(
        GetSystemInfoRequest,
        GetSystemInfoResponse<'_>,
        SetSystemInfoRequest<'_>
    );
}
