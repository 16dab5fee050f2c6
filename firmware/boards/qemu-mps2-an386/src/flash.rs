//! Emulated NOR flash for the store, in the mps2 board's 16 MiB PSRAM at 0x2100_0000.
//!
//! Why there: QEMU loads nothing into it (the ELF goes to SSRAM1 at 0 and is copied again at
//! every `system_reset`), and QEMU does not clear RAM on a system reset, so what the firmware
//! wrote survives a reset of the emulated machine (not a restart of QEMU: a new QEMU starts
//! with the store empty, i.e. the build-time config). Writes behave like NOR: erase sets a
//! sector to 0xFF, a write can only clear bits (it ANDs), so the store code runs exactly as on
//! real flash, torn-write handling included.
//!
//! Layout (offsets in the region): store sectors A at 0x0 and B at 0x4000 (16 KiB each), the
//! provisioning blob at 0x10_0000 (`-device loader,file=blob.txt,addr=0x21100000`; QEMU
//! restores it at every reset, which is why the store remembers which blob it applied).
use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash};

const BASE: usize = 0x2100_0000;
const SIZE: u32 = 16 * 1024 * 1024;
/// Store sector size and offsets.
pub const SECTOR: u32 = 0x4000;
pub const STORE_A: u32 = 0x0;
pub const STORE_B: u32 = 0x4000;
/// Where the provisioning blob is read (absolute address 0x2110_0000).
pub const BLOB: u32 = 0x10_0000;

/// The PSRAM region as NOR flash.
pub struct RamFlash;

/// Out of range or misaligned.
#[derive(Debug)]
pub struct FlashError(NorFlashErrorKind);

impl NorFlashError for FlashError {
    fn kind(&self) -> NorFlashErrorKind {
        self.0
    }
}

impl ErrorType for RamFlash {
    type Error = FlashError;
}

fn check(offset: u32, len: usize, align: u32) -> Result<(), FlashError> {
    if offset % align != 0 || len as u32 % align != 0 {
        return Err(FlashError(NorFlashErrorKind::NotAligned));
    }
    if offset.checked_add(len as u32).is_none_or(|end| end > SIZE) {
        return Err(FlashError(NorFlashErrorKind::OutOfBounds));
    }
    Ok(())
}

impl ReadNorFlash for RamFlash {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        check(offset, bytes.len(), 1)?;
        for (i, b) in bytes.iter_mut().enumerate() {
            // SAFETY: inside the 16 MiB PSRAM region (checked), which only this driver uses.
            *b = unsafe { ((BASE + offset as usize + i) as *const u8).read_volatile() };
        }
        Ok(())
    }

    fn capacity(&self) -> usize {
        SIZE as usize
    }
}

impl NorFlash for RamFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = SECTOR as usize;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        check(from, (to.saturating_sub(from)) as usize, SECTOR)?;
        for a in from..to {
            // SAFETY: as in `read`.
            unsafe { ((BASE + a as usize) as *mut u8).write_volatile(0xFF) };
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        check(offset, bytes.len(), 4)?;
        for (i, &b) in bytes.iter().enumerate() {
            let p = (BASE + offset as usize + i) as *mut u8;
            // SAFETY: as in `read`. NOR semantics: programming only clears bits.
            unsafe { p.write_volatile(p.read_volatile() & b) };
        }
        Ok(())
    }
}
