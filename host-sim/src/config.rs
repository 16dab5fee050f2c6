//! Per-BMC configuration files (`HOME/bmcs/NAME.toml`) and run-time state files
//! (`HOME/state/NAME.toml`), both human-readable TOML written atomically (temp file + rename).
//!
//! A bad file is reported by file name and line and never stops the other BMCs.

use std::fmt;
use std::fs;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ipmi_core::Privilege;
use serde::{Deserialize, Serialize};

/// Cipher suites that ipmitool or freeipmi can speak (the xRC4 ones are never offered).
pub const KNOWN_SUITES: [u8; 12] = [0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17];
/// Every known suite except 0, which is only enabled when listed.
pub const DEFAULT_SUITES: [u8; 11] = [1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17];
/// Default script time-out.
pub const DEFAULT_SCRIPT_TIMEOUT_SECS: u64 = 30;

/// What one BMC is: the contents of `bmcs/NAME.toml`. The name is the file name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BmcConfig {
    /// Address to bind (IPv4 or IPv6 text; `::` for every address).
    pub address: String,
    /// UDP port to bind.
    pub port: u16,
    /// The one IPMI user's name (at most 16 bytes).
    pub username: String,
    /// The user's password (at most 20 bytes). Stored in clear: RAKP needs it.
    pub password: String,
    /// `memory`, or the path of a shipmi INI provider file (absolute).
    pub provider: String,
    /// K_g (BMC key), as given: text, or hex after `0x`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kg: Option<String>,
    /// Enabled cipher suite ids.
    #[serde(default = "default_suites")]
    pub cipher_suites: Vec<u8>,
    /// Channel privilege limit: callback, user, operator or administrator.
    #[serde(default = "default_privilege")]
    pub privilege_limit: String,
    /// Seconds after which a provider script's process group is killed.
    #[serde(default = "default_timeout")]
    pub script_timeout_secs: u64,
    /// System GUID (32 hex digits), when the operator fixes one. Without it the BMC makes a
    /// random one at its first start and keeps it in its state file.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system_guid: String,
    /// User ids the BMC serves (1..=this; id 1 is IPMI's null user), at most 16.
    #[serde(default = "default_max_users")]
    pub max_users: u8,
    /// More users, after the one of `username` (ids 3, 4, ... unless `id` is given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserConfig>,
    /// The machine whose power feed this BMC switches, when several BMCs share one machine
    /// (redundant power supplies): it is on while any of their feeds is (see topology.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// Nodes behind this BMC (a chassis manager), reached with Send Message (ipmitool -b/-t).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<crate::topology::NodeConfig>,
    /// Sensors (`[[sensors]]`); when given they replace the default set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensors: Vec<crate::sensors::SensorConfig>,
    /// FRU inventory fields (`[fru]`); unset ones keep their defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fru: Option<crate::fru::FruConfig>,
    /// The serial console SOL reaches: `none`, `echo`, `pty`, `unix:PATH`, `tcp:HOST:PORT`,
    /// `telnet:HOST:PORT` or `exec:COMMAND` [default: the provider file's `[CONSOLE] console`,
    /// else `echo` for the memory provider, else none]. See `console.rs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
    /// Bytes of console output kept while no SOL session is attached [default 65536].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console_buffer: Option<usize>,
    /// A UDP port of its own for Serial over LAN, on the BMC's address [default: SOL runs on
    /// `port`]. The BMC serves it like `port` (sessions, commands, SOL) and Activate Payload's
    /// answer names it; freeipmi's ipmiconsole then moves there, ipmitool refuses a port other
    /// than the one it asked (see `bmc.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sol_port: Option<u16>,
}

/// Most user ids a host-sim BMC can have (the endpoint's table size).
pub const MAX_USERS: u8 = 16;
/// User ids a new BMC serves.
pub const DEFAULT_MAX_USERS: u8 = 10;

fn default_max_users() -> u8 {
    DEFAULT_MAX_USERS
}
fn default_true() -> bool {
    true
}

/// One more user of a BMC (`[[users]]` in the file, `--user` on the command line).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// User id (2..=max_users); the next free one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u8>,
    /// Name, at most 16 bytes.
    pub name: String,
    /// Password, at most 20 bytes (in clear: RAKP needs it).
    pub password: String,
    /// Privilege limit: callback, user, operator or administrator.
    #[serde(default = "default_privilege")]
    pub privilege: String,
    /// Whether the user may log in.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

impl UserConfig {
    /// Parses `--user NAME[:PRIVILEGE][:disabled]=PASSWORD`.
    pub fn parse_arg(text: &str) -> Result<UserConfig, String> {
        let (left, password) = text.split_once('=').ok_or_else(|| {
            format!("bad --user {text:?}: use NAME[:PRIVILEGE][:disabled]=PASSWORD")
        })?;
        let mut parts = left.split(':');
        let name = parts.next().unwrap_or_default().to_string();
        let mut u = UserConfig {
            id: None,
            name,
            password: password.to_string(),
            privilege: default_privilege(),
            enabled: true,
        };
        for p in parts {
            if p.eq_ignore_ascii_case("disabled") {
                u.enabled = false;
            } else {
                parse_privilege(p).map_err(|m| format!("bad --user {:?}: {m}", u.name))?;
                u.privilege = p.to_ascii_lowercase();
            }
        }
        Ok(u)
    }
}

/// One user as the BMC's user table holds it (what `resolve` decodes).
#[derive(Clone, PartialEq, Eq)]
pub struct UserEntry {
    /// User id, 2..=max_users.
    pub id: u8,
    /// Name.
    pub name: String,
    /// Password.
    pub password: String,
    /// Privilege limit.
    pub privilege: Privilege,
    /// May log in.
    pub enabled: bool,
    /// IPMI messaging on the LAN channel.
    pub ipmi_messaging: bool,
}

impl fmt::Debug for UserEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserEntry")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("privilege", &self.privilege)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

fn default_suites() -> Vec<u8> {
    DEFAULT_SUITES.to_vec()
}
fn default_privilege() -> String {
    "administrator".into()
}
fn default_timeout() -> u64 {
    DEFAULT_SCRIPT_TIMEOUT_SECS
}

/// A configuration checked and decoded into the values the endpoint needs.
#[derive(Clone)]
pub struct Resolved {
    /// Where to bind.
    pub bind: SocketAddr,
    /// Where to bind SOL's own port, when it has one.
    pub sol_bind: Option<SocketAddr>,
    /// K_g bytes, if any.
    pub kg: Option<Vec<u8>>,
    /// Channel privilege limit.
    pub privilege_limit: Privilege,
    /// System GUID bytes, when the configuration fixes one.
    pub guid: Option<[u8; 16]>,
    /// The users the file configures, by id.
    pub users: Vec<UserEntry>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolved")
            .field("bind", &self.bind)
            .field("sol_bind", &self.sol_bind)
            .field("kg", &self.kg.as_ref().map(|_| "***"))
            .field("privilege_limit", &self.privilege_limit)
            .finish()
    }
}

/// A configuration mistake: which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The TOML key at fault.
    pub field: &'static str,
    /// What is wrong, in one line.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn ferr(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Checks a BMC name: it becomes a file name and a script argument, so it is kept to
/// `[A-Za-z0-9._-]`, 1..=64 characters, not starting with `.` or `-`.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!(
            "invalid BMC name {name:?}: must be 1 to 64 characters"
        ));
    }
    if name.starts_with('.') || name.starts_with('-') {
        return Err(format!(
            "invalid BMC name {name:?}: must not start with '.' or '-'"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return Err(format!(
            "invalid BMC name {name:?}: only letters, digits, '.', '_' and '-' are allowed"
        ));
    }
    Ok(())
}

/// Decodes K_g as freeipmi takes it: text, or hex after `0x` (at most 20 bytes).
pub fn parse_kg(text: &str) -> Result<Vec<u8>, String> {
    let bytes = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() % 2 != 0 {
            return Err(format!(
                "bad key {text:?}: hex after 0x needs an even number of digits"
            ));
        }
        let mut out = Vec::with_capacity(hex.len() / 2);
        for pair in hex.as_bytes().chunks(2) {
            let s = std::str::from_utf8(pair).map_err(|_| format!("bad key {text:?}"))?;
            out.push(
                u8::from_str_radix(s, 16)
                    .map_err(|_| format!("bad key {text:?}: {s:?} is not hex"))?,
            );
        }
        out
    } else {
        text.as_bytes().to_vec()
    };
    if bytes.is_empty() {
        return Err("bad key: K_g must not be empty".into());
    }
    if bytes.len() > 20 {
        return Err(format!(
            "bad key: K_g is {} bytes, at most 20 are allowed",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Parses a comma-separated cipher suite list such as `3,17`.
pub fn parse_suites(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: u8 = part
            .parse()
            .map_err(|_| format!("bad cipher suite {part:?}: not a number"))?;
        if !KNOWN_SUITES.contains(&id) {
            return Err(format!(
                "bad cipher suite {id}: supported are 0-3, 6-8, 11, 12, 15-17"
            ));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.is_empty() {
        return Err("bad cipher suite list: empty".into());
    }
    Ok(out)
}

/// Parses a privilege level name (as ipmitool and freeipmi spell them).
pub fn parse_privilege(text: &str) -> Result<Privilege, String> {
    match text.to_ascii_lowercase().as_str() {
        "callback" => Ok(Privilege::Callback),
        "user" => Ok(Privilege::User),
        "operator" => Ok(Privilege::Operator),
        "administrator" | "admin" => Ok(Privilege::Administrator),
        _ => Err(format!(
            "bad privilege level {text:?}: use user, operator or administrator"
        )),
    }
}

/// Parses 32 hex digits into a GUID.
pub fn parse_guid(text: &str) -> Result<[u8; 16], String> {
    let t: String = text.chars().filter(|c| *c != '-').collect();
    if t.len() != 32 {
        return Err(format!("bad GUID {text:?}: need 32 hex digits"));
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&t[2 * i..2 * i + 2], 16)
            .map_err(|_| format!("bad GUID {text:?}: not hex"))?;
    }
    Ok(out)
}

/// A fresh random GUID as 32 hex digits.
pub fn random_guid() -> String {
    let mut g = [0u8; 16];
    // The OS RNG failing is not recoverable in any useful way; a zero GUID still works.
    let _ = getrandom::fill(&mut g);
    g[6] = (g[6] & 0x0f) | 0x40;
    g[8] = (g[8] & 0x3f) | 0x80;
    g.iter().map(|b| format!("{b:02x}")).collect()
}

impl BmcConfig {
    /// A configuration with the defaults of `host-sim add`.
    pub fn with_defaults() -> Self {
        BmcConfig {
            address: "::".into(),
            port: 623,
            username: "admin".into(),
            password: "password".into(),
            provider: "memory".into(),
            kg: None,
            cipher_suites: default_suites(),
            privilege_limit: default_privilege(),
            script_timeout_secs: DEFAULT_SCRIPT_TIMEOUT_SECS,
            system_guid: String::new(),
            max_users: DEFAULT_MAX_USERS,
            users: Vec::new(),
            machine: None,
            nodes: Vec::new(),
            sensors: Vec::new(),
            fru: None,
            console: None,
            console_buffer: None,
            sol_port: None,
        }
    }

    /// Checks every field and decodes what the endpoint needs.
    pub fn resolve(&self) -> Result<Resolved, FieldError> {
        let ip: IpAddr = self.address.parse().map_err(|_| {
            ferr(
                "address",
                format!(
                    "bad address {:?}: not an IPv4 or IPv6 address",
                    self.address
                ),
            )
        })?;
        if self.username.len() > 16 {
            return Err(ferr("username", "user name is longer than 16 bytes"));
        }
        if self.password.len() > 20 {
            return Err(ferr("password", "password is longer than 20 bytes"));
        }
        if self.provider.is_empty() {
            return Err(ferr("provider", "empty provider"));
        }
        crate::sensors::from_config(&self.sensors).map_err(|m| ferr("sensors", m))?;
        // The FRU image is built from the BMC name; the name does not change its validity.
        crate::fru::image("x", self.fru.as_ref()).map_err(|m| ferr("fru", m))?;
        let kg = match &self.kg {
            Some(k) => Some(parse_kg(k).map_err(|m| ferr("kg", m))?),
            None => None,
        };
        if self.cipher_suites.is_empty() {
            return Err(ferr("cipher_suites", "no cipher suite enabled"));
        }
        for s in &self.cipher_suites {
            if !KNOWN_SUITES.contains(s) {
                return Err(ferr(
                    "cipher_suites",
                    format!("unsupported cipher suite {s}"),
                ));
            }
        }
        let privilege_limit =
            parse_privilege(&self.privilege_limit).map_err(|m| ferr("privilege_limit", m))?;
        if self.script_timeout_secs == 0 || self.script_timeout_secs > 3600 {
            return Err(ferr("script_timeout_secs", "must be 1 to 3600 seconds"));
        }
        if let Some(c) = &self.console {
            crate::console::Backend::parse(c).map_err(|m| ferr("console", m))?;
        }
        if self
            .console_buffer
            .is_some_and(|n| !(256..=64 << 20).contains(&n))
        {
            return Err(ferr("console_buffer", "must be 256 bytes to 64 MiB"));
        }
        match self.sol_port {
            Some(0) => return Err(ferr("sol_port", "sol_port must be 1 to 65535")),
            Some(p) if p == self.port => {
                return Err(ferr(
                    "sol_port",
                    "sol_port is the BMC's own port: leave it out to run SOL there",
                ))
            }
            _ => {}
        }
        let guid = match self.system_guid.as_str() {
            "" => None,
            g => Some(parse_guid(g).map_err(|m| ferr("system_guid", m))?),
        };
        let users = self.user_entries()?;
        crate::topology::check(self.machine.as_deref(), &self.nodes).map_err(|m| {
            ferr(
                if m.starts_with("machine") {
                    "machine"
                } else {
                    "nodes"
                },
                m,
            )
        })?;
        Ok(Resolved {
            bind: SocketAddr::new(ip, self.port),
            sol_bind: self.sol_port.map(|p| SocketAddr::new(ip, p)),
            kg,
            privilege_limit,
            guid,
            users,
        })
    }

    /// The users of the file by id: `username` at id 2, then `users` (ids given, or the next
    /// free ones).
    fn user_entries(&self) -> Result<Vec<UserEntry>, FieldError> {
        if self.max_users < 2 || self.max_users > MAX_USERS {
            return Err(ferr(
                "max_users",
                format!("max_users must be 2 to {MAX_USERS} (user id 1 is the null user)"),
            ));
        }
        let mut out: Vec<UserEntry> = Vec::new();
        let first = UserConfig {
            id: Some(2),
            name: self.username.clone(),
            password: self.password.clone(),
            privilege: default_privilege(),
            enabled: true,
        };
        for (field, u) in
            std::iter::once(("username", &first)).chain(self.users.iter().map(|u| ("users", u)))
        {
            if u.name.is_empty() || u.name.len() > 16 {
                return Err(ferr(
                    field,
                    format!("user name {:?} must be 1 to 16 bytes", u.name),
                ));
            }
            if u.password.len() > 20 {
                return Err(ferr(
                    field,
                    format!("password of {:?} is longer than 20 bytes", u.name),
                ));
            }
            let privilege = parse_privilege(&u.privilege).map_err(|m| ferr(field, m))?;
            if out.iter().any(|o| o.name == u.name) {
                return Err(ferr(
                    field,
                    format!("user {:?} is configured twice", u.name),
                ));
            }
            let id = match u.id {
                Some(id) => id,
                None => (2..=self.max_users)
                    .find(|id| !out.iter().any(|o| o.id == *id))
                    .ok_or_else(|| {
                        ferr(
                            field,
                            format!("more users than max_users = {}", self.max_users),
                        )
                    })?,
            };
            if id < 2 || id > self.max_users {
                return Err(ferr(
                    field,
                    format!("user id {id} is not in 2..={}", self.max_users),
                ));
            }
            if out.iter().any(|o| o.id == id) {
                return Err(ferr(field, format!("user id {id} is used twice")));
            }
            out.push(UserEntry {
                id,
                name: u.name.clone(),
                password: u.password.clone(),
                privilege,
                enabled: u.enabled,
                ipmi_messaging: true,
            });
        }
        out.sort_by_key(|u| u.id);
        Ok(out)
    }

    /// The file text (TOML with a comment header).
    pub fn to_text(&self, name: &str) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# host-sim BMC {name:?}. Edit while the daemon is stopped, or use `host-sim add`.\n\
             # provider: \"memory\" or the path of a shipmi INI provider file.\n{body}"
        )
    }
}

/// A configuration file that could not be used, with where it went wrong.
#[derive(Debug, Clone)]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} line {}: {}", self.path.display(), l, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// The line (1-based) on which `key = ...` appears in a TOML text.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || t.trim_end() == format!("[[{key}]]")
        })
        .map(|i| i + 1)
}

/// The 1-based line of a byte offset.
fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses and checks a configuration text; errors carry the line.
pub fn parse_config(path: &Path, text: &str) -> Result<(BmcConfig, Resolved), LoadError> {
    let cfg: BmcConfig = toml::from_str(text).map_err(|e| LoadError {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_of_offset(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let resolved = cfg.resolve().map_err(|e| LoadError {
        path: path.to_path_buf(),
        line: line_of_key(text, e.field),
        message: e.to_string(),
    })?;
    Ok((cfg, resolved))
}

/// The directory layout under HOME.
#[derive(Debug, Clone)]
pub struct Home {
    /// The HOME directory itself.
    pub root: PathBuf,
}

impl Home {
    /// Chooses HOME: the explicit one, else `~/.host-sim` if it exists, else `/etc/host-sim` if it
    /// exists (the system service's), else `~/.host-sim`.
    pub fn choose(explicit: Option<PathBuf>) -> Home {
        if let Some(p) = explicit {
            return Home { root: p };
        }
        let user = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".host-sim"));
        let system = PathBuf::from("/etc/host-sim");
        let root = match user {
            Some(u) if u.exists() => u,
            Some(_) if system.exists() => system,
            Some(u) => u,
            None => system,
        };
        Home { root }
    }

    /// `HOME/bmcs`.
    pub fn bmcs_dir(&self) -> PathBuf {
        self.root.join("bmcs")
    }
    /// `HOME/state`.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join("state")
    }
    /// `HOME/control.sock`.
    pub fn socket(&self) -> PathBuf {
        self.root.join("control.sock")
    }
    /// The configuration file of a BMC.
    pub fn config_path(&self, name: &str) -> PathBuf {
        self.bmcs_dir().join(format!("{name}.toml"))
    }
    /// The state file of a BMC.
    pub fn state_path(&self, name: &str) -> PathBuf {
        self.state_dir().join(format!("{name}.toml"))
    }

    /// Creates HOME and its folders (mode 0700: the files hold passwords).
    pub fn ensure(&self) -> std::io::Result<()> {
        for d in [&self.root, &self.bmcs_dir(), &self.state_dir()] {
            if !d.exists() {
                fs::create_dir_all(d)?;
                fs::set_permissions(d, fs::Permissions::from_mode(0o700))?;
            }
        }
        Ok(())
    }

    /// Names of every configured BMC (from the file names), sorted.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(rd) = fs::read_dir(self.bmcs_dir()) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().and_then(|s| s.to_str()) == Some("toml") {
                    if let Some(stem) = p.file_stem().and_then(|s| s.to_str()) {
                        if validate_name(stem).is_ok() {
                            out.push(stem.to_string());
                        }
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Configuration files whose name is not a valid BMC name (reported, never used).
    pub fn bad_files(&self) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        if let Ok(rd) = fs::read_dir(self.bmcs_dir()) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().and_then(|s| s.to_str()) != Some("toml") {
                    continue;
                }
                let stem = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if let Err(m) = validate_name(&stem) {
                    out.push((p, m));
                }
            }
        }
        out
    }

    /// Loads one BMC's configuration.
    pub fn load(&self, name: &str) -> Result<(BmcConfig, Resolved), LoadError> {
        let path = self.config_path(name);
        let text = fs::read_to_string(&path).map_err(|e| LoadError {
            path: path.clone(),
            line: None,
            message: e.to_string(),
        })?;
        parse_config(&path, &text)
    }

    /// Loads one BMC's state (defaults when absent or unreadable; a bad state file is logged).
    pub fn load_state(&self, name: &str) -> State {
        let path = self.state_path(name);
        match fs::read_to_string(&path) {
            Ok(t) => match toml::from_str(&t) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(file = %path.display(), "bad state file, using defaults: {}", e.message());
                    State::default()
                }
            },
            Err(_) => State::default(),
        }
    }

    /// Saves one BMC's state atomically.
    pub fn save_state(&self, name: &str, state: &State) -> std::io::Result<()> {
        let text = format!(
            "# host-sim run-time state of BMC {name:?}; written by the daemon.\n{}",
            toml::to_string(state).unwrap_or_default()
        );
        write_atomic(&self.state_path(name), text.as_bytes())
    }

    /// Saves one BMC's configuration atomically.
    pub fn save(&self, name: &str, cfg: &BmcConfig) -> std::io::Result<()> {
        write_atomic(&self.config_path(name), cfg.to_text(name).as_bytes())
    }

    /// Removes a BMC's files.
    pub fn remove(&self, name: &str) -> std::io::Result<()> {
        fs::remove_file(self.config_path(name))?;
        let _ = fs::remove_file(self.state_path(name));
        Ok(())
    }
}

/// Run-time state kept across daemon restarts: the one store of everything a BMC changes while
/// it runs (see `store.rs`). Fields are optional or defaulted, so an older file still loads and
/// a feature adds its field here.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    /// The BMC was running when the daemon last stopped: restore it.
    #[serde(default)]
    pub running: bool,
    /// Power state of the `memory` provider.
    #[serde(default)]
    pub power_on: bool,
    /// Boot flags parameter 5 data bytes (all five), when valid flags are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_flags: Option<Vec<u8>>,
    /// The whole user table once it was changed over IPMI or with `host-sim user`; from then
    /// on it, not the configuration file's users, is the BMC's user table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<StateUser>>,
    /// LAN channel access (Set Channel Access), once changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelState>,
    /// LAN configuration parameters set over IPMI: parameter name -> data bytes in hex.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub lan: std::collections::BTreeMap<String, String>,
    /// System Info Parameters set over IPMI: parameter number -> its 64 bytes in hex.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub system_info: std::collections::BTreeMap<String, String>,
    /// Power restore policy: always-off, previous or always-on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_restore_policy: Option<String>,
    /// ACPI system and device power states (Set ACPI Power State).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acpi_power_state: Option<[u8; 2]>,
    /// SOL configuration parameters set over IPMI: parameter name -> data bytes in hex.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sol: std::collections::BTreeMap<String, String>,
    /// The system GUID (32 hex digits) made at the first start, when the configuration file
    /// fixes none: Get System GUID, Get Device GUID and RAKP2 answer it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_guid: Option<String>,
    /// The nodes behind a chassis manager: power and boot flags, by node name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub nodes: std::collections::BTreeMap<String, crate::topology::NodeState>,
    /// The System Event Log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sel: Option<crate::store::SavedSel>,
    /// The FRU image in hex, once Write FRU Data changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fru: Option<String>,
}

/// One user id of the saved user table.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StateUser {
    /// User id.
    pub id: u8,
    /// Name (may be empty: a slot with only a password or access set).
    #[serde(default)]
    pub name: String,
    /// Password bytes in hex (a set password may hold any byte).
    #[serde(default)]
    pub password_hex: String,
    /// Privilege limit code (2 user, 3 operator, 4 administrator, 15 no access).
    pub privilege: u8,
    /// May log in.
    pub enabled: bool,
    /// IPMI messaging on the LAN channel.
    pub ipmi_messaging: bool,
    /// The password was set in the 20-byte form.
    #[serde(default)]
    pub twenty_byte_password: bool,
    /// Link authentication enabled.
    #[serde(default)]
    pub link_auth: bool,
    /// Restricted to callback.
    #[serde(default)]
    pub callback_only: bool,
}

impl fmt::Debug for StateUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateUser")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("privilege", &self.privilege)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// Saved LAN channel access.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ChannelState {
    /// Channel privilege limit code.
    pub privilege_limit: u8,
    /// Per-message authentication on.
    pub per_message_auth: bool,
    /// User-level authentication on.
    pub user_level_auth: bool,
}

/// Writes a file atomically: a temp file in the same folder (mode 0600), fsync, rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path.file_name().and_then(|s| s.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{file_name}.tmp{}", std::process::id()));
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("node-1.a_b").is_ok());
        for bad in [
            "",
            "-x",
            ".x",
            "a b",
            "a;b",
            "a/b",
            "$(x)",
            "..",
            &"a".repeat(65),
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kg() {
        assert_eq!(parse_kg("secret").unwrap(), b"secret");
        assert_eq!(parse_kg("0x0102ff").unwrap(), vec![1, 2, 0xff]);
        assert!(parse_kg("0x123").is_err());
        assert!(parse_kg("0xzz").is_err());
        assert!(parse_kg(&"a".repeat(21)).is_err());
        assert!(parse_kg("").is_err());
    }

    #[test]
    fn suites() {
        assert_eq!(parse_suites("3, 17,3").unwrap(), vec![3, 17]);
        assert!(parse_suites("4").is_err());
        assert!(parse_suites("x").is_err());
        assert!(parse_suites("").is_err());
    }

    #[test]
    fn round_trip_and_line_errors() {
        let cfg = BmcConfig::with_defaults();
        let text = cfg.to_text("n1");
        let (back, res) = parse_config(Path::new("n1.toml"), &text).unwrap();
        assert_eq!(back, cfg);
        assert_eq!(res.privilege_limit, Privilege::Administrator);

        let bad = text.replace("port = 623", "port = \"x\"");
        let e = parse_config(Path::new("n1.toml"), &bad).unwrap_err();
        assert_eq!(e.line, line_of_key(&bad, "port"), "{e}");

        let bad = format!("{text}kg = \"0x1\"\n");
        let e = parse_config(Path::new("n1.toml"), &bad).unwrap_err();
        assert_eq!(e.line, Some(bad.lines().count()), "{e}");
        assert!(e.to_string().contains("n1.toml line"), "{e}");
    }

    #[test]
    fn users_from_flags_and_file() {
        let u = UserConfig::parse_arg("ops:operator=se:cr=et").unwrap();
        assert_eq!((u.name.as_str(), u.privilege.as_str()), ("ops", "operator"));
        assert_eq!(u.password, "se:cr=et");
        assert!(u.enabled);
        let u = UserConfig::parse_arg("ro:user:disabled=x").unwrap();
        assert!(!u.enabled && u.privilege == "user");
        assert!(UserConfig::parse_arg("nopassword").is_err());
        assert!(UserConfig::parse_arg("a:root=x").is_err());

        let mut cfg = BmcConfig::with_defaults();
        cfg.users
            .push(UserConfig::parse_arg("ops:operator=x").unwrap());
        cfg.users.push(UserConfig {
            id: Some(7),
            ..UserConfig::parse_arg("seven=y").unwrap()
        });
        let text = cfg.to_text("n");
        let (back, r) = parse_config(Path::new("n.toml"), &text).unwrap();
        assert_eq!(back, cfg);
        let ids: Vec<(u8, &str)> = r.users.iter().map(|u| (u.id, u.name.as_str())).collect();
        assert_eq!(ids, [(2, "admin"), (3, "ops"), (7, "seven")]);
        assert_eq!(r.users[1].privilege, Privilege::Operator);

        for (bad, field) in [
            ("max_users = 10\n", "max_users = 30\n"),
            ("name = \"ops\"", "name = \"admin\""),
            ("id = 7", "id = 11"),
            ("id = 7", "id = 3"),
            ("privilege = \"operator\"", "privilege = \"root\""),
        ] {
            let t = text.replace(bad, field);
            assert_ne!(t, text, "{bad}");
            let e = parse_config(Path::new("n.toml"), &t).unwrap_err();
            assert!(e.line.is_some(), "{e}");
        }
    }

    #[test]
    fn atomic_write() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.toml");
        write_atomic(&p, b"a").unwrap();
        write_atomic(&p, b"b").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"b");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
