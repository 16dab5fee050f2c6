//! `host-sim`: many virtual BMCs (IPMI over LAN, RMCP/RMCP+) in one process, powering real machines
//! or VMs through shipmi-compatible provider scripts.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bmc;
mod bootstate;
mod config;
mod console;
mod control;
mod daemon;
mod fru;
mod machine;
mod provider;
mod reactor;
mod sensors;
mod store;
mod topology;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use config::{parse_kg, parse_privilege, parse_suites, validate_name, BmcConfig, Home};
use control::{BmcInfo, Request, Response};

/// Virtual BMCs for real machines and VMs: ipmitool and freeipmi talk to them, provider scripts
/// do the work.
#[derive(Parser, Debug)]
#[command(name = "host-sim", version, about)]
struct Cli {
    /// Where configuration and the control socket live [default: ~/.host-sim, else /etc/host-sim].
    #[arg(long, global = true, env = "HOST_SIM_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the daemon in the foreground; restores the BMCs that were running when it stopped.
    Serve,
    /// Add a virtual BMC (it is not started).
    Add(Box<AddArgs>),
    /// Stop and delete a BMC.
    Delete {
        /// BMC name.
        name: String,
    },
    /// Start a BMC.
    Start {
        /// BMC name.
        name: String,
    },
    /// Stop a BMC.
    Stop {
        /// BMC name.
        name: String,
    },
    /// Show one BMC.
    Show {
        /// BMC name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List every BMC.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add, change or delete a user of a BMC; a running BMC uses the change at its next login.
    User(UserArgs),
    /// Start one BMC on 127.0.0.1 with the in-memory provider and admin/password, in the foreground.
    Demo {
        /// Port to try first (a free one is used when it is taken).
        #[arg(long, default_value_t = 6230)]
        port: u16,
    },
}

#[derive(Args, Debug)]
struct AddArgs {
    /// BMC name (letters, digits, '.', '_', '-').
    name: String,
    /// Address to listen on (IPv4 or IPv6).
    #[arg(long, default_value = "::")]
    address: String,
    /// UDP port.
    #[arg(long, default_value_t = 623)]
    port: u16,
    /// IPMI user name.
    #[arg(long, default_value = "admin")]
    username: String,
    /// IPMI password.
    #[arg(long, default_value = "password")]
    password: String,
    /// `memory`, or a shipmi INI provider file.
    #[arg(long, default_value = "memory", value_name = "FILE|memory")]
    provider: String,
    /// BMC key K_g: text, or hex after 0x.
    #[arg(long, value_name = "KEY")]
    kg: Option<String>,
    /// Enabled cipher suites, comma-separated [default: all but 0].
    #[arg(long, value_name = "LIST")]
    cipher_suites: Option<String>,
    /// Channel privilege limit: user, operator or administrator.
    #[arg(long, default_value = "administrator", value_name = "LEVEL")]
    privilege_limit: String,
    /// Seconds before a provider script's process group is killed.
    #[arg(long, default_value_t = config::DEFAULT_SCRIPT_TIMEOUT_SECS, value_name = "SECS")]
    script_timeout: u64,
    /// One more user (repeatable): NAME=PASSWORD, NAME:operator=PASSWORD, NAME:user:disabled=PASSWORD.
    #[arg(long = "user", value_name = "NAME[:PRIV][:disabled]=PASSWORD")]
    users: Vec<String>,
    /// User ids the BMC serves (2 to 16; id 1 is the null user).
    #[arg(long, default_value_t = config::DEFAULT_MAX_USERS, value_name = "N")]
    max_users: u8,
    /// This BMC switches one power feed of machine NAME, which other BMCs may share (redundant
    /// power supplies: the machine is on while any feed is on).
    #[arg(long, value_name = "NAME")]
    machine: Option<String>,
    /// A node behind this BMC (repeatable), reached with ipmitool -b CHANNEL -t ADDRESS
    /// [-B TRANSIT_CHANNEL -T TRANSIT].
    #[arg(
        long = "node",
        value_name = "ADDR[,channel=N][,transit=ADDR][,transit_channel=N][,provider=FILE][,name=NAME]"
    )]
    nodes: Vec<String>,
    /// N in-memory nodes on channel 7 at 0x72, 0x74, ... (added before the --node ones).
    #[arg(long = "nodes", value_name = "N")]
    node_count: Option<u8>,
    /// Serial console for SOL: none, echo, pty, unix:PATH, tcp:HOST:PORT, telnet:HOST:PORT or exec:COMMAND
    /// [default: the provider file's CONSOLE section, else echo for the memory provider].
    #[arg(long, value_name = "SPEC")]
    console: Option<String>,
    /// Bytes of console output kept while no SOL session is attached.
    #[arg(long, value_name = "BYTES")]
    console_buffer: Option<usize>,
    /// Serve SOL on a UDP port of its own (Activate Payload's answer names it) [default: the
    /// BMC's port].
    #[arg(long, value_name = "PORT")]
    sol_port: Option<u16>,
}

#[derive(Args, Debug)]
struct UserArgs {
    /// BMC name.
    bmc: String,
    /// User name (a new user is added at the first free id).
    name: String,
    /// Password (needed for a new user).
    #[arg(long)]
    password: Option<String>,
    /// Privilege limit: user, operator or administrator [default for a new user: administrator].
    #[arg(long, value_name = "LEVEL")]
    privilege: Option<String>,
    /// Enable the user.
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    /// Disable the user.
    #[arg(long)]
    disable: bool,
    /// Delete the user.
    #[arg(long, conflicts_with_all = ["password", "privilege", "enable", "disable"])]
    delete: bool,
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn build_config(a: &AddArgs) -> Result<BmcConfig, String> {
    validate_name(&a.name)?;
    if let Some(k) = &a.kg {
        parse_kg(k)?;
    }
    parse_privilege(&a.privilege_limit)?;
    let provider = if a.provider == "memory" {
        a.provider.clone()
    } else {
        let p = PathBuf::from(&a.provider);
        let abs =
            std::fs::canonicalize(&p).map_err(|e| format!("provider file {}: {e}", p.display()))?;
        provider::ScriptProvider::load(&abs)?;
        abs.display().to_string()
    };
    let mut cfg = BmcConfig::with_defaults();
    cfg.address = a.address.clone();
    cfg.port = a.port;
    cfg.username = a.username.clone();
    cfg.password = a.password.clone();
    cfg.provider = provider;
    cfg.kg = a.kg.clone();
    if let Some(s) = &a.cipher_suites {
        cfg.cipher_suites = parse_suites(s)?;
    }
    cfg.privilege_limit = a.privilege_limit.to_ascii_lowercase();
    cfg.script_timeout_secs = a.script_timeout;
    cfg.max_users = a.max_users;
    cfg.console = a.console.clone();
    cfg.console_buffer = a.console_buffer;
    cfg.sol_port = a.sol_port;
    for u in &a.users {
        cfg.users.push(config::UserConfig::parse_arg(u)?);
    }
    cfg.machine = a.machine.clone();
    if let Some(n) = a.node_count {
        cfg.nodes = topology::NodeConfig::series(n)?;
    }
    for n in &a.nodes {
        let mut node = topology::NodeConfig::parse_arg(n)?;
        if node.provider != "memory" {
            let p = PathBuf::from(&node.provider);
            let abs = std::fs::canonicalize(&p)
                .map_err(|e| format!("provider file {}: {e}", p.display()))?;
            provider::ScriptProvider::load(&abs)?;
            node.provider = abs.display().to_string();
        }
        cfg.nodes.push(node);
    }
    cfg.resolve().map_err(|e| e.message)?;
    Ok(cfg)
}

fn print_table(rows: &[BmcInfo]) {
    let header = ["NAME", "STATUS", "ADDRESS", "PORT", "PROVIDER"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|b| {
            [
                b.name.clone(),
                b.status.clone(),
                b.address.clone(),
                if b.port == 0 {
                    String::new()
                } else {
                    b.port.to_string()
                },
                {
                    let mut p = b.provider.clone();
                    if let Some(m) = &b.machine {
                        p.push_str(&format!(" (feed of machine {})", m.name));
                    }
                    if !b.nodes.is_empty() {
                        p.push_str(&format!(" (chassis: {} nodes)", b.nodes.len()));
                    }
                    p
                },
            ]
        })
        .collect();
    let mut w = header.map(str::len);
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.len());
        }
    }
    let line = |r: [&str; 5]| {
        let s: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = w[i]))
            .collect();
        println!("{}", s.join("  ").trim_end());
    };
    line(header);
    for r in &cells {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
}

fn print_show(b: &BmcInfo) {
    let rows = [
        ("name", b.name.clone()),
        ("status", b.status.clone()),
        ("address", b.address.clone()),
        ("port", b.port.to_string()),
        ("username", b.username.clone()),
        ("password", "***".into()),
        ("provider", b.provider.clone()),
        (
            "cipher_suites",
            b.cipher_suites
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("privilege_limit", b.privilege_limit.clone()),
        (
            "kg",
            if b.kg_set {
                "set".into()
            } else {
                "not set".into()
            },
        ),
        ("script_timeout", format!("{} s", b.script_timeout_secs)),
        ("config_file", b.config_file.clone()),
        ("console", b.console.clone()),
    ];
    for (k, v) in rows {
        println!("{k:<16} {v}");
    }
    if let Some(p) = b.sol_port {
        println!("{:<16} {p}", "sol_port");
    }
    if let Some(m) = &b.machine {
        let feeds: Vec<String> = m
            .feeds
            .iter()
            .map(|(n, on)| format!("{n} {}", if *on { "on" } else { "off" }))
            .collect();
        println!(
            "{:<16} {} {} (this feed {}; feeds: {})",
            "machine",
            m.name,
            if m.power_on { "on" } else { "off" },
            if m.feed_on { "on" } else { "off" },
            feeds.join(", ")
        );
    }
    for n in &b.nodes {
        let path = match &n.transit {
            Some(t) => format!(
                "-B {} -T {t} -b {} -t {}",
                n.transit_channel, n.channel, n.address
            ),
            None => format!("-b {} -t {}", n.channel, n.address),
        };
        println!(
            "{:<16} {} {path} {} {}",
            "node",
            n.name,
            n.provider,
            if n.power_on { "on" } else { "off" }
        );
    }
    for u in &b.users {
        println!(
            "{:<16} {} {} {}{}",
            "user",
            u.id,
            u.name,
            u.privilege,
            if u.enabled { "" } else { " (disabled)" }
        );
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// Offline answers (no daemon): read and write the files directly.
fn offline(home: &Home, req: &Request) -> Result<Response, String> {
    let status_of = |name: &str| {
        let file = home.config_path(name);
        match home.load(name) {
            Ok((cfg, _)) => {
                let mut info = BmcInfo::new(name, &cfg, "stopped", &file);
                let state = home.load_state(name);
                info.users = control::user_list(&cfg, &state);
                control::topology_info(home, &mut info, &cfg, &state);
                info
            }
            Err(e) => BmcInfo::broken(name, &e.to_string(), &file),
        }
    };
    let known = |name: &str| -> Result<(), String> {
        if validate_name(name).is_err() || !home.config_path(name).exists() {
            Err(format!("unknown BMC {name:?}"))
        } else {
            Ok(())
        }
    };
    match req {
        Request::Add { name, config } => {
            daemon::add_files(home, name, config)?;
            Ok(Response::bmc(status_of(name)))
        }
        Request::User { bmc, edit } => {
            known(bmc)?;
            daemon::edit_user_files(home, bmc, edit)?;
            Ok(Response::bmc(status_of(bmc)))
        }
        Request::Delete { name } => {
            known(name)?;
            home.remove(name)
                .map_err(|e| format!("cannot delete {name}: {e}"))?;
            Ok(Response {
                ok: true,
                ..Default::default()
            })
        }
        Request::Show { name } => {
            known(name)?;
            Ok(Response::bmc(status_of(name)))
        }
        Request::List => Ok(Response {
            ok: true,
            bmcs: Some(home.names().iter().map(|n| status_of(n)).collect()),
            ..Default::default()
        }),
        _ => Err(format!(
            "daemon not running: no host-sim daemon listens on {} (start it with `host-sim serve`)",
            home.socket().display()
        )),
    }
}

fn request(home: &Home, req: Request) -> Result<Response, String> {
    let resp = if control::daemon_running(&home.socket()) {
        control::call(&home.socket(), &req)?
    } else {
        offline(home, &req)?
    };
    if resp.ok {
        Ok(resp)
    } else {
        Err(resp.error.unwrap_or_else(|| "failed".into()))
    }
}

fn demo(port: u16) -> Result<(), String> {
    init_tracing("info");
    let rt = runtime()?;
    rt.block_on(async move {
        let ip = std::net::IpAddr::from([127, 0, 0, 1]);
        let sock = match daemon::bind_udp((ip, port).into()) {
            Ok(s) => s,
            Err(_) => daemon::bind_udp((ip, 0).into())?,
        };
        let port = sock.local_addr().map_err(|e| e.to_string())?.port();
        let mut cfg = BmcConfig::with_defaults();
        cfg.address = ip.to_string();
        cfg.port = port;
        let resolved = cfg.resolve().map_err(|e| e.to_string())?;
        println!("host-sim demo: BMC \"demo\" on 127.0.0.1 port {port}, in-memory provider, user admin / password password");
        println!("try:  ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password power status");
        println!("      ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin -P password chassis bootdev pxe");
        println!("Ctrl-C stops it.");
        let spec = bmc::Spec {
            name: "demo".into(),
            cfg,
            resolved,
            provider: provider::Provider::Memory,
            state: config::State::default(),
            sol_sock: None,
        };
        let (stop, stop_rx) = tokio::sync::oneshot::channel();
        let edits = std::sync::Arc::new(bmc::Mailbox::new());
        let task = tokio::spawn(bmc::run(spec, sock, None, bmc::Clock::new(), stop_rx, edits));
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(());
        let _ = task.await;
        Ok(())
    })
}

fn run(cli: Cli) -> Result<(), String> {
    let home = Home::choose(cli.home);
    match cli.command {
        Cmd::Serve => {
            init_tracing("info");
            runtime()?.block_on(daemon::serve(home))
        }
        Cmd::Demo { port } => demo(port),
        cmd => {
            init_tracing("warn");
            let print_one = |r: Response, json_out: bool| {
                if let Some(b) = r.bmc {
                    if json_out {
                        println!("{}", json(&b));
                    } else {
                        print_show(&b);
                    }
                }
            };
            match cmd {
                Cmd::Add(a) => {
                    let cfg = build_config(&a)?;
                    let r = request(
                        &home,
                        Request::Add {
                            name: a.name.clone(),
                            config: Box::new(cfg),
                        },
                    )?;
                    eprintln!("added BMC {:?}", a.name);
                    print_one(r, false);
                }
                Cmd::Delete { name } => {
                    request(&home, Request::Delete { name: name.clone() })?;
                    eprintln!("deleted BMC {name:?}");
                }
                Cmd::Start { name } => {
                    let r = request(&home, Request::Start { name: name.clone() })?;
                    if let Some(b) = &r.bmc {
                        eprintln!("started BMC {name:?} on {} port {}", b.address, b.port);
                    }
                }
                Cmd::User(u) => {
                    let edit = store::UserEdit {
                        name: u.name.clone(),
                        password: u.password,
                        privilege: u.privilege,
                        enabled: match (u.enable, u.disable) {
                            (true, _) => Some(true),
                            (_, true) => Some(false),
                            _ => None,
                        },
                        delete: u.delete,
                    };
                    edit.check()?;
                    validate_name(&u.bmc)?;
                    let r = request(
                        &home,
                        Request::User {
                            bmc: u.bmc.clone(),
                            edit,
                        },
                    )?;
                    eprintln!("changed user {:?} of BMC {:?}", u.name, u.bmc);
                    print_one(r, false);
                }
                Cmd::Stop { name } => {
                    request(&home, Request::Stop { name: name.clone() })?;
                    eprintln!("stopped BMC {name:?}");
                }
                Cmd::Show { name, json } => {
                    print_one(request(&home, Request::Show { name })?, json)
                }
                Cmd::List { json: j } => {
                    let r = request(&home, Request::List)?;
                    let rows = r.bmcs.unwrap_or_default();
                    if j {
                        println!("{}", json(&rows));
                    } else {
                        print_table(&rows);
                    }
                }
                Cmd::Serve | Cmd::Demo { .. } => {}
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("host-sim: error: {e}");
            ExitCode::FAILURE
        }
    }
}
