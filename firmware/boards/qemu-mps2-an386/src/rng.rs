//! EMULATION-ONLY random source. QEMU's mps2 machines have no RNG peripheral, so this image
//! seeds a SHA-256 based generator (Hash_DRBG-like: output = SHA-256(seed ‖ counter)) with 32
//! bytes of the host's /dev/urandom, read through semihosting. It exists so that the emulated
//! BMC can be tested with real clients; it is not a hardware RNG, and a board for real hardware
//! must use its own (the nucleo-f767zi image uses the STM32 RNG peripheral).
use core::cell::RefCell;

use cortex_m_semihosting::syscall;
use critical_section::Mutex;
use sha2::{Digest, Sha256};

struct State {
    seed: [u8; 32],
    counter: u64,
}

static STATE: Mutex<RefCell<State>> = Mutex::new(RefCell::new(State { seed: [0; 32], counter: 0 }));

/// Reads the seed from the host. Falls back (loudly) to the host clock if /dev/urandom cannot
/// be opened: still unpredictable enough for an emulator, never for a product.
pub fn init() {
    let mut seed = [0u8; 32];
    let path = b"/dev/urandom\0";
    // SAFETY: SYS_OPEN reads `path` (NUL-terminated, length given without the NUL); SYS_READ
    // writes at most `seed.len()` bytes into `seed`; SYS_CLOSE takes the handle.
    let ok = unsafe {
        let fd = syscall!(OPEN, path.as_ptr(), 0usize, path.len() - 1) as isize;
        if fd < 0 {
            false
        } else {
            let not_read = syscall!(READ, fd as usize, seed.as_mut_ptr(), seed.len());
            syscall!(CLOSE, fd as usize);
            not_read == 0
        }
    };
    if !ok {
        // SAFETY: SYS_TIME takes no argument.
        let t = unsafe { syscall!(TIME) };
        seed[..8].copy_from_slice(&(t as u64).to_le_bytes());
        bmc_fw::warn!("rng: host /dev/urandom unavailable, seeded from the host clock (EMULATION ONLY)");
    } else {
        bmc_fw::warn!("rng: EMULATION-ONLY generator seeded from the host's /dev/urandom");
    }
    critical_section::with(|cs| STATE.borrow_ref_mut(cs).seed = seed);
}

/// Fills `buf` with generator output.
pub fn fill(buf: &mut [u8]) {
    critical_section::with(|cs| {
        let mut state = STATE.borrow_ref_mut(cs);
        for chunk in buf.chunks_mut(32) {
            state.counter += 1;
            let block = Sha256::new().chain_update(state.seed).chain_update(state.counter.to_le_bytes()).finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    });
}

/// The endpoint's view of this generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmulationRng;

impl rmcp::session::Random for EmulationRng {
    fn fill(&mut self, buf: &mut [u8]) {
        fill(buf)
    }
}
