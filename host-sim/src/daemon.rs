//! `host-sim serve`: the BMC registry, the control socket, restore at start.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{oneshot, Mutex};
use tokio::task::JoinHandle;

use crate::bmc::{self, Clock, Spec};
use crate::config::{validate_name, BmcConfig, Home};
use crate::control::{BmcInfo, DaemonInfo, Request, Response};
use crate::provider::Provider;

struct Running {
    stop: oneshot::Sender<()>,
    join: JoinHandle<()>,
    edits: Arc<bmc::Mailbox>,
}

/// The daemon: configured BMCs on disk, running ones here.
pub struct Daemon {
    home: Home,
    clock: Clock,
    running: Mutex<HashMap<String, Running>>,
    ready: AtomicBool,
    restore_ms: AtomicU64,
}

/// Binds a BMC's UDP socket, turning OS errors into one clear line.
pub fn bind_udp(addr: SocketAddr) -> Result<std::net::UdpSocket, String> {
    let s = std::net::UdpSocket::bind(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!("port in use: UDP port {} on {} is already in use", addr.port(), addr.ip())
        }
        std::io::ErrorKind::PermissionDenied => format!(
            "permission denied binding UDP port {} on {} (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
            addr.port(),
            addr.ip()
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!("address {} is not an address of this host", addr.ip())
        }
        _ => format!("cannot bind UDP {addr}: {e}"),
    })?;
    s.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok(s)
}

impl Daemon {
    fn info(&self, name: &str, running: bool) -> BmcInfo {
        let file = self.home.config_path(name);
        match self.home.load(name) {
            Ok((cfg, _)) => {
                let mut info = BmcInfo::new(
                    name,
                    &cfg,
                    if running { "running" } else { "stopped" },
                    &file,
                );
                let state = self.home.load_state(name);
                info.users = crate::control::user_list(&cfg, &state);
                crate::control::topology_info(&self.home, &mut info, &cfg, &state);
                info
            }
            Err(e) => BmcInfo::broken(name, &e.to_string(), &file),
        }
    }

    fn unknown(&self, name: &str) -> Option<Response> {
        if validate_name(name).is_err() || !self.home.config_path(name).exists() {
            Some(Response::err(format!("unknown BMC {name:?}")))
        } else {
            None
        }
    }

    /// Starts one BMC (must hold the registry lock).
    fn start_locked(&self, map: &mut HashMap<String, Running>, name: &str) -> Result<(), String> {
        if map.contains_key(name) {
            return Ok(());
        }
        let (cfg, resolved) = self.home.load(name).map_err(|e| e.to_string())?;
        let provider = Provider::load(&cfg.provider)?;
        if let Some(m) = &cfg.machine {
            crate::topology::check_provider(m, &cfg.provider)?;
        }
        let sock = bind_udp(resolved.bind)?;
        let sol_sock = match resolved.sol_bind {
            Some(a) => Some(bind_udp(a).map_err(|e| format!("sol_port: {e}"))?),
            None => None,
        };
        let mut state = self.home.load_state(name);
        // A BMC whose configuration fixes no GUID gets a random one at its first start, kept.
        let new_guid = resolved.guid.is_none() && state.system_guid.is_none();
        if new_guid {
            state.system_guid = Some(crate::config::random_guid());
        }
        let spec = Spec {
            name: name.to_string(),
            cfg,
            resolved,
            provider,
            state: state.clone(),
            sol_sock,
        };
        if !state.running || new_guid {
            state.running = true;
            if let Err(e) = self.home.save_state(name, &state) {
                tracing::warn!(bmc = name, "cannot save state: {e}");
            }
        }
        let (stop, stop_rx) = oneshot::channel();
        let edits = Arc::new(bmc::Mailbox::new());
        let join = tokio::spawn(bmc::run(
            spec,
            sock,
            Some(self.home.clone()),
            self.clock,
            stop_rx,
            edits.clone(),
        ));
        map.insert(name.to_string(), Running { stop, join, edits });
        Ok(())
    }

    async fn stop_locked(&self, map: &mut HashMap<String, Running>, name: &str, forget: bool) {
        if let Some(r) = map.remove(name) {
            let _ = r.stop.send(());
            let _ = r.join.await;
        }
        if forget {
            let mut state = self.home.load_state(name);
            state.running = false;
            let _ = self.home.save_state(name, &state);
        }
    }

    async fn handle(&self, req: Request) -> Response {
        match req {
            Request::Add { name, config } => self.add(&name, *config),
            Request::Delete { name } => {
                if let Some(r) = self.unknown(&name) {
                    return r;
                }
                let mut map = self.running.lock().await;
                self.stop_locked(&mut map, &name, false).await;
                match self.home.remove(&name) {
                    Ok(()) => {
                        tracing::info!(bmc = %name, "deleted");
                        Response {
                            ok: true,
                            ..Default::default()
                        }
                    }
                    Err(e) => Response::err(format!("cannot delete {name}: {e}")),
                }
            }
            Request::Start { name } => {
                if let Some(r) = self.unknown(&name) {
                    return r;
                }
                let mut map = self.running.lock().await;
                match self.start_locked(&mut map, &name) {
                    Ok(()) => Response::bmc(self.info(&name, true)),
                    Err(e) => {
                        tracing::error!(bmc = %name, "cannot start: {e}");
                        Response::err(format!("cannot start {name}: {e}"))
                    }
                }
            }
            Request::Stop { name } => {
                if let Some(r) = self.unknown(&name) {
                    return r;
                }
                let mut map = self.running.lock().await;
                self.stop_locked(&mut map, &name, true).await;
                tracing::info!(bmc = %name, "stopped");
                Response::bmc(self.info(&name, false))
            }
            Request::Show { name } => {
                if let Some(r) = self.unknown(&name) {
                    return r;
                }
                let running = self.running.lock().await.contains_key(&name);
                Response::bmc(self.info(&name, running))
            }
            Request::List => {
                let map = self.running.lock().await;
                let bmcs = self
                    .home
                    .names()
                    .iter()
                    .map(|n| self.info(n, map.contains_key(n)))
                    .collect();
                Response {
                    ok: true,
                    bmcs: Some(bmcs),
                    ..Default::default()
                }
            }
            Request::User { bmc, edit } => {
                if let Some(r) = self.unknown(&bmc) {
                    return r;
                }
                let map = self.running.lock().await;
                let result = match map.get(&bmc) {
                    Some(r) => {
                        let (tx, rx) = oneshot::channel();
                        if r.edits.send((edit, tx)).is_err() {
                            Err(format!("BMC {bmc:?} is stopping"))
                        } else {
                            rx.await
                                .unwrap_or_else(|_| Err(format!("BMC {bmc:?} stopped")))
                        }
                    }
                    None => edit_user_files(&self.home, &bmc, &edit),
                };
                let running = map.contains_key(&bmc);
                drop(map);
                match result {
                    Ok(msg) => {
                        let mut r = Response::bmc(self.info(&bmc, running));
                        r.error = None;
                        tracing::info!(bmc = %bmc, "{msg}");
                        r
                    }
                    Err(e) => Response::err(e),
                }
            }
            Request::Status => {
                let ready = self.ready.load(Ordering::SeqCst);
                let running = if ready {
                    self.running.lock().await.len()
                } else {
                    0
                };
                Response {
                    ok: true,
                    daemon: Some(DaemonInfo {
                        pid: std::process::id(),
                        ready,
                        running,
                        configured: self.home.names().len(),
                        restore_ms: self.restore_ms.load(Ordering::SeqCst),
                    }),
                    ..Default::default()
                }
            }
        }
    }

    fn add(&self, name: &str, config: BmcConfig) -> Response {
        match add_files(&self.home, name, &config) {
            Ok(()) => {
                tracing::info!(bmc = %name, address = %config.address, port = config.port, provider = %config.provider, "added");
                Response::bmc(self.info(name, false))
            }
            Err(e) => Response::err(e),
        }
    }

    /// Starts every BMC whose state says it was running; a bad one is logged and skipped.
    async fn restore(&self) {
        let t0 = std::time::Instant::now();
        let names = self.home.names();
        for (path, m) in self.home.bad_files() {
            tracing::error!(file = %path.display(), "configuration file ignored: {m}");
        }
        let mut started = 0usize;
        let mut map = self.running.lock().await;
        for name in &names {
            if let Err(e) = self.home.load(name) {
                tracing::error!(bmc = %name, "bad configuration, BMC not started: {e}");
                continue;
            }
            if !self.home.load_state(name).running {
                continue;
            }
            match self.start_locked(&mut map, name) {
                Ok(()) => started += 1,
                Err(e) => tracing::error!(bmc = %name, "cannot restore: {e}"),
            }
        }
        drop(map);
        let ms = t0.elapsed().as_millis() as u64;
        self.restore_ms.store(ms, Ordering::SeqCst);
        self.ready.store(true, Ordering::SeqCst);
        tracing::info!(configured = names.len(), started, ms, "restored BMCs");
    }
}

/// Changes a user of a BMC that is not running: the same endpoint code as a live change, on an
/// endpoint built from the files, then saved into its state file.
pub fn edit_user_files(
    home: &Home,
    name: &str,
    edit: &crate::store::UserEdit,
) -> Result<String, String> {
    let (cfg, resolved) = home.load(name).map_err(|e| e.to_string())?;
    let mut state = home.load_state(name);
    let (mut ep, baseline) = bmc::build_endpoint(name, &cfg, &resolved, &state)?;
    let msg = crate::store::apply_user_edit(&mut ep, edit)?;
    crate::store::capture(&ep, &baseline, &mut state);
    home.ensure()
        .map_err(|e| format!("cannot create {}: {e}", home.root.display()))?;
    crate::store::Saver::new(home.clone(), name).save_now(&state)?;
    Ok(msg)
}

/// Checks and writes a new BMC's files (shared by the daemon and the offline CLI).
pub fn add_files(home: &Home, name: &str, config: &BmcConfig) -> Result<(), String> {
    validate_name(name)?;
    let path = home.config_path(name);
    if path.exists() {
        return Err(format!("BMC {name:?} already exists ({})", path.display()));
    }
    config
        .resolve()
        .map_err(|e| format!("bad configuration: {}", e.message))?;
    if config.provider != "memory" {
        if !std::path::Path::new(&config.provider).is_absolute() {
            return Err(format!(
                "provider path {:?} must be absolute",
                config.provider
            ));
        }
        Provider::load(&config.provider)?;
    }
    home.ensure()
        .map_err(|e| format!("cannot create {}: {e}", home.root.display()))?;
    home.save(name, config)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Raises the open-file soft limit to the hard limit (10,000 BMCs need 10,000 sockets).
pub fn raise_nofile_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < hard {
            match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                Ok(()) => tracing::debug!(from = soft, to = hard, "raised RLIMIT_NOFILE"),
                Err(e) => tracing::warn!("cannot raise RLIMIT_NOFILE: {e}"),
            }
        }
    }
}

async fn serve_conn(daemon: Arc<Daemon>, stream: UnixStream) {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let resp = match serde_json::from_str::<Request>(&line) {
            Ok(req) => daemon.handle(req).await,
            Err(e) => Response::err(format!("bad request: {e}")),
        };
        let mut out = serde_json::to_string(&resp).unwrap_or_else(|_| "{\"ok\":false}".into());
        out.push('\n');
        if w.write_all(out.as_bytes()).await.is_err() {
            break;
        }
    }
}

/// Runs the daemon in the foreground until SIGINT or SIGTERM.
pub async fn serve(home: Home) -> Result<(), String> {
    raise_nofile_limit();
    home.ensure()
        .map_err(|e| format!("cannot create {}: {e}", home.root.display()))?;
    let sock_path = home.socket();
    if crate::control::daemon_running(&sock_path) {
        return Err(format!(
            "a host-sim daemon is already running on {}",
            sock_path.display()
        ));
    }
    let _ = std::fs::remove_file(&sock_path);
    let listener = UnixListener::bind(&sock_path)
        .map_err(|e| format!("cannot listen on {}: {e}", sock_path.display()))?;
    let _ = std::fs::set_permissions(&sock_path, std::fs::Permissions::from_mode(0o600));
    tracing::info!(home = %home.root.display(), pid = std::process::id(), "host-sim daemon listening");

    let daemon = Arc::new(Daemon {
        home: home.clone(),
        clock: Clock::new(),
        running: Mutex::new(HashMap::new()),
        ready: AtomicBool::new(false),
        restore_ms: AtomicU64::new(0),
    });
    let d = daemon.clone();
    tokio::spawn(async move { d.restore().await });

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            c = listener.accept() => match c {
                Ok((stream, _)) => { tokio::spawn(serve_conn(daemon.clone(), stream)); }
                Err(e) => { tracing::warn!("control socket accept: {e}"); tokio::time::sleep(Duration::from_millis(50)).await; }
            },
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    tracing::info!("shutting down; running BMCs will be restored at the next start");
    let mut map = daemon.running.lock().await;
    let names: Vec<String> = map.keys().cloned().collect();
    for n in names {
        daemon.stop_locked(&mut map, &n, false).await;
    }
    let _ = std::fs::remove_file(&sock_path);
    Ok(())
}
