//! `ipmi-load`: a load generator for IPMI-over-LAN BMCs, built on `rmcp::client`.
//!
//! For each cipher suite (or IPMI 1.5 MD5) and each concurrency level it measures, with plain
//! threads and blocking sockets:
//! - handshakes: full session set-up (auth caps, Open Session, RAKP 1-4, Set Session Privilege)
//!   and Close Session, back to back, per thread;
//! - commands: one session per thread, the chosen command back to back.
//!
//! Every failure and time-out is counted and shown; nothing is retried behind the numbers'
//! back (a retransmission only happens with `--retries`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use ipmi_core::{NetFn, Privilege};
use rmcp::client::blocking::{Client, DriverError, Options};
use rmcp::client::{ClientConfig, Failure};
use rmcp::wire::rakp::RmcpPlusStatus;

/// Measure handshakes and commands per second, and latency, against a BMC.
#[derive(Parser, Debug, Clone)]
#[command(name = "ipmi-load", version, about)]
struct Args {
    /// BMC address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// BMC UDP port.
    #[arg(long, short = 'p', default_value_t = 623)]
    port: u16,
    /// User name.
    #[arg(long = "user", short = 'U', default_value = "admin")]
    user: String,
    /// Password.
    #[arg(long = "password", short = 'P', default_value = "password")]
    password: String,
    /// BMC key K_g (text, or hex after 0x).
    #[arg(long)]
    kg: Option<String>,
    /// Cipher suites to measure (repeatable or comma-separated).
    #[arg(long = "suite", short = 'C', value_delimiter = ',', default_values_t = [3u8, 17])]
    suites: Vec<u8>,
    /// Concurrency levels: sessions (threads) at once (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 4])]
    sessions: Vec<usize>,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// The in-session command to measure.
    #[arg(long, value_enum, default_value_t = Cmd::GetChassisStatus)]
    command: Cmd,
    /// What to measure (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Mode::Handshake, Mode::Command])]
    mode: Vec<Mode>,
    /// Use IPMI 1.5 with MD5 instead of RMCP+ (ignores --suite).
    #[arg(long)]
    ipmi15: bool,
    /// Privilege to ask for.
    #[arg(long, value_enum, default_value_t = Priv::Administrator)]
    privilege: Priv,
    /// Per-request time-out in milliseconds (slow BMCs such as pyghmi's may need more).
    #[arg(long, default_value_t = 1000)]
    timeout_ms: u64,
    /// Retransmissions after a time-out (0: a time-out is an error at once).
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// Skip Get Channel Authentication Capabilities in handshakes (one round trip less).
    #[arg(long)]
    no_auth_caps: bool,
    /// One JSON object per row instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    /// Get Chassis Status (NetFn Chassis 0x01), what `power status` sends.
    GetChassisStatus,
    /// Get Device ID (NetFn App 0x01).
    GetDeviceId,
    /// Alias of get-chassis-status.
    ChassisPowerStatus,
}

impl Cmd {
    fn netfn_cmd(self) -> (NetFn, u8) {
        match self {
            Cmd::GetChassisStatus | Cmd::ChassisPowerStatus => (NetFn::Chassis, 0x01),
            Cmd::GetDeviceId => (NetFn::App, 0x01),
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Full session set-up and close.
    Handshake,
    /// Commands inside one session per thread.
    Command,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Handshake => "handshake",
            Mode::Command => "command",
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Priv {
    /// User.
    User,
    /// Operator.
    Operator,
    /// Administrator.
    Administrator,
}

/// What is measured: an RMCP+ suite or IPMI 1.5.
#[derive(Debug, Clone, Copy)]
enum Target {
    Suite(u8),
    V15,
}

impl Target {
    fn label(self) -> String {
        match self {
            Target::Suite(id) => id.to_string(),
            Target::V15 => "1.5-md5".into(),
        }
    }
    fn json(self) -> serde_json::Value {
        match self {
            Target::Suite(id) => serde_json::json!(id),
            Target::V15 => serde_json::json!("1.5-md5"),
        }
    }
}

/// One thread's results.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn error(&mut self, e: &DriverError) {
        *self.errors.entry(e.to_string()).or_default() += 1;
    }
}

/// One measured row.
struct Row {
    target: Target,
    concurrency: usize,
    mode: Mode,
    ops: u64,
    elapsed: Duration,
    p50_us: Option<u32>,
    p99_us: Option<u32>,
    errors: BTreeMap<String, u64>,
}

impl Row {
    fn ops_per_s(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

fn client_config(args: &Args, target: Target) -> Result<ClientConfig, String> {
    let privilege = match args.privilege {
        Priv::User => Privilege::User,
        Priv::Operator => Privilege::Operator,
        Priv::Administrator => Privilege::Administrator,
    };
    let mut c = ClientConfig::new(args.user.as_bytes(), args.password.as_bytes(), privilege)
        .map_err(|e| format!("bad credentials: {e}"))?
        .with_auth_capabilities(!args.no_auth_caps);
    c = match target {
        Target::Suite(id) => c.with_suite(id).map_err(|e| e.to_string())?,
        Target::V15 => c
            .with_ipmi15_md5()
            .map_err(|e| format!("IPMI 1.5: {e} (password at most 16 bytes)"))?,
    };
    if let Some(kg) = &args.kg {
        let bytes = match kg.strip_prefix("0x") {
            Some(hex) => decode_hex(hex).ok_or("bad K_g: odd or non-hex digits")?,
            None => kg.as_bytes().to_vec(),
        };
        c = c
            .with_kg(&bytes)
            .map_err(|_| "bad K_g: at most 20 bytes".to_string())?;
    }
    Ok(c)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Pause after a failed handshake, so a refusing BMC is not flooded.
const FAILURE_BACKOFF: Duration = Duration::from_millis(10);

/// One thread of the handshake measurement: connect + close until `deadline`.
fn handshakes(addr: &str, config: &ClientConfig, options: Options, deadline: Instant) -> Tally {
    let mut t = Tally::default();
    while Instant::now() < deadline {
        let start = Instant::now();
        let result = Client::connect(addr, config.clone(), options).and_then(Client::close);
        match result {
            Ok(()) => t
                .latencies_us
                .push(start.elapsed().as_micros().min(u128::from(u32::MAX)) as u32),
            Err(e) => {
                t.error(&e);
                // A refusing BMC (full session table, RAKP rationing) is not hammered.
                std::thread::sleep(FAILURE_BACKOFF);
            }
        }
    }
    t
}

/// One thread of the command measurement: one session, the command back to back.
fn commands(
    addr: &str,
    config: &ClientConfig,
    options: Options,
    cmd: Cmd,
    deadline: Instant,
) -> Tally {
    let mut t = Tally::default();
    let (netfn, code) = cmd.netfn_cmd();
    let mut client: Option<Client> = None;
    while Instant::now() < deadline {
        let c = match client.as_mut() {
            Some(c) => c,
            None => match Client::connect(addr, config.clone(), options) {
                Ok(c) => client.insert(c),
                Err(e) => {
                    t.error(&e);
                    std::thread::sleep(FAILURE_BACKOFF);
                    continue;
                }
            },
        };
        let start = Instant::now();
        match c.request(netfn, code, &[]) {
            Ok(reply) if reply.completion_code == ipmi_core::CompletionCode::Normal => t
                .latencies_us
                .push(start.elapsed().as_micros().min(u128::from(u32::MAX)) as u32),
            Ok(reply) => {
                *t.errors
                    .entry(format!(
                        "completion code 0x{:02x}",
                        u8::from(reply.completion_code)
                    ))
                    .or_default() += 1;
            }
            Err(e) => {
                // The session is stuck with an unanswered request: start a new one.
                t.error(&e);
                client = None;
            }
        }
    }
    if let Some(c) = client {
        if let Err(e) = c.close() {
            t.error(&e);
        }
    }
    t
}

fn measure(args: &Args, target: Target, concurrency: usize, mode: Mode) -> Result<Row, String> {
    let config = client_config(args, target)?;
    let addr = target_addr(args);
    let options = Options {
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        tries: args.retries.saturating_add(1),
    };
    let duration = Duration::from_secs_f64(args.duration.max(0.1));
    let barrier = Arc::new(Barrier::new(concurrency + 1));
    let threads: Vec<_> = (0..concurrency)
        .map(|_| {
            let (config, addr, barrier) = (config.clone(), addr.clone(), barrier.clone());
            let cmd = args.command;
            std::thread::spawn(move || {
                barrier.wait();
                let deadline = Instant::now() + duration;
                match mode {
                    Mode::Handshake => handshakes(&addr, &config, options, deadline),
                    Mode::Command => commands(&addr, &config, options, cmd, deadline),
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let mut all = Tally::default();
    for t in threads {
        let tally = t.join().map_err(|_| "a load thread panicked".to_string())?;
        all.latencies_us.extend(tally.latencies_us);
        for (k, v) in tally.errors {
            *all.errors.entry(k).or_default() += v;
        }
    }
    let elapsed = start.elapsed();
    all.latencies_us.sort_unstable();
    Ok(Row {
        target,
        concurrency,
        mode,
        ops: all.latencies_us.len() as u64,
        elapsed,
        p50_us: percentile(&all.latencies_us, 50.0),
        p99_us: percentile(&all.latencies_us, 99.0),
        errors: all.errors,
    })
}

/// One session up and down, so a refused suite or wrong password is one clear line, not a
/// table of errors. A BMC that says "insufficient resources" (its session table or its RAKP
/// rationing is exhausted, e.g. by the previous row) gets up to 15 s to recover, so one row's
/// overload does not spoil the next.
fn probe(args: &Args, target: Target) -> Result<(), String> {
    let config = client_config(args, target)?;
    let addr = target_addr(args);
    let options = Options {
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        tries: args.retries.saturating_add(1).max(3),
    };
    let start = Instant::now();
    let mut told = false;
    loop {
        match Client::connect(addr.as_str(), config.clone(), options).and_then(Client::close) {
            Ok(()) => return Ok(()),
            Err(DriverError::Failed(Failure::Status { status, .. }))
                if matches!(
                    status,
                    RmcpPlusStatus::InsufficientResources
                        | RmcpPlusStatus::InsufficientResourcesForRole
                ) && start.elapsed() < Duration::from_secs(15) =>
            {
                if !told {
                    eprintln!("ipmi-load: {addr} says insufficient resources; waiting for it");
                    told = true;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(format!("{addr}: {}: {e}", what(target))),
        }
    }
}

/// `host:port`, with an IPv6 address in brackets.
fn target_addr(args: &Args) -> String {
    if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]:{}", args.host, args.port)
    } else {
        format!("{}:{}", args.host, args.port)
    }
}

fn what(target: Target) -> String {
    match target {
        Target::Suite(id) => format!("cipher suite {id}"),
        Target::V15 => "IPMI 1.5 MD5".into(),
    }
}

fn us(v: Option<u32>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v}"))
}

fn print_row(args: &Args, row: &Row) {
    if args.json {
        let v = serde_json::json!({
            "target": target_addr(args),
            "suite": row.target.json(),
            "concurrency": row.concurrency,
            "mode": row.mode.name(),
            "ops": row.ops,
            "ops_per_s": (row.ops_per_s() * 10.0).round() / 10.0,
            "p50_us": row.p50_us,
            "p99_us": row.p99_us,
            "errors": row.error_count(),
            "error_kinds": row.errors,
        });
        println!("{v}");
        return;
    }
    let (hs, cmd) = match row.mode {
        Mode::Handshake => (format!("{:.1}", row.ops_per_s()), "-".to_string()),
        Mode::Command => ("-".to_string(), format!("{:.1}", row.ops_per_s())),
    };
    println!(
        "{:<8} {:>5} {:<10} {:>12} {:>11} {:>9} {:>9} {:>7}",
        row.target.label(),
        row.concurrency,
        row.mode.name(),
        hs,
        cmd,
        us(row.p50_us),
        us(row.p99_us),
        row.error_count()
    );
    for (kind, n) in &row.errors {
        println!("         {n} x {kind}");
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.sessions.contains(&0) {
        eprintln!("ipmi-load: --sessions levels must be at least 1");
        return ExitCode::FAILURE;
    }
    let targets: Vec<Target> = if args.ipmi15 {
        vec![Target::V15]
    } else {
        args.suites.iter().map(|&id| Target::Suite(id)).collect()
    };
    if !args.json {
        println!(
            "ipmi-load: {}, {} s per row, command {:?}",
            target_addr(&args),
            args.duration,
            args.command
        );
        println!(
            "{:<8} {:>5} {:<10} {:>12} {:>11} {:>9} {:>9} {:>7}",
            "suite", "conc", "mode", "handshake/s", "command/s", "p50 us", "p99 us", "errors"
        );
    }
    let mut failed = false;
    for &target in &targets {
        if let Err(e) = probe(&args, target) {
            eprintln!("ipmi-load: {e}; skipping it");
            failed = true;
            continue;
        }
        for &concurrency in &args.sessions {
            for &mode in &args.mode {
                // Each row starts from a BMC that accepts sessions again.
                if let Err(e) = probe(&args, target) {
                    eprintln!("ipmi-load: {e}");
                    failed = true;
                    continue;
                }
                match measure(&args, target, concurrency, mode) {
                    Ok(row) => {
                        if row.ops == 0 {
                            failed = true;
                        }
                        print_row(&args, &row);
                    }
                    Err(e) => {
                        eprintln!("ipmi-load: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
