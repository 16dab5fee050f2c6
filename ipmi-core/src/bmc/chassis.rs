//! The Chassis NetFn: state the BMC keeps (boot options, restore policy, identify, restart cause,
//! power-on hours) and the handlers that read and change it.
use super::{emit, parse, Action, ActionResult, Bmc, Context, Outcome, Reply, Request};
use crate::cmd::chassis::boot_options::{
    param, valid_bit_clearing, BootFlags, BootParam, GetBootOptionsRequest, GetBootOptionsResponse,
    SetBootOptionsRequest, SetInProgress, PARAMETER_VERSION,
};
use crate::cmd::chassis::capabilities::ChassisCapabilities;
use crate::cmd::chassis::control::{ChassisControlRequest, ControlOp};
use crate::cmd::chassis::identify::ChassisIdentifyRequest;
use crate::cmd::chassis::poh::PohCounter;
use crate::cmd::chassis::power_restore_policy::{
    PowerRestorePolicy, PowerRestorePolicyRequest, SupportedPolicies,
};
use crate::cmd::chassis::restart_cause::{RestartCause, SystemRestartCause};
use crate::cmd::chassis::status::{last_power_event, ChassisStatus, IdentifyState};
use crate::cmd::chassis::Empty;
use crate::types::ChassisCmd;
use crate::{CompletionCode, Instant};

/// The BMC clears the boot flags' valid bit this long after they were set, unless a boot
/// happened first or parameter 3 bit 3 says not to (IPMI v2.0 section 28.12: 60 s +/- 10 %).
pub const BOOT_FLAG_VALID_TIMEOUT_MS: u64 = 60_000;
/// A set-in-progress lock nobody completes within this time is released, so a client that died
/// between "set in progress" and "set complete" does not lock everybody else out for good.
pub const SET_IN_PROGRESS_TIMEOUT_MS: u64 = 60_000;
/// Get POH Counter: one count per minute.
pub const POH_MINUTES_PER_COUNT: u8 = 1;

/// Set System Boot Options: 0x80 parameter not supported.
const CC_PARAMETER_NOT_SUPPORTED: CompletionCode = CompletionCode::CommandSpecific80;
/// Set System Boot Options: 0x81 "set in progress" while a set is already in progress.
const CC_SET_IN_PROGRESS: CompletionCode = CompletionCode::CommandSpecific81;

/// System Boot Options state.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BootOptions {
    /// Parameter 0.
    set_in_progress: SetInProgress,
    /// When parameter 0 became "set in progress".
    in_progress_since: Instant,
    /// Parameter 3.
    valid_bit_clearing: u8,
    /// Parameter 4, data byte.
    info_ack: u8,
    /// Parameter 5, exactly as set (the valid bit cleared by the timer or a boot).
    pub(super) flags: BootFlags,
    /// When valid flags were set; `None` once a boot consumed them or the timer fired.
    flags_set_at: Option<Instant>,
    /// Parameter 1.
    service_partition_selector: u8,
    /// Parameter 2.
    service_partition_scan: u8,
    /// Parameter 6.
    initiator_info: [u8; 9],
    /// Bit n: parameter n (0..=7) was marked invalid by a Set with selector bit 7.
    invalid: u8,
}

/// Everything the chassis commands remember.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ChassisState {
    pub(super) boot: BootOptions,
    pub(super) restore_policy: PowerRestorePolicy,
    identify: IdentifyState,
    identify_until: Option<Instant>,
    last_power_event: u8,
    restart_cause: Option<(RestartCause, u8)>,
    /// Last power state the platform reported or caused; `None` until known.
    power_on: Option<bool>,
    /// Power-on time accumulated over earlier on-periods.
    poh_ms: u64,
    /// Start of the current on-period.
    on_since: Option<Instant>,
}

impl ChassisState {
    pub(super) fn poll(&mut self, now: Instant) {
        let boot = &mut self.boot;
        if let Some(at) = boot.flags_set_at {
            if now.since(at) >= BOOT_FLAG_VALID_TIMEOUT_MS {
                boot.flags_set_at = None;
                if boot.valid_bit_clearing & valid_bit_clearing::DONT_CLEAR_ON_TIMEOUT == 0 {
                    boot.flags = clear_valid(boot.flags);
                }
            }
        }
        if boot.set_in_progress == SetInProgress::SetInProgress
            && now.since(boot.in_progress_since) >= SET_IN_PROGRESS_TIMEOUT_MS
        {
            boot.set_in_progress = SetInProgress::SetComplete;
        }
        if let Some(until) = self.identify_until {
            if now >= until {
                self.identify_until = None;
                self.identify = IdentifyState::Off;
            }
        }
    }

    /// The last power state the platform reported or caused.
    pub(super) fn power_on(&self) -> Option<bool> {
        self.power_on
    }

    /// Records a power state the platform reported or an action caused (for POH and status).
    fn observe_power(&mut self, now: Instant, on: bool) {
        match (self.on_since, on) {
            (None, true) => self.on_since = Some(now),
            (Some(since), false) => {
                self.poh_ms = self.poh_ms.saturating_add(now.since(since));
                self.on_since = None;
            }
            _ => {}
        }
        self.power_on = Some(on);
    }

    fn poh_minutes(&self, now: Instant) -> u64 {
        let running = self.on_since.map_or(0, |since| now.since(since));
        self.poh_ms.saturating_add(running) / 60_000
    }

    pub(super) fn complete(
        &mut self,
        now: Instant,
        channel: u8,
        action: &Action,
        result: ActionResult,
        out: &mut [u8],
    ) -> Result<usize, CompletionCode> {
        match *action {
            Action::PowerStatus => {
                let on = match result {
                    ActionResult::Power { on } => on,
                    _ => self.power_on.unwrap_or(false),
                };
                self.observe_power(now, on);
                let status = ChassisStatus {
                    power_on: on,
                    restore_policy: self.restore_policy,
                    last_power_event: self.last_power_event,
                    identify_state: self.identify,
                    identify_supported: true,
                    ..ChassisStatus::default()
                };
                emit(&status, out)
            }
            Action::Control { op, boot } => {
                match op {
                    ControlOp::PowerUp | ControlOp::PowerCycle => {
                        self.observe_power(now, false);
                        self.observe_power(now, true);
                        self.last_power_event = last_power_event::POWER_ON_BY_IPMI;
                    }
                    ControlOp::HardReset => self.observe_power(now, true),
                    ControlOp::PowerDown => self.observe_power(now, false),
                    ControlOp::PulseDiagnosticInterrupt | ControlOp::SoftShutdown => {}
                }
                if op.boots() {
                    self.restart_cause = Some((RestartCause::ChassisControl, channel));
                    // The boot happened: the 60 s timer no longer applies; one-shot flags are
                    // used up (unless someone changed the flags while the action ran).
                    self.boot.flags_set_at = None;
                    if let Some(used) = boot {
                        if !used.persistent && self.boot.flags == used {
                            self.boot.flags = clear_valid(used);
                        }
                    }
                }
                Ok(0)
            }
            Action::Identify { seconds, force } => {
                (self.identify, self.identify_until) = if force {
                    (IdentifyState::IndefiniteOn, None)
                } else if seconds == 0 {
                    (IdentifyState::Off, None)
                } else {
                    (
                        IdentifyState::TimedOn,
                        Some(now.add_millis(u64::from(seconds) * 1000)),
                    )
                };
                Ok(0)
            }
            Action::SetBootFlags(_) => Ok(0),
            Action::ReadSensor { .. } | Action::Bridge { .. } => Err(CompletionCode::Unspecified),
        }
    }
}

/// `flags` with the valid bit off, the other bits as set.
fn clear_valid(flags: BootFlags) -> BootFlags {
    BootFlags::from_data(
        BootFlags {
            valid: false,
            ..flags
        }
        .data(),
    )
}

impl Bmc {
    pub(super) fn chassis_command(
        &mut self,
        ctx: &Context,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        let reply = |len| {
            Ok(Outcome::Reply(Reply {
                completion_code: CompletionCode::Normal,
                len,
            }))
        };
        let state = &mut self.chassis;
        match ChassisCmd::from(req.cmd) {
            ChassisCmd::GetChassisCapabilities => {
                parse::<Empty>(req.data)?;
                let caps = ChassisCapabilities {
                    fru_device_address: crate::wire::BMC_ADDR,
                    sdr_device_address: crate::wire::BMC_ADDR,
                    sel_device_address: crate::wire::BMC_ADDR,
                    system_management_device_address: crate::wire::BMC_ADDR,
                    ..ChassisCapabilities::default()
                };
                reply(emit(&caps, out)?)
            }
            ChassisCmd::GetChassisStatus => {
                parse::<Empty>(req.data)?;
                Ok(Outcome::Defer(Action::PowerStatus))
            }
            ChassisCmd::ChassisControl => {
                let r: ChassisControlRequest = parse(req.data)?;
                Ok(Outcome::Defer(state.control(r.op)))
            }
            ChassisCmd::ChassisReset => {
                parse::<Empty>(req.data)?;
                Ok(Outcome::Defer(state.control(ControlOp::HardReset)))
            }
            ChassisCmd::ChassisIdentify => {
                let r: ChassisIdentifyRequest = parse(req.data)?;
                Ok(Outcome::Defer(Action::Identify {
                    seconds: r.seconds(),
                    force: r.forced(),
                }))
            }
            ChassisCmd::SetPowerRestorePolicy => {
                let r: PowerRestorePolicyRequest = parse(req.data)?;
                if r.policy != PowerRestorePolicy::NoChange {
                    state.restore_policy = r.policy;
                }
                reply(emit(&SupportedPolicies::ALL, out)?)
            }
            ChassisCmd::GetSystemRestartCause => {
                parse::<Empty>(req.data)?;
                let (cause, channel) = state.restart_cause.unwrap_or((RestartCause::Unknown0, 0));
                reply(emit(&SystemRestartCause { cause, channel }, out)?)
            }
            ChassisCmd::SetSystemBootOptions => state.set_boot_options(ctx.now, req.data),
            ChassisCmd::GetSystemBootOptions => reply(state.get_boot_options(req.data, out)?),
            ChassisCmd::GetPohCounter => {
                parse::<Empty>(req.data)?;
                let minutes = state.poh_minutes(ctx.now) / u64::from(POH_MINUTES_PER_COUNT);
                let poh = PohCounter {
                    minutes_per_count: POH_MINUTES_PER_COUNT,
                    counter: u32::try_from(minutes).unwrap_or(u32::MAX),
                };
                reply(emit(&poh, out)?)
            }
            ChassisCmd::Unknown(_) => Err(CompletionCode::InvalidCommand),
        }
    }
}

impl ChassisState {
    /// The action for a Chassis Control operation, with the valid boot flags when it boots.
    fn control(&self, op: ControlOp) -> Action {
        let flags = self.boot.flags;
        let boot = (op.boots() && flags.valid).then_some(flags);
        Action::Control { op, boot }
    }

    fn set_boot_options(&mut self, now: Instant, data: &[u8]) -> Result<Outcome, CompletionCode> {
        let r: SetBootOptionsRequest<'_> = parse(data)?;
        let boot = &mut self.boot;
        let selector = r.param.selector();
        let mut outcome = Outcome::Reply(Reply::code(CompletionCode::Normal));
        match r.param {
            BootParam::SetInProgress(s) => match s {
                SetInProgress::SetComplete => boot.set_in_progress = s,
                SetInProgress::SetInProgress => {
                    if boot.set_in_progress == SetInProgress::SetInProgress {
                        return Err(CC_SET_IN_PROGRESS);
                    }
                    boot.set_in_progress = s;
                    boot.in_progress_since = now;
                }
                // Every write takes effect at once, so there is nothing left to commit; the
                // lock stays until "set complete".
                SetInProgress::CommitWrite => {}
                SetInProgress::Unknown(_) => return Err(CompletionCode::InvalidDataField),
            },
            BootParam::BootFlagValidBitClearing(bits) => boot.valid_bit_clearing = bits,
            BootParam::BootInfoAcknowledge(ack) => {
                boot.info_ack = (boot.info_ack & !ack.write_mask) | (ack.data & ack.write_mask);
            }
            BootParam::BootFlags(flags) => {
                boot.flags = flags;
                boot.flags_set_at = flags.valid.then_some(now);
                outcome = Outcome::Defer(Action::SetBootFlags(flags));
            }
            BootParam::Other { selector, data } => {
                let target: &mut [u8] = match selector {
                    param::SERVICE_PARTITION_SELECTOR => {
                        core::slice::from_mut(&mut boot.service_partition_selector)
                    }
                    param::SERVICE_PARTITION_SCAN => {
                        core::slice::from_mut(&mut boot.service_partition_scan)
                    }
                    param::BOOT_INITIATOR_INFO => &mut boot.initiator_info,
                    _ => return Err(CC_PARAMETER_NOT_SUPPORTED),
                };
                if data.len() != target.len() {
                    return Err(CompletionCode::RequestDataLengthInvalid);
                }
                target.copy_from_slice(data);
            }
        }
        if selector != param::SET_IN_PROGRESS && selector <= param::BOOT_INITIATOR_MAILBOX {
            let bit = 1u8 << selector;
            if r.invalid {
                boot.invalid |= bit;
            } else {
                boot.invalid &= !bit;
            }
        }
        Ok(outcome)
    }

    fn get_boot_options(&self, data: &[u8], out: &mut [u8]) -> Result<usize, CompletionCode> {
        let r: GetBootOptionsRequest = parse(data)?;
        let boot = &self.boot;
        let param = match r.param {
            param::SET_IN_PROGRESS => BootParam::SetInProgress(boot.set_in_progress),
            param::SERVICE_PARTITION_SELECTOR
            | param::SERVICE_PARTITION_SCAN
            | param::BOOT_INITIATOR_INFO => {
                let data: &[u8] = match r.param {
                    param::SERVICE_PARTITION_SELECTOR => {
                        core::slice::from_ref(&boot.service_partition_selector)
                    }
                    param::SERVICE_PARTITION_SCAN => {
                        core::slice::from_ref(&boot.service_partition_scan)
                    }
                    _ => &boot.initiator_info,
                };
                BootParam::Other {
                    selector: r.param,
                    data,
                }
            }
            param::BOOT_FLAG_VALID_BIT_CLEARING => {
                BootParam::BootFlagValidBitClearing(boot.valid_bit_clearing)
            }
            param::BOOT_INFO_ACKNOWLEDGE => BootParam::BootInfoAcknowledge(
                crate::cmd::chassis::boot_options::BootInfoAcknowledge {
                    write_mask: 0,
                    data: boot.info_ack,
                },
            ),
            param::BOOT_FLAGS => BootParam::BootFlags(boot.flags),
            _ => return Err(CC_PARAMETER_NOT_SUPPORTED),
        };
        let invalid =
            r.param <= param::BOOT_INITIATOR_MAILBOX && boot.invalid & (1 << r.param) != 0;
        emit(
            &GetBootOptionsResponse {
                version: PARAMETER_VERSION,
                invalid,
                param,
            },
            out,
        )
    }
}
