//! Boot flags kept across daemon restarts: read from and written into the endpoint's dispatcher.

use ipmi_core::bmc::BootFlags;

use crate::bmc::Ep;
use crate::config::State;

/// Puts saved boot flags back into a fresh endpoint.
pub fn restore(ep: &mut Ep, state: &State) {
    if let Some(bytes) = &state.boot_flags {
        if let Ok(raw) = <[u8; 5]>::try_from(bytes.as_slice()) {
            ep.bmc_mut().restore_boot_flags(BootFlags::from_data(raw));
        }
    }
}

/// Copies the endpoint's boot flags into the state to save.
pub fn save(ep: &Ep, state: &mut State) {
    let flags = ep.bmc().boot_flags();
    state.boot_flags = if flags.valid {
        Some(flags.data().to_vec())
    } else {
        None
    };
}
