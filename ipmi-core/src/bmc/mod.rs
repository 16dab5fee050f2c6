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
        Reply { completion_code, len: 0 }
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

/// Chassis Control operations (Chassis Control data byte 1, bits 3:0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ControlOp {
    /// 0: power down (hard off).
    PowerDown,
    /// 1: power up.
    PowerUp,
    /// 2: power cycle (off, then on).
    PowerCycle,
    /// 3: hard reset.
    HardReset,
    /// 4: pulse diagnostic interrupt.
    PulseDiagnosticInterrupt,
    /// 5: soft shutdown via ACPI.
    SoftShutdown,
}

/// The boot flags of System Boot Options parameter 5, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BootFlags {
    /// data1 bit 7: the flags are valid.
    pub valid: bool,
    /// data1 bit 6: apply to all future boots (else the next one only).
    pub persistent: bool,
    /// data1 bit 5: EFI boot (else legacy PC compatible).
    pub efi: bool,
    /// data2 bits 5:2: boot device selector (0 none, 1 PXE, 2 disk, 5 CD/DVD, 6 BIOS setup, ...).
    pub device: u8,
    /// The five data bytes exactly as set, so Get returns exactly what was set.
    pub raw: [u8; 5],
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
    /// The platform failed; answer with this completion code (C0 busy, C3 time-out, D5, FF).
    Failed(CompletionCode),
}
