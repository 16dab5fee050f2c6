//! DCMI: Get DCMI Capabilities Info and Get Power Reading. The power reading is the platform's
//! power sensor (the first [`SensorKind::Power`] sensor), read through the same deferred
//! [`Action::ReadSensor`] as Get Sensor Reading; minimum, maximum and average are kept over
//! every reading of that sensor (by either command) since the BMC started.
use super::sel::SEL_CAPACITY;
use super::{emit, parse, Action, ActionResult, Bmc, Outcome, Reply, Request, SensorReply};
use crate::cmd::dcmi::capabilities::{
    CapabilityParameter, DcmiCapabilities, DcmiCapabilitiesRequest,
};
use crate::cmd::dcmi::power_reading::{
    PowerReading, PowerReadingRequest, ReadingMode, MEASUREMENT_ACTIVE,
};
use crate::{CompletionCode, Instant};

use super::SensorKind;

/// DCMI specification conformance: 1.5.
const DCMI_VERSION: (u8, u8) = (1, 5);
/// Parameter revision of DCMI 1.1 and later.
const PARAMETER_REVISION: u8 = 0x02;
/// DCMI completion code 80h: parameter not supported.
const CC_PARAMETER_NOT_SUPPORTED: CompletionCode = CompletionCode::CommandSpecific80;

/// Power statistics over the readings of the power sensor.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PowerStats {
    since: Option<Instant>,
    samples: u32,
    sum: u64,
    minimum: u16,
    maximum: u16,
}

impl PowerStats {
    fn add(&mut self, now: Instant, watts: u16) {
        if self.since.is_none() {
            *self = PowerStats {
                since: Some(now),
                samples: 0,
                sum: 0,
                minimum: watts,
                maximum: watts,
            };
        }
        self.samples = self.samples.saturating_add(1);
        self.sum = self.sum.saturating_add(u64::from(watts));
        self.minimum = self.minimum.min(watts);
        self.maximum = self.maximum.max(watts);
    }

    fn average(&self) -> u16 {
        if self.samples == 0 {
            0
        } else {
            (self.sum / u64::from(self.samples)) as u16
        }
    }
}

impl Bmc {
    /// The platform's power sensor: number and index.
    fn power_sensor(&self) -> Option<(u8, usize)> {
        self.sensors
            .defs
            .iter()
            .position(|d| d.kind == SensorKind::Power)
            .map(|i| (self.sensors.defs[i].number, i))
    }

    /// Records a reading of sensor `index` for the power statistics when it is the power sensor.
    pub(super) fn observe_power_reading(&mut self, now: Instant, index: usize, raw: u8) {
        if self.power_sensor().map(|p| p.1) == Some(index) {
            let watts = self.sensors.defs[index].value_of(raw);
            let watts = if watts <= 0.0 {
                0
            } else if watts >= 65535.0 {
                u16::MAX
            } else {
                (watts + 0.5) as u16
            };
            self.power_stats.add(now, watts);
        }
    }

    pub(super) fn dcmi_command(
        &mut self,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        match req.cmd {
            0x01 => {
                let r: DcmiCapabilitiesRequest = parse(req.data)?;
                let power = self.power_sensor().is_some();
                let sel_entries = (SEL_CAPACITY as u16).to_le_bytes();
                let mut data = [0u8; 5];
                let len = match r.parameter {
                    CapabilityParameter::SupportedCapabilities => {
                        // Mandatory (revision 1 meaning: identification, SEL, chassis power,
                        // temperature), optional (power management), access (none in-band).
                        data[..3].copy_from_slice(&[0x0F, u8::from(power), 0x00]);
                        3
                    }
                    CapabilityParameter::MandatoryPlatformAttributes => {
                        // SEL entries (12 bits), no automatic rollover; identification and
                        // temperature bytes reserved in revision 2; sampling period 0.
                        data[..5].copy_from_slice(&[sel_entries[0], sel_entries[1], 0, 0, 0]);
                        5
                    }
                    CapabilityParameter::OptionalPlatformAttributes => {
                        // The power management controller is the BMC (20h), channel 0.
                        if !power {
                            return Err(CC_PARAMETER_NOT_SUPPORTED);
                        }
                        data[..2].copy_from_slice(&[0x20, 0x00]);
                        2
                    }
                    CapabilityParameter::ManageabilityAccessAttributes => {
                        // Primary LAN channel; no secondary LAN, no serial.
                        data[..3].copy_from_slice(&[self.channel.number, 0xFF, 0xFF]);
                        3
                    }
                    CapabilityParameter::EnhancedPowerStatisticsAttributes => {
                        // No rolling average periods.
                        1
                    }
                    CapabilityParameter::Unknown(_) => return Err(CC_PARAMETER_NOT_SUPPORTED),
                };
                let len = emit(
                    &DcmiCapabilities {
                        major_version: DCMI_VERSION.0,
                        minor_version: DCMI_VERSION.1,
                        parameter_revision: PARAMETER_REVISION,
                        data: &data[..len],
                    },
                    out,
                )?;
                Ok(Outcome::Reply(Reply {
                    completion_code: CompletionCode::Normal,
                    len,
                }))
            }
            0x02 => {
                let r: PowerReadingRequest = parse(req.data)?;
                if r.mode != ReadingMode::SystemPowerStatistics {
                    return Err(CompletionCode::InvalidDataField);
                }
                match self.power_sensor() {
                    Some((number, _)) => Ok(Outcome::Defer(Action::ReadSensor {
                        number,
                        reply: SensorReply::PowerReading,
                    })),
                    None => Err(CC_PARAMETER_NOT_SUPPORTED),
                }
            }
            _ => Err(CompletionCode::InvalidCommand),
        }
    }

    /// Builds the Get Power Reading response once the platform read the power sensor.
    pub(super) fn complete_power_reading(
        &mut self,
        now: Instant,
        result: ActionResult,
        out: &mut [u8],
    ) -> Result<usize, CompletionCode> {
        let (_, index) = self.power_sensor().ok_or(CompletionCode::NotPresent)?;
        let raw = match result {
            ActionResult::Reading { raw: Some(raw) } => raw,
            // No reading: measurement not active, nothing to report.
            _ => {
                return emit(
                    &PowerReading {
                        timestamp: self.sel.time(now),
                        ..PowerReading::default()
                    },
                    out,
                )
            }
        };
        self.sensor_events(now, index, raw);
        self.observe_power_reading(now, index, raw);
        let s = self.power_stats;
        let current = self.sensors.defs[index].value_of(raw);
        emit(
            &PowerReading {
                current: if current <= 0.0 {
                    0
                } else {
                    (current + 0.5) as u16
                },
                minimum: s.minimum,
                maximum: s.maximum,
                average: s.average(),
                timestamp: self.sel.time(now),
                period_ms: s.since.map_or(0, |t| now.since(t)).min(u64::from(u32::MAX)) as u32,
                state: MEASUREMENT_ACTIVE,
            },
            out,
        )
    }
}
