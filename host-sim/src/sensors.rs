//! The sensors every virtual BMC serves: inlet and CPU temperature, a fan, 12 V, system power
//! in watts and chassis intrusion, with readings that follow the machine's power state.
use ipmi_core::bmc::{SensorDef, SensorKind};

/// One sensor and the values it reads with power on and off.
#[derive(Debug, Clone)]
pub struct Sensor {
    /// What `[SENSORS]` in a provider file calls it (`cpu_temp`).
    pub key: String,
    /// The SDR description.
    pub def: SensorDef,
    /// Reading in units while the machine is on.
    pub on: f32,
    /// Reading in units while it is off.
    pub off: f32,
}

impl Sensor {
    /// The raw reading for this power state.
    pub fn raw(&self, power_on: bool) -> u8 {
        self.def.raw_for(if power_on { self.on } else { self.off })
    }
}

#[allow(clippy::too_many_arguments)]
fn sensor(
    key: &str,
    number: u8,
    kind: SensorKind,
    name: &str,
    (m, r_exp): (i16, i8),
    (unc, uc): (Option<f32>, Option<f32>),
    on: f32,
    off: f32,
) -> Sensor {
    let mut def = SensorDef {
        number,
        kind,
        name: heapless::String::new(),
        m,
        b: 0,
        r_exp,
        b_exp: 0,
        upper_non_critical: None,
        upper_critical: None,
    };
    for c in name.chars() {
        if def.name.push(c).is_err() {
            break;
        }
    }
    def.upper_non_critical = unc.map(|v| def.raw_for(v));
    def.upper_critical = uc.map(|v| def.raw_for(v));
    Sensor {
        key: key.to_string(),
        def,
        on,
        off,
    }
}

/// The default set.
pub fn default_set() -> Vec<Sensor> {
    use SensorKind::*;
    vec![
        sensor(
            "inlet_temp",
            1,
            Temperature,
            "Inlet Temp",
            (1, 0),
            (Some(40.0), Some(45.0)),
            24.0,
            22.0,
        ),
        sensor(
            "cpu_temp",
            2,
            Temperature,
            "CPU Temp",
            (1, 0),
            (Some(85.0), Some(95.0)),
            45.0,
            22.0,
        ),
        sensor(
            "sys_fan",
            3,
            Fan,
            "System Fan",
            (60, 0),
            (None, None),
            4800.0,
            0.0,
        ),
        sensor(
            "volt_12v",
            4,
            Voltage,
            "12V",
            (1, -1),
            (Some(13.2), Some(13.8)),
            12.1,
            0.0,
        ),
        sensor(
            "sys_power",
            5,
            Power,
            "System Power",
            (4, 0),
            (Some(800.0), Some(900.0)),
            180.0,
            0.0,
        ),
        sensor(
            "intrusion",
            6,
            Intrusion,
            "Chassis Intru",
            (1, 0),
            (None, None),
            0.0,
            0.0,
        ),
    ]
}
