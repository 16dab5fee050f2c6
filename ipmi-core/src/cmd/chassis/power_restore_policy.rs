//! Set Power Restore Policy (NetFn Chassis, 0x06): what the system does when AC power returns.
//! The response is the mask of policies the chassis supports.
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Set Power Restore Policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetPowerRestorePolicy;

impl Command for SetPowerRestorePolicy {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x06;
    type Request<'a> = PowerRestorePolicyRequest;
    type Response<'a> = SupportedPolicies;
}

/// Power restore policy (2 bits in Get Chassis Status, 3 in the Set request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PowerRestorePolicy {
    /// 0: stay off after AC returns.
    #[default]
    AlwaysOff,
    /// 1: restore the power state that was in effect when AC was lost.
    Previous,
    /// 2: always power up after AC returns.
    AlwaysOn,
    /// 3: in Set, "no change" (only read the supported mask); in Get Chassis Status, "unknown".
    NoChange,
}

impl PowerRestorePolicy {
    /// The policy of a 2-bit code (upper bits ignored).
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0x03 {
            0 => PowerRestorePolicy::AlwaysOff,
            1 => PowerRestorePolicy::Previous,
            2 => PowerRestorePolicy::AlwaysOn,
            _ => PowerRestorePolicy::NoChange,
        }
    }
    /// The code on the wire.
    pub const fn bits(self) -> u8 {
        match self {
            PowerRestorePolicy::AlwaysOff => 0,
            PowerRestorePolicy::Previous => 1,
            PowerRestorePolicy::AlwaysOn => 2,
            PowerRestorePolicy::NoChange => 3,
        }
    }
}

/// The Set Power Restore Policy request: one byte, bits 2:0 the policy (4..7 are reserved and
/// rejected as an invalid field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PowerRestorePolicyRequest {
    /// The requested policy.
    pub policy: PowerRestorePolicy,
}

impl<'a> Body<'a> for PowerRestorePolicyRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [byte] = *exact::<1>(data)?;
        if byte & 0x07 > 3 {
            return Err(Error::InvalidField);
        }
        Ok(PowerRestorePolicyRequest {
            policy: PowerRestorePolicy::from_bits(byte),
        })
    }
    fn buffer_len(&self) -> usize {
        1
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        out_slice::<1>(out)?[0] = self.policy.bits();
        Ok(1)
    }
}

/// The response: bit 0 always-off, bit 1 previous, bit 2 always-on supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SupportedPolicies {
    /// The mask byte (bits 2:0; upper bits reserved).
    pub mask: u8,
}

impl SupportedPolicies {
    /// All three policies, what a virtual BMC can honour.
    pub const ALL: SupportedPolicies = SupportedPolicies { mask: 0x07 };

    /// Whether `policy` is in the mask ([`PowerRestorePolicy::NoChange`] never is).
    pub const fn supports(self, policy: PowerRestorePolicy) -> bool {
        match policy {
            PowerRestorePolicy::NoChange => false,
            p => self.mask & (1 << p.bits()) != 0,
        }
    }
}

impl<'a> Body<'a> for SupportedPolicies {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [mask] = *exact::<1>(data)?;
        Ok(SupportedPolicies { mask: mask & 0x07 })
    }
    fn buffer_len(&self) -> usize {
        1
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        out_slice::<1>(out)?[0] = self.mask & 0x07;
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `ipmitool chassis policy always-on` / `previous` / `always-off` / `list` send these
    // (not in the captures; IPMI v2.0 table 28-4).
    const ALWAYS_ON: [u8; 1] = [0x02];
    const LIST: [u8; 1] = [0x03];

    #[test]
    fn deconstruct() {
        let r = PowerRestorePolicyRequest::parse(&ALWAYS_ON).unwrap();
        assert_eq!(r.policy, PowerRestorePolicy::AlwaysOn);
        let r = PowerRestorePolicyRequest::parse(&LIST).unwrap();
        assert_eq!(r.policy, PowerRestorePolicy::NoChange);
        assert_eq!(
            PowerRestorePolicyRequest::parse(&[0x04]),
            Err(Error::InvalidField)
        );
        assert_eq!(
            PowerRestorePolicyRequest::parse(&[0x07]),
            Err(Error::InvalidField)
        );
        let s = SupportedPolicies::parse(&[0x05]).unwrap();
        assert!(s.supports(PowerRestorePolicy::AlwaysOff));
        assert!(!s.supports(PowerRestorePolicy::Previous));
        assert!(s.supports(PowerRestorePolicy::AlwaysOn));
        assert!(!SupportedPolicies::ALL.supports(PowerRestorePolicy::NoChange));
    }

    mod request {
        use super::*;
        body_checks!(
            PowerRestorePolicyRequest,
            [&[0x00u8][..], &[0x01][..], &ALWAYS_ON[..], &LIST[..]],
            [&[][..], &[0u8, 0][..]]
        );
    }

    mod response {
        use super::*;
        body_checks!(
            SupportedPolicies,
            [&[0x07u8][..], &[0x01][..]],
            [&[][..], &[7u8, 0][..]]
        );
    }
}
