//! The BMC task: one UDP socket on port 623 feeding the sans-IO `rmcp::server::Endpoint`, and
//! the chassis loop that performs the endpoint's actions on the board.
//!
//! The two loops run joined in one task and talk over two small channels, so a slow action (a
//! power button held for seconds) never stops the network: other sessions, handshakes and
//! retransmissions keep being answered while it runs, and its reply goes out when it is done.
use core::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use embassy_futures::join::join4;
use embassy_futures::select::{select3, Either3};
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, IpEndpoint, Stack};
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::channel::Channel;
use embassy_time::{with_timeout, Duration, Instant, Timer};
use embedded_storage::nor_flash::NorFlash;
use ipmi_core::bmc::{Action, ActionResult, DeviceIdentity};
use ipmi_core::CompletionCode;
use rmcp::server::{Config, Endpoint, Output, Random, Ticket, MAX_DATAGRAM};

use crate::chassis::perform;
use crate::config;
use crate::lines::{self, BoardLines, InputLine, OutputLine};
use crate::net::{self, RMCP_PORT};
use crate::provision;
use crate::store::{Network, Saved, Store};

/// Sessions the endpoint holds at once (each slot holds its keys, windows and a cached reply).
pub const SESSIONS: usize = 8;
/// User ids the endpoint holds (id 1 is IPMI's null user, so `USERS - 1` named users; keep
/// `MAX_USERS` in build.rs in step).
pub const USERS: usize = 5;
/// Actions that may wait for the chassis at once; more are answered "node busy".
const PENDING: usize = 4;
/// Largest datagram read (RMCP+ requests are small; a larger one is dropped by the socket).
const DATAGRAM_IN: usize = 512;
/// How often idle sessions and half-open handshakes are expired when no traffic comes.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The endpoint type of this image: [`SESSIONS`] sessions, [`USERS`] user ids.
pub type BmcEndpoint = Endpoint<SESSIONS, USERS>;

/// What the board tells the BMC about itself.
pub struct Board {
    /// Get Device ID data and GUIDs; the system GUID is replaced by the configured one, if any.
    pub identity: DeviceIdentity,
}

fn now() -> ipmi_core::Instant {
    ipmi_core::Instant::from_millis(Instant::now().as_millis())
}

fn peer_addr(ep: IpEndpoint) -> SocketAddr {
    match ep.addr {
        IpAddress::Ipv4(a) => SocketAddr::V4(SocketAddrV4::new(a, ep.port)),
        #[allow(unreachable_patterns)]
        _ => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), ep.port),
    }
}

/// The endpoint configuration: the board's identity (the configured GUID, if any, instead of
/// the board's) and the users, K_g, suites and channel limit of `saved`.
pub fn endpoint_config(board: &Board, saved: &Saved) -> Config<USERS> {
    let mut cfg = Config::new();
    let mut identity = board.identity;
    if let Some(guid) = config::GUID {
        identity.system_guid = guid;
        identity.device_guid = guid;
    }
    cfg.system_guid = identity.device_guid;
    cfg.identity = identity;
    saved.apply_config(&mut cfg);
    cfg
}

/// The state to boot with: the store's newest snapshot (the build-time config if the store is
/// empty), with the provisioning blob at `blob_offset` applied if it is newer than the last one
/// applied (then saved at once, so the blob is applied only once).
pub fn load_state<F: NorFlash>(store: &mut Store<F>, blob_offset: u32) -> Saved {
    let mut saved = match store.load() {
        Some(s) => s,
        None => {
            crate::info!("store: empty, starting from the build-time config");
            Saved::from_build_config()
        }
    };
    let mut blob = [0xFFu8; provision::MAX_BLOB];
    if store.read_raw(blob_offset, &mut blob) {
        match provision::apply(&blob, &mut saved) {
            Ok(true) => {
                crate::info!("provision: blob {} applied", saved.blob_seq);
                if let Err(e) = store.save(&saved) {
                    crate::error!("store: saving the provisioned config failed: {:?}", e);
                }
            }
            Ok(false) => crate::info!("provision: blob already applied"),
            Err(provision::BlobError::Absent) => crate::debug!("provision: no blob"),
            Err(e) => crate::error!("provision: blob ignored: {:?}", e),
        }
    }
    saved
}

/// Runs the BMC on `stack` for ever: the endpoint on UDP 623, the board's `lines` for its
/// chassis actions and `rng` for session ids, RAKP randoms and AES IVs.
pub async fn run<P, Rs, N, G, L, R, F>(
    stack: Stack<'static>,
    board: Board,
    lines: BoardLines<P, Rs, N, G, L>,
    mut rng: R,
    mut store: Store<F>,
    mut saved: Saved,
) -> !
where
    F: NorFlash,
    P: OutputLine,
    Rs: OutputLine,
    N: OutputLine,
    G: InputLine,
    L: OutputLine,
    R: Random,
{
    config::log_summary(&saved);
    let mut endpoint = BmcEndpoint::new(endpoint_config(&board, &saved));
    saved.apply_bmc(&mut endpoint);
    crate::info!(
        "bmc: endpoint with {} sessions, {} user ids ({} bytes)",
        SESSIONS,
        USERS,
        core::mem::size_of::<BmcEndpoint>()
    );

    let actions: Channel<NoopRawMutex, (Ticket, Action, IpEndpoint), PENDING> = Channel::new();
    let results: Channel<NoopRawMutex, (Ticket, ActionResult, IpEndpoint), PENDING> = Channel::new();

    let shared = lines::Shared::new();
    let (mut chassis, sequencer, identify) = lines::split(lines, &shared);
    let chassis_loop = async {
        loop {
            let (ticket, action, peer) = actions.receive().await;
            let result = perform(&mut chassis, action).await;
            results.send((ticket, result, peer)).await;
        }
    };

    let network_loop = async {
        if let Network::Dhcp { fallback } = saved.network {
            if with_timeout(net::DHCP_TIMEOUT, stack.wait_config_up()).await.is_err() {
                crate::warn!("net: no DHCP lease within {} s: static fallback", net::DHCP_TIMEOUT.as_secs());
                stack.set_config_v4(embassy_net::ConfigV4::Static(net::static_v4(&fallback)));
            }
        }
        stack.wait_config_up().await;
        if let Some(c) = stack.config_v4() {
            let [a, b, c2, d] = c.address.address().octets();
            crate::info!("net: address {}.{}.{}.{}/{}", a, b, c2, d, c.address.prefix_len());
        }
        let mut rx_meta = [PacketMetadata::EMPTY; 8];
        let mut tx_meta = [PacketMetadata::EMPTY; 8];
        let mut rx_buf = [0u8; 2048];
        let mut tx_buf = [0u8; 2048];
        let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx_buf, &mut tx_meta, &mut tx_buf);
        if socket.bind(RMCP_PORT).is_err() {
            crate::error!("bmc: cannot bind UDP port {}", RMCP_PORT);
        }
        crate::info!("bmc: listening on UDP port {}", RMCP_PORT);
        let mut datagram = [0u8; DATAGRAM_IN];
        let mut out = [0u8; MAX_DATAGRAM];
        loop {
            match select3(socket.recv_from(&mut datagram), results.receive(), Timer::after(POLL_EVERY)).await {
                Either3::First(Ok((n, meta))) => {
                    let peer = meta.endpoint;
                    let output = endpoint.handle(now(), peer_addr(peer), &datagram[..n], &mut rng, &mut out);
                    match output {
                        Output::Drop => {}
                        Output::Reply(len) => {
                            let _ = socket.send_to(&out[..len], peer).await;
                        }
                        Output::Pending(ticket, action) => {
                            crate::debug!("bmc: action {:?}", action);
                            if actions.try_send((ticket, action, peer)).is_err() {
                                let busy = ActionResult::Failed(CompletionCode::NodeBusy);
                                if let Some(len) = endpoint.complete(ticket, busy, now(), &mut rng, &mut out) {
                                    let _ = socket.send_to(&out[..len], peer).await;
                                }
                            }
                        }
                    }
                }
                Either3::First(Err(_)) => {} // truncated (too long): dropped
                Either3::Second((ticket, result, peer)) => {
                    if let Some(len) = endpoint.complete(ticket, result, now(), &mut rng, &mut out) {
                        let _ = socket.send_to(&out[..len], peer).await;
                    }
                }
                Either3::Third(()) => endpoint.poll(now()),
            }
            // Persist whatever a client changed (users, channel access, boot flags, policy).
            let current = saved.capture(&endpoint);
            if current != saved {
                match store.save(&current) {
                    Ok(()) => {}
                    Err(e) => crate::error!("store: saving a change failed: {:?} (kept until reset)", e),
                }
                saved = current;
            }
        }
    };

    join4(chassis_loop, network_loop, sequencer, identify).await;
    unreachable!()
}
