//! Get / Set LAN Configuration Parameters (NetFn Transport 0x02 / 0x01): the LAN channel's
//! addresses, authentication enables and RMCP+ cipher suite privileges, one parameter at a time.
//!
//! Get request: `b7 get revision only | b3:0 channel` · parameter · set selector · block
//! selector. Get response: parameter revision (0x11) · the parameter's data (none when only the
//! revision was asked for). Set request: channel (b3:0) · parameter · data. What a parameter's
//! data means is the dispatcher's business (`bmc::lan`); the codec only frames it.
use super::parameters::{GetParameterRequest, GetParameterResponse, SetParameterRequest};
use crate::cmd::Command;
use crate::NetFn;

/// The parameter revision every Get reply carries (spec: 1.1, "present revision").
pub const LAN_CONFIG_REVISION: u8 = 0x11;
/// Longest parameter data this codec carries (the community string, 18 bytes, is the longest
/// parameter served; 32 leaves room for the cipher suite entries and a selector).
pub const MAX_PARAMETER_DATA: usize = 32;

/// Marker for Get LAN Configuration Parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetLanConfig;

impl Command for GetLanConfig {
    const NETFN: NetFn = NetFn::Transport;
    const CMD: u8 = 0x02;
    type Request<'a> = GetLanConfigRequest;
    type Response<'a> = GetLanConfigResponse<'a>;
}

/// Marker for Set LAN Configuration Parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLanConfig;

impl Command for SetLanConfig {
    const NETFN: NetFn = NetFn::Transport;
    const CMD: u8 = 0x01;
    type Request<'a> = SetLanConfigRequest<'a>;
    type Response<'a> = crate::cmd::app::Empty;
}

open_enum! {
    /// LAN configuration parameter selectors (IPMI 2.0 table 23-4) this stack names.
    pub enum LanParameter {
        /// 0 set in progress.
        SetInProgress = 0,
        /// 1 authentication type support (read only).
        AuthTypeSupport = 1,
        /// 2 authentication type enables, per privilege level.
        AuthTypeEnables = 2,
        /// 3 IP address.
        IpAddress = 3,
        /// 4 IP address source.
        IpAddressSource = 4,
        /// 5 MAC address.
        MacAddress = 5,
        /// 6 subnet mask.
        SubnetMask = 6,
        /// 7 IPv4 header parameters (TTL, flags, precedence / type of service).
        Ipv4HeaderParameters = 7,
        /// 8 primary RMCP port (read only here).
        PrimaryRmcpPort = 8,
        /// 10 BMC-generated ARP control.
        ArpControl = 10,
        /// 11 gratuitous ARP interval.
        GratuitousArpInterval = 11,
        /// 12 default gateway address.
        DefaultGateway = 12,
        /// 13 default gateway MAC address.
        DefaultGatewayMac = 13,
        /// 14 backup gateway address.
        BackupGateway = 14,
        /// 15 backup gateway MAC address.
        BackupGatewayMac = 15,
        /// 16 community string (SNMP traps).
        CommunityString = 16,
        /// 17 number of alert destinations (read only).
        DestinationCount = 17,
        /// 20 802.1q VLAN id.
        VlanId = 20,
        /// 21 802.1q VLAN priority.
        VlanPriority = 21,
        /// 22 RMCP+ cipher suite entry support (read only).
        CipherSuiteEntrySupport = 22,
        /// 23 RMCP+ cipher suite entries (read only).
        CipherSuiteEntries = 23,
        /// 24 RMCP+ messaging cipher suite privilege levels.
        CipherSuitePrivileges = 24,
    }
}

/// The Get LAN Configuration Parameters request (4 bytes).
pub type GetLanConfigRequest = GetParameterRequest<LanParameter>;
/// The Get LAN Configuration Parameters response: revision, then the parameter's data.
pub type GetLanConfigResponse<'a> = GetParameterResponse<'a, MAX_PARAMETER_DATA>;
/// The Set LAN Configuration Parameters request: channel, parameter, data (at least one byte).
pub type SetLanConfigRequest<'a> = SetParameterRequest<'a, LanParameter, MAX_PARAMETER_DATA>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;
    use crate::Error;

    #[test]
    fn ipmitool_lan_print_requests() {
        // `ipmitool lan print 1` asks for the IP address: 01 03 00 00.
        let r = GetLanConfigRequest::parse(&[0x01, 0x03, 0x00, 0x00]).unwrap();
        assert_eq!(r.parameter, LanParameter::IpAddress);
        assert_eq!(r.channel, 1);
        assert!(!r.revision_only);
        let mut out = [0u8; 4];
        assert_eq!(r.emit(&mut out), Ok(4));
        assert_eq!(out, [0x01, 0x03, 0x00, 0x00]);
        assert!(
            GetLanConfigRequest::parse(&[0x81, 0x03, 0x00, 0x00])
                .unwrap()
                .revision_only
        );
        assert_eq!(
            GetLanConfigRequest::parse(&[1, 3, 0]),
            Err(Error::Truncated)
        );
        assert_eq!(
            GetLanConfigRequest::parse(&[1, 3, 0, 0, 0]),
            Err(Error::TooLong)
        );
    }

    #[test]
    fn set_and_response_round_trip() {
        // `ipmitool lan set 1 ipaddr 10.0.0.5`: 01 03 0a 00 00 05.
        let bytes = [0x01, 0x03, 0x0a, 0x00, 0x00, 0x05];
        let r = SetLanConfigRequest::parse(&bytes).unwrap();
        assert_eq!(r.data, &[10, 0, 0, 5]);
        let mut out = [0u8; 40];
        let n = r.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &bytes);
        assert_eq!(SetLanConfigRequest::parse(&[1, 3]), Err(Error::Truncated));
        assert_eq!(SetLanConfigRequest::parse(&[0u8; 35]), Err(Error::TooLong));
        let rsp = GetLanConfigResponse {
            revision: LAN_CONFIG_REVISION,
            data: &[10, 0, 0, 5],
        };
        let n = rsp.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &[0x11, 10, 0, 0, 5]);
        assert_eq!(GetLanConfigResponse::parse(&out[..n]), Ok(rsp));
        assert_eq!(rsp.emit(&mut out[..4]), Err(Error::BufferTooSmall));
        assert_eq!(GetLanConfigResponse::parse(&[]), Err(Error::Truncated));
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..48)) {
            let mut out = [0u8; 64];
            if let Ok(r) = GetLanConfigRequest::parse(&bytes) {
                let n = r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(GetLanConfigRequest::parse(&out[..n]).unwrap(), r);
            }
            if let Ok(r) = SetLanConfigRequest::parse(&bytes) {
                let n = r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(SetLanConfigRequest::parse(&out[..n]).unwrap(), r);
            }
            if let Ok(r) = GetLanConfigResponse::parse(&bytes) {
                let n = r.emit(&mut out).unwrap();
                proptest::prop_assert_eq!(GetLanConfigResponse::parse(&out[..n]).unwrap(), r);
            }
        }
    }
}
