//! The random source: a trait the shell implements (hardware RNG, the OS, a fuzzer's bytes), and
//! with feature `std` the one OS implementation every std user shares.

/// A random source, passed in by the shell (hardware RNG, the OS, or a fuzzer's bytes). Session
/// ids, Rm/Rc, IVs and IPMI 1.5 challenges come from here.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// The operating system's random source (`getrandom`), feature `std`.
///
/// When the OS cannot give random bytes the process aborts, after one line on stderr: there is
/// no right value to go on with (a predictable session id, Rc or IV would be worse than
/// stopping), and an abort, unlike a panic, cannot be caught and carried on from by a thread
/// pool or a tokio task.
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

#[cfg(feature = "std")]
impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            std::eprintln!("rmcp: the OS random source failed: {e}; aborting");
            std::process::abort();
        }
    }
}
