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
    read_in(table(board), board, number, power_on).await
}

async fn read_in<S: BoardSensors>(table: &[SensorSpec], board: &mut S, number: u8, power_on: bool) -> Option<u8> {
    let spec = table.iter().find(|s| s.number == number)?;
    let value = match board.read(spec).await {
        Reading::Value(v) => v,
        Reading::Unavailable => return None,
        Reading::Configured if power_on => spec.on,
        Reading::Configured => spec.off,
    };
    Some(spec.linear().raw_for(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use embassy_futures::block_on;

    /// A board with a measured sensor (1), one with no reading (2) and a configured one (3).
    struct Board;
    const EXHAUST: SensorSpec = SensorSpec {
        key: "exhaust",
        number: 1,
        kind: SensorKind::Temperature,
        name: "Exhaust Temp",
        m: 2,
        b: -20,
        r_exp: -1,
        b_exp: 0,
        upper_non_critical: Some(45.0),
        upper_critical: Some(48.0),
        on: 33.4,
        off: 30.0,
    };
    const SPECS: &[SensorSpec] = &[
        SensorSpec { key: "measured", ..EXHAUST },
        SensorSpec { key: "none", number: 2, ..EXHAUST },
        SensorSpec { key: "configured", number: 3, ..EXHAUST },
    ];
    impl BoardSensors for Board {
        fn sensors(&self) -> &'static [SensorSpec] {
            SPECS
        }
        async fn read(&mut self, spec: &SensorSpec) -> Reading {
            match spec.key {
                "measured" => Reading::Value(46.2),
                "none" => Reading::Unavailable,
                _ => Reading::Configured,
            }
        }
    }

    #[test]
    fn readings_are_linearised_and_follow_power_when_configured() {
        let def = EXHAUST.def();
        assert_eq!(def.name.as_str(), "Exhaust Temp");
        // value = (2 * raw - 20) / 10: 45 -> 235, 48 -> 250.
        assert_eq!((def.upper_non_critical, def.upper_critical), (Some(235), Some(250)));
        let raw = block_on(read_in(SPECS, &mut Board, 1, true)).unwrap();
        assert_eq!(raw, 241);
        assert!((def.value_of(raw) - 46.2).abs() < 0.01);
        assert_eq!(block_on(read_in(SPECS, &mut Board, 2, true)), None);
        assert_eq!(block_on(read_in(SPECS, &mut Board, 3, true)).map(|r| def.value_of(r)), Some(33.4));
        assert_eq!(block_on(read_in(SPECS, &mut Board, 3, false)).map(|r| def.value_of(r)), Some(30.0));
        // The config's sensors when it names any, else the board's.
        let expected = if crate::config::SENSORS.is_empty() { SPECS.len() } else { crate::config::SENSORS.len() };
        assert_eq!(table(&Board).len(), expected);
        assert_eq!(block_on(read_in(SPECS, &mut Board, 9, true)), None, "unknown sensor");
        let configured = block_on(read_in(SPECS, &mut NoSensors, 1, true)).map(|r| def.value_of(r));
        assert_eq!(configured, Some(33.4), "a board that measures nothing: the configured reading");
    }
}
