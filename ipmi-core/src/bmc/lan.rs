//! The LAN channel's configuration parameters (Get/Set LAN Configuration Parameters): what
//! `ipmitool lan print/set` and freeipmi's `bmc-config` Lan_Conf* sections read and write.
//!
//! The values are plain bytes as they travel, kept here so that one dispatcher answers for them
//! and a shell can save and restore them ([`LanConfig::SAVED`], [`LanConfig::get`],
//! [`LanConfig::set`]). Addresses are reported and stored, not applied: the shell owns the
//! network (host-sim binds what its config says). The cipher suite privilege levels (parameter
//! 24) are applied: rmcp holds every new session to them.
//!
//! Parameter 24 holds one nibble per cipher suite *id* 0..15 (not per entry of parameter 23):
//! that is how ipmitool (`lan set cipher_privs`, "the character position identifies the cipher
//! suite number") and freeipmi (`Maximum_Privilege_Cipher_Suite_Id_N`) both read and write it.
//! Suites 16 and 17 have no nibble: their cap is the configured one.
use super::parameters::{copy_out, exact, set_in_progress};
use crate::cmd::transport::LanParameter as P;
use crate::{CompletionCode, Privilege};

/// Parameter not supported (0x80).
pub const CC_NOT_SUPPORTED: CompletionCode = CompletionCode::CommandSpecific80;
/// Attempt to write a read-only parameter (0x82).
pub const CC_READ_ONLY: CompletionCode = CompletionCode::CommandSpecific82;

/// Most cipher suite entries parameters 23 and 24 carry.
pub const MAX_SUITE_ENTRIES: usize = 16;

/// The LAN configuration parameters of one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LanConfig {
    set_in_progress: u8,
    /// IPMI 1.5 authentication types supported (parameter 1, read only): b0 none, b1 MD2,
    /// b2 MD5, b4 straight password, b5 OEM.
    pub auth_type_support: u8,
    auth_type_enables: [u8; 5],
    ip_address: [u8; 4],
    ip_source: u8,
    mac: [u8; 6],
    subnet_mask: [u8; 4],
    ipv4_header: [u8; 3],
    /// The UDP port RMCP is served on (parameter 8, read only).
    pub rmcp_port: u16,
    arp_control: u8,
    garp_interval: u8,
    gateway: [u8; 4],
    gateway_mac: [u8; 6],
    backup_gateway: [u8; 4],
    backup_gateway_mac: [u8; 6],
    community: [u8; 18],
    vlan: [u8; 2],
    vlan_priority: u8,
    suites: heapless::Vec<u8, MAX_SUITE_ENTRIES>,
    /// The configured cap of each listed suite (what ids 16 and up are held to).
    suite_caps: [Privilege; MAX_SUITE_ENTRIES],
    /// Parameter 24: one nibble per suite id 0..15.
    suite_privileges: [u8; 16],
}

impl Default for LanConfig {
    /// No suites, MD5 only, address 0.0.0.0 from an unspecified source, community "public".
    fn default() -> Self {
        let mut community = [0u8; 18];
        community[..6].copy_from_slice(b"public");
        LanConfig {
            set_in_progress: 0,
            auth_type_support: 1 << 2,
            auth_type_enables: [1 << 2; 5],
            ip_address: [0; 4],
            ip_source: 0,
            mac: [0; 6],
            subnet_mask: [0; 4],
            // TTL 64, don't fragment, precedence 0 / normal type of service.
            ipv4_header: [0x40, 0x40, 0x10],
            rmcp_port: 623,
            arp_control: 0,
            garp_interval: 0,
            gateway: [0; 4],
            gateway_mac: [0; 6],
            backup_gateway: [0; 4],
            backup_gateway_mac: [0; 6],
            community,
            vlan: [0; 2],
            vlan_priority: 0,
            suites: heapless::Vec::new(),
            suite_caps: [Privilege::NoAccess; MAX_SUITE_ENTRIES],
            suite_privileges: [0; 16],
        }
    }
}

impl LanConfig {
    /// The writable parameters, in the order a shell should save and restore them.
    pub const SAVED: [P; 16] = [
        P::AuthTypeEnables,
        P::IpAddress,
        P::IpAddressSource,
        P::MacAddress,
        P::SubnetMask,
        P::Ipv4HeaderParameters,
        P::ArpControl,
        P::GratuitousArpInterval,
        P::DefaultGateway,
        P::DefaultGatewayMac,
        P::BackupGateway,
        P::BackupGatewayMac,
        P::CommunityString,
        P::VlanId,
        P::VlanPriority,
        P::CipherSuitePrivileges,
    ];

    /// Sets the cipher suites the channel offers (parameter 23), each with its privilege cap.
    /// Entries beyond the first 16 (`MAX_SUITE_ENTRIES`) are ignored.
    pub fn set_suites(&mut self, suites: impl IntoIterator<Item = (u8, Privilege)>) {
        self.suites.clear();
        self.suite_privileges = [0; 16];
        for (id, cap) in suites {
            let i = self.suites.len();
            if self.suites.push(id).is_err() {
                break;
            }
            self.suite_caps[i] = cap;
            if let Some(p) = self.suite_privileges.get_mut(usize::from(id)) {
                *p = u8::from(cap) & 0x0F;
            }
        }
    }

    /// The highest privilege a new session on suite `id` may reach: parameter 24's nibble for
    /// ids 0..15, the configured cap above; [`Privilege::NoAccess`] for a suite that is not
    /// listed or whose nibble is "unused" (0).
    pub fn suite_cap(&self, id: u8) -> Privilege {
        let Some(i) = self.suites.iter().position(|&s| s == id) else {
            return Privilege::NoAccess;
        };
        match self.suite_privileges.get(usize::from(id)) {
            Some(0) => Privilege::NoAccess,
            Some(&p) => Privilege::from(p),
            None => self.suite_caps[i],
        }
    }

    /// Sets the addresses a shell knows (reported by `lan print`, not applied).
    pub fn set_address(&mut self, ip: [u8; 4], source: u8, mac: [u8; 6], subnet_mask: [u8; 4]) {
        self.ip_address = ip;
        self.ip_source = source;
        self.mac = mac;
        self.subnet_mask = subnet_mask;
    }

    /// Writes parameter `p`'s data into `out`; 0x80 for a parameter not served here.
    pub fn get(&self, p: P, out: &mut [u8]) -> Result<usize, CompletionCode> {
        let mut buf = [0u8; 1 + MAX_SUITE_ENTRIES + 2];
        let data: &[u8] = match p {
            P::SetInProgress => core::slice::from_ref(&self.set_in_progress),
            P::AuthTypeSupport => core::slice::from_ref(&self.auth_type_support),
            P::AuthTypeEnables => &self.auth_type_enables,
            P::IpAddress => &self.ip_address,
            P::IpAddressSource => core::slice::from_ref(&self.ip_source),
            P::MacAddress => &self.mac,
            P::SubnetMask => &self.subnet_mask,
            P::Ipv4HeaderParameters => &self.ipv4_header,
            P::PrimaryRmcpPort => {
                buf[..2].copy_from_slice(&self.rmcp_port.to_le_bytes());
                &buf[..2]
            }
            P::ArpControl => core::slice::from_ref(&self.arp_control),
            P::GratuitousArpInterval => core::slice::from_ref(&self.garp_interval),
            P::DefaultGateway => &self.gateway,
            P::DefaultGatewayMac => &self.gateway_mac,
            P::BackupGateway => &self.backup_gateway,
            P::BackupGatewayMac => &self.backup_gateway_mac,
            P::CommunityString => &self.community,
            P::DestinationCount => &[0],
            P::VlanId => &self.vlan,
            P::VlanPriority => core::slice::from_ref(&self.vlan_priority),
            P::CipherSuiteEntrySupport => {
                buf[0] = self.suites.len() as u8;
                &buf[..1]
            }
            P::CipherSuiteEntries => {
                // Byte 1 reserved, then one suite id per entry.
                let n = self.suites.len();
                buf[1..1 + n].copy_from_slice(&self.suites);
                &buf[..1 + n]
            }
            P::CipherSuitePrivileges => {
                // Byte 1 reserved, then two suite ids per byte, the lower id in the low nibble.
                for (i, pair) in self.suite_privileges.chunks(2).enumerate() {
                    buf[1 + i] = pair[0] | pair.get(1).map_or(0, |h| h << 4);
                }
                &buf[..9]
            }
            _ => return Err(CC_NOT_SUPPORTED),
        };
        copy_out(data, out)
    }

    /// Sets parameter `p` from `data`: C7 for a wrong length, CC for a value out of range,
    /// 0x82 for a read-only parameter, 0x80 for one not served here.
    pub fn set(&mut self, p: P, data: &[u8]) -> Result<(), CompletionCode> {
        let bad = CompletionCode::InvalidDataField;
        match p {
            P::SetInProgress => self.set_in_progress = set_in_progress(data)?,
            P::AuthTypeSupport
            | P::PrimaryRmcpPort
            | P::DestinationCount
            | P::CipherSuiteEntrySupport
            | P::CipherSuiteEntries => return Err(CC_READ_ONLY),
            P::AuthTypeEnables => {
                let v = exact::<5>(data)?;
                if v.iter().any(|b| b & !0x37 != 0) {
                    return Err(bad);
                }
                self.auth_type_enables = v;
            }
            P::IpAddress => self.ip_address = exact(data)?,
            P::IpAddressSource => {
                let [v] = exact::<1>(data)?;
                if v & 0x0F > 4 {
                    return Err(bad);
                }
                self.ip_source = v & 0x0F;
            }
            P::MacAddress => self.mac = exact(data)?,
            P::SubnetMask => self.subnet_mask = exact(data)?,
            P::Ipv4HeaderParameters => self.ipv4_header = exact(data)?,
            P::ArpControl => {
                let [v] = exact::<1>(data)?;
                if v & !0x03 != 0 {
                    return Err(bad);
                }
                self.arp_control = v;
            }
            P::GratuitousArpInterval => self.garp_interval = exact::<1>(data)?[0],
            P::DefaultGateway => self.gateway = exact(data)?,
            P::DefaultGatewayMac => self.gateway_mac = exact(data)?,
            P::BackupGateway => self.backup_gateway = exact(data)?,
            P::BackupGatewayMac => self.backup_gateway_mac = exact(data)?,
            P::CommunityString => self.community = exact(data)?,
            P::VlanId => {
                let v = exact::<2>(data)?;
                if v[1] & 0x70 != 0 {
                    return Err(bad);
                }
                self.vlan = v;
            }
            P::VlanPriority => {
                let [v] = exact::<1>(data)?;
                if v > 7 {
                    return Err(bad);
                }
                self.vlan_priority = v;
            }
            P::CipherSuitePrivileges => {
                let v = exact::<9>(data)?;
                let mut levels = [0u8; 16];
                for (i, level) in levels.iter_mut().enumerate() {
                    let byte = v[1 + i / 2];
                    *level = if i % 2 == 0 { byte & 0x0F } else { byte >> 4 };
                    // Unused (0) or Callback..OEM. A nibble for a suite that is not offered
                    // is kept and has no effect (ipmitool writes one for every id 0..14).
                    if *level > 5 {
                        return Err(bad);
                    }
                }
                self.suite_privileges = levels;
            }
            _ => return Err(CC_NOT_SUPPORTED),
        }
        Ok(())
    }
}

impl super::parameters::ParameterBlock for LanConfig {
    type Parameter = P;
    const REVISION: u8 = crate::cmd::transport::LAN_CONFIG_REVISION;
    fn get(&self, p: P, out: &mut [u8]) -> Result<usize, CompletionCode> {
        LanConfig::get(self, p, out)
    }
    fn set(&mut self, p: P, data: &[u8]) -> Result<(), CompletionCode> {
        LanConfig::set(self, p, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_privileges_round_trip_and_apply() {
        let mut l = LanConfig::default();
        l.set_suites([
            (3, Privilege::Administrator),
            (17, Privilege::Administrator),
        ]);
        let mut out = [0u8; 32];
        assert_eq!(l.get(P::CipherSuiteEntrySupport, &mut out), Ok(1));
        assert_eq!(out[0], 2);
        assert_eq!(l.get(P::CipherSuiteEntries, &mut out), Ok(3));
        assert_eq!(&out[..3], &[0, 3, 17]);
        // By suite id: 3 is the high nibble of the third byte; 17 has no nibble.
        assert_eq!(l.get(P::CipherSuitePrivileges, &mut out), Ok(9));
        assert_eq!(&out[..3], &[0, 0, 0x40]);
        // ipmitool `lan set 1 cipher_privs XXXuXXXXXXXXXXX`: suite 3 User.
        let user3 = [0, 0, 0x20, 0, 0, 0, 0, 0, 0];
        assert_eq!(l.set(P::CipherSuitePrivileges, &user3), Ok(()));
        assert_eq!(l.suite_cap(3), Privilege::User);
        assert_eq!(l.suite_cap(17), Privilege::Administrator);
        assert_eq!(l.suite_cap(1), Privilege::NoAccess);
        // "Unused" takes a suite out; a level above OEM and a short write are refused.
        assert_eq!(l.set(P::CipherSuitePrivileges, &[0; 9]), Ok(()));
        assert_eq!(l.suite_cap(3), Privilege::NoAccess);
        assert_eq!(l.set(P::CipherSuitePrivileges, &user3), Ok(()));
        assert_eq!(
            l.set(P::CipherSuitePrivileges, &[0, 0x60, 0, 0, 0, 0, 0, 0, 0]),
            Err(CompletionCode::InvalidDataField)
        );
        assert_eq!(
            l.set(P::CipherSuitePrivileges, &[0, 0x44]),
            Err(CompletionCode::RequestDataLengthInvalid)
        );
        assert_eq!(l.suite_cap(3), Privilege::User);
    }

    #[test]
    fn read_only_and_unknown() {
        let mut l = LanConfig::default();
        for p in [
            P::AuthTypeSupport,
            P::PrimaryRmcpPort,
            P::CipherSuiteEntries,
            P::CipherSuiteEntrySupport,
            P::DestinationCount,
        ] {
            assert_eq!(l.set(p, &[0]), Err(CC_READ_ONLY), "{p:?}");
        }
        assert_eq!(l.set(P::Unknown(0x40), &[0]), Err(CC_NOT_SUPPORTED));
        assert_eq!(
            l.get(P::Unknown(0x40), &mut [0u8; 32]),
            Err(CC_NOT_SUPPORTED)
        );
    }

    #[test]
    fn every_saved_parameter_round_trips() {
        let mut l = LanConfig::default();
        l.set_suites([(3, Privilege::Administrator)]);
        let mut out = [0u8; 32];
        for p in LanConfig::SAVED {
            let n = l.get(p, &mut out).unwrap();
            let copy = out;
            assert_eq!(l.set(p, &copy[..n]), Ok(()), "{p:?}");
            assert_eq!(
                l.set(p, &copy[..n - 1]),
                Err(CompletionCode::RequestDataLengthInvalid)
            );
        }
        assert_eq!(l.set(P::IpAddress, &[10, 0, 0, 5]), Ok(()));
        assert_eq!(l.get(P::IpAddress, &mut out), Ok(4));
        assert_eq!(&out[..4], &[10, 0, 0, 5]);
        assert_eq!(
            l.set(P::IpAddressSource, &[5]),
            Err(CompletionCode::InvalidDataField)
        );
        assert_eq!(
            l.set(P::VlanPriority, &[8]),
            Err(CompletionCode::InvalidDataField)
        );
    }
}
