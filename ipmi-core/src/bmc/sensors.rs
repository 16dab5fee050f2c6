//! The sensor model: a fixed table of sensors the shell describes, the SDR repository built
//! from it (an MC device locator, full records for analog sensors, compact records for
//! discrete ones), and the Storage/Sensor handlers that serve it. Readings are the platform's:
//! Get Sensor Reading defers [`Action::ReadSensor`] so a slow provider never blocks.
use super::sel::{
    event, POWER_UNIT_SENSOR, RESTART_SENSOR, SENSOR_SPECIFIC, TYPE_POWER_UNIT, TYPE_RESTART,
};
use super::{emit, parse, Action, ActionResult, Bmc, Outcome, Reply, Request};
use crate::cmd::sensor::platform_event::PlatformEventRequest;
use crate::cmd::sensor::sensor_event_enable::{
    SensorEventEnable, EVENT_MESSAGES_ENABLED, SCANNING_ENABLED as SCANNING_ON,
};
use crate::cmd::sensor::sensor_reading::{SensorReading, SCANNING_ENABLED, UNAVAILABLE};
use crate::cmd::sensor::sensor_thresholds::SensorThresholds;
use crate::cmd::sensor::SensorNumber;
use crate::cmd::storage::get_sdr::{GetSdrRequest, GetSdrResponse, ENTIRE_RECORD, LAST_RECORD};
use crate::cmd::storage::reserve_sdr_repository::Reservation;
use crate::cmd::storage::sdr_repository_info::{SdrRepositoryInfo, OP_RESERVE};
use crate::cmd::storage::SDR_VERSION;
use crate::{CompletionCode, Instant};

/// Which request a [`Action::ReadSensor`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SensorReply {
    /// Get Sensor Reading.
    Reading,
    /// DCMI Get Power Reading (the power sensor).
    PowerReading,
}

/// Sensors one BMC can describe.
pub const MAX_SENSORS: usize = 16;
/// Longest sensor name (the SDR id string).
pub const MAX_NAME: usize = 16;
/// Most record bytes one Get SDR answers: the endpoint's 64-byte message leaves room for 53,
/// and clients shrink their chunk when told CAh.
pub const MAX_SDR_READ: usize = 48;
/// Record id of the MC device locator; sensor `i` (0-based) is record `i + 2`.
const LOCATOR_RECORD: u16 = 1;

/// What a sensor measures; decides its sensor type, unit and record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SensorKind {
    /// Degrees C (type 01h), full record.
    Temperature,
    /// Volts (type 02h), full record.
    Voltage,
    /// RPM (type 04h), full record.
    Fan,
    /// Watts (type 0Bh other units-based), full record.
    Power,
    /// Chassis intrusion (type 05h physical security, sensor-specific 6Fh), compact record;
    /// raw reading 0 = secure, 1 = intrusion.
    Intrusion,
}

impl SensorKind {
    fn sensor_type(self) -> u8 {
        match self {
            SensorKind::Temperature => 0x01,
            SensorKind::Voltage => 0x02,
            SensorKind::Fan => 0x04,
            SensorKind::Power => 0x0B,
            SensorKind::Intrusion => 0x05,
        }
    }
    fn base_unit(self) -> u8 {
        match self {
            SensorKind::Temperature => 0x01,
            SensorKind::Voltage => 0x04,
            SensorKind::Fan => 0x12,
            SensorKind::Power => 0x06,
            SensorKind::Intrusion => 0x00,
        }
    }
    fn entity(self) -> u8 {
        match self {
            SensorKind::Temperature | SensorKind::Voltage | SensorKind::Power => 0x07, // board
            SensorKind::Fan => 0x1D,                                                   // fan
            SensorKind::Intrusion => 0x17,                                             // chassis
        }
    }
    /// Whether the sensor is threshold-based (full record, linearised reading).
    pub fn is_threshold(self) -> bool {
        self != SensorKind::Intrusion
    }
}

/// One sensor: `value = (m * raw + b * 10^b_exp) * 10^r_exp` (linear, unsigned raw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorDef {
    /// Sensor number (unique, not FFh).
    pub number: u8,
    /// What it measures.
    pub kind: SensorKind,
    /// Id string.
    pub name: heapless::String<MAX_NAME>,
    /// M (10 bits signed).
    pub m: i16,
    /// B (10 bits signed).
    pub b: i16,
    /// Result exponent (4 bits signed).
    pub r_exp: i8,
    /// B exponent (4 bits signed).
    pub b_exp: i8,
    /// Raw upper non-critical threshold, if any.
    pub upper_non_critical: Option<u8>,
    /// Raw upper critical threshold, if any.
    pub upper_critical: Option<u8>,
}

impl SensorDef {
    /// The raw byte nearest `value` (clamped to 0..=255), for shells that configure in units.
    pub fn raw_for(&self, value: f32) -> u8 {
        let r = pow10(self.r_exp);
        let b = f32::from(self.b) * pow10(self.b_exp);
        let m = f32::from(self.m);
        if m == 0.0 {
            return 0;
        }
        let raw = (value / r - b) / m;
        if raw.is_nan() || raw <= 0.0 {
            0
        } else if raw >= 255.0 {
            255
        } else {
            (raw + 0.5) as u8
        }
    }

    /// The value a client prints for `raw`.
    pub fn value_of(&self, raw: u8) -> f32 {
        (f32::from(self.m) * f32::from(raw) + f32::from(self.b) * pow10(self.b_exp))
            * pow10(self.r_exp)
    }

    /// Threshold comparison status bits for `raw` (bit 3 upper NC, bit 4 upper C).
    fn threshold_status(&self, raw: u8) -> u8 {
        let mut s = 0;
        if self.upper_non_critical.is_some_and(|t| raw >= t) {
            s |= 0x08;
        }
        if self.upper_critical.is_some_and(|t| raw >= t) {
            s |= 0x10;
        }
        s
    }

    /// The events this sensor generates (bit n = event offset n): upper non-critical (7) and
    /// upper critical (9) going high for thresholds it has; state 0 for a discrete one.
    fn event_mask(&self) -> u16 {
        if self.kind.is_threshold() {
            (u16::from(self.upper_non_critical.is_some()) << 7)
                | (u16::from(self.upper_critical.is_some()) << 9)
        } else {
            0x0001
        }
    }

    fn readable_mask(&self) -> u8 {
        (u8::from(self.upper_non_critical.is_some()) << 3)
            | (u8::from(self.upper_critical.is_some()) << 4)
    }

    /// Writes this sensor's SDR (type 01h or 02h) with `record_id` into `out`; returns its length.
    fn record(&self, record_id: u16, out: &mut [u8; 64]) -> usize {
        let name = self.name.as_bytes();
        let name = &name[..name.len().min(MAX_NAME)];
        let threshold = self.kind.is_threshold();
        let (kind, head) = if threshold { (0x01, 48) } else { (0x02, 32) };
        let len = head + name.len();
        out[..len].fill(0);
        out[0..2].copy_from_slice(&record_id.to_le_bytes());
        out[2] = SDR_VERSION;
        out[3] = kind;
        out[4] = (len - 5) as u8;
        out[5] = 0x20; // owned by the BMC
        out[7] = self.number;
        out[8] = self.kind.entity();
        out[9] = 0x01;
        out[10] = 0x67; // scanning + events enabled, init scanning/events/thresholds
        out[12] = self.kind.sensor_type();
        if threshold {
            let readable = self.readable_mask();
            out[11] = 0x44; // auto re-arm, thresholds readable
            out[13] = 0x01; // threshold event/reading type
            let events = self.event_mask();
            // Assertion event mask; deassertion event mask with the upper threshold reading
            // mask in bits 12-14 (UNC, UC, UNR comparison returned); readable thresholds.
            out[14..16].copy_from_slice(&events.to_le_bytes());
            let upper = u16::from(readable >> 3) << 12;
            out[16..18].copy_from_slice(&(events | upper).to_le_bytes());
            out[18] = readable;
            out[21] = self.kind.base_unit();
            let m = (self.m as u16) & 0x3FF;
            let b = (self.b as u16) & 0x3FF;
            out[24] = m as u8;
            out[25] = ((m >> 8) as u8) << 6;
            out[26] = b as u8;
            out[27] = ((b >> 8) as u8) << 6;
            out[29] = (((self.r_exp as u8) & 0x0F) << 4) | ((self.b_exp as u8) & 0x0F);
            out[34] = 0xFF; // sensor maximum
            out[37] = self.upper_critical.unwrap_or(0);
            out[38] = self.upper_non_critical.unwrap_or(0);
        } else {
            out[11] = 0x40; // auto re-arm, no thresholds
            out[13] = 0x6F; // sensor-specific
            out[14] = 0x01; // asserts "general chassis intrusion"
            out[18] = 0x01;
        }
        out[head - 1] = 0xC0 | name.len() as u8; // 8-bit ASCII id string
        out[head..len].copy_from_slice(name);
        len
    }
}

fn pow10(e: i8) -> f32 {
    let mut v = 1.0f32;
    for _ in 0..e.unsigned_abs() {
        v *= 10.0;
    }
    if e < 0 {
        1.0 / v
    } else {
        v
    }
}

/// The BMC's own event sensors (after the platform's in the SDR): number, sensor type,
/// entity, assertion mask, name.
const BMC_SENSORS: [(u8, u8, u8, u16, &str); 2] = [
    // Power off/down (0), power cycle (1).
    (
        POWER_UNIT_SENSOR,
        TYPE_POWER_UNIT,
        0x13,
        0x0003,
        "Pwr Unit Status",
    ),
    // Initiated by power up (0), by hard reset (1).
    (RESTART_SENSOR, TYPE_RESTART, 0x07, 0x0003, "Sys Restart"),
];

/// A compact record (02h) of a sensor-specific discrete sensor.
fn discrete_record(
    record_id: u16,
    (number, sensor_type, entity, mask, name): (u8, u8, u8, u16, &[u8]),
    out: &mut [u8; 64],
) -> usize {
    let name = &name[..name.len().min(MAX_NAME)];
    let len = 32 + name.len();
    out[..len].fill(0);
    out[0..2].copy_from_slice(&record_id.to_le_bytes());
    out[2] = SDR_VERSION;
    out[3] = 0x02;
    out[4] = (len - 5) as u8;
    out[5] = 0x20; // owned by the BMC
    out[7] = number;
    out[8] = entity;
    out[9] = 0x01;
    out[10] = 0x67; // scanning + events enabled, init scanning/events
    out[11] = 0x40; // auto re-arm, no thresholds
    out[12] = sensor_type;
    out[13] = SENSOR_SPECIFIC;
    out[14..16].copy_from_slice(&mask.to_le_bytes()); // assertion event mask
    out[16..18].copy_from_slice(&mask.to_le_bytes()); // deassertion event mask
    out[18..20].copy_from_slice(&mask.to_le_bytes()); // reading mask
    out[31] = 0xC0 | name.len() as u8; // 8-bit ASCII id string
    out[32..len].copy_from_slice(name);
    len
}

/// The sensors and the SDR reservation.
#[derive(Debug, Clone, Default)]
pub(super) struct SensorState {
    pub(super) defs: heapless::Vec<SensorDef, MAX_SENSORS>,
    reservation: u16,
    /// Per sensor (as `defs`): the state bits of its last reading, for events on change.
    last_state: [u8; MAX_SENSORS],
}

impl SensorState {
    fn record_count(&self, fru: bool) -> u16 {
        1 + (self.defs.len() + BMC_SENSORS.len()) as u16 + u16::from(fru)
    }

    /// Writes record `id` (0 = first) into `out`; returns (length, next id).
    fn record(&self, id: u16, name: &[u8], fru: bool, out: &mut [u8; 64]) -> Option<(usize, u16)> {
        let id = if id == 0 { LOCATOR_RECORD } else { id };
        let last = self.record_count(fru);
        if fru && id == last {
            // FRU device locator (11h): logical FRU device 0 at the BMC.
            let name = b"System FRU";
            let len = 16 + name.len();
            out[..len].fill(0);
            out[0..2].copy_from_slice(&id.to_le_bytes());
            out[2] = SDR_VERSION;
            out[3] = 0x11;
            out[4] = (len - 5) as u8;
            out[5] = 0x20; // device access address
            out[6] = 0x00; // FRU device id
            out[7] = 0x80; // logical FRU device, LUN 0, private bus 0
            out[10] = 0x10; // device type: IPMI FRU inventory
            out[12] = 0x07; // entity: system board
            out[13] = 0x01;
            out[15] = 0xC0 | name.len() as u8;
            out[16..len].copy_from_slice(name);
            return Some((len, LAST_RECORD));
        }
        let next = if id >= last { LAST_RECORD } else { id + 1 };
        if id == LOCATOR_RECORD {
            // MC device locator (12h): the BMC itself, SDR repository and sensor device.
            let name = &name[..name.len().min(MAX_NAME)];
            let len = 16 + name.len();
            out[..len].fill(0);
            out[0..2].copy_from_slice(&id.to_le_bytes());
            out[2] = SDR_VERSION;
            out[3] = 0x12;
            out[4] = (len - 5) as u8;
            out[5] = 0x20;
            // Device capabilities: sensor device, SDR repository, SEL, FRU inventory.
            out[8] = 0x07 | if fru { 0x08 } else { 0 };
            out[12] = 0x06; // system management module
            out[13] = 0x01;
            out[15] = 0xC0 | name.len() as u8;
            out[16..len].copy_from_slice(name);
            return Some((len, next));
        }
        let i = usize::from(id.checked_sub(2)?);
        if let Some(def) = self.defs.get(i) {
            return Some((def.record(id, out), next));
        }
        let (n, t, e, m, name) = *BMC_SENSORS.get(i - self.defs.len())?;
        Some((
            discrete_record(id, (n, t, e, m, name.as_bytes()), out),
            next,
        ))
    }
}

impl Bmc {
    /// Replaces the sensor table (at most [`MAX_SENSORS`]; the rest are ignored). The
    /// repository changes, so outstanding SDR reservations are cancelled.
    /// Sensor numbers F0h and F1h are the BMC's own (power unit, restart): defs using them
    /// are ignored.
    pub fn set_sensors(&mut self, defs: &[SensorDef]) {
        self.sensors.defs.clear();
        self.sensors.last_state = [0; MAX_SENSORS];
        for d in defs {
            if BMC_SENSORS.iter().any(|b| b.0 == d.number) {
                continue;
            }
            if self.sensors.defs.push(d.clone()).is_err() {
                break;
            }
        }
        self.sensors.reservation = self.sensors.reservation.wrapping_add(1);
    }

    /// The sensor table.
    pub fn sensors(&self) -> &[SensorDef] {
        &self.sensors.defs
    }

    pub(super) fn storage_command(
        &mut self,
        now: Instant,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        if (0x40..=0x49).contains(&req.cmd) {
            return self.sel_command(now, req, out);
        }
        if (0x10..=0x12).contains(&req.cmd) {
            return self.fru_command(req, out);
        }
        let fru = !self.fru.image.is_empty();
        let s = &mut self.sensors;
        let len = match req.cmd {
            0x20 => {
                parse::<crate::cmd::app::Empty>(req.data)?;
                emit(
                    &SdrRepositoryInfo {
                        version: SDR_VERSION,
                        record_count: s.record_count(fru),
                        operation_support: OP_RESERVE,
                        ..SdrRepositoryInfo::default()
                    },
                    out,
                )?
            }
            0x22 => {
                parse::<crate::cmd::app::Empty>(req.data)?;
                s.reservation = s.reservation.wrapping_add(1).max(1);
                emit(
                    &Reservation {
                        reservation_id: s.reservation,
                    },
                    out,
                )?
            }
            0x23 => {
                let r: GetSdrRequest = parse(req.data)?;
                if r.offset != 0 && r.reservation_id != s.reservation {
                    return Err(CompletionCode::InvalidReservation);
                }
                let mut rec = [0u8; 64];
                let (len, next) = s
                    .record(r.record_id, b"BMC", fru, &mut rec)
                    .ok_or(CompletionCode::NotPresent)?;
                let offset = usize::from(r.offset);
                if offset > len {
                    return Err(CompletionCode::ParameterOutOfRange);
                }
                let want = if r.bytes_to_read == ENTIRE_RECORD {
                    len - offset
                } else {
                    usize::from(r.bytes_to_read)
                };
                if want > MAX_SDR_READ {
                    return Err(CompletionCode::CannotReturnBytes);
                }
                let end = (offset + want).min(len);
                emit(
                    &GetSdrResponse {
                        next_record_id: next,
                        data: &rec[offset..end],
                    },
                    out,
                )?
            }
            _ => return Err(CompletionCode::InvalidCommand),
        };
        Ok(Outcome::Reply(Reply {
            completion_code: CompletionCode::Normal,
            len,
        }))
    }

    pub(super) fn sensor_command(
        &mut self,
        ctx: &super::Context,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        if req.cmd == 0x02 {
            // Platform Event Message: over LAN the generator is the remote console (software
            // id 40h, requester address 81h) on this channel; a system interface names its own.
            let r: PlatformEventRequest = parse(req.data)?;
            let generator =
                u16::from_le_bytes([r.generator_id.unwrap_or(0x81), (ctx.channel & 0x0F) << 4]);
            // The event was received; a full SEL drops it and sets its overflow flag.
            let _ = self.log_event(ctx.now, r.event(generator).record(0));
            return Ok(Outcome::Reply(Reply::code(CompletionCode::Normal)));
        }
        let SensorNumber { number } = parse(req.data)?;
        if req.cmd == 0x29 {
            let mask = if let Some(b) = BMC_SENSORS.iter().find(|b| b.0 == number) {
                b.3
            } else {
                let def = self
                    .sensors
                    .defs
                    .iter()
                    .find(|d| d.number == number)
                    .ok_or(CompletionCode::NotPresent)?;
                def.event_mask()
            };
            let len = emit(
                &SensorEventEnable::new(EVENT_MESSAGES_ENABLED | SCANNING_ON, mask, mask),
                out,
            )?;
            return Ok(Outcome::Reply(Reply {
                completion_code: CompletionCode::Normal,
                len,
            }));
        }
        if req.cmd == 0x2D && BMC_SENSORS.iter().any(|b| b.0 == number) {
            // The BMC's own sensors: the power unit says "off" while the machine is off.
            let off = number == POWER_UNIT_SENSOR && self.chassis.power_on() == Some(false);
            let len = emit(
                &SensorReading {
                    reading: 0,
                    flags: SCANNING_ENABLED,
                    state: u8::from(off),
                    state_ext: Some(0x80),
                },
                out,
            )?;
            return Ok(Outcome::Reply(Reply {
                completion_code: CompletionCode::Normal,
                len,
            }));
        }
        let def = self
            .sensors
            .defs
            .iter()
            .find(|d| d.number == number)
            .ok_or(CompletionCode::NotPresent)?;
        match req.cmd {
            0x2D => Ok(Outcome::Defer(Action::ReadSensor {
                number,
                reply: SensorReply::Reading,
            })),
            0x27 => {
                let mut thresholds = [0u8; 6];
                thresholds[3] = def.upper_non_critical.unwrap_or(0);
                thresholds[4] = def.upper_critical.unwrap_or(0);
                let len = emit(
                    &SensorThresholds {
                        readable: def.readable_mask(),
                        thresholds,
                    },
                    out,
                )?;
                Ok(Outcome::Reply(Reply {
                    completion_code: CompletionCode::Normal,
                    len,
                }))
            }
            _ => Err(CompletionCode::InvalidCommand),
        }
    }

    /// Builds the Get Sensor Reading response once the platform read sensor `number`.
    pub(super) fn complete_reading(
        &mut self,
        now: Instant,
        number: u8,
        result: ActionResult,
        out: &mut [u8],
    ) -> Result<usize, CompletionCode> {
        let index = self
            .sensors
            .defs
            .iter()
            .position(|d| d.number == number)
            .ok_or(CompletionCode::NotPresent)?;
        if let ActionResult::Reading { raw: Some(raw) } = result {
            self.sensor_events(now, index, raw);
            self.observe_power_reading(now, index, raw);
        }
        let def = &self.sensors.defs[index];
        let reading = match result {
            ActionResult::Reading { raw: Some(raw) } => SensorReading {
                reading: raw,
                flags: SCANNING_ENABLED,
                state: if def.kind.is_threshold() {
                    def.threshold_status(raw)
                } else {
                    raw & 0x01
                },
                state_ext: Some(0x80),
            },
            // No reading (provider has none, machine cannot say): clients print N/A.
            _ => SensorReading {
                reading: 0,
                flags: SCANNING_ENABLED | UNAVAILABLE,
                state: 0,
                state_ext: Some(0x80),
            },
        };
        emit(&reading, out)
    }
}

impl Bmc {
    /// Logs the events of sensor `index` reading `raw`: a threshold crossed upwards (asserted)
    /// or back (deasserted), a discrete state that came or went.
    pub(super) fn sensor_events(&mut self, now: Instant, index: usize, raw: u8) {
        let Some(def) = self.sensors.defs.get(index) else {
            return;
        };
        let (sensor_type, number) = (def.kind.sensor_type(), def.number);
        let threshold = def.kind.is_threshold();
        let state = if threshold {
            def.threshold_status(raw)
        } else {
            raw & 0x01
        };
        let last = core::mem::replace(&mut self.sensors.last_state[index], state);
        let changed = state ^ last;
        if changed == 0 {
            return;
        }
        let mut events: heapless::Vec<_, 2> = heapless::Vec::new();
        if threshold {
            // Status bit 3 upper non-critical (event offset 07h "going high"), bit 4 upper
            // critical (09h). Event data: trigger reading and trigger threshold.
            for (bit, offset, t) in [
                (0x08, 0x07, def.upper_non_critical),
                (0x10, 0x09, def.upper_critical),
            ] {
                if changed & bit != 0 {
                    let data = [0x50 | offset, raw, t.unwrap_or(0)];
                    let _ = events.push(event(sensor_type, number, 0x01, state & bit == 0, data));
                }
            }
        } else {
            let _ = events.push(event(
                sensor_type,
                number,
                SENSOR_SPECIFIC,
                state == 0,
                [0x00, 0xFF, 0xFF],
            ));
        }
        for e in events {
            self.log_event(now, e);
        }
    }
}
