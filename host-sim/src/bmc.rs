//! One virtual BMC: a tokio task owning its `rmcp::server::Endpoint` and its UDP socket.
//!
//! The endpoint is sans-IO and synchronous. A chassis action it defers runs in a task of its own
//! (the provider script, with its time-out) and comes back on a channel, so a slow script never
//! blocks this BMC's other sessions, nor any other BMC.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use ipmi_core::bmc::{Action, ActionResult, BootFlags};
use ipmi_core::Instant;
use rmcp::server::{Config, Endpoint, Output, Random, Ticket, MAX_DATAGRAM};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::config::{BmcConfig, Home, Resolved, State};
use crate::machine::Machine;
use crate::provider::Provider;

/// Sessions per BMC.
pub const SESSIONS: usize = 8;
/// User ids per BMC (id 1 is IPMI's null user; the configured user gets id 2).
pub const USERS: usize = 4;

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

/// The OS random source (getrandom). Session ids, Rc and IVs come from here.
#[derive(Debug, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            // Predictable session ids or keys would be worse than stopping.
            tracing::error!("the OS random source failed: {e}; aborting");
            std::process::abort();
        }
    }
}

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
}

/// Builds the endpoint configuration of one BMC.
pub fn endpoint_config(cfg: &BmcConfig, r: &Resolved) -> Result<Config<USERS>, String> {
    let mut c = Config::new();
    c.add_user(
        cfg.username.as_bytes(),
        cfg.password.as_bytes(),
        ipmi_core::Privilege::Administrator,
    )
    .map_err(|e| format!("user: {e}"))?;
    c.set_kg(r.kg.as_deref()).map_err(|e| format!("kg: {e}"))?;
    c.set_suites(&cfg.cipher_suites)
        .map_err(|e| format!("cipher_suites: {e}"))?;
    c.channel_privilege_limit = r.privilege_limit;
    c.system_guid = r.guid;
    Ok(c)
}

/// How long after the last datagram the endpoint's timers still need ticking (sessions idle out
/// after 60 s by default).
const ACTIVE_FOR_MS: u64 = 75_000;
const TICK: Duration = Duration::from_millis(500);

/// Runs one BMC until `stop` fires. `home` is where its state is saved (None for `demo`).
pub async fn run(
    spec: Spec,
    sock: UdpSocket,
    home: Option<Home>,
    clock: Clock,
    stop: oneshot::Receiver<()>,
) {
    let span = tracing::info_span!("bmc", name = %spec.name);
    run_inner(spec, sock, home, clock, stop)
        .instrument(span)
        .await
}

async fn run_inner(
    spec: Spec,
    sock: UdpSocket,
    home: Option<Home>,
    clock: Clock,
    mut stop: oneshot::Receiver<()>,
) {
    let config = match endpoint_config(&spec.cfg, &spec.resolved) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("bad configuration: {e}");
            return;
        }
    };
    let mut ep: Box<Ep> = Box::new(Endpoint::new(config));
    crate::bootstate::restore(&mut ep, &spec.state);
    let machine = Arc::new(Machine::new(
        &spec.name,
        spec.provider.clone(),
        Duration::from_secs(spec.cfg.script_timeout_secs),
        spec.state.power_on,
    ));
    let mut state = spec.state.clone();
    state.running = true;
    let local = sock.local_addr().ok();
    tracing::info!(addr = ?local, provider = %spec.cfg.provider, "BMC listening");

    // A provider with `[BOOT] get` and no saved flags: ask the machine for its boot device once.
    let (seed_tx, mut seed_rx) = mpsc::unbounded_channel::<u8>();
    if spec.state.boot_flags.is_none() {
        if let Provider::Script(p) = &spec.provider {
            if let Some(t) = p.boot("get").cloned() {
                let p = p.clone();
                let name = spec.name.clone();
                let timeout = Duration::from_secs(spec.cfg.script_timeout_secs);
                tokio::spawn(
                    async move {
                        let env = crate::provider::ScriptEnv { name: &name, ..Default::default() };
                        let run = p.run("boot get", &t, &env, timeout).await;
                        if run.ok() {
                            match crate::provider::bootdev_from_name(&run.stdout) {
                                Some(dev) => {
                                    let _ = seed_tx.send(dev);
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
    let (tx, mut rx) = mpsc::unbounded_channel::<(Ticket, Action, ActionResult)>();
    let mut pending: Vec<(Ticket, SocketAddr)> = Vec::new();
    let mut rng = OsRandom;
    let mut inbuf = vec![0u8; 2048].into_boxed_slice();
    let mut out = vec![0u8; MAX_DATAGRAM].into_boxed_slice();
    let mut active_until = 0u64;
    let mut next_tick = tokio::time::Instant::now() + TICK;

    loop {
        let ticking = clock.now().millis() < active_until || !pending.is_empty();
        tokio::select! {
            r = sock.recv_from(&mut inbuf) => {
                let (n, peer) = match r {
                    Ok(x) => x,
                    Err(e) => { tracing::debug!("recv: {e}"); continue; }
                };
                let now = clock.now();
                if !ticking {
                    next_tick = tokio::time::Instant::now() + TICK;
                }
                active_until = now.millis() + ACTIVE_FOR_MS;
                match ep.handle(now, peer, &inbuf[..n], &mut rng, &mut out) {
                    Output::Drop => tracing::debug!(%peer, len = n, "dropped"),
                    Output::Reply(m) => {
                        tracing::debug!(%peer, len = n, reply = m, "answered");
                        let _ = sock.send_to(&out[..m], peer).await;
                    }
                    Output::Pending(ticket, action) => {
                        tracing::info!(%peer, ?action, "chassis action");
                        pending.push((ticket, peer));
                        let m = machine.clone();
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            let result = m.perform(action).await;
                            let _ = tx.send((ticket, action, result));
                        }.in_current_span());
                    }
                }
            }
            Some((ticket, action, result)) = rx.recv() => {
                let peer = pending.iter().position(|(t, _)| *t == ticket).map(|i| pending.swap_remove(i).1);
                let now = clock.now();
                let reply = ep.complete(ticket, result, now, &mut rng, &mut out);
                tracing::info!(peer = ?peer, ?action, ?result, "chassis action done");
                if let (Some(m), Some(peer)) = (reply, peer) {
                    let _ = sock.send_to(&out[..m], peer).await;
                }
                if !matches!(action, Action::PowerStatus | Action::Identify { .. }) {
                    state.power_on = machine.power_on.load(Ordering::Relaxed);
                    crate::bootstate::save(&ep, &mut state);
                    if let Some(h) = &home {
                        let (h, name, s) = (h.clone(), spec.name.clone(), state.clone());
                        tokio::task::spawn_blocking(move || {
                            if let Err(e) = h.save_state(&name, &s) {
                                tracing::warn!(bmc = %name, "cannot save state: {e}");
                            }
                        });
                    }
                }
            }
            _ = tokio::time::sleep_until(next_tick), if ticking => {
                ep.poll(clock.now());
                next_tick = tokio::time::Instant::now() + TICK;
            }
            Some(dev) = seed_rx.recv() => {
                if !ep.bmc().boot_flags().valid && dev != 0 {
                    // What the machine boots from now, every time: persistent.
                    let flags = BootFlags::from_data([0xC0, dev << 2, 0, 0, 0]);
                    ep.bmc_mut().restore_boot_flags(flags);
                    tracing::info!(device = crate::provider::bootdev_name(dev), "boot device from [BOOT] get");
                }
            }
            _ = &mut stop => break,
        }
    }
    tracing::info!("BMC stopped");
}
