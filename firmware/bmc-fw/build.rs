//! Reads the BMC configuration at build time and turns it into Rust constants (`config.rs` in
//! OUT_DIR). The file is `$BMC_CONFIG` when set (relative paths are taken from `firmware/`;
//! `none` means no file), else `firmware/bmc.toml` when it exists, else nothing: then the image
//! has no enabled user and says so in its log. See `firmware/bmc.example.toml` for every key. Mistakes fail the build with one
//! clear line, so a bad config never turns into a silently insecure image.
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

#[path = "build_sensors.rs"]
mod sensors;

const KNOWN_SUITES: [i64; 12] = [0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17];
/// Named users the image holds: `bmc::USERS` user ids minus id 1 (IPMI's null user).
const MAX_USERS: usize = 4;

fn fail(msg: &str) -> ! {
    eprintln!("error: BMC config: {msg}");
    panic!("BMC config: {msg}");
}

fn bytes_lit(bytes: &[u8]) -> String {
    let mut s = String::from("&[");
    for b in bytes {
        write!(s, "{b:#04x},").unwrap();
    }
    s.push(']');
    s
}

fn parse_ipv4(s: &str, what: &str) -> [u8; 4] {
    let addr: std::net::Ipv4Addr = s.parse().unwrap_or_else(|_| fail(&format!("{what}: `{s}` is not an IPv4 address")));
    addr.octets()
}

fn parse_hex(s: &str, what: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !matches!(c, ':' | '-' | ' ')).collect();
    let s = s.strip_prefix("0x").unwrap_or(&s);
    if s.len() % 2 != 0 {
        fail(&format!("{what}: odd number of hex digits"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|_| fail(&format!("{what}: not hex"))))
        .collect()
}

fn str_key<'a>(t: &'a Table, key: &str, section: &str) -> Option<&'a str> {
    t.get(key).map(|v| v.as_str().unwrap_or_else(|| fail(&format!("[{section}] {key} must be a string"))))
}

fn main() {
    println!("cargo:rerun-if-env-changed=BMC_CONFIG");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let firmware = manifest.parent().unwrap().to_path_buf();
    let path: Option<PathBuf> = match env::var("BMC_CONFIG") {
        // Explicitly no config file: the image has no user (what tests of that case build).
        Ok(p) if p == "none" => None,
        Ok(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            Some(if p.is_absolute() { p } else { firmware.join(p) })
        }
        _ => {
            let default = firmware.join("bmc.toml");
            println!("cargo:rerun-if-changed={}", default.display());
            default.exists().then_some(default)
        }
    };

    let table: Table = match &path {
        Some(p) => {
            println!("cargo:rerun-if-changed={}", p.display());
            let text = fs::read_to_string(p).unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", p.display())));
            text.parse().unwrap_or_else(|e| fail(&format!("{}: {e}", p.display())))
        }
        None => Table::new(),
    };
    let out = generate(&table, path.as_deref());
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("config.rs");
    fs::write(dest, out).unwrap();
}

fn generate(table: &Table, path: Option<&Path>) -> String {
    for key in table.keys() {
        if !matches!(key.as_str(), "network" | "bmc" | "user" | "sensors" | "fru") {
            fail(&format!("unknown section `{key}` (expected [network], [bmc], [[user]], [[sensors]], [fru])"));
        }
    }
    let empty = Table::new();
    let net = match table.get("network") {
        Some(Value::Table(t)) => t,
        Some(_) => fail("[network] must be a table"),
        None => &empty,
    };
    for key in net.keys() {
        if !matches!(key.as_str(), "address" | "gateway" | "mac") {
            fail(&format!("unknown key [network] {key} (expected address, gateway, mac)"));
        }
    }
    // No address, or "dhcp": DHCP, with 10.0.2.15/24 (gateway 10.0.2.2) if no lease comes.
    let dhcp = matches!(str_key(net, "address", "network"), None | Some("dhcp"));
    let (address, prefix) = match str_key(net, "address", "network") {
        Some(a) if a != "dhcp" => {
            let (ip, len) = a.split_once('/').unwrap_or_else(|| fail("[network] address must be like 10.0.2.15/24"));
            let len: u8 = len.parse().ok().filter(|l| *l <= 32).unwrap_or_else(|| fail("[network] bad prefix length"));
            (parse_ipv4(ip, "[network] address"), len)
        }
        _ => ([10, 0, 2, 15], 24),
    };
    let gateway = match str_key(net, "gateway", "network") {
        Some(g) => Some(parse_ipv4(g, "[network] gateway")),
        None if !dhcp => None,
        None => Some([10, 0, 2, 2]),
    };
    let mac = str_key(net, "mac", "network").map(|m| {
        let b = parse_hex(m, "[network] mac");
        if b.len() != 6 {
            fail("[network] mac must be 6 bytes, like 02:00:00:00:00:01");
        }
        if b[0] & 1 != 0 {
            fail("[network] mac must be a unicast address (first byte even)");
        }
        b
    });

    let bmc = match table.get("bmc") {
        Some(Value::Table(t)) => t,
        Some(_) => fail("[bmc] must be a table"),
        None => &empty,
    };
    for key in bmc.keys() {
        if !matches!(key.as_str(), "kg" | "kg_hex" | "cipher_suites" | "guid") {
            fail(&format!("unknown key [bmc] {key} (expected kg, kg_hex, cipher_suites, guid)"));
        }
    }
    let kg = match (str_key(bmc, "kg", "bmc"), str_key(bmc, "kg_hex", "bmc")) {
        (Some(_), Some(_)) => fail("[bmc] set kg or kg_hex, not both"),
        (Some(k), None) => Some(k.as_bytes().to_vec()),
        (None, Some(h)) => Some(parse_hex(h, "[bmc] kg_hex")),
        (None, None) => None,
    };
    if let Some(k) = &kg {
        if k.is_empty() || k.len() > 20 {
            fail("[bmc] K_g must be 1 to 20 bytes");
        }
    }
    let suites = bmc.get("cipher_suites").map(|v| {
        let arr = v.as_array().unwrap_or_else(|| fail("[bmc] cipher_suites must be a list of numbers"));
        let ids: Vec<u8> = arr
            .iter()
            .map(|x| {
                let id = x.as_integer().unwrap_or_else(|| fail("[bmc] cipher_suites must be numbers"));
                if !KNOWN_SUITES.contains(&id) {
                    fail(&format!("[bmc] cipher suite {id} is not supported (0-3, 6-8, 11-12, 15-17)"));
                }
                id as u8
            })
            .collect();
        if ids.is_empty() {
            fail("[bmc] cipher_suites is empty: no client could log in");
        }
        ids
    });
    let guid = str_key(bmc, "guid", "bmc").map(|g| {
        let b = parse_hex(g, "[bmc] guid");
        if b.len() != 16 {
            fail("[bmc] guid must be 16 bytes (32 hex digits)");
        }
        b
    });

    let users: Vec<(Vec<u8>, Vec<u8>, &'static str)> = match table.get("user") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|u| {
                let t = u.as_table().unwrap_or_else(|| fail("[[user]] entries must be tables"));
                for key in t.keys() {
                    if !matches!(key.as_str(), "name" | "password" | "privilege") {
                        fail(&format!("unknown key [[user]] {key} (expected name, password, privilege)"));
                    }
                }
                let name = str_key(t, "name", "user").unwrap_or_else(|| fail("[[user]] needs a name"));
                let password = str_key(t, "password", "user").unwrap_or_else(|| fail("[[user]] needs a password"));
                let privilege = match str_key(t, "privilege", "user").unwrap_or("administrator") {
                    "callback" => "Callback",
                    "user" => "User",
                    "operator" => "Operator",
                    "administrator" | "admin" => "Administrator",
                    other => fail(&format!("[[user]] privilege `{other}` (expected user, operator, administrator)")),
                };
                if name.is_empty() || name.len() > 16 {
                    fail("[[user]] name must be 1 to 16 bytes");
                }
                if password.is_empty() || password.len() > 20 {
                    fail("[[user]] password must be 1 to 20 bytes");
                }
                (name.as_bytes().to_vec(), password.as_bytes().to_vec(), privilege)
            })
            .collect(),
        Some(_) => fail("users are [[user]] tables"),
    };
    if users.len() > MAX_USERS {
        fail(&format!("{} users configured; this image holds at most {MAX_USERS}", users.len()));
    }
    for (i, (name, _, _)) in users.iter().enumerate() {
        if users[..i].iter().any(|(other, _, _)| other == name) {
            fail(&format!("user `{}` configured twice", String::from_utf8_lossy(name)));
        }
    }

    let mut s = String::new();
    s.push_str("// Generated by bmc-fw/build.rs from the BMC config file. Do not edit.\n");
    let source = path.map(|p| p.display().to_string());
    writeln!(s, "/// The config file this image was built from, if any.").unwrap();
    writeln!(s, "pub const SOURCE: Option<&str> = {source:?};").unwrap();
    writeln!(s, "/// Whether the address comes from DHCP (ADDRESS etc. are then the fallback).").unwrap();
    writeln!(s, "pub const DHCP: bool = {dhcp};").unwrap();
    writeln!(s, "/// Static IPv4 address of the BMC (the DHCP fallback when DHCP is on).").unwrap();
    writeln!(s, "pub const ADDRESS: [u8; 4] = {address:?};").unwrap();
    writeln!(s, "/// Prefix length of the BMC's subnet.").unwrap();
    writeln!(s, "pub const PREFIX_LEN: u8 = {prefix};").unwrap();
    writeln!(s, "/// Default gateway.").unwrap();
    writeln!(s, "pub const GATEWAY: Option<[u8; 4]> = {gateway:?};").unwrap();
    writeln!(s, "/// MAC address; `None` = the board's own (chip EEPROM, or derived from the chip id).").unwrap();
    match mac {
        Some(m) => writeln!(s, "pub const MAC: Option<[u8; 6]> = Some({m:?});").unwrap(),
        None => writeln!(s, "pub const MAC: Option<[u8; 6]> = None;").unwrap(),
    }
    writeln!(s, "/// K_g, the BMC key; `None` = use each user's password (K_g unset).").unwrap();
    match &kg {
        Some(k) => writeln!(s, "pub const KG: Option<&[u8]> = Some({});", bytes_lit(k)).unwrap(),
        None => writeln!(s, "pub const KG: Option<&[u8]> = None;").unwrap(),
    }
    writeln!(s, "/// Enabled cipher suites; `None` = the endpoint's secure default.").unwrap();
    match &suites {
        Some(ids) => writeln!(s, "pub const CIPHER_SUITES: Option<&[u8]> = Some(&{ids:?});").unwrap(),
        None => writeln!(s, "pub const CIPHER_SUITES: Option<&[u8]> = None;").unwrap(),
    }
    writeln!(s, "/// System GUID; `None` = derived at boot from the random source.").unwrap();
    match &guid {
        Some(g) => writeln!(s, "pub const GUID: Option<[u8; 16]> = Some({g:?});").unwrap(),
        None => writeln!(s, "pub const GUID: Option<[u8; 16]> = None;").unwrap(),
    }
    writeln!(s, "/// Users: name, password, privilege limit.").unwrap();
    writeln!(s, "pub const USERS: &[User] = &[").unwrap();
    for (name, password, privilege) in &users {
        writeln!(
            s,
            "    User {{ name: {}, password: {}, privilege: ipmi_core::Privilege::{privilege} }},",
            bytes_lit(name),
            bytes_lit(password)
        )
        .unwrap();
    }
    writeln!(s, "];").unwrap();
    s.push_str(&sensors::generate(table));
    s.push_str(&sensors::generate_fru(table, path));
    s
}
