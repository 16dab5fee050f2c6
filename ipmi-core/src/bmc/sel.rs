//! The System Event Log: a fixed number of 16-byte records with increasing record ids, time
//! stamps from the SEL clock (the shell's wall clock, or seconds since start when it has
//! none), an overflow flag once an event was dropped for lack of room, and the SEL commands.
//!
//! What logs events: chassis actions (power on/off/cycle as "Power Unit" events, a hard reset
//! as a "System Boot/Restart Initiated" event), power changes seen by a status read, sensor
//! readings that cross a threshold or change a discrete state, and Add SEL Entry. The two
//! sensors power events name are the BMC's own ([`POWER_UNIT_SENSOR`], [`RESTART_SENSOR`]):
//! they are in the SDR so that `ipmitool sel elist` can name them.
use super::{emit, parse, Bmc, Outcome, Reply, Request};
use crate::cmd::storage::add_sel_entry::RecordId;
use crate::cmd::storage::clear_sel::{
    ClearOp, ClearSelRequest, ErasureProgress, ERASURE_COMPLETED,
};
use crate::cmd::storage::delete_sel_entry::DeleteSelEntryRequest;
use crate::cmd::storage::get_sel_entry::{
    GetSelEntryRequest, GetSelEntryResponse, FIRST_ENTRY, LAST_ENTRY,
};
use crate::cmd::storage::reserve_sdr_repository::Reservation;
use crate::cmd::storage::sel_info::{SelInfo, OP_DELETE, OP_OVERFLOW, OP_RESERVE};
use crate::cmd::storage::sel_record::{SelRecord, SystemEvent, EVM_REV, SEL_RECORD_LEN};
use crate::cmd::storage::sel_time::SelTime;
use crate::cmd::storage::SDR_VERSION;
use crate::{CompletionCode, Instant};

/// Records the SEL holds; once full, new events are dropped and the overflow flag is set
/// (IPMI v2.0 section 31: the SEL is not a ring).
pub const SEL_CAPACITY: usize = 64;
/// Sensor number of the BMC's own "Power Unit" sensor (type 09h, sensor-specific).
pub const POWER_UNIT_SENSOR: u8 = 0xF0;
/// Sensor number of the BMC's own "System Boot/Restart Initiated" sensor (type 1Dh).
pub const RESTART_SENSOR: u8 = 0xF1;
/// Generator id of events the BMC logs itself: slave address 20h, LUN 0, channel 0.
pub const BMC_GENERATOR: u16 = 0x0020;
/// "No time stamp" in Get SEL Info.
const NO_TIME: u32 = 0xFFFF_FFFF;

/// Sensor type: power unit.
pub(super) const TYPE_POWER_UNIT: u8 = 0x09;
/// Sensor type: system boot / restart initiated.
pub(super) const TYPE_RESTART: u8 = 0x1D;
/// Event/reading type: sensor-specific.
pub(super) const SENSOR_SPECIFIC: u8 = 0x6F;
/// Power unit offset 0: power off / down.
const POWER_OFF: u8 = 0x00;
/// Power unit offset 1: power cycle.
const POWER_CYCLE: u8 = 0x01;
/// Restart offset 1: initiated by hard reset.
const HARD_RESET: u8 = 0x01;

/// The log's persistent state as plain values, for a shell to save and restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SelMeta {
    /// An event was dropped because the log was full.
    pub overflow: bool,
    /// Time stamp of the last addition (FFFFFFFFh = none).
    pub last_addition: u32,
    /// Time stamp of the last erase (FFFFFFFFh = none).
    pub last_erase: u32,
    /// The id the next record gets.
    pub next_id: u16,
}

/// The log.
#[derive(Debug, Clone)]
pub(super) struct Sel {
    records: heapless::Vec<SelRecord, SEL_CAPACITY>,
    meta: SelMeta,
    reservation: u16,
    /// SEL time `base` at instant `at`.
    clock: (u32, Instant),
}

impl Default for Sel {
    fn default() -> Self {
        Sel {
            records: heapless::Vec::new(),
            meta: SelMeta {
                overflow: false,
                last_addition: NO_TIME,
                last_erase: NO_TIME,
                next_id: 1,
            },
            reservation: 0,
            clock: (0, Instant::from_millis(0)),
        }
    }
}

impl Sel {
    pub(super) fn time(&self, now: Instant) -> u32 {
        let secs = now.since(self.clock.1) / 1000;
        self.clock.0.wrapping_add(secs as u32)
    }

    /// Stores `record` under the next id with the time stamp `now` (for records that carry
    /// one); `None` when the log is full (the overflow flag is set then).
    pub(super) fn add(&mut self, now: Instant, mut record: SelRecord) -> Option<u16> {
        if self.records.is_full() {
            self.meta.overflow = true;
            return None;
        }
        let id = self.meta.next_id;
        self.meta.next_id = match id.wrapping_add(1) {
            0 | LAST_ENTRY => 1,
            n => n,
        };
        let t = self.time(now);
        record.record_id = id;
        record.set_timestamp(t);
        self.meta.last_addition = t;
        let _ = self.records.push(record);
        Some(id)
    }

    fn clear(&mut self, now: Instant) {
        self.records.clear();
        self.meta.overflow = false;
        self.meta.last_erase = self.time(now);
        // Clearing cancels reservations.
        self.reservation = self.reservation.wrapping_add(1).max(1);
    }

    fn index_of(&self, id: u16) -> Option<usize> {
        match id {
            FIRST_ENTRY if !self.records.is_empty() => Some(0),
            LAST_ENTRY => self.records.len().checked_sub(1),
            _ => self.records.iter().position(|r| r.record_id == id),
        }
    }
}

/// A sensor event the BMC logs itself.
pub(super) fn event(
    sensor_type: u8,
    sensor_number: u8,
    event_type: u8,
    deassertion: bool,
    event_data: [u8; 3],
) -> SelRecord {
    SystemEvent {
        timestamp: 0,
        generator_id: BMC_GENERATOR,
        evm_rev: EVM_REV,
        sensor_type,
        sensor_number,
        deassertion,
        event_type,
        event_data,
    }
    .record(0)
}

impl Bmc {
    /// Sets the SEL clock to `time` (seconds since 1970 UTC) at `now`; the shell calls it at
    /// start with its wall clock. Without it the SEL counts seconds since the BMC started.
    pub fn set_sel_time(&mut self, now: Instant, time: u32) {
        self.sel.clock = (time, now);
    }

    /// The SEL clock at `now`.
    pub fn sel_time(&self, now: Instant) -> u32 {
        self.sel.time(now)
    }

    /// The SEL records, oldest first.
    pub fn sel_records(&self) -> &[SelRecord] {
        &self.sel.records
    }

    /// The SEL's flags, time stamps and next record id.
    pub fn sel_meta(&self) -> SelMeta {
        self.sel.meta
    }

    /// Restores a saved SEL (records beyond [`SEL_CAPACITY`] are dropped and set the overflow
    /// flag). Not a change to save again.
    pub fn restore_sel(&mut self, meta: SelMeta, records: &[SelRecord]) {
        let mut sel = Sel {
            meta,
            clock: self.sel.clock,
            reservation: self.sel.reservation,
            records: heapless::Vec::new(),
        };
        for r in records {
            if sel.records.push(*r).is_err() {
                sel.meta.overflow = true;
                break;
            }
        }
        if sel.meta.next_id == 0 || sel.meta.next_id == LAST_ENTRY {
            sel.meta.next_id = 1;
        }
        self.sel = sel;
    }

    /// Logs `record` (its id and time stamp are assigned here) as if a platform event
    /// arrived; returns the record id, `None` when the log is full.
    pub fn log_event(&mut self, now: Instant, record: SelRecord) -> Option<u16> {
        let id = self.sel.add(now, record);
        self.changed = true;
        id
    }

    /// Logs the power events of a transition from `before` to `after` (`cycle` when a power
    /// cycle caused it, `reset` for a hard reset).
    pub(super) fn log_power(
        &mut self,
        now: Instant,
        before: Option<bool>,
        after: Option<bool>,
        cycle: bool,
        reset: bool,
    ) {
        let data = |offset| [offset, 0xFF, 0xFF];
        let pu = |deassert, offset| {
            event(
                TYPE_POWER_UNIT,
                POWER_UNIT_SENSOR,
                SENSOR_SPECIFIC,
                deassert,
                data(offset),
            )
        };
        if cycle {
            self.log_event(now, pu(false, POWER_CYCLE));
        } else if reset {
            let e = event(
                TYPE_RESTART,
                RESTART_SENSOR,
                SENSOR_SPECIFIC,
                false,
                data(HARD_RESET),
            );
            self.log_event(now, e);
        } else {
            match (before, after) {
                (Some(true) | None, Some(false)) => {
                    self.log_event(now, pu(false, POWER_OFF));
                }
                (Some(false) | None, Some(true)) => {
                    self.log_event(now, pu(true, POWER_OFF));
                }
                _ => {}
            }
        }
    }

    pub(super) fn sel_command(
        &mut self,
        now: Instant,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        let sel = &mut self.sel;
        let len = match req.cmd {
            // Get SEL Info.
            0x40 => {
                parse::<crate::cmd::app::Empty>(req.data)?;
                let free = (SEL_CAPACITY - sel.records.len()) * SEL_RECORD_LEN;
                emit(
                    &SelInfo {
                        version: SDR_VERSION,
                        entries: sel.records.len() as u16,
                        free_space: free as u16,
                        most_recent_addition: sel.meta.last_addition,
                        most_recent_erase: sel.meta.last_erase,
                        operation_support: OP_RESERVE
                            | OP_DELETE
                            | if sel.meta.overflow { OP_OVERFLOW } else { 0 },
                    },
                    out,
                )?
            }
            // Reserve SEL.
            0x42 => {
                parse::<crate::cmd::app::Empty>(req.data)?;
                sel.reservation = sel.reservation.wrapping_add(1).max(1);
                emit(
                    &Reservation {
                        reservation_id: sel.reservation,
                    },
                    out,
                )?
            }
            // Get SEL Entry.
            0x43 => {
                let r: GetSelEntryRequest = parse(req.data)?;
                if r.offset != 0 && r.reservation_id != sel.reservation {
                    return Err(CompletionCode::InvalidReservation);
                }
                let i = sel
                    .index_of(r.record_id)
                    .ok_or(CompletionCode::NotPresent)?;
                let next = sel.records.get(i + 1).map_or(LAST_ENTRY, |n| n.record_id);
                let bytes = sel.records[i].bytes();
                let offset = usize::from(r.offset);
                if offset > SEL_RECORD_LEN {
                    return Err(CompletionCode::ParameterOutOfRange);
                }
                let end = if r.bytes_to_read == 0xFF {
                    SEL_RECORD_LEN
                } else {
                    (offset + usize::from(r.bytes_to_read)).min(SEL_RECORD_LEN)
                };
                emit(
                    &GetSelEntryResponse {
                        next_record_id: next,
                        data: &bytes[offset..end],
                    },
                    out,
                )?
            }
            // Add SEL Entry.
            0x44 => {
                let record: SelRecord = parse(req.data)?;
                let id = self
                    .log_event(now, record)
                    .ok_or(CompletionCode::OutOfSpace)?;
                emit(&RecordId { record_id: id }, out)?
            }
            // Delete SEL Entry. The reservation stays valid: ipmitool deletes several ids with
            // one reservation.
            0x46 => {
                let r: DeleteSelEntryRequest = parse(req.data)?;
                if r.reservation_id != sel.reservation {
                    return Err(CompletionCode::InvalidReservation);
                }
                let i = sel
                    .index_of(r.record_id)
                    .ok_or(CompletionCode::NotPresent)?;
                let gone = sel.records.remove(i);
                sel.meta.last_erase = sel.time(now);
                self.changed = true;
                emit(
                    &RecordId {
                        record_id: gone.record_id,
                    },
                    out,
                )?
            }
            // Clear SEL.
            0x47 => {
                let r: ClearSelRequest = parse(req.data)?;
                if r.reservation_id != sel.reservation {
                    return Err(CompletionCode::InvalidReservation);
                }
                match r.op {
                    ClearOp::Initiate => {
                        sel.clear(now);
                        // Keep the new reservation valid for this client's status polls.
                        sel.reservation = r.reservation_id;
                        self.changed = true;
                    }
                    ClearOp::GetStatus => {}
                    ClearOp::Unknown(_) => return Err(CompletionCode::InvalidDataField),
                }
                // Erasing is instant here.
                emit(
                    &ErasureProgress {
                        progress: ERASURE_COMPLETED,
                    },
                    out,
                )?
            }
            // Get SEL Time.
            0x48 => {
                parse::<crate::cmd::app::Empty>(req.data)?;
                emit(
                    &SelTime {
                        time: sel.time(now),
                    },
                    out,
                )?
            }
            // Set SEL Time.
            0x49 => {
                let t: SelTime = parse(req.data)?;
                sel.clock = (t.time, now);
                0
            }
            _ => return Err(CompletionCode::InvalidCommand),
        };
        Ok(Outcome::Reply(Reply {
            completion_code: CompletionCode::Normal,
            len,
        }))
    }
}
