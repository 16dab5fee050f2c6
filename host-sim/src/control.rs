//! The control socket protocol between the CLI and `host-sim serve`: one JSON request per line,
//! one JSON response line back, over a Unix socket in HOME (mode 0600).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::BmcConfig;

/// A CLI request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    /// Add a BMC (not started).
    Add {
        /// Its name.
        name: String,
        /// Its configuration.
        config: Box<BmcConfig>,
    },
    /// Stop and delete a BMC.
    Delete {
        /// Its name.
        name: String,
    },
    /// Start a BMC.
    Start {
        /// Its name.
        name: String,
    },
    /// Stop a BMC.
    Stop {
        /// Its name.
        name: String,
    },
    /// One BMC's details.
    Show {
        /// Its name.
        name: String,
    },
    /// Every BMC.
    List,
    /// The daemon's own state.
    Status,
    /// Add, change or delete one user of a BMC (live when it runs).
    User {
        /// The BMC.
        bmc: String,
        /// The change.
        edit: crate::store::UserEdit,
    },
}

/// One user as `show` lists it (never the password).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    /// User id.
    pub id: u8,
    /// Name.
    pub name: String,
    /// Privilege limit.
    pub privilege: String,
    /// May log in (enabled, IPMI messaging on, some privilege).
    pub enabled: bool,
}

fn privilege_name(p: ipmi_core::Privilege) -> String {
    use ipmi_core::Privilege as P;
    match p {
        P::Callback => "callback",
        P::User => "user",
        P::Operator => "operator",
        P::Administrator => "administrator",
        P::Oem => "oem",
        _ => "no access",
    }
    .into()
}

/// The users of a BMC: the saved table when there is one, else the configuration file's.
pub fn user_list(cfg: &BmcConfig, state: &crate::config::State) -> Vec<UserInfo> {
    match &state.users {
        Some(users) => users
            .iter()
            .filter(|u| !u.name.is_empty())
            .map(|u| UserInfo {
                id: u.id,
                name: u.name.clone(),
                privilege: privilege_name(ipmi_core::Privilege::from(u.privilege)),
                enabled: u.enabled
                    && u.ipmi_messaging
                    && ipmi_core::Privilege::from(u.privilege).rank() > 0,
            })
            .collect(),
        None => cfg
            .resolve()
            .map(|r| r.users)
            .unwrap_or_default()
            .iter()
            .map(|u| UserInfo {
                id: u.id,
                name: u.name.clone(),
                privilege: privilege_name(u.privilege),
                enabled: u.enabled,
            })
            .collect(),
    }
}

/// What `show` and `list` report about one BMC (no password, no key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BmcInfo {
    /// Name.
    pub name: String,
    /// `running`, `stopped`, or `error: ...` for a configuration that cannot be used.
    pub status: String,
    /// Bind address.
    pub address: String,
    /// Port.
    pub port: u16,
    /// User name.
    pub username: String,
    /// `memory` or the provider file.
    pub provider: String,
    /// Enabled cipher suites.
    pub cipher_suites: Vec<u8>,
    /// Channel privilege limit.
    pub privilege_limit: String,
    /// Whether a K_g is set.
    pub kg_set: bool,
    /// Script time-out in seconds.
    pub script_timeout_secs: u64,
    /// The configuration file.
    pub config_file: String,
    /// The users (no passwords).
    #[serde(default)]
    pub users: Vec<UserInfo>,
    /// The serial console (SOL): its kind, and a running pty's path.
    #[serde(default)]
    pub console: String,
    /// SOL's own UDP port, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sol_port: Option<u16>,
    /// The shared machine this BMC switches one power feed of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<MachineInfo>,
    /// Nodes behind this BMC (chassis manager).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<crate::topology::NodeInfo>,
}

/// A shared machine as `show` reports it (from the saved states of its BMCs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MachineInfo {
    /// Its name.
    pub name: String,
    /// On while any feed is on.
    pub power_on: bool,
    /// This BMC's own feed.
    pub feed_on: bool,
    /// Every feed, by BMC name.
    pub feeds: std::collections::BTreeMap<String, bool>,
}

/// Fills in the machine and nodes of a BMC's `show`.
pub fn topology_info(
    home: &crate::config::Home,
    info: &mut BmcInfo,
    cfg: &BmcConfig,
    state: &crate::config::State,
) {
    info.nodes = crate::topology::node_infos(&info.name, &cfg.nodes, state);
    if let Some(m) = &cfg.machine {
        let (power_on, feeds) = crate::topology::machine_status(home, m);
        info.machine = Some(MachineInfo {
            name: m.clone(),
            power_on,
            feed_on: state.power_on,
            feeds,
        });
    }
}

impl BmcInfo {
    /// Describes a configured BMC.
    pub fn new(name: &str, cfg: &BmcConfig, status: &str, file: &Path) -> BmcInfo {
        BmcInfo {
            name: name.to_string(),
            status: status.to_string(),
            address: cfg.address.clone(),
            port: cfg.port,
            username: cfg.username.clone(),
            provider: cfg.provider.clone(),
            cipher_suites: cfg.cipher_suites.clone(),
            privilege_limit: cfg.privilege_limit.clone(),
            kg_set: cfg.kg.is_some(),
            script_timeout_secs: cfg.script_timeout_secs,
            config_file: file.display().to_string(),
            users: Vec::new(),
            machine: None,
            nodes: Vec::new(),
            console: console_text(name, cfg, status),
            sol_port: cfg.sol_port,
        }
    }

    /// Describes a BMC whose file could not be read.
    pub fn broken(name: &str, error: &str, file: &Path) -> BmcInfo {
        BmcInfo {
            name: name.to_string(),
            status: format!("error: {error}"),
            address: String::new(),
            port: 0,
            username: String::new(),
            provider: String::new(),
            cipher_suites: Vec::new(),
            privilege_limit: String::new(),
            kg_set: false,
            script_timeout_secs: 0,
            config_file: file.display().to_string(),
            users: Vec::new(),
            machine: None,
            nodes: Vec::new(),
            console: String::new(),
            sol_port: None,
        }
    }
}

/// `show`'s console line: the kind, and the pty's path while the BMC runs.
fn console_text(name: &str, cfg: &BmcConfig, status: &str) -> String {
    match crate::console::Backend::of(cfg) {
        Ok(crate::console::Backend::Pty) => match crate::console::pty_path(name) {
            Some(p) if status == "running" => format!("pty {}", p.display()),
            _ => "pty".into(),
        },
        Ok(crate::console::Backend::None) => "none".into(),
        Ok(crate::console::Backend::Echo) => "echo (built in)".into(),
        Ok(b) => cfg.console.clone().unwrap_or_else(|| format!("{b:?}")),
        Err(e) => format!("error: {e}"),
    }
}

/// The daemon's answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Response {
    /// Whether the request succeeded.
    pub ok: bool,
    /// The one-line error when not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// One BMC (add, start, stop, show).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bmc: Option<BmcInfo>,
    /// Every BMC (list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bmcs: Option<Vec<BmcInfo>>,
    /// Daemon state (status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemon: Option<DaemonInfo>,
}

impl Response {
    /// A failure with a one-line message.
    pub fn err(msg: impl Into<String>) -> Response {
        Response {
            ok: false,
            error: Some(msg.into()),
            ..Default::default()
        }
    }
    /// A success about one BMC.
    pub fn bmc(info: BmcInfo) -> Response {
        Response {
            ok: true,
            bmc: Some(info),
            ..Default::default()
        }
    }
}

/// What `status` reports about the daemon.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DaemonInfo {
    /// Its process id.
    pub pid: u32,
    /// Whether the BMCs that were running at the last stop are all restored.
    pub ready: bool,
    /// BMCs running now.
    pub running: usize,
    /// BMCs configured.
    pub configured: usize,
    /// Milliseconds it took to restore the BMCs at start.
    pub restore_ms: u64,
}

/// Sends one request to the daemon; `Err` is a one-line message for the user.
pub fn call(socket: &Path, req: &Request) -> Result<Response, String> {
    let stream = UnixStream::connect(socket).map_err(|_| {
        format!(
            "daemon not running: no host-sim daemon listens on {} (start it with `host-sim serve`)",
            socket.display()
        )
    })?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let mut w = &stream;
    let mut line = serde_json::to_string(req).map_err(|e| e.to_string())?;
    line.push('\n');
    w.write_all(line.as_bytes())
        .map_err(|e| format!("control socket: {e}"))?;
    let mut reply = String::new();
    BufReader::new(&stream)
        .read_line(&mut reply)
        .map_err(|e| format!("control socket: {e}"))?;
    serde_json::from_str(&reply).map_err(|e| format!("bad reply from daemon: {e}"))
}

/// Whether a daemon answers on the socket.
pub fn daemon_running(socket: &Path) -> bool {
    UnixStream::connect(socket).is_ok()
}
