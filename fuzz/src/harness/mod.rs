//! The checks behind every fuzz target. Plain Rust over `rmcp` and `ipmi_core` (no libFuzzer), so
//! the main workspace's `rmcp/tests/fuzz_regressions.rs` compiles this very module and replays
//! the saved inputs of `fuzz/regressions/<target>/` and the committed corpus through it.
//!
//! Each function takes one fuzz input and panics when an invariant breaks.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub mod commands;
pub mod datagram;
pub mod padding;
pub mod session;
pub mod wire;

pub use commands::*;
pub use datagram::datagram;
pub use padding::padding;
pub use session::session;
pub use wire::*;

/// A fuzz target's name and its check.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target, by the name of its file in `fuzz/fuzz_targets/`.
pub const TARGETS: &[Target] = &[
    ("datagram", datagram::datagram),
    ("session", session::session),
    ("padding", padding::padding),
    ("wire_rmcp", wire::wire_rmcp),
    ("wire_asf", wire::wire_asf),
    ("wire_v15", wire::wire_v15),
    ("wire_v20", wire::wire_v20),
    ("wire_open_session", wire::wire_open_session),
    ("wire_rakp", wire::wire_rakp),
    ("wire_lan_message", wire::wire_lan_message),
    ("wire_sol", wire::wire_sol),
    (
        "cmd_app_activate_payload",
        commands::cmd_app_activate_payload,
    ),
    (
        "cmd_app_deactivate_payload",
        commands::cmd_app_deactivate_payload,
    ),
    (
        "cmd_app_payload_activation_status",
        commands::cmd_app_payload_activation_status,
    ),
    (
        "cmd_app_payload_instance_info",
        commands::cmd_app_payload_instance_info,
    ),
    (
        "cmd_app_channel_payload_support",
        commands::cmd_app_channel_payload_support,
    ),
    (
        "cmd_transport_sol_config",
        commands::cmd_transport_sol_config,
    ),
    (
        "cmd_app_user_payload_access",
        commands::cmd_app_user_payload_access,
    ),
    (
        "cmd_app_acpi_power_state",
        commands::cmd_app_acpi_power_state,
    ),
    (
        "cmd_app_activate_session",
        commands::cmd_app_activate_session,
    ),
    ("cmd_app_channel_access", commands::cmd_app_channel_access),
    (
        "cmd_app_channel_auth_capabilities",
        commands::cmd_app_channel_auth_capabilities,
    ),
    (
        "cmd_app_channel_cipher_suites",
        commands::cmd_app_channel_cipher_suites,
    ),
    ("cmd_app_channel_info", commands::cmd_app_channel_info),
    ("cmd_app_close_session", commands::cmd_app_close_session),
    ("cmd_app_device_id", commands::cmd_app_device_id),
    ("cmd_app_guid", commands::cmd_app_guid),
    ("cmd_app_self_test", commands::cmd_app_self_test),
    (
        "cmd_app_session_challenge",
        commands::cmd_app_session_challenge,
    ),
    ("cmd_app_session_info", commands::cmd_app_session_info),
    ("cmd_app_system_info", commands::cmd_app_system_info),
    (
        "cmd_app_set_session_privilege",
        commands::cmd_app_set_session_privilege,
    ),
    ("cmd_app_user_access", commands::cmd_app_user_access),
    ("cmd_app_user_name", commands::cmd_app_user_name),
    ("cmd_app_user_password", commands::cmd_app_user_password),
    ("cmd_app_send_message", commands::cmd_app_send_message),
    ("cmd_app_get_message", commands::cmd_app_get_message),
    (
        "cmd_app_get_message_flags",
        commands::cmd_app_get_message_flags,
    ),
    (
        "cmd_app_master_write_read",
        commands::cmd_app_master_write_read,
    ),
    (
        "cmd_chassis_boot_options",
        commands::cmd_chassis_boot_options,
    ),
    (
        "cmd_chassis_capabilities",
        commands::cmd_chassis_capabilities,
    ),
    ("cmd_chassis_control", commands::cmd_chassis_control),
    ("cmd_chassis_identify", commands::cmd_chassis_identify),
    ("cmd_chassis_poh", commands::cmd_chassis_poh),
    (
        "cmd_chassis_power_restore_policy",
        commands::cmd_chassis_power_restore_policy,
    ),
    ("cmd_chassis_reset", commands::cmd_chassis_reset),
    (
        "cmd_chassis_restart_cause",
        commands::cmd_chassis_restart_cause,
    ),
    ("cmd_chassis_status", commands::cmd_chassis_status),
    (
        "cmd_transport_lan_config",
        commands::cmd_transport_lan_config,
    ),
    (
        "cmd_storage_sdr_repository_info",
        commands::cmd_storage_sdr_repository_info,
    ),
    (
        "cmd_storage_reserve_sdr_repository",
        commands::cmd_storage_reserve_sdr_repository,
    ),
    ("cmd_storage_get_sdr", commands::cmd_storage_get_sdr),
    ("cmd_storage_sel_info", commands::cmd_storage_sel_info),
    ("cmd_storage_reserve_sel", commands::cmd_storage_reserve_sel),
    (
        "cmd_storage_get_sel_entry",
        commands::cmd_storage_get_sel_entry,
    ),
    (
        "cmd_storage_add_sel_entry",
        commands::cmd_storage_add_sel_entry,
    ),
    ("cmd_storage_clear_sel", commands::cmd_storage_clear_sel),
    (
        "cmd_storage_delete_sel_entry",
        commands::cmd_storage_delete_sel_entry,
    ),
    ("cmd_storage_sel_time", commands::cmd_storage_sel_time),
    (
        "cmd_storage_fru_inventory_area_info",
        commands::cmd_storage_fru_inventory_area_info,
    ),
    (
        "cmd_storage_read_fru_data",
        commands::cmd_storage_read_fru_data,
    ),
    (
        "cmd_storage_write_fru_data",
        commands::cmd_storage_write_fru_data,
    ),
    (
        "cmd_sensor_sensor_reading",
        commands::cmd_sensor_sensor_reading,
    ),
    (
        "cmd_sensor_sensor_thresholds",
        commands::cmd_sensor_sensor_thresholds,
    ),
    (
        "cmd_sensor_sensor_event_enable",
        commands::cmd_sensor_sensor_event_enable,
    ),
    (
        "cmd_sensor_platform_event",
        commands::cmd_sensor_platform_event,
    ),
    ("cmd_dcmi_capabilities", commands::cmd_dcmi_capabilities),
    ("cmd_dcmi_power_reading", commands::cmd_dcmi_power_reading),
];

/// The check of the target called `name`.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

static ARMED: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// Called by the fuzz crate's global allocator on every allocation.
pub fn count_alloc() {
    if ARMED.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs `f` (a call into the code under test) and fails if it allocated. Only the fuzz build
/// installs the counting allocator; elsewhere this just runs `f`.
pub fn no_alloc<R>(f: impl FnOnce() -> R) -> R {
    let (r, n) = allocations_during(f);
    assert_eq!(n, 0, "the code under test allocated {n} time(s)");
    r
}

/// Runs `f` and counts the allocations it made (0 unless the counting allocator is installed).
pub fn allocations_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::Relaxed);
    let r = f();
    ARMED.store(false, Ordering::Relaxed);
    (r, ALLOCATIONS.load(Ordering::Relaxed))
}

/// Reads a fuzz input as a stream of choices, `arbitrary`-style: every read succeeds, an
/// exhausted input reads as zeros. (Hand-written so the same decoding compiles in the main
/// workspace without another dependency.)
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }
    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// One byte (0 when exhausted).
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    /// A bool from one byte's low bit.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 != 0
    }
    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    /// A little-endian u32.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }
    /// `N` bytes, zero-filled past the end.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        for b in a.iter_mut() {
            *b = self.u8();
        }
        a
    }
    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::from(self.u8()) % n
        }
    }
    /// Up to `max` bytes: a length byte, then that many bytes (fewer when exhausted).
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = usize::from(self.u8()).min(max).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }
}
