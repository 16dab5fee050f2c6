//! The command dispatcher: a parsed request in, a response (or a deferred platform action) out.
//!
//! Slow platform work (a provider script that takes seconds, a GPIO pulse) is never awaited here.
//! [`Bmc::handle`] either answers at once or returns [`Outcome::Defer`] with an [`Action`]; the shell
//! performs the action however it likes (tokio task, embassy task, at once) and then calls
//! [`Bmc::complete`] to build the response. That keeps the core synchronous, `no_std` and
//! executor-free, and lets one slow machine never block another session or BMC.
//!
//! Session-level commands (auth capabilities, challenge, activate, session privilege, close,
//! session info, cipher suites) belong to `rmcp::server`, which sees the session; this module
//! answers them with C1 if they reach it.
use crate::{CompletionCode, Instant, NetFn, Privilege};

mod app;
pub mod bridge;
mod chassis;
mod dcmi;
mod fru;
mod identity;
mod lan;
mod parameters;
mod sel;
mod sensors;
mod sol;
mod system_info;
#[cfg(test)]
mod tests;
mod users;

pub use crate::cmd::chassis::boot_options::BootFlags;
pub use crate::cmd::chassis::control::ControlOp;
pub use bridge::{BridgeReply, BridgeTarget, Message};
pub use fru::{build_fru, FruInfo, FRU_CAPACITY, MAX_FIELD as MAX_FRU_FIELD};
pub use identity::{ChannelConfig, DeviceIdentity, EXAMPLE_MANUFACTURER_ID};
pub use lan::LanConfig;
pub use sel::{SelMeta, POWER_UNIT_SENSOR, RESTART_SENSOR, SEL_CAPACITY};
pub use sol::SolConfig;
pub use system_info::SystemInfo;

/// The System Info Parameters a shell saves (the string parameters 1..=4).
pub fn system_info_parameters() -> core::ops::RangeInclusive<u8> {
    system_info::STRING_PARAMETERS
}
pub use sensors::{SensorDef, SensorKind, SensorReply, MAX_NAME, MAX_SDR_READ, MAX_SENSORS};
pub use users::{PasswordTest, UserAccess, UserStore};

/// What the dispatcher needs to know about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Request<'a> {
    /// Request NetFn.
    pub netfn: NetFn,
    /// Command number.
    pub cmd: u8,
    /// Responder LUN the request was sent to (only LUN 0 has commands).
    pub lun: u8,
    /// Request data after the command byte.
    pub data: &'a [u8],
}

/// Who asks, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Context {
    /// Now, as the shell's monotonic clock reads it.
    pub now: Instant,
    /// The session's current operating privilege (already the min of every limit).
    pub privilege: Privilege,
    /// The session's user id (1-based), 0 before a session.
    pub user_id: u8,
    /// The channel the request came in on (1 for the LAN channel).
    pub channel: u8,
}

/// A finished response: completion code plus `len` bytes of data written to the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Reply {
    /// Completion code.
    pub completion_code: CompletionCode,
    /// Bytes of response data after the completion code.
    pub len: usize,
}

impl Reply {
    /// A response of only a completion code.
    pub const fn code(completion_code: CompletionCode) -> Self {
        Reply {
            completion_code,
            len: 0,
        }
    }
}

/// What [`Bmc::handle`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// The response is ready.
    Reply(Reply),
    /// The platform must act first; call [`Bmc::complete`] with its result.
    Defer(Action),
}

/// Platform work the shell must do before the response can be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Action {
    /// Read the power state (Get Chassis Status).
    PowerStatus,
    /// Chassis Control or Chassis Reset. `boot` carries the valid boot flags that apply to this
    /// power-up or reset; the dispatcher clears one-shot flags once the action succeeded.
    Control {
        /// The operation.
        op: ControlOp,
        /// Boot flags in force for the boot this causes, if any.
        boot: Option<BootFlags>,
    },
    /// Chassis Identify: blink for `seconds` (0 = off), or indefinitely when `force`.
    Identify {
        /// Interval in seconds.
        seconds: u8,
        /// Force identify on indefinitely.
        force: bool,
    },
    /// Boot flags were set (parameter 5); providers that store them (shipmi's `[BOOT] set`) act now.
    SetBootFlags(BootFlags),
    /// Get Sensor Reading (or DCMI Get Power Reading): read sensor `number`; answer
    /// [`ActionResult::Reading`].
    ReadSensor {
        /// The sensor number from the table given to [`Bmc::set_sensors`].
        number: u8,
        /// Which request asked; the platform reads the same way for both.
        reply: SensorReply,
    },
    /// Send Message to a controller behind this BMC: hand `request` to it with
    /// [`bridge::serve`] and answer [`ActionResult::Bridged`] with its IPMB response.
    Bridge {
        /// Where the message goes.
        target: BridgeTarget,
        /// Where the answer goes: after, inside, or instead of (Get Message) the response.
        reply: BridgeReply,
        /// The bridging session's privilege (the target checks its commands against it).
        privilege: Privilege,
        /// The whole IPMB request.
        request: Message,
    },
}

/// What the platform reports back for an [`Action`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ActionResult {
    /// Done, nothing to report.
    Done,
    /// The power state that was read (for [`Action::PowerStatus`]).
    Power {
        /// System power is on.
        on: bool,
    },
    /// A sensor's raw reading (for [`Action::ReadSensor`]); `None` when unavailable.
    Reading {
        /// Raw byte, linearised by the sensor's M, B and exponents.
        raw: Option<u8>,
    },
    /// The platform failed; answer with this completion code (C0 busy, C3 time-out, D5, FF).
    Failed(CompletionCode),
    /// The target's whole IPMB response (for [`Action::Bridge`]).
    Bridged(Message),
}

/// The privilege a command needs, or `None` when this dispatcher does not serve it (answered
/// with C1). [`Privilege::Highest`] (code 0) means "no session needed" (Get System GUID).
///
/// The levels follow OpenIPMI's table (see IPMI-FACTS.md): User reads, Operator acts on the
/// chassis and reads users, Administrator changes users and channel access.
pub fn required_privilege(netfn: NetFn, cmd: u8) -> Option<Privilege> {
    use crate::types::{AppCmd as A, ChassisCmd as C};
    use Privilege::{Administrator, Highest, Operator, User};
    match netfn {
        NetFn::Chassis => match C::from(cmd) {
            C::GetChassisCapabilities | C::GetChassisStatus => Some(User),
            C::GetSystemRestartCause | C::GetPohCounter => Some(User),
            C::ChassisControl | C::ChassisReset | C::ChassisIdentify => Some(Operator),
            C::SetPowerRestorePolicy => Some(Operator),
            C::SetSystemBootOptions | C::GetSystemBootOptions => Some(Operator),
            C::Unknown(_) => None,
        },
        NetFn::App => match A::from(cmd) {
            A::GetSystemGuid => Some(Highest),
            A::GetAcpiPowerState | A::GetSystemInfo => Some(User),
            A::SetSystemInfo => Some(Administrator),
            A::SetAcpiPowerState => Some(Administrator),
            A::GetDeviceId | A::GetSelfTestResults | A::GetDeviceGuid => Some(User),
            A::GetChannelAccess | A::GetChannelInfo => Some(User),
            A::GetUserAccess | A::GetUserName => Some(Operator),
            A::SetChannelAccess | A::SetUserAccess | A::SetUserName => Some(Administrator),
            A::SetUserPassword => Some(Administrator),
            A::SendMessage | A::GetMessage | A::GetMessageFlags if cfg!(feature = "bridge") => {
                Some(User)
            }
            A::MasterWriteRead if cfg!(feature = "bridge") => Some(Operator),
            // Without the `bridge` feature: unknown commands.
            A::SendMessage | A::GetMessage | A::GetMessageFlags | A::MasterWriteRead => None,
            // Session commands belong to rmcp::server.
            A::GetChannelAuthCapabilities
            | A::GetSessionChallenge
            | A::ActivateSession
            | A::SetSessionPrivilegeLevel
            | A::CloseSession
            | A::GetSessionInfo
            | A::GetChannelCipherSuites
            | A::Unknown(_) => None,
        },
        NetFn::Transport => {
            use crate::cmd::transport::TransportCmd as T;
            match T::from(cmd) {
                T::GetLanConfig => Some(Operator),
                T::SetLanConfig => Some(Administrator),
                T::GetSolConfig => Some(User),
                T::SetSolConfig => Some(Administrator),
                T::Unknown(_) => None,
            }
        }
        // Reading the repository and sensors is User; changing them is Operator (IPMI v2.0
        // appendix G).
        NetFn::Storage => match cmd {
            0x20 | 0x22 | 0x23 => Some(User),
            // FRU: Get Inventory Area Info and Read read; Write changes.
            0x10 | 0x11 => Some(User),
            0x12 => Some(Operator),
            // SEL: Get Info, Reserve, Get Entry, Get Time read; Add, Delete, Clear, Set Time
            // change.
            0x40 | 0x42 | 0x43 | 0x48 => Some(User),
            0x44 | 0x46 | 0x47 | 0x49 => Some(Operator),
            _ => None,
        },
        NetFn::SensorEvent => match cmd {
            0x27 | 0x29 | 0x2D => Some(User),
            // Platform Event Message: logs an event.
            0x02 => Some(Operator),
            _ => None,
        },
        // DCMI (group DCh; other groups are answered C1 by the dispatcher): reading is User.
        NetFn::GroupExtension => match cmd {
            0x01 | 0x02 => Some(User),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a request that succeeded changed state a shell persists (users, channel access,
/// LAN parameters, boot options, restore policy, ACPI state). A test of a password changes
/// nothing.
fn changes_saved_state(netfn: NetFn, cmd: u8, data: &[u8]) -> bool {
    use crate::types::{AppCmd as A, ChassisCmd as C};
    match netfn {
        NetFn::Chassis => matches!(
            C::from(cmd),
            C::SetPowerRestorePolicy | C::SetSystemBootOptions
        ),
        NetFn::App => match A::from(cmd) {
            A::SetUserPassword => data.get(1).is_some_and(|op| op & 0x03 != 0x03),
            A::SetChannelAccess
            | A::SetUserAccess
            | A::SetUserName
            | A::SetAcpiPowerState
            | A::SetSystemInfo => true,
            _ => false,
        },
        NetFn::Transport => matches!(
            crate::cmd::transport::TransportCmd::from(cmd),
            crate::cmd::transport::TransportCmd::SetLanConfig
                | crate::cmd::transport::TransportCmd::SetSolConfig
        ),
        _ => false,
    }
}

/// The BMC command dispatcher and the chassis state it keeps between requests (boot options and
/// their timers, restore policy, identify, restart cause, power-on hours).
///
/// One `Bmc` per virtual BMC. It holds no references and never blocks: [`Bmc::handle`] answers
/// or defers, [`Bmc::complete`] finishes a deferred request, [`Bmc::poll`] runs the timers.
#[derive(Debug, Clone)]
pub struct Bmc {
    identity: DeviceIdentity,
    channel: ChannelConfig,
    chassis: chassis::ChassisState,
    lan: LanConfig,
    acpi: crate::cmd::app::AcpiPowerState,
    system_info: SystemInfo,
    changed: bool,
    sensors: sensors::SensorState,
    #[cfg(feature = "bridge")]
    bridge: bridge::BridgeState,
    sel: sel::Sel,
    fru: fru::Fru,
    power_stats: dcmi::PowerStats,
    sol: SolConfig,
}

impl Bmc {
    /// A BMC with this identity and LAN channel, boot flags clear, restore policy always-off.
    pub fn new(identity: DeviceIdentity, channel: ChannelConfig) -> Self {
        Bmc {
            identity,
            channel,
            chassis: chassis::ChassisState::default(),
            lan: LanConfig::default(),
            acpi: crate::cmd::app::AcpiPowerState {
                system: crate::cmd::app::ACPI_STATE_UNKNOWN,
                device: crate::cmd::app::ACPI_STATE_UNKNOWN,
            },
            system_info: SystemInfo::default(),
            changed: false,
            sensors: sensors::SensorState::default(),
            #[cfg(feature = "bridge")]
            bridge: bridge::BridgeState::default(),
            sel: sel::Sel::default(),
            fru: fru::Fru::default(),
            power_stats: dcmi::PowerStats::default(),
            sol: SolConfig::default(),
        }
    }

    /// The System Info Parameters (firmware version, system and OS names).
    pub fn system_info(&self) -> &SystemInfo {
        &self.system_info
    }

    /// The System Info Parameters, e.g. to set the firmware version or restore saved names.
    pub fn system_info_mut(&mut self) -> &mut SystemInfo {
        &mut self.system_info
    }

    /// The LAN configuration parameters.
    pub fn lan(&self) -> &LanConfig {
        &self.lan
    }

    /// The LAN configuration parameters, e.g. to list the suites or restore saved values.
    pub fn lan_mut(&mut self) -> &mut LanConfig {
        &mut self.lan
    }

    /// The SOL configuration parameters.
    pub fn sol(&self) -> &SolConfig {
        &self.sol
    }

    /// The SOL configuration parameters, e.g. to set the port or restore saved values.
    pub fn sol_mut(&mut self) -> &mut SolConfig {
        &mut self.sol
    }

    /// Restores a saved channel configuration (Set Channel Access's result).
    pub fn restore_channel(&mut self, channel: ChannelConfig) {
        self.channel = channel;
    }

    /// The ACPI power states (Get ACPI Power State).
    pub fn acpi_power_state(&self) -> crate::cmd::app::AcpiPowerState {
        self.acpi
    }

    /// Restores saved ACPI power states.
    pub fn restore_acpi_power_state(&mut self, state: crate::cmd::app::AcpiPowerState) {
        self.acpi = crate::cmd::app::AcpiPowerState {
            system: state.system & 0x7F,
            device: state.device & 0x7F,
        };
    }

    /// Whether state a shell persists changed since the last call (and clears the flag): a
    /// user, channel access, a LAN parameter, boot options, the restore policy or the ACPI
    /// state was set, or a power action consumed one-shot boot flags. The shell saves then.
    pub fn take_changed(&mut self) -> bool {
        core::mem::take(&mut self.changed) | self.sol.take_changed()
    }

    /// The identity Get Device ID and the GUID commands report.
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// The LAN channel configuration (its privilege limit caps every session).
    pub fn channel(&self) -> &ChannelConfig {
        &self.channel
    }

    /// The boot flags (parameter 5) as they stand now.
    pub fn boot_flags(&self) -> BootFlags {
        self.chassis.boot.flags
    }

    /// The power restore policy (the shell applies it when AC power returns).
    pub fn power_restore_policy(
        &self,
    ) -> crate::cmd::chassis::power_restore_policy::PowerRestorePolicy {
        self.chassis.restore_policy
    }

    /// Restores boot flags saved by the shell (e.g. across a daemon restart). No 60 s timer
    /// starts: the flags count as already applied, so only a boot consumes one-shot flags.
    pub fn restore_boot_flags(&mut self, flags: BootFlags) {
        self.chassis.boot.flags = flags;
    }

    /// Restores a saved power restore policy ([`PowerRestorePolicy::NoChange`] is ignored).
    ///
    /// [`PowerRestorePolicy::NoChange`]: crate::cmd::chassis::power_restore_policy::PowerRestorePolicy::NoChange
    pub fn restore_power_restore_policy(
        &mut self,
        policy: crate::cmd::chassis::power_restore_policy::PowerRestorePolicy,
    ) {
        if policy != crate::cmd::chassis::power_restore_policy::PowerRestorePolicy::NoChange {
            self.chassis.restore_policy = policy;
        }
    }

    /// Handles one request. `out` receives the response data after the completion code; it
    /// needs at most 50 bytes (a Get SDR chunk of [`MAX_SDR_READ`] plus the next record id),
    /// [`bridge::MAX_BRIDGED`] for a bridging BMC. Every request gets an answer: unknown NetFns
    /// and commands get C1.
    pub fn handle(
        &mut self,
        ctx: &Context,
        req: &Request<'_>,
        users: &mut dyn UserStore,
        out: &mut [u8],
    ) -> Outcome {
        self.poll(ctx.now);
        match self.dispatch(ctx, req, users, out) {
            Ok(outcome) => {
                if matches!(outcome, Outcome::Reply(r) if r.completion_code == CompletionCode::Normal)
                    && changes_saved_state(req.netfn, req.cmd, req.data)
                {
                    self.changed = true;
                }
                outcome
            }
            Err(cc) => Outcome::Reply(Reply::code(cc)),
        }
    }

    fn dispatch(
        &mut self,
        ctx: &Context,
        req: &Request<'_>,
        users: &mut dyn UserStore,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        let needed =
            required_privilege(req.netfn, req.cmd).ok_or(CompletionCode::InvalidCommand)?;
        // Group extension commands of groups other than DCMI (PICMG, VITA, HPM.2 probes).
        if req.netfn == NetFn::GroupExtension
            && req.data.first() != Some(&crate::cmd::dcmi::DCMI_GROUP)
        {
            return Err(CompletionCode::InvalidCommand);
        }
        if req.lun != 0 {
            return Err(CompletionCode::InvalidForLun);
        }
        if needed != Privilege::Highest && !ctx.privilege.allows(needed) {
            return Err(CompletionCode::InsufficientPrivilege);
        }
        match req.netfn {
            NetFn::Chassis => self.chassis_command(ctx, req, out),
            NetFn::Transport => self.transport_command(req, out).map(Outcome::Reply),
            NetFn::Storage => self.storage_command(ctx.now, req, out),
            NetFn::SensorEvent => self.sensor_command(ctx, req, out),
            NetFn::GroupExtension => self.dcmi_command(req, out),
            #[cfg(feature = "bridge")]
            NetFn::App if bridge::is_bridge_command(req.cmd) => self.bridge_command(ctx, req, out),
            _ => self.app_command(ctx, req, users, out).map(Outcome::Reply),
        }
    }

    /// Builds the response to a deferred request once the platform did `action` with `result`.
    /// `out` receives the response data after the completion code.
    pub fn complete(
        &mut self,
        now: Instant,
        action: &Action,
        result: ActionResult,
        out: &mut [u8],
    ) -> Reply {
        self.poll(now);
        if let ActionResult::Failed(cc) = result {
            // A failure is never "normal": a platform that says Failed(Normal) gets FF.
            return Reply::code(if cc == CompletionCode::Normal {
                CompletionCode::Unspecified
            } else {
                cc
            });
        }
        #[cfg(not(feature = "bridge"))]
        if let Action::Bridge { .. } = action {
            // Never deferred by this BMC: it has no bridging.
            return Reply::code(CompletionCode::InvalidCommand);
        }
        #[cfg(feature = "bridge")]
        if let Action::Bridge {
            target,
            reply,
            privilege,
            ..
        } = *action
        {
            return match self.complete_bridge(target, reply, privilege, result, out) {
                Ok(len) => Reply {
                    completion_code: CompletionCode::Normal,
                    len,
                },
                Err(cc) => Reply::code(cc),
            };
        }
        if matches!(action, Action::Control { .. } | Action::SetBootFlags(_)) {
            self.changed = true;
        }
        if let Action::ReadSensor { number, reply } = *action {
            let done = match reply {
                SensorReply::Reading => self.complete_reading(now, number, result, out),
                SensorReply::PowerReading => self.complete_power_reading(now, result, out),
            };
            return match done {
                Ok(len) => Reply {
                    completion_code: CompletionCode::Normal,
                    len,
                },
                Err(cc) => Reply::code(cc),
            };
        }
        let before = self.chassis.power_on();
        match self
            .chassis
            .complete(now, self.channel.number, action, result, out)
        {
            Ok(len) => {
                self.log_action(now, action, before);
                Reply {
                    completion_code: CompletionCode::Normal,
                    len,
                }
            }
            Err(cc) => Reply::code(cc),
        }
    }

    /// Runs the timers: the 60 s boot-flag-valid time-out, a stale set-in-progress lock, the
    /// end of a timed identify. [`Bmc::handle`] and [`Bmc::complete`] call it too, so a shell
    /// that never polls still sees correct answers; polling makes state changes prompt.
    pub fn poll(&mut self, now: Instant) {
        self.chassis.poll(now);
    }

    /// Logs the SEL events of a finished power action or status read.
    fn log_action(&mut self, now: Instant, action: &Action, before: Option<bool>) {
        let after = self.chassis.power_on();
        match *action {
            // A change nobody here caused (the machine's own button, a provider's script).
            Action::PowerStatus if before.is_some() => {
                self.log_power(now, before, after, false, false)
            }
            Action::Control { op, .. } => match op {
                ControlOp::PowerCycle => self.log_power(now, before, after, true, false),
                ControlOp::HardReset => self.log_power(now, before, after, false, true),
                // A soft shutdown is a request to the OS: the status read that sees the
                // machine off logs it.
                ControlOp::SoftShutdown | ControlOp::PulseDiagnosticInterrupt => {}
                _ => self.log_power(now, before, after, false, false),
            },
            _ => {}
        }
    }
}

/// Emits `body` into `out` and returns its length, mapping a short buffer to FF.
fn emit<'a, B: crate::cmd::Body<'a>>(body: &B, out: &mut [u8]) -> Result<usize, CompletionCode> {
    body.emit(out).map_err(crate::Error::completion_code)
}

/// Parses a request body, mapping a bad length to C7 and a bad field to CC.
fn parse<'a, B: crate::cmd::Body<'a>>(data: &'a [u8]) -> Result<B, CompletionCode> {
    B::parse(data).map_err(crate::Error::completion_code)
}
