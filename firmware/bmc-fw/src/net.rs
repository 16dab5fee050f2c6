//! The network side: the embassy-net configuration from the build-time config, and the UDP port.
use embassy_net::{Ipv4Address, Ipv4Cidr, StaticConfigV4};

use crate::config;

/// The RMCP port (ASF, IPMI over LAN).
pub const RMCP_PORT: u16 = 623;

/// Sockets the stack must hold: the RMCP socket (one more for headroom).
pub const SOCKETS: usize = 2;

/// The static IPv4 configuration from the config file.
pub fn stack_config() -> embassy_net::Config {
    let [a, b, c, d] = config::ADDRESS;
    embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(a, b, c, d), config::PREFIX_LEN),
        gateway: config::GATEWAY.map(|[a, b, c, d]| Ipv4Address::new(a, b, c, d)),
        dns_servers: Default::default(),
    })
}
