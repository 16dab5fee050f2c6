//! The network side: the embassy-net configuration from the store, and the UDP port.
use embassy_net::{Ipv4Address, Ipv4Cidr, StaticConfigV4};

use crate::store::{Network, StaticIp};

/// The RMCP port (ASF, IPMI over LAN).
pub const RMCP_PORT: u16 = 623;

/// Sockets the stack must hold: the RMCP socket and DHCP (one more for headroom).
pub const SOCKETS: usize = 3;

/// How long DHCP may take before the static fallback address is used.
pub const DHCP_TIMEOUT: embassy_time::Duration = embassy_time::Duration::from_secs(10);

/// The static embassy-net form of `ip`.
pub fn static_v4(ip: &StaticIp) -> StaticConfigV4 {
    let [a, b, c, d] = ip.address;
    StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(a, b, c, d), ip.prefix),
        gateway: ip.gateway.map(|[a, b, c, d]| Ipv4Address::new(a, b, c, d)),
        dns_servers: Default::default(),
    }
}

/// The stack configuration for `network`: DHCP (the fallback is applied by the BMC task after
/// [`DHCP_TIMEOUT`]) or a static address.
pub fn stack_config(network: &Network) -> embassy_net::Config {
    match network {
        Network::Dhcp { .. } => embassy_net::Config::dhcpv4(Default::default()),
        Network::Static(ip) => embassy_net::Config::ipv4_static(static_v4(ip)),
    }
}
