//! The BMC task: one UDP socket on port 623 feeding the sans-IO endpoint, and the chassis loop
//! that performs the endpoint's actions on the board without stopping the network.
use core::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, IpEndpoint, Stack};

use crate::chassis::Chassis;
use crate::net::RMCP_PORT;

/// Largest datagram read or written (RMCP+ packets are small; a larger one is dropped).
pub const DATAGRAM: usize = 512;

fn peer_addr(ep: IpEndpoint) -> SocketAddr {
    match ep.addr {
        IpAddress::Ipv4(a) => SocketAddr::V4(SocketAddrV4::new(a, ep.port)),
        #[allow(unreachable_patterns)]
        _ => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), ep.port),
    }
}

/// Bring-up only, until the endpoint lands: answers an ASF presence ping.
fn bringup_reply(req: &[u8], out: &mut [u8]) -> Option<usize> {
    if req.len() >= 12 && req[0] == 6 && req[3] == 6 && req[8] == 0x80 {
        let pong = [
            6, 0, 0xff, 6, 0, 0, 0x11, 0xbe, 0x40, req[9], 0, 16, 0, 0, 0x11, 0xbe, 0, 0, 0, 0, 0x81, 0, 0, 0, 0, 0, 0, 0,
        ];
        out[..pong.len()].copy_from_slice(&pong);
        return Some(pong.len());
    }
    None
}

/// Runs the BMC on `stack` for ever: the endpoint on UDP 623, and `chassis` for its actions.
pub async fn run<C: Chassis>(stack: Stack<'static>, mut chassis: C) -> ! {
    crate::config::log_summary();
    stack.wait_config_up().await;
    let mut rx_meta = [PacketMetadata::EMPTY; 8];
    let mut tx_meta = [PacketMetadata::EMPTY; 8];
    let mut rx_buf = [0u8; 2048];
    let mut tx_buf = [0u8; 2048];
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx_buf, &mut tx_meta, &mut tx_buf);
    if socket.bind(RMCP_PORT).is_err() {
        crate::error!("cannot bind UDP port {}", RMCP_PORT);
    }
    crate::info!("bmc: listening on UDP port {}", RMCP_PORT);
    let mut datagram = [0u8; DATAGRAM];
    let mut out = [0u8; DATAGRAM];
    let _ = &mut chassis;
    loop {
        let (n, meta) = match socket.recv_from(&mut datagram).await {
            Ok(x) => x,
            Err(_) => continue,
        };
        let peer = peer_addr(meta.endpoint);
        let _ = peer;
        if let Some(len) = bringup_reply(&datagram[..n], &mut out) {
            let _ = socket.send_to(&out[..len], meta.endpoint).await;
        }
    }
}
