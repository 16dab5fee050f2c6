//! Sensors: what the SDR describes (the build-time config's `[[sensors]]`, else the board's own
//! set) and where readings come from.
//!
//! Embassy style: the board owns its ADC (or whatever it measures with) and hands the BMC a
//! value implementing [`BoardSensors`]; the BMC never names a peripheral. A sensor the board
//! does not measure reads its configured value (`on` / `off` by the host's power state, as in
//! host-sim). Readings are in units (°C, V, RPM, W); the BMC turns them into the raw byte with
//! the sensor's M, B and exponents.
use ipmi_core::bmc::{SensorDef, SensorKind};

/// One sensor, as the config or a board describes it (values in units).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorSpec {
    /// What the board calls it (`mcu_temp`); a config sensor with a board sensor's key reads
    /// from the board.
    pub key: &'static str,
    /// Sensor number (1..=239).
    pub number: u8,
    /// What it measures (sensor type, unit, full or compact record).
    pub kind: SensorKind,
    /// The name clients print (at most 16 bytes).
    pub name: &'static str,
    /// M of `value = (M * raw + B * 10^b_exp) * 10^r_exp`.
    pub m: i16,
    /// B.
    pub b: i16,
    /// Result exponent.
    pub r_exp: i8,
    /// B exponent.
    pub b_exp: i8,
    /// Upper non-critical threshold, in units.
    pub upper_non_critical: Option<f32>,
    /// Upper critical threshold, in units.
    pub upper_critical: Option<f32>,
    /// The configured reading while the host is on, in units.
    pub on: f32,
    /// The configured reading while the host is off.
    pub off: f32,
}

impl SensorSpec {
    /// The linearisation alone (no name, no thresholds): enough for [`SensorDef::raw_for`].
    fn linear(&self) -> SensorDef {
        SensorDef {
            number: self.number,
            kind: self.kind,
            name: heapless::String::new(),
            m: self.m,
            b: self.b,
            r_exp: self.r_exp,
            b_exp: self.b_exp,
            upper_non_critical: None,
            upper_critical: None,
        }
    }

    /// The SDR description the dispatcher serves (a name over 16 bytes, which build.rs
    /// refuses, would be left empty).
    pub fn def(&self) -> SensorDef {
        let mut def = self.linear();
        let _ = def.name.push_str(self.name);
        def.upper_non_critical = self.upper_non_critical.map(|v| def.raw_for(v));
        def.upper_critical = self.upper_critical.map(|v| def.raw_for(v));
        def
    }
}

/// What a board answers for one sensor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    /// Measured, in units.
    Value(f32),
    /// The board measures it but has no reading now (clients print "na" / "N/A").
    Unavailable,
    /// Not the board's: the configured reading is used.
    Configured,
}

/// The board's sensors: the set it describes itself (the default SDR when the config names no
/// sensor) and its readings.
#[allow(async_fn_in_trait)] // single-threaded executor: no Send bound wanted
pub trait BoardSensors {
    /// The sensors this board measures (or models), in SDR order.
    fn sensors(&self) -> &'static [SensorSpec] {
        &[]
    }
    /// Reads `spec` (matched by its key or number); [`Reading::Configured`] for a sensor the
    /// board does not measure.
    async fn read(&mut self, spec: &SensorSpec) -> Reading {
        let _ = spec;
        Reading::Configured
    }
}

/// A board without sensors of its own: configured readings only.
pub struct NoSensors;

impl BoardSensors for NoSensors {}

/// The sensors in force: the config's if it names any, else the board's.
pub fn table<S: BoardSensors>(board: &S) -> &'static [SensorSpec] {
    if crate::config::SENSORS.is_empty() {
        board.sensors()
    } else {
        crate::config::SENSORS
    }
}

/// The raw reading of sensor `number` (`None`: unavailable or unknown), from the board or the
/// configured value for the host's power state `power_on`.
pub async fn read<S: BoardSensors>(board: &mut S, number: u8, power_on: bool) -> Option<u8> {
    let spec = table(board).iter().find(|s| s.number == number)?;
    let value = match board.read(spec).await {
        Reading::Value(v) => v,
        Reading::Unavailable => return None,
        Reading::Configured if power_on => spec.on,
        Reading::Configured => spec.off,
    };
    Some(spec.linear().raw_for(value))
}
