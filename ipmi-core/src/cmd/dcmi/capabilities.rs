//! Get DCMI Capabilities Info (NetFn Group Extension, 0x01): the DCMI version the BMC conforms
//! to and one parameter of its capabilities: 1 supported capabilities, 2 mandatory platform
//! attributes (SEL size), 3 optional platform attributes (power management controller),
//! 4 manageability access attributes (LAN channel), 5 enhanced power statistics attributes.
//! `ipmi-dcmi --get-dcmi-capability-info` asks for all five; `ipmitool dcmi discover` too.
use super::{strip_group, DCMI_GROUP};
use crate::cmd::{exact, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get DCMI Capabilities Info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetDcmiCapabilities;

impl Command for GetDcmiCapabilities {
    const NETFN: NetFn = NetFn::GroupExtension;
    const CMD: u8 = 0x01;
    type Request<'a> = DcmiCapabilitiesRequest;
    type Response<'a> = DcmiCapabilities<'a>;
}

open_enum! {
    /// Capability parameter selectors (DCMI v1.5 table 6-3).
    pub enum CapabilityParameter {
        /// Supported DCMI capabilities.
        SupportedCapabilities = 0x01,
        /// Mandatory platform attributes.
        MandatoryPlatformAttributes = 0x02,
        /// Optional platform attributes.
        OptionalPlatformAttributes = 0x03,
        /// Manageability access attributes.
        ManageabilityAccessAttributes = 0x04,
        /// Enhanced system power statistics attributes.
        EnhancedPowerStatisticsAttributes = 0x05,
    }
}

/// The request: group id, parameter selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DcmiCapabilitiesRequest {
    /// Which parameter.
    pub parameter: CapabilityParameter,
}

impl<'a> Body<'a> for DcmiCapabilitiesRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [p] = *exact::<1>(strip_group(data)?)?;
        Ok(DcmiCapabilitiesRequest {
            parameter: CapabilityParameter::from(p),
        })
    }
    fn buffer_len(&self) -> usize {
        2
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let b = crate::cmd::out_slice::<2>(out)?;
        *b = [DCMI_GROUP, u8::from(self.parameter)];
        Ok(2)
    }
}

/// Most parameter data bytes a response carries here (parameter 5 with periods is longest).
pub const MAX_PARAMETER_DATA: usize = 32;

/// The response: group id, DCMI specification conformance, parameter revision, data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DcmiCapabilities<'a> {
    /// Conformance major version (1).
    pub major_version: u8,
    /// Conformance minor version (5 for DCMI 1.5).
    pub minor_version: u8,
    /// Parameter revision (02h for DCMI 1.1 and later).
    pub parameter_revision: u8,
    /// The parameter's data.
    pub data: &'a [u8],
}

impl<'a> Body<'a> for DcmiCapabilities<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match strip_group(data)? {
            [major, minor, rev, rest @ ..] if rest.len() <= MAX_PARAMETER_DATA => {
                Ok(DcmiCapabilities {
                    major_version: *major,
                    minor_version: *minor,
                    parameter_revision: *rev,
                    data: rest,
                })
            }
            [_, _, _, ..] => Err(Error::TooLong),
            _ => Err(Error::Truncated),
        }
    }
    fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.data.len() > MAX_PARAMETER_DATA {
            return Err(Error::TooLong);
        }
        let len = self.buffer_len();
        let b = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        b[..4].copy_from_slice(&[
            DCMI_GROUP,
            self.major_version,
            self.minor_version,
            self.parameter_revision,
        ]);
        b[4..].copy_from_slice(self.data);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = DcmiCapabilitiesRequest::parse(&[0xDC, 0x02]).unwrap();
        assert_eq!(
            r.parameter,
            CapabilityParameter::MandatoryPlatformAttributes
        );
        let mut out = [0u8; 12];
        assert_eq!(r.emit(&mut out), Ok(2));
        assert_eq!(out[..2], [0xDC, 0x02]);
        assert_eq!(
            DcmiCapabilitiesRequest::parse(&[0x00, 0x02]),
            Err(Error::InvalidField)
        );
        assert!(DcmiCapabilitiesRequest::parse(&[0xDC]).is_err());
        // DCMI 1.5, revision 2, mandatory attributes: 64 SEL entries.
        let rsp = [0xDC, 0x01, 0x05, 0x02, 0x40, 0x00, 0x00, 0x00, 0x00];
        let c = DcmiCapabilities::parse(&rsp).unwrap();
        assert_eq!((c.major_version, c.minor_version, c.data.len()), (1, 5, 5));
        assert_eq!(c.emit(&mut out), Ok(9));
        assert_eq!(out[..9], rsp);
        assert_eq!(c.emit(&mut out[..8]), Err(Error::BufferTooSmall));
        assert!(DcmiCapabilities::parse(&rsp[..3]).is_err());
    }
}
