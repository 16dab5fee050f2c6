//! The QEMU board's sensors: EMULATION-ONLY. The machine has nothing to measure, so its own set
//! (the SDR when the config names none) models a server as host-sim's default set does, with
//! readings that follow the host's power state; and a test may set any sensor's reading over
//! UART1 (the chassis lines' UART, see [`crate::lines`]) with a line
//!
//! ```text
//! S <number> <value>      value in units (`-12.5`, `48`), or `na`: no reading
//! S <number> -            back to the configured reading
//! ```
//!
//! `lines-harness.py` sends it for its control command `sensor N VALUE`.
use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use bmc_fw::sensors::{BoardSensors, Reading, SensorSpec};
use ipmi_core::bmc::SensorKind;

/// The modelled server (host-sim's default set; its readings with power on and off).
pub const SENSORS: &[SensorSpec] = &[
    spec("inlet_temp", 1, SensorKind::Temperature, "Inlet Temp", (1, 0), (Some(40.0), Some(45.0)), (24.0, 22.0)),
    spec("cpu_temp", 2, SensorKind::Temperature, "CPU Temp", (1, 0), (Some(85.0), Some(95.0)), (45.0, 22.0)),
    spec("sys_fan", 3, SensorKind::Fan, "System Fan", (60, 0), (None, None), (4800.0, 0.0)),
    spec("volt_12v", 4, SensorKind::Voltage, "12V", (1, -1), (Some(13.2), Some(13.8)), (12.1, 0.0)),
    spec("sys_power", 5, SensorKind::Power, "System Power", (4, 0), (Some(800.0), Some(900.0)), (180.0, 0.0)),
    spec("intrusion", 6, SensorKind::Intrusion, "Chassis Intru", (1, 0), (None, None), (0.0, 0.0)),
];

const fn spec(
    key: &'static str,
    number: u8,
    kind: SensorKind,
    name: &'static str,
    (m, r_exp): (i16, i8),
    (upper_non_critical, upper_critical): (Option<f32>, Option<f32>),
    (on, off): (f32, f32),
) -> SensorSpec {
    SensorSpec { key, number, kind, name, m, b: 0, r_exp, b_exp: 0, upper_non_critical, upper_critical, on, off }
}

/// Readings set by the test: sensor number (0 = free slot) and the value's f32 bits (NaN: no
/// reading).
const SLOTS: usize = 16;
static NUMBERS: [AtomicU8; SLOTS] = [const { AtomicU8::new(0) }; SLOTS];
static VALUES: [AtomicU32; SLOTS] = [const { AtomicU32::new(0) }; SLOTS];

/// The board's sensors: the test's readings, else the configured ones.
pub struct EmulatedSensors;

impl BoardSensors for EmulatedSensors {
    fn sensors(&self) -> &'static [SensorSpec] {
        SENSORS
    }

    async fn read(&mut self, spec: &SensorSpec) -> Reading {
        match NUMBERS.iter().position(|n| n.load(Ordering::Acquire) == spec.number) {
            Some(i) => {
                let v = f32::from_bits(VALUES[i].load(Ordering::Acquire));
                if v.is_nan() {
                    Reading::Unavailable
                } else {
                    Reading::Value(v)
                }
            }
            None => Reading::Configured,
        }
    }
}

/// Collects a test's `S ...` line byte by byte (UART1 also carries the power-good bytes).
pub struct LineParser {
    buf: heapless::Vec<u8, 32>,
    active: bool,
}

impl LineParser {
    /// Nothing collected.
    pub const fn new() -> Self {
        LineParser { buf: heapless::Vec::new(), active: false }
    }

    /// Takes `b` if it belongs to a sensor line (true), else leaves it to the caller.
    pub fn feed(&mut self, b: u8) -> bool {
        if !self.active {
            if b != b'S' {
                return false;
            }
            self.active = true;
            self.buf.clear();
            return true;
        }
        if b == b'\n' {
            self.active = false;
            apply(&self.buf);
        } else if self.buf.push(b).is_err() {
            self.active = false; // too long: dropped
        }
        true
    }
}

fn apply(line: &[u8]) {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let (Some(number), Some(value)) = (words.next().and_then(parse_u8), words.next()) else {
        bmc_fw::warn!("sensors: bad line from the test");
        return;
    };
    let value = match value {
        b"-" => None,
        b"na" => Some(f32::NAN),
        v => match parse_f32(v) {
            Some(v) => Some(v),
            None => {
                bmc_fw::warn!("sensors: bad value for sensor {}", number);
                return;
            }
        },
    };
    let slot = NUMBERS.iter().position(|n| n.load(Ordering::Acquire) == number);
    match (slot, value) {
        (Some(i), None) => NUMBERS[i].store(0, Ordering::Release),
        (None, None) => {}
        (slot, Some(v)) => {
            let Some(i) = slot.or_else(|| NUMBERS.iter().position(|n| n.load(Ordering::Acquire) == 0)) else {
                bmc_fw::warn!("sensors: no room for another test reading");
                return;
            };
            VALUES[i].store(v.to_bits(), Ordering::Release);
            NUMBERS[i].store(number, Ordering::Release);
        }
    }
    bmc_fw::info!("sensors: the test set sensor {}", number);
}

fn parse_u8(w: &[u8]) -> Option<u8> {
    core::str::from_utf8(w).ok()?.parse().ok().filter(|&n| n != 0)
}

/// `[-]digits[.digits]`, without pulling in core's float parser.
fn parse_f32(w: &[u8]) -> Option<f32> {
    let (negative, w) = match w.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, w),
    };
    let mut value = 0.0f32;
    let mut scale = 0.0f32;
    let mut digits = 0;
    for &b in w {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                let d = f32::from(b - b'0');
                if scale == 0.0 {
                    value = value * 10.0 + d;
                } else {
                    value += d * scale;
                    scale /= 10.0;
                }
            }
            b'.' if scale == 0.0 => scale = 0.1,
            _ => return None,
        }
    }
    (digits > 0).then_some(if negative { -value } else { value })
}
