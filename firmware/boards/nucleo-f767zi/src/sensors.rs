//! The STM32F767's own sensors through ADC1: the die temperature (°C, with the factory
//! calibration points TS_CAL1 at 30 °C and TS_CAL2 at 110 °C) and VDDA (V, from the internal
//! reference VREFINT and its factory value VREFINT_CAL, both taken at VDDA = 3.3 V).
//!
//! The board owns the ADC; the BMC only sees [`bmc_fw::BoardSensors`].
use bmc_fw::sensors::{BoardSensors, Reading, SensorSpec};
use embassy_stm32::adc::{Adc, SampleTime};
use embassy_stm32::pac::ADC1 as ADC;
use embassy_stm32::peripherals::ADC1;
use ipmi_core::bmc::SensorKind;

/// Factory calibration in system memory (STM32F765/767 datasheet, "Temperature sensor
/// calibration values" and "Internal reference voltage calibration values").
const VREFINT_CAL: *const u16 = 0x1FF0_F44A as *const u16;
const TS_CAL1: *const u16 = 0x1FF0_F44C as *const u16;
const TS_CAL2: *const u16 = 0x1FF0_F44E as *const u16;
/// VDDA at which the calibration values were taken.
const CAL_VDDA: f32 = 3.3;
/// Typical values (datasheet) if the calibration reads erased: 0.76 V at 25 °C, 2.5 mV/°C.
const V25: f32 = 0.76;
const AVG_SLOPE: f32 = 0.0025;
/// Sampling time: the temperature sensor needs 10 µs (480 cycles at 27 MHz = 17.8 µs).
const SAMPLE: SampleTime = SampleTime::CYCLES480;
/// ADC1's internal channels on the F76x: VREFINT 17, the temperature sensor 18.
const CH_VREFINT: u8 = 17;
const CH_TEMPERATURE: u8 = 18;

/// The board's sensors (the SDR when the config names none): 0.5 °C steps from -40 °C to
/// 87.5 °C, and VDDA in 20 mV steps. Thresholds: the die at 80 / 87 °C (the part is rated for
/// 85 °C ambient), VDDA above 3.5 / 3.6 V (its maximum).
pub const SENSORS: &[SensorSpec] = &[
    SensorSpec {
        key: "mcu_temp",
        number: 1,
        kind: SensorKind::Temperature,
        name: "MCU Temp",
        m: 5,
        b: -400,
        r_exp: -1,
        b_exp: 0,
        upper_non_critical: Some(80.0),
        upper_critical: Some(87.0),
        on: 0.0,
        off: 0.0,
    },
    SensorSpec {
        key: "vdda",
        number: 2,
        kind: SensorKind::Voltage,
        name: "MCU VDDA",
        m: 2,
        b: 0,
        r_exp: -2,
        b_exp: 0,
        upper_non_critical: Some(3.5),
        upper_critical: Some(3.6),
        on: 0.0,
        off: 0.0,
    },
];

/// ADC1 with the temperature sensor and VREFINT enabled.
pub struct ChipSensors {
    /// Held so that nothing else takes ADC1 (its clock and prescaler were set up by `Adc::new`).
    _adc: Adc<'static, ADC1>,
}

impl ChipSensors {
    /// Takes ADC1 and turns the internal channels on (they settle within 10 µs, long before
    /// the first request).
    pub fn new(adc: embassy_stm32::Peri<'static, ADC1>) -> Self {
        let adc = Adc::new(adc);
        // TSVREFE: one bit for both the temperature sensor and VREFINT.
        let _ = adc.enable_temperature();
        ChipSensors { _adc: adc }
    }

    /// One software-started conversion of `channel` (12 bits), at most ~1 ms of polling.
    /// Register level rather than `Adc::blocking_read`, whose sequence set-up formats a
    /// `TryFromIntError` on a path that never runs (0.7 KiB of Debug code in a full image).
    fn convert(&mut self, channel: u8) -> Option<f32> {
        ADC.cr2().modify(|w| w.set_adon(true));
        ADC.sqr1().modify(|w| w.set_l(0));
        ADC.sqr3().modify(|w| w.set_sq(0, channel));
        ADC.smpr1().modify(|w| w.set_smp(usize::from(channel - 10), SAMPLE));
        ADC.sr().modify(|w| w.set_eoc(false));
        ADC.cr2().modify(|w| w.set_swstart(true));
        for _ in 0..200_000 {
            if ADC.sr().read().eoc() {
                return Some(f32::from(ADC.dr().read().data()));
            }
        }
        None
    }

    /// VREFINT's raw reading and VREFINT_CAL: VDDA = 3.3 V * VREFINT_CAL / raw.
    fn vref(&mut self) -> Option<(f32, f32)> {
        let raw = self.convert(CH_VREFINT)?;
        // SAFETY: a half-word of the read-only system memory, always mapped.
        let cal = f32::from(unsafe { VREFINT_CAL.read_volatile() });
        (raw > 0.0 && cal > 0.0 && cal < 4095.0).then_some((raw, cal))
    }

    fn vdda(&mut self) -> Option<f32> {
        self.vref().map(|(raw, cal)| CAL_VDDA * cal / raw)
    }

    fn temperature(&mut self) -> Option<f32> {
        let vdda = self.vdda()?;
        let raw = self.convert(CH_TEMPERATURE)?;
        // SAFETY: as in `vref`.
        let (c1, c2) = unsafe { (TS_CAL1.read_volatile(), TS_CAL2.read_volatile()) };
        if c1 != 0xFFFF && c2 != 0xFFFF && c2 > c1 {
            // The reading as it would be at VDDA = 3.3 V, on the line through the two points.
            let at_cal = raw * vdda / CAL_VDDA;
            Some(30.0 + (at_cal - f32::from(c1)) * 80.0 / f32::from(c2 - c1))
        } else {
            Some((raw * vdda / 4095.0 - V25) / AVG_SLOPE + 25.0)
        }
    }
}

impl BoardSensors for ChipSensors {
    fn sensors(&self) -> &'static [SensorSpec] {
        SENSORS
    }

    async fn read(&mut self, spec: &SensorSpec) -> Reading {
        let value = match spec.key {
            "mcu_temp" => self.temperature(),
            "vdda" => self.vdda(),
            _ => return Reading::Configured,
        };
        value.map_or(Reading::Unavailable, Reading::Value)
    }
}
