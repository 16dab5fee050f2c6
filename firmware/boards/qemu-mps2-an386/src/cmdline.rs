//! The words of QEMU's `-append` command line, read through semihosting (SYS_GET_CMDLINE):
//! `sol-port=PORT` (sol.rs) and `defmt-log=PATH` (defmt_log.rs). One reader for both.

use cortex_m_semihosting::nr;

/// Calls `f` with the value of the first word `KEY...` of the command line (`key` includes
/// its `=`), if there is one. QEMU puts the ELF's path first: 512 bytes leave room for a long
/// one; a longer line fails as a whole and every word reads as absent.
pub fn word<R>(key: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    let mut line = [0u8; 512];
    let mut block = [line.as_mut_ptr() as usize, line.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most `line.len()` bytes into `line` and the length into
    // `block[1]`.
    let got = unsafe { cortex_m_semihosting::syscall1(nr::GET_CMDLINE, block.as_mut_ptr() as usize) } == 0;
    let len = if got { block[1].min(line.len()) } else { 0 };
    line[..len].split(|&b| b == b' ').find_map(|w| w.strip_prefix(key)).map(f)
}
