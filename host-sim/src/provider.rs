//! Providers: what a virtual BMC does to the machine behind it.
//!
//! `memory` keeps power state in the daemon. A shipmi INI provider file
//! (`[POWER] status/on/off/shutdown/reset/diag`, `[BOOT] get/set`) runs shell scripts, exactly as
//! shipmi does, but safely: substituted values are validated (and shell-quoted should they ever
//! need it), also passed as environment variables, and every script runs in its own process group
//! with a time-out after which the whole group is killed.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipmi_core::bmc::BootFlags;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// A provider as configured for one BMC.
#[derive(Debug, Clone)]
pub enum Provider {
    /// Built-in: power and boot state live in the daemon.
    Memory,
    /// A shipmi INI provider file.
    Script(Arc<ScriptProvider>),
}

impl Provider {
    /// Loads the provider named in a configuration (`memory` or a file path).
    pub fn load(spec: &str) -> Result<Provider, String> {
        if spec == "memory" {
            return Ok(Provider::Memory);
        }
        ScriptProvider::load(Path::new(spec)).map(|p| Provider::Script(Arc::new(p)))
    }
}

/// One piece of a command template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Var(Var),
}

/// The values a template may substitute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    Name,
    Bootdev,
}

/// A command line from the provider file, split at its `%(...)s` substitutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    /// The text as written, for logs.
    pub source: String,
}

impl Template {
    /// Parses python `%`-formatting as shipmi applies it: `%(name)s`, `%(bootdev)s` (also
    /// shipmi's `%(boot_device)s`) and `%%`. Any other `%` stays as written.
    fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('%') {
            lit.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(a) = after.strip_prefix('%') {
                lit.push('%');
                rest = a;
            } else if let Some(a) = after.strip_prefix('(') {
                let close = a
                    .find(')')
                    .ok_or_else(|| format!("unclosed %( in {text:?}"))?;
                let key = &a[..close];
                let tail = &a[close + 1..];
                let tail = tail
                    .strip_prefix('s')
                    .ok_or_else(|| format!("only %({key})s is supported, in {text:?}"))?;
                let var = match key {
                    "name" => Var::Name,
                    "bootdev" | "boot_device" => Var::Bootdev,
                    other => {
                        return Err(format!(
                            "unknown substitution %({other})s (known: %(name)s, %(bootdev)s)"
                        ))
                    }
                };
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Var(var));
                rest = tail;
            } else {
                lit.push('%');
                rest = after;
            }
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template {
            parts,
            source: text.to_string(),
        })
    }

    fn uses(&self, var: Var) -> bool {
        self.parts.contains(&Part::Var(var))
    }

    /// The command line with values substituted. Every value was validated to a character set
    /// that is inert in any shell context, so it is inserted as is (and works inside quotes the
    /// file already has); anything else would be single-quoted.
    pub fn render(&self, name: &str, bootdev: Option<&str>) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var(Var::Name) => out.push_str(&shell_quote(name)),
                Part::Var(Var::Bootdev) => out.push_str(&shell_quote(bootdev.unwrap_or("default"))),
            }
        }
        out
    }
}

/// Quotes a value for `sh` unless it only has characters that no shell treats specially.
pub fn shell_quote(s: &str) -> String {
    let inert = !s.is_empty()
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if inert {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A parsed shipmi INI provider file.
#[derive(Debug, Clone)]
pub struct ScriptProvider {
    /// The provider file.
    pub path: PathBuf,
    /// Its folder: scripts run there, and relative script paths resolve from it.
    pub dir: PathBuf,
    power: HashMap<String, Template>,
    boot: HashMap<String, Template>,
    /// `[SENSORS]`: sensor key -> command printing the reading in the sensor's unit.
    sensors: HashMap<String, Template>,
    /// `[SENSORS] cache_seconds`: how long a script's reading is reused.
    pub sensor_cache: Duration,
}

/// How long a sensor script's reading is reused when `[SENSORS] cache_seconds` is not given:
/// a monitoring scrape reads every sensor within a second or two, and scrapes come every 15 s
/// or more, so one run per sensor per scrape at most.
pub const DEFAULT_SENSOR_CACHE: Duration = Duration::from_secs(5);

/// The `[POWER]` options shipmi knows.
pub const POWER_OPTIONS: [&str; 6] = ["status", "on", "off", "shutdown", "reset", "diag"];
/// The `[BOOT]` options shipmi knows.
pub const BOOT_OPTIONS: [&str; 2] = ["get", "set"];

impl ScriptProvider {
    /// Reads and parses a provider file; errors name the file and line.
    pub fn load(path: &Path) -> Result<ScriptProvider, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("provider file {}: {e}", path.display()))?;
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_else(|_| path.to_path_buf())
        };
        Self::parse(&abs, &text).map_err(|(line, m)| format!("{} line {line}: {m}", path.display()))
    }

    /// Parses the INI text the way python's configparser (without interpolation) reads it:
    /// `[SECTION]`, `key = value` or `key: value`, keys case-insensitive, `#`/`;` comment lines,
    /// indented continuation lines.
    pub fn parse(path: &Path, text: &str) -> Result<ScriptProvider, (usize, String)> {
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut raw: HashMap<(String, String), (usize, String)> = HashMap::new();
        let mut section: Option<String> = None;
        let mut last: Option<(String, String)> = None;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() {
                last = None;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if line.starts_with(char::is_whitespace) {
                if let Some(k) = &last {
                    if let Some((_, v)) = raw.get_mut(k) {
                        v.push('\n');
                        v.push_str(trimmed);
                        continue;
                    }
                }
            }
            if let Some(s) = trimmed.strip_prefix('[') {
                let s = s
                    .strip_suffix(']')
                    .ok_or((n, format!("bad section header {trimmed:?}")))?;
                section = Some(s.trim().to_string());
                last = None;
                continue;
            }
            let sec = section
                .clone()
                .ok_or((n, "option before any [SECTION]".to_string()))?;
            let sep = trimmed
                .find(['=', ':'])
                .ok_or((n, format!("expected `key = value`, got {trimmed:?}")))?;
            let key = trimmed[..sep].trim().to_ascii_lowercase();
            let value = trimmed[sep + 1..].trim().to_string();
            let k = (sec, key);
            raw.insert(k.clone(), (n, value));
            last = Some(k);
        }
        let mut power = HashMap::new();
        let mut boot = HashMap::new();
        let mut sensors = HashMap::new();
        let mut sensor_cache = DEFAULT_SENSOR_CACHE;
        for ((sec, key), (n, value)) in raw {
            if sec == "SENSORS" && key == "cache_seconds" {
                let secs: f64 = value
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && (0.0..=86_400.0).contains(v))
                    .ok_or((
                        n,
                        format!("cache_seconds must be 0 to 86400, got {value:?}"),
                    ))?;
                sensor_cache = Duration::from_secs_f64(secs);
                continue;
            }
            let (map, known): (&mut HashMap<String, Template>, &[&str]) = match sec.as_str() {
                "POWER" => (&mut power, &POWER_OPTIONS),
                "BOOT" => (&mut boot, &BOOT_OPTIONS),
                "SENSORS" => (&mut sensors, &[]),
                _ => continue,
            };
            if sec == "SENSORS" {
                if !is_sensor_key(&key) {
                    return Err((
                        n,
                        format!("sensor key {key:?} must be 1-32 of a-z, 0-9 and _"),
                    ));
                }
            } else if !known.contains(&key.as_str()) {
                return Err((
                    n,
                    format!(
                        "unknown option {key:?} in [{sec}] (known: {})",
                        known.join(", ")
                    ),
                ));
            }
            if value.is_empty() {
                continue;
            }
            let t = Template::parse(&value).map_err(|m| (n, m))?;
            if t.uses(Var::Bootdev) && !(sec == "BOOT" && key == "set") {
                return Err((n, "%(bootdev)s is only available in [BOOT] set".into()));
            }
            map.insert(key, t);
        }
        Ok(ScriptProvider {
            path: path.to_path_buf(),
            dir,
            power,
            boot,
            sensors,
            sensor_cache,
        })
    }

    /// The `[SENSORS]` command for sensor `key`, if configured.
    pub fn sensor(&self, key: &str) -> Option<&Template> {
        self.sensors.get(key)
    }

    /// The sensor keys `[SENSORS]` names.
    pub fn sensor_keys(&self) -> impl Iterator<Item = &str> {
        self.sensors.keys().map(String::as_str)
    }

    /// The `[POWER]` command for `option`, if configured.
    pub fn power(&self, option: &str) -> Option<&Template> {
        self.power.get(option)
    }
    /// The `[BOOT]` command for `option`, if configured.
    pub fn boot(&self, option: &str) -> Option<&Template> {
        self.boot.get(option)
    }

    /// Makes a relative script path at the start of a command line absolute (from the provider
    /// file's folder), as shipmi users expect of `./on.sh` or `scripts/on.sh`.
    fn resolve_first_word(&self, cmd: &str) -> String {
        let trimmed = cmd.trim_start();
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let first = &trimmed[..end];
        if !first.is_empty()
            && !first.starts_with('/')
            && first
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        {
            let candidate = self.dir.join(first);
            if candidate.is_file() {
                return format!("{}{}", shell_quote_path(&candidate), &trimmed[end..]);
            }
        }
        cmd.to_string()
    }
}

/// A sensor key: what `[SENSORS]` and the configuration call a sensor.
pub fn is_sensor_key(key: &str) -> bool {
    (1..=32).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A reading a sensor script printed: the first word as a number (`52`, `12.1`, `-3.5e0`).
pub fn parse_reading(out: &str) -> Option<f32> {
    out.split_whitespace()
        .next()?
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
}

fn shell_quote_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// What one script run did.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    /// Exit code (None when killed by a signal or the time-out).
    pub code: Option<i32>,
    /// The script was killed at the time-out.
    pub timed_out: bool,
    /// Its standard output, trimmed.
    pub stdout: String,
    /// How long it ran.
    pub elapsed: Duration,
}

impl ScriptRun {
    /// Exited with status 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }
}

impl fmt::Display for ScriptRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.timed_out {
            write!(
                f,
                "timed out after {} ms, process group killed",
                self.elapsed.as_millis()
            )
        } else {
            match self.code {
                Some(c) => write!(f, "exit status {c} in {} ms", self.elapsed.as_millis()),
                None => write!(
                    f,
                    "killed by a signal after {} ms",
                    self.elapsed.as_millis()
                ),
            }
        }
    }
}

/// The values a script run gets, both substituted and as environment variables.
#[derive(Debug, Clone, Default)]
pub struct ScriptEnv<'a> {
    /// BMC name (validated).
    pub name: &'a str,
    /// shipmi boot device name (what [`bootdev_name`] gives: `network`, `hd`, ...).
    pub bootdev: Option<&'a str>,
    /// Boot flags, for HOST_SIM_BOOT_* variables.
    pub flags: Option<BootFlags>,
}

const OUTPUT_CAP: usize = 64 * 1024;

fn reader(
    mut pipe: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    buf: Arc<Mutex<Vec<u8>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            if let Ok(mut b) = buf.lock() {
                let room = OUTPUT_CAP.saturating_sub(b.len());
                b.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    })
}

impl ScriptProvider {
    /// Runs `template` via `sh -c` in the provider's folder, in a new process group, with a
    /// time-out after which the whole group gets SIGKILL. Standard error is logged.
    pub async fn run(
        &self,
        what: &str,
        template: &Template,
        env: &ScriptEnv<'_>,
        timeout: Duration,
    ) -> ScriptRun {
        let cmdline = self.resolve_first_word(&template.render(env.name, env.bootdev));
        let started = Instant::now();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&cmdline)
            .current_dir(&self.dir)
            .env("HOST_SIM_NAME", env.name)
            .env("HOST_SIM_ACTION", what)
            .env("HOST_SIM_PROVIDER_DIR", &self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        if let Some(b) = env.bootdev {
            cmd.env("HOST_SIM_BOOTDEV", b);
        }
        if let Some(f) = env.flags {
            cmd.env(
                "HOST_SIM_BOOT_PERSISTENT",
                if f.persistent { "1" } else { "0" },
            );
            cmd.env("HOST_SIM_BOOT_EFI", if f.efi { "1" } else { "0" });
        }
        tracing::debug!(script = %what, provider = %self.path.display(), cmdline = %cmdline, "running script");
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(script = %what, "cannot start sh: {e}");
                return ScriptRun {
                    code: None,
                    timed_out: false,
                    stdout: String::new(),
                    elapsed: started.elapsed(),
                };
            }
        };
        let pid = child.id();
        let out_buf = Arc::new(Mutex::new(Vec::new()));
        let err_buf = Arc::new(Mutex::new(Vec::new()));
        let readers: Vec<_> = [
            child.stdout.take().map(|p| reader(p, out_buf.clone())),
            child.stderr.take().map(|p| reader(p, err_buf.clone())),
        ]
        .into_iter()
        .flatten()
        .collect();
        let (code, timed_out) = match tokio::time::timeout(timeout, child.wait()).await {
            Ok(Ok(status)) => (status.code(), false),
            Ok(Err(_)) => (None, false),
            Err(_) => {
                if let Some(pid) = pid {
                    kill_group(pid);
                }
                let _ = child.kill().await;
                (None, true)
            }
        };
        // A script may leave a daemon holding the pipes: give the readers a moment, then move on.
        for r in readers {
            let _ = tokio::time::timeout(Duration::from_millis(200), r).await;
        }
        let stdout =
            String::from_utf8_lossy(&out_buf.lock().map(|b| b.clone()).unwrap_or_default())
                .trim()
                .to_string();
        let stderr =
            String::from_utf8_lossy(&err_buf.lock().map(|b| b.clone()).unwrap_or_default())
                .trim()
                .to_string();
        let run = ScriptRun {
            code,
            timed_out,
            stdout,
            elapsed: started.elapsed(),
        };
        if run.ok() {
            tracing::info!(script = %what, result = %run, "script ran");
        } else {
            tracing::warn!(script = %what, cmdline = %cmdline, result = %run, "script failed");
        }
        for line in stderr.lines().take(50) {
            tracing::warn!(script = %what, "stderr: {line}");
        }
        run
    }
}

/// Sends SIGKILL to a whole process group.
fn kill_group(pgid: u32) {
    use nix::sys::signal::{killpg, Signal};
    use nix::unistd::Pid;
    if let Ok(p) = i32::try_from(pgid) {
        let _ = killpg(Pid::from_raw(p), Signal::SIGKILL);
    }
}

/// Parses a `[POWER] status` output: `on`/`1` or `off`/`0` (case-insensitive, first word).
pub fn parse_power(out: &str) -> Option<bool> {
    match out
        .split_whitespace()
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("on") | Some("1") => Some(true),
        Some("off") | Some("0") => Some(false),
        _ => None,
    }
}

/// shipmi boot device names, as passed to `[BOOT] set` scripts.
#[cfg(test)]
pub const BOOTDEVS: [&str; 8] = [
    "default", "network", "hd", "safe", "diag", "optical", "setup", "floppy",
];

/// IPMI boot device selector (param 5 data2 bits 5:2) to the shipmi name given to scripts.
pub fn bootdev_name(device: u8) -> &'static str {
    match device {
        0x1 => "network",
        0x2 => "hd",
        0x3 => "safe",
        0x4 => "diag",
        0x5 | 0x8 => "optical",
        0x6 => "setup",
        0x7 | 0x9 | 0xB | 0xF => "floppy",
        _ => "default",
    }
}

/// A boot device name as scripts print it (`[BOOT] get`), in any of the usual spellings, to the
/// IPMI boot device selector.
pub fn bootdev_from_name(name: &str) -> Option<u8> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "none" | "default" => 0x0,
        "pxe" | "network" | "net" => 0x1,
        "disk" | "hd" | "hdd" => 0x2,
        "safe" => 0x3,
        "diag" => 0x4,
        "cdrom" | "cd" | "dvd" | "optical" => 0x5,
        "bios" | "setup" => 0x6,
        "floppy" | "removable" => 0xF,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPMI: &str = "[BOOT]\nget=echo optical\nset=echo %(boot_device)s\n[POWER]\nstatus=echo on\non=echo\noff=echo\ndiag=echo\nreset=echo\nshutdown=echo\n";

    #[test]
    fn parses_shipmi_test_file() {
        let p = ScriptProvider::parse(Path::new("/x/test.conf"), SHIPMI).unwrap();
        assert_eq!(p.dir, Path::new("/x"));
        assert_eq!(p.power("status").unwrap().render("n", None), "echo on");
        assert_eq!(
            p.boot("set").unwrap().render("n", Some("network")),
            "echo network"
        );
        assert!(p.power("on").is_some());
    }

    #[test]
    fn template_forms() {
        let t = Template::parse("a %(name)s \"%(name)s\" 100%% 5%d").unwrap();
        assert_eq!(t.render("node-1", None), "a node-1 \"node-1\" 100% 5%d");
        assert!(Template::parse("%(bogus)s").is_err());
        assert!(Template::parse("%(name)d").is_err());
        assert!(Template::parse("%(name").is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("node1"), "node1");
        assert_eq!(shell_quote("a;b"), "'a;b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("-rf"), "'-rf'");
    }

    #[test]
    fn errors_have_lines() {
        let e = ScriptProvider::parse(Path::new("/p.conf"), "[POWER]\nstatus = x\nbogus = y\n")
            .unwrap_err();
        assert_eq!(e.0, 3);
        let e = ScriptProvider::parse(Path::new("/p.conf"), "on = x\n").unwrap_err();
        assert_eq!(e.0, 1);
        let e =
            ScriptProvider::parse(Path::new("/p.conf"), "[POWER]\non = %(bootdev)s\n").unwrap_err();
        assert_eq!(e.0, 2);
    }

    #[test]
    fn sensors_section() {
        let p = ScriptProvider::parse(
            Path::new("/p.conf"),
            "[SENSORS]\nCPU_Temp = ./t.sh %(name)s\ncache_seconds = 0.5\n",
        )
        .unwrap();
        assert!(p.sensor("cpu_temp").is_some());
        assert_eq!(p.sensor_cache, Duration::from_millis(500));
        for bad in [
            "[SENSORS]\ncache_seconds = -1\n",
            "[SENSORS]\ncache_seconds = soon\n",
            "[SENSORS]\ncpu-temp = x\n",
            "[SENSORS]\ncpu_temp = %(bootdev)s\n",
        ] {
            assert_eq!(
                ScriptProvider::parse(Path::new("/p.conf"), bad)
                    .unwrap_err()
                    .0,
                2
            );
        }
        assert_eq!(parse_reading(" 12.5 V\n"), Some(12.5));
        assert_eq!(parse_reading("nan"), None);
        assert_eq!(parse_reading(""), None);
    }

    #[test]
    fn ini_forms() {
        let p = ScriptProvider::parse(
            Path::new("/p.conf"),
            "# c\n[POWER]\nStatus: echo on\n; c\non = a\n  b\n[OTHER]\nx=y\n",
        )
        .unwrap();
        assert_eq!(p.power("status").unwrap().source, "echo on");
        assert_eq!(p.power("on").unwrap().source, "a\nb");
    }

    #[test]
    fn bootdev_maps_both_ways() {
        for (dev, name) in [
            (1, "network"),
            (2, "hd"),
            (5, "optical"),
            (6, "setup"),
            (0, "default"),
        ] {
            assert_eq!(bootdev_name(dev), name);
            assert_eq!(bootdev_from_name(name), Some(dev));
        }
        assert_eq!(bootdev_from_name("pxe"), Some(1));
        assert_eq!(bootdev_from_name("cdrom"), Some(5));
        assert_eq!(bootdev_from_name("bios"), Some(6));
        assert_eq!(bootdev_from_name("x"), None);
        for n in BOOTDEVS {
            assert_eq!(shell_quote(n), n);
        }
    }

    #[test]
    fn power_output() {
        assert_eq!(parse_power("on\n"), Some(true));
        assert_eq!(parse_power("OFF"), Some(false));
        assert_eq!(parse_power("1"), Some(true));
        assert_eq!(parse_power("maybe"), None);
    }

    #[tokio::test]
    async fn timeout_kills_the_group() {
        let d = tempfile::tempdir().unwrap();
        let marker = d.path().join("late");
        let text = format!(
            "[POWER]\non = (sleep 2; touch {}) & sleep 30\nstatus = echo $HOST_SIM_NAME %(name)s\n",
            marker.display()
        );
        let p = ScriptProvider::parse(&d.path().join("p.conf"), &text).unwrap();
        let env = ScriptEnv {
            name: "n1",
            ..Default::default()
        };
        let t0 = Instant::now();
        let run = p
            .run(
                "on",
                p.power("on").unwrap(),
                &env,
                Duration::from_millis(300),
            )
            .await;
        assert!(run.timed_out && !run.ok());
        assert!(t0.elapsed() < Duration::from_secs(2));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "a process of the killed group survived");
        let run = p
            .run(
                "status",
                p.power("status").unwrap(),
                &env,
                Duration::from_secs(5),
            )
            .await;
        assert!(run.ok());
        assert_eq!(run.stdout, "n1 n1");
    }

    #[tokio::test]
    async fn relative_paths_from_provider_folder() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("bin")).unwrap();
        std::fs::write(d.path().join("bin/st.sh"), "#!/bin/sh\necho on \"$1\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            d.path().join("bin/st.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let p = ScriptProvider::parse(
            &d.path().join("p.conf"),
            "[POWER]\nstatus = bin/st.sh %(name)s\n",
        )
        .unwrap();
        let env = ScriptEnv {
            name: "n2",
            ..Default::default()
        };
        let run = p
            .run(
                "status",
                p.power("status").unwrap(),
                &env,
                Duration::from_secs(5),
            )
            .await;
        assert_eq!(run.stdout, "on n2");
    }
}
