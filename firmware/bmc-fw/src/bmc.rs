//! The BMC task: one UDP socket on port 623 feeding the sans-IO `rmcp::server::Endpoint`, and
//! the chassis loop that performs the endpoint's actions on the board.
//!
//! The two loops run joined in one task and talk over two small channels, so a slow action (a
//! power button held for seconds) never stops the network: other sessions, handshakes and
//! retransmissions keep being answered while it runs, and its reply goes out when it is done.
use core::cell::RefCell;
use core::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use embassy_futures::join::{join, join5};
use embassy_futures::select::{select, select4, Either, Either4};
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, IpEndpoint, Stack};
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::channel::Channel;
use embassy_sync::signal::Signal;
use embassy_time::{with_timeout, Duration, Instant, Timer};
use embedded_storage::nor_flash::NorFlash;
use ipmi_core::bmc::{Action, ActionResult, ControlOp, DeviceIdentity};
use ipmi_core::cmd::chassis::power_restore_policy::PowerRestorePolicy;
use ipmi_core::cmd::transport::LanParameter;
use ipmi_core::CompletionCode;
use rmcp::server::{Config, Endpoint, Output, Random, Ticket, MAX_DATAGRAM};

use crate::chassis::{perform, Chassis};
use crate::config;
use crate::console::{self, ConsolePort};
use crate::lines::{self, BoardLines, InputLine, OutputLine};
use crate::net::{self, RMCP_PORT};
use crate::provision;
use crate::sensors::{self, BoardSensors};
use crate::sol::{self, SerialPort};
use crate::store::{Baseline, Network, Saved, Store};

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
/// After boot, how long power good is left to settle before the power restore policy acts
/// (the host's standby rail and its power-good line after AC returns; a line driven by a test
/// harness under QEMU).
const RESTORE_SETTLE: Duration = Duration::from_secs(1);
/// How often power good is sampled to remember the host's last power state (for the
/// "previous" restore policy).
const POWER_SAMPLE: Duration = Duration::from_secs(2);

/// The endpoint type of this image: [`SESSIONS`] sessions, [`USERS`] user ids.
pub type BmcEndpoint = Endpoint<SESSIONS, USERS>;

/// What the board tells the BMC about itself.
pub struct Board {
    /// Get Device ID data and GUIDs; the system GUID is replaced by the configured one, if any.
    pub identity: DeviceIdentity,
    /// The Ethernet MAC address (LAN parameter 5).
    pub mac: [u8; 6],
    /// The board's name, for the firmware version system info string.
    pub name: &'static str,
}

/// The store and the snapshot it holds, shared by the network loop and the console.
pub(crate) struct Persist<F> {
    pub(crate) store: Store<F>,
    pub(crate) saved: Saved,
}

impl<F: NorFlash> Persist<F> {
    /// Saves `next` if it differs from the last snapshot.
    fn update(&mut self, next: Saved) {
        if next != self.saved {
            if let Err(e) = self.store.save(&next) {
                crate::error!("store: saving a change failed: {:?} (kept until reset)", e);
            }
            self.saved = next;
        }
    }
}

/// The prefix length of a subnet mask (its leading ones).
fn mask(prefix: u8) -> [u8; 4] {
    (u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0)).to_be_bytes()
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

/// Gives the endpoint its SDR (the config's sensors, else the board's) and the FRU image.
fn serve_inventory<S: BoardSensors>(endpoint: &mut BmcEndpoint, board: &S) {
    let table = sensors::table(board);
    let mut defs: heapless::Vec<ipmi_core::bmc::SensorDef, { ipmi_core::bmc::MAX_SENSORS }> = heapless::Vec::new();
    for spec in table {
        let _ = defs.push(spec.def());
    }
    endpoint.bmc_mut().set_sensors(&defs);
    endpoint.bmc_mut().set_fru(config::FRU);
    crate::info!(
        "bmc: {} sensors, FRU {} bytes, SEL {} records",
        defs.len(),
        config::FRU.len(),
        endpoint.bmc().sel_records().len()
    );
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
/// chassis actions, `rng` for session ids, RAKP randoms and AES IVs, and the configuration
/// console on `console` if the board has one; `sensors` reads the board's sensors, and Serial
/// over LAN runs on `sol`'s serial port (a board without one passes [`sol::NoSerial`]: SOL is
/// then disabled).
#[allow(clippy::too_many_arguments)]
pub async fn run<P, Rs, N, G, L, R, F, C, S, U>(
    stack: Stack<'static>,
    board: Board,
    lines: BoardLines<P, Rs, N, G, L>,
    mut rng: R,
    store: Store<F>,
    saved: Saved,
    console: Option<C>,
    mut sensors: S,
    sol: sol::Sol<U>,
) -> !
where
    S: BoardSensors,
    C: ConsolePort,
    U: SerialPort,
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
    serve_inventory(&mut endpoint, &sensors);
    let mut version: heapless::String<48> = heapless::String::new();
    for part in ["bmc-fw ", env!("CARGO_PKG_VERSION"), " ", board.name] {
        let _ = version.push_str(part);
    }
    endpoint.bmc_mut().system_info_mut().set_string(1, version.as_bytes());
    // Serial over LAN: the port consoles use, or disabled without a serial port.
    endpoint.bmc_mut().sol_mut().port = sol.udp_port;
    if !U::PRESENT {
        let _ = endpoint.bmc_mut().sol_mut().set(ipmi_core::cmd::transport::SolParameter::Enable, &[0]);
    }
    let bridge = sol::Bridge::new();
    let restore = (PowerRestorePolicy::from_bits(saved.restore_policy), saved.power_on);
    let persist = RefCell::new(Persist { store, saved });
    crate::info!(
        "bmc: endpoint with {} sessions, {} user ids ({} bytes)",
        SESSIONS,
        USERS,
        core::mem::size_of::<BmcEndpoint>()
    );

    let actions: Channel<NoopRawMutex, (Ticket, Action, IpEndpoint), PENDING> = Channel::new();
    let results: Channel<NoopRawMutex, (Ticket, ActionResult, IpEndpoint), PENDING> = Channel::new();

    let power_seen: Signal<NoopRawMutex, bool> = Signal::new();

    let shared = lines::Shared::new();
    let (mut chassis, sequencer, identify) = lines::split(lines, &shared);
    let chassis_loop = async {
        // The power restore policy: this boot may follow an AC power loss.
        Timer::after(RESTORE_SETTLE).await;
        let mut on = chassis.power_is_on().await;
        let (policy, was_on) = restore;
        let power_up = match policy {
            PowerRestorePolicy::AlwaysOn => true,
            PowerRestorePolicy::Previous => was_on,
            _ => false,
        };
        crate::info!("chassis: power restore policy {:?}, host was {}, is {}", policy, was_on, on);
        if power_up && !on {
            crate::info!("chassis: power restore: powering the host on");
            let _ = chassis.control(ControlOp::PowerUp, None).await;
        }
        power_seen.signal(on);
        // A deadline, not a fresh 2 s timer per action: a client that asks more often than
        // every 2 s (a sensor scrape) must not stop the sampling.
        let mut sample_at = Instant::now() + POWER_SAMPLE;
        loop {
            match select(actions.receive(), Timer::at(sample_at)).await {
                Either::First((ticket, action, peer)) => {
                    let result = perform(&mut chassis, &mut sensors, on, action).await;
                    results.send((ticket, result, peer)).await;
                }
                Either::Second(()) => {
                    sample_at = Instant::now() + POWER_SAMPLE;
                    let now = chassis.power_is_on().await;
                    if now != on {
                        on = now;
                        power_seen.signal(on);
                    }
                }
            }
        }
    };

    let network_loop = async {
        let network = persist.borrow().saved.network;
        let mut dhcp_lease = false;
        if let Network::Dhcp { fallback } = network {
            dhcp_lease = true;
            if with_timeout(net::DHCP_TIMEOUT, stack.wait_config_up()).await.is_err() {
                dhcp_lease = false;
                crate::warn!("net: no DHCP lease within {} s: static fallback", net::DHCP_TIMEOUT.as_secs());
                stack.set_config_v4(embassy_net::ConfigV4::Static(net::static_v4(&fallback)));
            }
        }
        stack.wait_config_up().await;
        if let Some(c) = stack.config_v4() {
            let ip = c.address.address().octets();
            let [a, b, c2, d] = ip;
            crate::info!("net: address {}.{}.{}.{}/{}", a, b, c2, d, c.address.prefix_len());
            // What `lan print` shows unless a client set other values (then those, saved).
            let source = if dhcp_lease { 2 } else { 1 };
            let lan = endpoint.bmc_mut().lan_mut();
            lan.set_address(ip, source, board.mac, mask(c.address.prefix_len()));
            let gateway = c.gateway.map(|g| g.octets()).unwrap_or([0; 4]);
            let _ = lan.set(LanParameter::DefaultGateway, &gateway);
        }
        let baseline = Baseline::of(&endpoint);
        persist.borrow().saved.apply_lan(&mut endpoint);
        persist.borrow().saved.apply_sol_fru(&mut endpoint);
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
        // The endpoint's timers run once a second even while SOL traffic keeps the loop busy.
        let mut next_poll = Instant::now() + POLL_EVERY;
        loop {
            let wake_at = sol::Bridge::deadline(&endpoint).map_or(next_poll, |d| d.min(next_poll));
            match select4(socket.recv_from(&mut datagram), results.receive(), bridge.wake(wake_at), power_seen.wait())
                .await
            {
                Either4::First(Ok((n, meta))) => {
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
                Either4::First(Err(_)) => {} // truncated (too long): dropped
                Either4::Second((ticket, result, peer)) => {
                    if let Some(len) = endpoint.complete(ticket, result, now(), &mut rng, &mut out) {
                        let _ = socket.send_to(&out[..len], peer).await;
                    }
                }
                // A timer (the endpoint's, or SOL's: its work is below) or SOL's wake-up.
                Either4::Third(()) => {
                    if Instant::now() >= next_poll {
                        next_poll = Instant::now() + POLL_EVERY;
                        endpoint.poll(now());
                    }
                }
                Either4::Fourth(on) => {
                    let mut p = persist.borrow_mut();
                    let next = Saved { power_on: on, ..p.saved.clone() };
                    p.update(next);
                }
            }
            // Persist whatever a client changed (users, channel access, LAN parameters, boot
            // flags, policy, ACPI state, system info, SEL, SOL parameters, FRU data).
            if endpoint.take_changed() {
                let mut p = persist.borrow_mut();
                let next = p.saved.capture(&endpoint, &baseline);
                p.update(next);
            }
            bridge.work(&mut endpoint, &socket, &mut rng, &mut out);
        }
    };

    let console_loop = async {
        match console {
            Some(port) => console::run(port, &persist).await,
            None => core::future::pending().await,
        }
    };

    let sol_loop = bridge.serve(sol.serial);

    join5(chassis_loop, network_loop, sequencer, identify, join(console_loop, sol_loop)).await;
    unreachable!()
}
