//! The sensors every virtual BMC serves: inlet and CPU temperature, a fan, 12 V, system power
//! in watts and chassis intrusion, with readings that follow the machine's power state.
use ipmi_core::bmc::{SensorDef, SensorKind};
use serde::{Deserialize, Serialize};

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

/// One sensor as a BMC's configuration describes it (`[[sensors]]`); the whole list replaces
/// the default set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensorConfig {
    /// What `[SENSORS]` in a provider file calls it (a-z, 0-9, _).
    pub key: String,
    /// Sensor number (1..=239; F0h and up are the BMC's own).
    pub number: u8,
    /// temperature, voltage, fan, power or intrusion.
    pub kind: String,
    /// The name clients print (at most 16 bytes).
    pub name: String,
    /// M of `value = (M * raw + B * 10^b_exp) * 10^r_exp` (default by kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<i16>,
    /// B (default 0).
    #[serde(default)]
    pub b: i16,
    /// Result exponent (default by kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r_exp: Option<i8>,
    /// B exponent (default 0).
    #[serde(default)]
    pub b_exp: i8,
    /// Upper non-critical threshold, in units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_non_critical: Option<f32>,
    /// Upper critical threshold, in units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_critical: Option<f32>,
    /// The modelled reading while the machine is on, in units.
    #[serde(default)]
    pub on: f32,
    /// The modelled reading while it is off.
    #[serde(default)]
    pub off: f32,
}

// The configuration is compared as a whole; a NaN never gets past `check`.
impl Eq for SensorConfig {}

/// The first sensor number the BMC keeps for its own sensors.
const FIRST_BMC_SENSOR: u8 = 0xF0;

impl SensorConfig {
    fn kind(&self) -> Result<SensorKind, String> {
        Ok(match self.kind.to_ascii_lowercase().as_str() {
            "temperature" => SensorKind::Temperature,
            "voltage" => SensorKind::Voltage,
            "fan" => SensorKind::Fan,
            "power" => SensorKind::Power,
            "intrusion" => SensorKind::Intrusion,
            other => {
                return Err(format!(
                "sensor {:?}: unknown kind {other:?} (temperature, voltage, fan, power, intrusion)",
                self.key
            ))
            }
        })
    }

    /// The sensor, checked.
    pub fn sensor(&self) -> Result<Sensor, String> {
        let key = &self.key;
        if !crate::provider::is_sensor_key(key) {
            return Err(format!("sensor key {key:?} must be 1-32 of a-z, 0-9 and _"));
        }
        let kind = self.kind()?;
        if self.number == 0 || self.number >= FIRST_BMC_SENSOR {
            return Err(format!(
                "sensor {key:?}: number {} must be 1 to 239 (F0h and up are the BMC's own)",
                self.number
            ));
        }
        if self.name.is_empty()
            || self.name.len() > ipmi_core::bmc::MAX_NAME
            || !self.name.is_ascii()
        {
            return Err(format!(
                "sensor {key:?}: name must be 1 to 16 ASCII characters"
            ));
        }
        let (m, r_exp) = match kind {
            SensorKind::Voltage => (1, -1),
            SensorKind::Fan => (60, 0),
            SensorKind::Power => (4, 0),
            _ => (1, 0),
        };
        let (m, r_exp) = (self.m.unwrap_or(m), self.r_exp.unwrap_or(r_exp));
        if !(-512..=511).contains(&m) || !(-512..=511).contains(&self.b) || m == 0 {
            return Err(format!(
                "sensor {key:?}: M and B must be -512 to 511, M not 0"
            ));
        }
        if !(-8..=7).contains(&r_exp) || !(-8..=7).contains(&self.b_exp) {
            return Err(format!("sensor {key:?}: exponents must be -8 to 7"));
        }
        let values = [
            Some(self.on),
            Some(self.off),
            self.upper_non_critical,
            self.upper_critical,
        ];
        if values.iter().flatten().any(|v| !v.is_finite()) {
            return Err(format!("sensor {key:?}: values must be finite numbers"));
        }
        let mut s = sensor(
            key,
            self.number,
            kind,
            &self.name,
            (m, r_exp),
            (self.upper_non_critical, self.upper_critical),
            self.on,
            self.off,
        );
        s.def.b = self.b;
        s.def.b_exp = self.b_exp;
        s.def.upper_non_critical = self.upper_non_critical.map(|v| s.def.raw_for(v));
        s.def.upper_critical = self.upper_critical.map(|v| s.def.raw_for(v));
        Ok(s)
    }
}

/// The sensors of a configuration: the default set when it lists none.
pub fn from_config(list: &[SensorConfig]) -> Result<Vec<Sensor>, String> {
    if list.is_empty() {
        return Ok(default_set());
    }
    if list.len() > ipmi_core::bmc::MAX_SENSORS {
        return Err(format!(
            "{} sensors configured, at most {} are served",
            list.len(),
            ipmi_core::bmc::MAX_SENSORS
        ));
    }
    let mut out: Vec<Sensor> = Vec::new();
    for c in list {
        let s = c.sensor()?;
        if out.iter().any(|o| o.def.number == s.def.number) {
            return Err(format!("sensor number {} is used twice", s.def.number));
        }
        if out.iter().any(|o| o.key == s.key) {
            return Err(format!("sensor key {:?} is used twice", s.key));
        }
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<Vec<Sensor>, String> {
        #[derive(Deserialize)]
        struct F {
            sensors: Vec<SensorConfig>,
        }
        let f: F = toml::from_str(text).map_err(|e| e.to_string())?;
        from_config(&f.sensors)
    }

    #[test]
    fn configured_sensors_replace_the_default_set() {
        assert_eq!(from_config(&[]).unwrap().len(), 6);
        let s = cfg("[[sensors]]\nkey = \"psu_in\"\nnumber = 10\nkind = \"voltage\"\nname = \"PSU In\"\nm = 2\nr_exp = 0\nupper_critical = 250.0\non = 230.0\n").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].def.m, s[0].raw(true), s[0].raw(false)), (2, 115, 0));
        assert_eq!(s[0].def.upper_critical, Some(125));
        for bad in [
            "[[sensors]]\nkey = \"a\"\nnumber = 240\nkind = \"fan\"\nname = \"A\"\n",
            "[[sensors]]\nkey = \"a\"\nnumber = 1\nkind = \"smoke\"\nname = \"A\"\n",
            "[[sensors]]\nkey = \"A-b\"\nnumber = 1\nkind = \"fan\"\nname = \"A\"\n",
            "[[sensors]]\nkey = \"a\"\nnumber = 1\nkind = \"fan\"\nname = \"a name that is too long\"\n",
            "[[sensors]]\nkey = \"a\"\nnumber = 1\nkind = \"fan\"\nname = \"A\"\nm = 600\n",
            "[[sensors]]\nkey = \"a\"\nnumber = 1\nkind = \"fan\"\nname = \"A\"\n[[sensors]]\nkey = \"b\"\nnumber = 1\nkind = \"fan\"\nname = \"B\"\n",
        ] {
            assert!(cfg(bad).is_err(), "{bad}");
        }
    }
}
