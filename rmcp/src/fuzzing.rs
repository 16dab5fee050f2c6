//! FUZZING ONLY (`--cfg fuzzing`, set by cargo-fuzz; absent from every other build): a runtime
//! switch that lets the fuzz crate's stateful `session` target get mutated in-session datagrams
//! past the integrity check, so it can reach the window, privilege and command logic behind it.
//! Off unless a target turns it on; every other fuzz target keeps the real crypto.
use core::sync::atomic::{AtomicBool, Ordering};

static BYPASS_INTEGRITY: AtomicBool = AtomicBool::new(false);

/// Makes [`SessionKeys::verify`](crate::session::SessionKeys::verify) accept any AuthCode while
/// `on`. RAKP codes and IPMI 1.5 auth codes are never bypassed.
pub fn set_bypass_integrity(on: bool) {
    BYPASS_INTEGRITY.store(on, Ordering::Relaxed);
}

/// Whether the integrity bypass is on.
pub fn bypass_integrity() -> bool {
    BYPASS_INTEGRITY.load(Ordering::Relaxed)
}
