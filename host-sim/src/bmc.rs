//! One virtual BMC: its `rmcp::server::Endpoint`, its UDP socket, and what powers its machine.
//!
//! The endpoint is sans-IO and synchronous: the reactor's threads feed it datagrams and send its
//! replies. A chassis action it defers runs in a tokio task of its own (the provider script, with
//! its time-out) and comes back through the BMC's mutex, so a slow script never blocks this BMC's
//! other sessions, nor any other BMC. The in-memory provider answers inline.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chacha20::rand_core::{Rng, SeedableRng};
use ipmi_core::bmc::{Action, ActionResult, BootFlags};
use ipmi_core::Instant;
use rmcp::server::{Config, Endpoint, Output, Random, Ticket, MAX_DATAGRAM};
use std::sync::Weak;
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::reactor::{Reactor, Served};

use crate::config::{BmcConfig, Home, Resolved, State};
use crate::machine::Machine;
use crate::provider::Provider;

/// Sessions per BMC.
pub const SESSIONS: usize = 8;
/// User ids a BMC can have (id 1 is IPMI's null user; the configured user gets id 2); the
/// configuration's `max_users` (default 10) is how many it serves.
pub const USERS: usize = crate::config::MAX_USERS as usize;

/// The endpoint type host-sim runs.
pub type Ep = Endpoint<SESSIONS, USERS>;

/// The daemon's monotonic clock, in the milliseconds the core takes.
#[derive(Debug, Clone, Copy)]
pub struct Clock(std::time::Instant);

impl Clock {
    /// A clock starting now.
    pub fn new() -> Clock {
        Clock(std::time::Instant::now())
    }
    /// Now.
    pub fn now(&self) -> Instant {
        Instant::from_millis(self.0.elapsed().as_millis() as u64)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// The OS random source (rmcp's; it aborts the process if the OS fails). Session ids, Rc and IVs
/// come from here.
pub use rmcp::session::OsRandom;

/// Everything a BMC task needs.
#[derive(Debug)]
pub struct Spec {
    /// Its name.
    pub name: String,
    /// Its configuration as written.
    pub cfg: BmcConfig,
    /// Its configuration decoded.
    pub resolved: Resolved,
    /// Its provider.
    pub provider: Provider,
    /// Its state from the last run.
    pub state: State,
    /// SOL's own UDP socket, bound (`sol_port`), when it has one.
    pub sol_sock: Option<std::net::UdpSocket>,
}

/// Builds the endpoint configuration of one BMC.
pub fn endpoint_config(cfg: &BmcConfig, r: &Resolved) -> Result<Config<USERS>, String> {
    let mut c = Config::new();
    c.max_user_ids = cfg.max_users.min(crate::config::MAX_USERS);
    for u in &r.users {
        c.set_user(u.id, Some(crate::store::user_of(u)?))
            .map_err(|e| format!("user {:?}: {e}", u.name))?;
    }
    c.set_kg(r.kg.as_deref()).map_err(|e| format!("kg: {e}"))?;
    c.set_suites(&cfg.cipher_suites)
        .map_err(|e| format!("cipher_suites: {e}"))?;
    c.channel_privilege_limit = r.privilege_limit;
    Ok(c)
}

/// The BMC's system GUID: the configuration's, else the one its state keeps, else (a BMC
/// without a store: `demo`) a fresh random one.
pub fn system_guid(r: &Resolved, state: &State) -> [u8; 16] {
    let saved = || crate::config::parse_guid(state.system_guid.as_deref()?).ok();
    r.guid.or_else(saved).unwrap_or_else(|| {
        crate::config::parse_guid(&crate::config::random_guid()).unwrap_or_default()
    })
}

/// How long after the last datagram the endpoint's timers still need ticking (sessions idle out
/// after 60 s by default).
const ACTIVE_FOR_MS: u64 = 75_000;

/// One running BMC: its socket, its endpoint, and what powers its machine. The reactor's threads
/// call `datagram` and `tick`; a provider script's task calls `completed`.
pub struct Bmc {
    name: String,
    sock: std::net::UdpSocket,
    /// SOL's own port (`sol_port`), served like `sock`; unsolicited SOL packets leave from it.
    sol_sock: Option<std::net::UdpSocket>,
    core: std::sync::Mutex<Core>,
    /// Its machine, power feed and nodes (topology.rs): where deferred actions go.
    platform: Arc<crate::topology::Platform>,
    saver: Option<crate::store::Saver>,
    clock: Clock,
    rt: tokio::runtime::Handle,
    me: Weak<Bmc>,
    /// The serial console SOL reaches, if the BMC has one.
    console: Option<Arc<crate::console::Console>>,
}

/// What a datagram changes, behind the BMC's mutex.
struct Core {
    ep: Box<Ep>,
    rng: FastRandom,
    out: Box<[u8]>,
    /// Deferred requests: who asked, and whether on the SOL port.
    pending: Vec<(Ticket, SocketAddr, bool)>,
    active_until: u64,
    state: State,
    /// The LAN parameters and system info as the BMC started (only changes are saved).
    baseline: crate::store::Baseline,
    /// Until when (ms) machine output waits in the console's ring: SOL was activated on the
    /// BMC's port while it has a SOL port of its own, and the console is expected to move there
    /// (ipmiconsole deactivates, closes and starts again on the SOL port); output sent to the
    /// leaving console would be lost with its instance. Ends when the owner's peer is heard on
    /// the SOL port.
    sol_hold_until: Option<u64>,
}

impl Served for Bmc {
    fn socket(&self) -> &std::net::UdpSocket {
        &self.sock
    }

    fn datagram(&self, data: &[u8], peer: SocketAddr) {
        self.serve(data, peer, false);
    }

    fn tick(&self) -> bool {
        let mut core = self.core.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.clock.now();
        if now.millis() < core.active_until || !core.pending.is_empty() {
            core.ep.poll(now);
            return true;
        }
        false
    }
}

/// A BMC's SOL port (`sol_port`): the reactor serves it as a socket of its own, and what
/// arrives there reaches the same endpoint as the BMC's port (the same sessions, commands and
/// SOL), answered from this port. ipmitool only talks SOL on the port it opened its session
/// on (lib/ipmi_sol.c refuses another: "BMC requests SOL session on different port"), so
/// `ipmitool -p SOL_PORT` works; freeipmi's ipmiconsole, connected to 623, deactivates, closes
/// its session and starts again on the port the answer named.
struct SolSocket(Arc<Bmc>);

impl Served for SolSocket {
    fn socket(&self) -> &std::net::UdpSocket {
        self.0.sol_sock.as_ref().unwrap_or(&self.0.sock)
    }

    fn datagram(&self, data: &[u8], peer: SocketAddr) {
        self.0.serve(data, peer, true);
    }

    fn tick(&self) -> bool {
        self.0.tick()
    }
}

impl Bmc {
    /// Answers one datagram that arrived on the BMC's port or (`on_sol`) on its SOL port;
    /// answers leave from the port it arrived on.
    fn serve(&self, data: &[u8], peer: SocketAddr, on_sol: bool) {
        let mut guard = self.core.lock().unwrap_or_else(|p| p.into_inner());
        let core = &mut *guard;
        let now = self.clock.now();
        core.active_until = now.millis() + ACTIVE_FOR_MS;
        match core
            .ep
            .handle(now, peer, data, &mut core.rng, &mut core.out)
        {
            Output::Drop => {
                tracing::debug!(bmc = %self.name, %peer, len = data.len(), "dropped");
                // A SOL ACK is answered by nothing, but may let the next packet go.
                if let Some(c) = &self.console {
                    if self.sol_work(core, c, Some((peer, on_sol))).is_some() {
                        c.wake.notify_one();
                    }
                }
            }
            Output::Reply(m) => {
                self.send(&core.out[..m], peer, on_sol);
                // A retransmitted bridged request: its answer goes out again after the response.
                if let Some(n) = core.ep.take_follow_up(&mut core.rng, &mut core.out) {
                    self.send(&core.out[..n], peer, on_sol);
                }
                if core.ep.take_changed() {
                    self.persist(core);
                }
                if let Some(c) = &self.console {
                    if self.sol_work(core, c, Some((peer, on_sol))).is_some() {
                        c.wake.notify_one();
                    }
                }
            }
            Output::Pending(ticket, action) => {
                self.log_action(peer, action);
                if let Some(result) = self.platform.perform_now(action) {
                    // The in-memory provider answers at once: no task, no wake-up.
                    self.finish(core, (ticket, action, result), Some((peer, on_sol)));
                    return;
                }
                core.pending.push((ticket, peer, on_sol));
                let (platform, me) = (self.platform.clone(), self.me.clone());
                let span = tracing::info_span!("bmc", name = %self.name);
                self.rt.spawn(
                    async move {
                        let result = platform.perform(action).await;
                        if let Some(bmc) = me.upgrade() {
                            bmc.completed(ticket, action, result);
                        }
                    }
                    .instrument(span),
                );
            }
        }
    }
}

impl Bmc {
    /// Sends from the BMC's port or (`on_sol`, when it has one) its SOL port.
    fn send(&self, datagram: &[u8], peer: SocketAddr, on_sol: bool) {
        let sock = match &self.sol_sock {
            Some(s) if on_sol => s,
            _ => &self.sock,
        };
        if let Err(e) = sock.send_to(datagram, peer) {
            tracing::debug!(bmc = %self.name, %peer, "send: {e}");
        }
    }

    /// Power status is what monitoring polls every few seconds: debug, not info, so logs stay
    /// readable.
    fn log_action(&self, peer: SocketAddr, action: Action) {
        if matches!(action, Action::PowerStatus | Action::ReadSensor { .. }) {
            tracing::debug!(bmc = %self.name, %peer, ?action, "chassis action");
        } else {
            tracing::info!(bmc = %self.name, %peer, ?action, "chassis action");
        }
    }

    /// A provider script finished.
    fn completed(&self, ticket: Ticket, action: Action, result: ActionResult) {
        let mut guard = self.core.lock().unwrap_or_else(|p| p.into_inner());
        let core = &mut *guard;
        let peer = core
            .pending
            .iter()
            .position(|(t, _, _)| *t == ticket)
            .map(|i| {
                let (_, peer, on_sol) = core.pending.swap_remove(i);
                (peer, on_sol)
            });
        self.finish(core, (ticket, action, result), peer);
    }

    /// Hands a finished platform action back to the endpoint, answers the peer, and saves what
    /// changed.
    fn finish(
        &self,
        core: &mut Core,
        (ticket, action, result): (Ticket, Action, ActionResult),
        peer: Option<(SocketAddr, bool)>,
    ) {
        let reply = core.ep.complete(
            ticket,
            result,
            self.clock.now(),
            &mut core.rng,
            &mut core.out,
        );
        if matches!(action, Action::PowerStatus | Action::ReadSensor { .. }) {
            tracing::debug!(bmc = %self.name, ?peer, ?result, "power status done");
        } else {
            tracing::info!(bmc = %self.name, ?peer, ?action, ?result, "chassis action done");
        }
        if let (Some(m), Some((peer, on_sol))) = (reply, peer) {
            self.send(&core.out[..m], peer, on_sol);
            // Bridging: the target's answer goes out as a second message.
            if let Some(n) = core.ep.take_follow_up(&mut core.rng, &mut core.out) {
                self.send(&core.out[..n], peer, on_sol);
            }
        }
        let changed = core.ep.take_changed();
        // A bridged request saves only when its node changed (a status poll writes nothing).
        let nodes_changed = self.platform.take_changed();
        if changed
            || nodes_changed
            || !matches!(
                action,
                Action::PowerStatus
                    | Action::Identify { .. }
                    | Action::ReadSensor { .. }
                    | Action::Bridge { .. }
            )
        {
            self.persist(core);
        }
    }

    /// Captures what the endpoint changed into the state and saves it (see `store.rs`).
    fn persist(&self, core: &mut Core) {
        core.state.power_on = self.platform.power_on();
        self.platform.capture(&mut core.state.nodes);
        crate::store::capture(&core.ep, &core.baseline, &mut core.state);
        if let Some(saver) = &self.saver {
            saver.save(&self.rt, core.state.clone());
        }
    }

    /// Applies a `host-sim user` change to the running endpoint (the next login sees it) and
    /// saves it.
    fn edit_user(&self, edit: &crate::store::UserEdit) -> Result<String, String> {
        let mut guard = self.core.lock().unwrap_or_else(|p| p.into_inner());
        let core = &mut *guard;
        let done = crate::store::apply_user_edit(&mut core.ep, edit)?;
        // Saved before the answer: a `show` right after `host-sim user` reads it (the async
        // save lost that race under load).
        core.state.power_on = self.platform.power_on();
        self.platform.capture(&mut core.state.nodes);
        crate::store::capture(&core.ep, &core.baseline, &mut core.state);
        if let Some(saver) = &self.saver {
            saver.save_now(&core.state)?;
        }
        tracing::info!(bmc = %self.name, "{done}");
        Ok(done)
    }

    /// The boot device a provider's `[BOOT] get` reported at start, when no flags were saved.
    fn seed_boot_device(&self, dev: u8) {
        let mut core = self.core.lock().unwrap_or_else(|p| p.into_inner());
        if !core.ep.bmc().boot_flags().valid && dev != 0 {
            // What the machine boots from now, every time: persistent.
            core.ep
                .bmc_mut()
                .restore_boot_flags(BootFlags::from_data([0xC0, dev << 2, 0, 0, 0]));
            tracing::info!(bmc = %self.name, device = crate::provider::bootdev_name(dev), "boot device from [BOOT] get");
        }
    }
}

impl Bmc {
    /// Moves SOL along: machine output from the console's ring into the endpoint (while SOL is
    /// active), console input to the machine, and every SOL datagram that is due. Returns when
    /// it is due again.
    /// `None` when SOL is inactive and nothing is due (then nothing needs the pump).
    /// `datagram`: the peer of the datagram just handled, and whether it came to the SOL port.
    fn sol_work(
        &self,
        core: &mut Core,
        console: &crate::console::Console,
        datagram: Option<(SocketAddr, bool)>,
    ) -> Option<u64> {
        let now = self.clock.now();
        let mut paced = None;
        let active = core.ep.sol_active();
        let changed = core.ep.sol_take_changed();
        if changed {
            console.set_active(active);
            // Activated through the BMC's port although SOL has its own: hold the output a
            // moment for the console to move.
            core.sol_hold_until =
                (active && self.sol_sock.is_some() && datagram.is_some_and(|(_, on_sol)| !on_sol))
                    .then_some(now.millis() + SOL_MOVE_MS);
            tracing::info!(bmc = %self.name, active, "SOL");
        } else if !active && core.ep.sol_next_deadline().is_none() {
            return None;
        }
        if let (Some((peer, true)), Some(owner)) = (datagram, core.ep.sol_port().owner()) {
            if owner.peer == peer {
                core.sol_hold_until = None;
            }
        }
        let hold = core
            .sol_hold_until
            .filter(|&t| active && now.millis() < t)
            .map(|t| t - now.millis());
        if active {
            core.active_until = now.millis() + ACTIVE_FOR_MS;
            // The machine's serial line runs at the SOL bit rate.
            let rate = crate::console::bytes_per_second(core.ep.bmc().sol().bit_rate());
            let (budget, wait) = console.pace(rate);
            let room = if hold.is_some() {
                0
            } else {
                core.ep.sol_output_room().min(budget)
            };
            if room > 0 {
                let (bytes, lost) = console.take_output(room);
                console.paced(bytes.len());
                core.ep.sol_push_output(now, &bytes);
                core.ep.sol_report_overrun(lost);
            }
            if let Some(h) = hold {
                paced = Some(h);
            } else if console.buffered() > 0 {
                // Wake every few ms, not for every byte.
                paced = Some(wait.as_millis().max(5) as u64);
            }
            let mut buf = [0u8; 256];
            loop {
                let n = core.ep.sol_take_input(&mut buf);
                if n == 0 {
                    break;
                }
                console.write_input(&buf[..n]);
            }
            let ev = core.ep.sol_take_events();
            if ev.send_break {
                console.send_break();
            }
            if ev.lines_changed {
                // CTS/DCD/DSR and ring: no backend has such lines.
                tracing::info!(bmc = %self.name, ?ev, "SOL console request");
            }
        }
        // Unsolicited SOL packets leave from the port Activate Payload named.
        while let Some((peer, n)) = core.ep.sol_poll(now, &mut core.rng, &mut core.out) {
            self.send(&core.out[..n], peer, true);
        }
        let next = core.ep.sol_next_deadline().map(|d| d.since(now));
        match (next, paced) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// How long machine output waits for a console that activated SOL on the BMC's port to move to
/// the SOL port (ipmiconsole takes a few round trips: Deactivate, Close Session, a new session).
const SOL_MOVE_MS: u64 = 1_000;

/// Runs a BMC's SOL between datagrams: when the machine prints and when a timer is due.
async fn sol_pump(bmc: Weak<Bmc>, console: Arc<crate::console::Console>) {
    loop {
        let next = {
            let Some(b) = bmc.upgrade() else { return };
            let mut guard = b.core.lock().unwrap_or_else(|p| p.into_inner());
            b.sol_work(&mut guard, &console, None)
        };
        let Some(next) = next else {
            // Nothing active, nothing due: sleep until the machine prints or a datagram
            // (de)activates SOL (an idle BMC costs no wake-ups).
            console.wake.notified().await;
            continue;
        };
        let wait = Duration::from_millis(next.clamp(1, 1000));
        tokio::select! {
            _ = console.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {
                if let Some(b) = bmc.upgrade() {
                    let mut core = b.core.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(e) = core.ep.sol_port().engine() {
                        tracing::debug!(bmc = %b.name, stats = ?e.stats(), pending = e.output_pending(),
                            buffered = console.buffered(), "SOL timer");
                    }
                }
            }
        }
    }
}

/// A `host-sim user` change for a running BMC, and where its one-line answer goes.
pub type UserEditRequest = (
    crate::store::UserEdit,
    oneshot::Sender<Result<String, String>>,
);

/// Where `host-sim user` changes reach a running BMC: a queue and a wake-up. Not a tokio mpsc
/// channel: that allocates a block of 32 slots up front (3.3 KiB per BMC, measured with
/// heaptrack at 1,000 BMCs) for something that happens rarely; an empty `Vec` allocates nothing.
#[derive(Default)]
pub struct Mailbox {
    /// The queued edits; `None` once the BMC stopped taking them.
    queue: std::sync::Mutex<Option<Vec<UserEditRequest>>>,
    wake: tokio::sync::Notify,
}

impl Mailbox {
    /// An open mailbox.
    pub fn new() -> Mailbox {
        Mailbox {
            queue: std::sync::Mutex::new(Some(Vec::new())),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Queues an edit for the BMC; gives it back when the BMC is stopping.
    pub fn send(&self, edit: UserEditRequest) -> Result<(), UserEditRequest> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        match q.as_mut() {
            Some(q) => q.push(edit),
            None => return Err(edit),
        }
        drop(q);
        self.wake.notify_one();
        Ok(())
    }

    /// The edits queued so far.
    fn take(&self) -> Vec<UserEditRequest> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Takes no more edits; those still queued are dropped (their senders see "stopped").
    fn close(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Builds the endpoint of a BMC from its configuration and restores its saved state; returns
/// it with what it had before the restore (the baseline of what is saved).
pub fn build_endpoint(
    name: &str,
    cfg: &BmcConfig,
    r: &Resolved,
    state: &State,
) -> Result<(Box<Ep>, crate::store::Baseline), String> {
    let mut config = endpoint_config(cfg, r)?;
    // One GUID for RAKP2, Get System GUID and Get Device GUID.
    let guid = system_guid(r, state);
    config.system_guid = guid;
    config.identity.system_guid = guid;
    config.identity.device_guid = guid;
    let mut ep: Box<Ep> = Box::new(Endpoint::new(config));
    // What `lan print` reports before anyone sets it: the address the BMC is bound to, a
    // locally administered MAC made from the GUID, the port.
    let lan = ep.bmc_mut().lan_mut();
    if let std::net::IpAddr::V4(v4) = r.bind.ip() {
        let g = guid;
        lan.set_address(v4.octets(), 1, [0x02, g[0], g[1], g[2], g[3], g[4]], [0; 4]);
    }
    lan.rmcp_port = r.bind.port();
    // SOL runs on the BMC's own port unless it has one of its own (Activate Payload's answer
    // says which).
    ep.bmc_mut().sol_mut().port = r.sol_bind.map_or(r.bind.port(), |a| a.port());
    if matches!(
        crate::console::Backend::of(cfg),
        Ok(crate::console::Backend::None) | Err(_)
    ) {
        // No console: SOL starts disabled (activation answers 0x81).
        let _ = ep
            .bmc_mut()
            .sol_mut()
            .set(ipmi_core::cmd::transport::SolParameter::Enable, &[0]);
    }
    // Get System Info Parameters: what bmc-info and `ipmitool mc getsysinfo` show.
    let info = ep.bmc_mut().system_info_mut();
    info.set_string(
        1,
        concat!("host-sim ", env!("CARGO_PKG_VERSION")).as_bytes(),
    );
    info.set_string(2, name.as_bytes());
    ep.bmc_mut()
        .set_fru(&crate::fru::image(name, cfg.fru.as_ref())?);
    let baseline = crate::store::Baseline::of(&ep);
    crate::store::restore(&mut ep, state, name);
    Ok((ep, baseline))
}

/// Runs one BMC until `stop` fires. `home` is where its state is saved (None for `demo`);
/// `edits` brings `host-sim user` changes while it runs.
///
/// Not an `async fn` itself, and the spec boxed: an async fn keeps its arguments in its future
/// for its whole life, and a wrapper future holds its arguments next to the inner future (the
/// task was 4.9 KiB per BMC; now about 1.5).
pub fn run(
    spec: Spec,
    sock: std::net::UdpSocket,
    home: Option<Home>,
    clock: Clock,
    stop: oneshot::Receiver<()>,
    edits: Arc<Mailbox>,
) -> impl std::future::Future<Output = ()> {
    let span = tracing::info_span!("bmc", name = %spec.name);
    run_inner(Box::new(spec), sock, home, clock, stop, edits).instrument(span)
}

async fn run_inner(
    mut spec: Box<Spec>,
    sock: std::net::UdpSocket,
    home: Option<Home>,
    clock: Clock,
    mut stop: oneshot::Receiver<()>,
    edits: Arc<Mailbox>,
) {
    let (mut ep, baseline) =
        match build_endpoint(&spec.name, &spec.cfg, &spec.resolved, &spec.state) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!("bad configuration: {e}");
                return;
            }
        };
    let sensors = match crate::sensors::from_config(&spec.cfg.sensors) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("bad configuration: sensors: {e}");
            return;
        }
    };
    let machine = Arc::new(Machine::new(
        &spec.name,
        spec.provider.clone(),
        Duration::from_secs(spec.cfg.script_timeout_secs),
        spec.state.power_on,
        sensors,
    ));
    let console = match crate::console::Backend::of(&spec.cfg) {
        Ok(b) => crate::console::Console::start(
            &spec.name,
            b,
            spec.cfg
                .console_buffer
                .unwrap_or(crate::console::DEFAULT_BUFFER),
        ),
        Err(e) => {
            tracing::error!("console: {e}");
            None
        }
    };
    let defs: Vec<_> = machine.sensors.iter().map(|s| s.def.clone()).collect();
    ep.bmc_mut().set_sensors(&defs);
    let platform = match build_platform(&spec, machine.clone(), clock) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            tracing::error!("bad configuration: {e}");
            return;
        }
    };
    if ep
        .bmc_mut()
        .set_bridge_targets(&platform.targets())
        .is_err()
    {
        tracing::error!("bad configuration: too many nodes");
        return;
    }
    // SEL time stamps: the host's wall clock.
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    ep.bmc_mut()
        .set_sel_time(clock.now(), u32::try_from(unix).unwrap_or(u32::MAX));
    let mut state = spec.state.clone();
    state.running = true;
    let local = sock.local_addr().ok();
    let sol_sock = spec.sol_sock.take();
    let sol_local = sol_sock.as_ref().and_then(|s| s.local_addr().ok());
    let bmc = Arc::new_cyclic(|me| Bmc {
        name: spec.name.clone(),
        sock,
        sol_sock,
        core: std::sync::Mutex::new(Core {
            ep,
            rng: FastRandom::new(),
            out: vec![0u8; MAX_DATAGRAM].into_boxed_slice(),
            pending: Vec::new(),
            active_until: 0,
            state,
            baseline,
            sol_hold_until: None,
        }),
        platform,
        saver: home.map(|h| crate::store::Saver::new(h, &spec.name)),
        clock,
        rt: tokio::runtime::Handle::current(),
        me: me.clone(),
        console: console.clone(),
    });
    let pump = console
        .clone()
        .map(|c| tokio::spawn(sol_pump(Arc::downgrade(&bmc), c).in_current_span()));

    // A provider with `[BOOT] get` and no saved flags: ask the machine for its boot device once.
    if spec.state.boot_flags.is_none() {
        if let Provider::Script(p) = &spec.provider {
            if let Some(t) = p.boot("get").cloned() {
                let (p, name, me) = (p.clone(), spec.name.clone(), Arc::downgrade(&bmc));
                let timeout = Duration::from_secs(spec.cfg.script_timeout_secs);
                tokio::spawn(
                    async move {
                        let env = crate::provider::ScriptEnv { name: &name, ..Default::default() };
                        let run = p.run("boot get", &t, &env, timeout).await;
                        if run.ok() {
                            match crate::provider::bootdev_from_name(&run.stdout) {
                                Some(dev) => {
                                    if let Some(b) = me.upgrade() {
                                        b.seed_boot_device(dev);
                                    }
                                }
                                None => tracing::warn!(output = %run.stdout, "[BOOT] get printed an unknown boot device"),
                            }
                        }
                    }
                    .in_current_span(),
                );
            }
        }
    }

    let reactor = Reactor::get();
    let token = match reactor.add(bmc.clone()) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("{e}");
            return;
        }
    };
    let sol_token = if bmc.sol_sock.is_some() {
        match reactor.add(Arc::new(SolSocket(bmc.clone()))) {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!("sol_port not served: {e}");
                None
            }
        }
    } else {
        None
    };
    tracing::info!(addr = ?local, sol = ?sol_local, provider = %spec.cfg.provider, "BMC listening");
    // Everything the running BMC needs is in `bmc` now.
    drop(spec);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = edits.wake.notified() => {
                for (edit, answer) in edits.take() {
                    let _ = answer.send(bmc.edit_user(&edit));
                }
            }
        }
    }
    edits.close();
    reactor.remove(token);
    if let Some(t) = sol_token {
        reactor.remove(t);
    }
    if let Some(p) = pump {
        p.abort();
    }
    if let Some(c) = &console {
        c.stop();
    }
    // A script finishing right now may hold the BMC for a moment; the socket closes (and the port
    // can be bound again) when the last reference goes.
    for _ in 0..1000 {
        if Arc::strong_count(&bmc) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    drop(bmc);
    tracing::info!("BMC stopped");
}

/// The BMC's platform: its own machine, or one power feed of a shared machine; and its nodes.
fn build_platform(
    spec: &Spec,
    machine: Arc<Machine>,
    clock: Clock,
) -> Result<crate::topology::Platform, String> {
    let timeout = Duration::from_secs(spec.cfg.script_timeout_secs);
    let mut platform = crate::topology::Platform::plain(machine, clock);
    if let Some(m) = &spec.cfg.machine {
        let feed = crate::topology::Feed::join(
            m,
            &spec.name,
            &spec.provider,
            &spec.cfg.provider,
            timeout,
            spec.state.power_on,
        )?;
        platform.machine = Some(feed.machine().clone());
        platform.feed = Some(feed);
    }
    platform.with_nodes(&spec.name, &spec.cfg.nodes, timeout, &spec.state.nodes)
}

/// A ChaCha20 generator seeded from the OS and re-seeded every MiB: one `getrandom` call per
/// datagram (each encrypted reply needs a fresh IV) cost more than the AES work itself.
pub struct FastRandom {
    rng: chacha20::ChaCha20Rng,
    since_seed: usize,
}

impl FastRandom {
    const RESEED_AFTER: usize = 1 << 20;

    /// Seeded from the OS.
    pub fn new() -> FastRandom {
        FastRandom {
            rng: chacha20::ChaCha20Rng::from_seed(os_seed()),
            since_seed: 0,
        }
    }
}

impl Default for FastRandom {
    fn default() -> Self {
        Self::new()
    }
}

fn os_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    OsRandom.fill(&mut seed);
    seed
}

impl Random for FastRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        if self.since_seed > Self::RESEED_AFTER {
            self.rng = chacha20::ChaCha20Rng::from_seed(os_seed());
            self.since_seed = 0;
        }
        self.since_seed += buf.len();
        self.rng.fill_bytes(buf);
    }
}
