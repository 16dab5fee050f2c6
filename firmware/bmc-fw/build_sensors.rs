//! The `[[sensors]]` and `[fru]` sections of the BMC config (part of build.rs): the same keys
//! and meaning as host-sim's BMC configuration. Sensors become `config::SENSORS` (values in
//! units; the raw bytes are worked out with the sensor's M, B and exponents at run time, as for
//! the board's own sensors); the FRU becomes `config::FRU`, the finished FRU image, built here
//! in the layout of ipmi-core's `build_fru` so that the image carries no builder code (ipmi-core
//! cannot be a build-dependency of bmc-fw: the `defmt` feature would reach it too). The tests
//! (`ipmitool fru print`, `ipmi-fru`) check the checksums and the fields.
use std::fmt::Write as _;
use std::path::Path;

use toml::{Table, Value};

use super::{fail, str_key};

/// Sensors one image may describe (ipmi-core's `bmc::MAX_SENSORS`).
const MAX_SENSORS: usize = 16;
/// Longest sensor name (ipmi-core's `bmc::MAX_NAME`).
const MAX_NAME: usize = 16;
/// Longest FRU field (ipmi-core's `bmc::MAX_FRU_FIELD`).
const MAX_FRU_FIELD: usize = 63;
/// Bytes a FRU image may have (ipmi-core's `bmc::FRU_CAPACITY`).
const FRU_CAPACITY: usize = 256;
/// 2024-01-01 00:00 UTC in minutes since 1996-01-01 (the FRU format's epoch), as host-sim.
const MFG_DATE: u32 = 14_726_880;

const SENSOR_KEYS: [&str; 13] = [
    "key",
    "number",
    "kind",
    "name",
    "m",
    "b",
    "r_exp",
    "b_exp",
    "upper_non_critical",
    "upper_critical",
    "on",
    "off",
    "reading",
];

fn int(t: &Table, key: &str, what: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    let v = t.get(key)?;
    let n = v.as_integer().unwrap_or_else(|| fail(&format!("{what}: {key} must be a whole number")));
    if !range.contains(&n) {
        fail(&format!("{what}: {key} must be {} to {}", range.start(), range.end()));
    }
    Some(n)
}

fn float(t: &Table, key: &str, what: &str) -> Option<f32> {
    let v = t.get(key)?;
    let x = v
        .as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .unwrap_or_else(|| fail(&format!("{what}: {key} must be a number")));
    if !x.is_finite() {
        fail(&format!("{what}: {key} must be a finite number"));
    }
    Some(x as f32)
}

fn lit(v: f32) -> String {
    format!("{v:?}f32")
}

fn opt(v: Option<f32>) -> String {
    v.map_or("None".into(), |v| format!("Some({})", lit(v)))
}

/// `pub const SENSORS: &[SensorSpec]` from `[[sensors]]` (empty: the board's own set).
pub fn generate(table: &Table) -> String {
    let list = match table.get("sensors") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => fail("sensors are [[sensors]] tables"),
    };
    if list.len() > MAX_SENSORS {
        fail(&format!("{} sensors configured; this image holds at most {MAX_SENSORS}", list.len()));
    }
    let mut s = String::new();
    writeln!(s, "/// Sensors from `[[sensors]]` (empty: the board's own set).").unwrap();
    writeln!(s, "pub const SENSORS: &[crate::sensors::SensorSpec] = &[").unwrap();
    let mut numbers = Vec::new();
    let mut keys = Vec::new();
    for v in &list {
        let t = v.as_table().unwrap_or_else(|| fail("[[sensors]] entries must be tables"));
        for key in t.keys() {
            if !SENSOR_KEYS.contains(&key.as_str()) {
                fail(&format!("unknown key [[sensors]] {key} (expected {})", SENSOR_KEYS.join(", ")));
            }
        }
        let key = str_key(t, "key", "sensors").unwrap_or_else(|| fail("[[sensors]] needs a key"));
        let what = format!("sensor {key:?}");
        if key.is_empty()
            || key.len() > 32
            || !key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            fail(&format!("{what}: key must be 1-32 of a-z, 0-9 and _"));
        }
        if keys.contains(&key) {
            fail(&format!("{what} configured twice"));
        }
        keys.push(key);
        let number = int(t, "number", &what, 1..=239)
            .unwrap_or_else(|| fail(&format!("{what} needs a number (1 to 239; F0h and up are the BMC's own)")));
        if numbers.contains(&number) {
            fail(&format!("{what}: number {number} is used twice"));
        }
        numbers.push(number);
        let kind_text = str_key(t, "kind", "sensors").unwrap_or_else(|| fail(&format!("{what} needs a kind")));
        let (kind, m, r_exp) = match kind_text.to_ascii_lowercase().as_str() {
            "temperature" => ("Temperature", 1, 0),
            "voltage" => ("Voltage", 1, -1),
            "fan" => ("Fan", 60, 0),
            "power" => ("Power", 4, 0),
            "intrusion" => ("Intrusion", 1, 0),
            other => fail(&format!("{what}: unknown kind {other:?} (temperature, voltage, fan, power, intrusion)")),
        };
        let name = str_key(t, "name", "sensors").unwrap_or_else(|| fail(&format!("{what} needs a name")));
        if name.is_empty() || name.len() > MAX_NAME || !name.is_ascii() || name.contains(['"', '\\']) {
            fail(&format!("{what}: name must be 1 to 16 ASCII characters"));
        }
        let m = int(t, "m", &what, -512..=511).unwrap_or(m);
        if m == 0 {
            fail(&format!("{what}: M must not be 0"));
        }
        let b = int(t, "b", &what, -512..=511).unwrap_or(0);
        let r_exp = int(t, "r_exp", &what, -8..=7).unwrap_or(r_exp);
        let b_exp = int(t, "b_exp", &what, -8..=7).unwrap_or(0);
        let unc = float(t, "upper_non_critical", &what);
        let uc = float(t, "upper_critical", &what);
        let (on, off) = match (float(t, "reading", &what), float(t, "on", &what), float(t, "off", &what)) {
            (Some(r), None, None) => (r, r),
            (Some(_), _, _) => fail(&format!("{what}: set reading, or on and off, not both")),
            (None, on, off) => (on.unwrap_or(0.0), off.unwrap_or(0.0)),
        };
        writeln!(
            s,
            "    crate::sensors::SensorSpec {{ key: {key:?}, number: {number}, kind: ipmi_core::bmc::SensorKind::{kind}, \
             name: {name:?}, m: {m}, b: {b}, r_exp: {r_exp}, b_exp: {b_exp}, upper_non_critical: {}, \
             upper_critical: {}, on: {}, off: {} }},",
            opt(unc),
            opt(uc),
            lit(on),
            lit(off)
        )
        .unwrap();
    }
    writeln!(s, "];").unwrap();
    s
}

const FRU_KEYS: [&str; 12] = [
    "chassis_part_number",
    "chassis_serial",
    "board_manufacturer",
    "board_product",
    "board_serial",
    "board_part_number",
    "product_manufacturer",
    "product_name",
    "product_part_number",
    "product_version",
    "product_serial",
    "asset_tag",
];

/// `pub const FRU: &[u8]`: the FRU image of `[fru]` (unset fields keep their defaults; the
/// serial numbers default to a fingerprint of the config file, so two configs differ).
pub fn generate_fru(table: &Table, path: Option<&Path>) -> String {
    let empty = Table::new();
    let fru = match table.get("fru") {
        Some(Value::Table(t)) => t,
        Some(_) => fail("[fru] must be a table"),
        None => &empty,
    };
    for key in fru.keys() {
        if !FRU_KEYS.contains(&key.as_str()) {
            fail(&format!("unknown key [fru] {key} (expected {})", FRU_KEYS.join(", ")));
        }
    }
    let text = path.and_then(|p| std::fs::read(p).ok()).unwrap_or_default();
    let f = text.iter().fold(0x811C_9DC5u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    let serials = ["FWC", "FWB", "FWP"].map(|p| format!("{p}{f:08X}"));
    let version = env!("CARGO_PKG_VERSION");
    let defaults: [&str; 12] = [
        "BMC-FW-CH",
        &serials[0],
        "bmc-fw",
        "BMC board",
        &serials[1],
        "BMC-FW-MB",
        "bmc-fw",
        "bmc-fw managed machine",
        "BMC-FW-1",
        version,
        &serials[2],
        "",
    ];
    let v: Vec<String> = FRU_KEYS
        .iter()
        .zip(defaults)
        .map(|(key, default)| {
            let v = str_key(fru, key, "fru").unwrap_or(default);
            if v.len() > MAX_FRU_FIELD || !v.is_ascii() {
                fail(&format!("[fru] {key}: at most 63 ASCII characters"));
            }
            v.to_string()
        })
        .collect();
    let image = build_fru(&v);
    if image.len() > FRU_CAPACITY {
        fail(&format!("[fru]: the fields do not fit in {FRU_CAPACITY} bytes"));
    }
    let mut s = String::new();
    writeln!(s, "/// The FRU inventory image (device 0), built from `[fru]`.").unwrap();
    writeln!(s, "pub const FRU: &[u8] = {};", super::bytes_lit(&image)).unwrap();
    s
}

/// A type/length byte (8-bit ASCII) and the text.
fn field(out: &mut Vec<u8>, text: &str) {
    out.push(0xC0 | text.len() as u8);
    out.extend_from_slice(text.as_bytes());
}

/// Ends the area that began at `start`: end-of-fields C1h, zero padding to a multiple of 8
/// bytes with the checksum, the length byte (in 8 bytes), the zero checksum.
fn finish_area(out: &mut Vec<u8>, start: usize) {
    out.push(0xC1);
    while (out.len() - start + 1) % 8 != 0 {
        out.push(0);
    }
    out[start + 1] = ((out.len() + 1 - start) / 8) as u8;
    let sum = out[start..].iter().fold(0u8, |a, b| a.wrapping_add(*b));
    out.push(sum.wrapping_neg());
}

/// The FRU image: common header, chassis (type 17h, rack mount), board (English, the
/// manufacturing date) and product areas; `v` in `FRU_KEYS` order.
fn build_fru(v: &[String]) -> Vec<u8> {
    let mut out = vec![0u8; 8];
    let chassis = out.len();
    out.extend_from_slice(&[1, 0, 0x17]);
    field(&mut out, &v[0]);
    field(&mut out, &v[1]);
    finish_area(&mut out, chassis);
    let board = out.len();
    out.extend_from_slice(&[1, 0, 0]);
    out.extend_from_slice(&MFG_DATE.to_le_bytes()[..3]);
    for f in [&v[2], &v[3], &v[4], &v[5], ""] {
        field(&mut out, f);
    }
    finish_area(&mut out, board);
    let product = out.len();
    out.extend_from_slice(&[1, 0, 0]);
    for f in [&v[6], &v[7], &v[8], &v[9], &v[10], &v[11], ""] {
        field(&mut out, f);
    }
    finish_area(&mut out, product);
    let header = [1, 0, (chassis / 8) as u8, (board / 8) as u8, (product / 8) as u8, 0, 0];
    out[..7].copy_from_slice(&header);
    out[7] = header.iter().fold(0u8, |a, b| a.wrapping_add(*b)).wrapping_neg();
    out
}
