//! defmt's global logger on this board: defmt frames (rzCOBS-encoded, as defmt-rtt sends them)
//! written through Arm semihosting to a host file, where `qemu.sh` decodes them with
//! `defmt-print -e ELF`. The file is the one named by a `defmt-log=PATH` word of the command
//! line read through semihosting (qemu.sh: `-append defmt-log=/dev/fd/3`, fd 3 being the
//! decoder's pipe; QEMU's command line is then "ELF-PATH defmt-log=/dev/fd/3"), else QEMU's stderr (the `:tt` stream opened for append). Not stdout:
//! with plain `qemu.sh PORT` that is the terminal of the configuration console (UART0) and the
//! monitor, which must stay text; and not stderr when qemu.sh runs it, so that QEMU's own error
//! messages stay readable. Panics and hard faults stay plain text on stdout (readable even
//! without the decoder).
//!
//! A frame is collected in a small buffer and written with one semihosting call per buffer
//! (each call stops the emulated CPU), not one per encoded byte.
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use cortex_m_semihosting::{nr, syscall};

#[defmt::global_logger]
struct Logger;

/// Set while a frame is being written (defmt forbids nesting; interrupts are masked anyway).
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Where encoded bytes go: a buffer, written to the host's stderr when full and at frame end.
struct Sink {
    /// The host file descriptor (semihosting handle), once opened.
    fd: Option<usize>,
    opened: bool,
    buf: [u8; 128],
    len: usize,
}

impl Sink {
    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
    }

    fn flush(&mut self) {
        if !self.opened {
            self.opened = true;
            self.fd = open_log();
        }
        if let Some(fd) = self.fd {
            // SAFETY: SYS_WRITE reads `len` bytes of `buf`. It returns how many were not
            // written; nothing to do about a short write: the log is best effort.
            unsafe { syscall!(WRITE, fd, self.buf.as_ptr(), self.len) };
        }
        self.len = 0;
    }
}

/// The `defmt-log=PATH` file of the command line, opened for append, else stderr.
fn open_log() -> Option<usize> {
    let opened = crate::cmdline::word(b"defmt-log=", |path| {
        let mut name = [0u8; 128];
        if path.is_empty() || path.len() >= name.len() {
            return None;
        }
        name[..path.len()].copy_from_slice(path);
        // SAFETY: SYS_OPEN reads `path.len()` bytes of `name`, which is NUL-terminated.
        let fd = unsafe { syscall!(OPEN, name.as_ptr(), nr::open::W_APPEND, path.len()) } as isize;
        (fd >= 0).then_some(fd as usize)
    });
    if let Some(Some(fd)) = opened {
        return Some(fd);
    }
    // stderr by the libgloss convention QEMU follows: ":tt" opened for append.
    let tt = b":tt\0";
    // SAFETY: as above, `tt` is NUL-terminated.
    let fd = unsafe { syscall!(OPEN, tt.as_ptr(), nr::open::W_APPEND, tt.len() - 1) } as isize;
    (fd >= 0).then_some(fd as usize)
}

/// A static touched only between `acquire` and `release`.
struct Guarded<T>(UnsafeCell<T>);

// SAFETY: only touched between `acquire` and `release`, inside a critical section (one core),
// with `TAKEN` set.
unsafe impl<T> Sync for Guarded<T> {}

static RESTORE: Guarded<critical_section::RestoreState> =
    Guarded(UnsafeCell::new(critical_section::RestoreState::invalid()));
static ENCODER: Guarded<defmt::Encoder> = Guarded(UnsafeCell::new(defmt::Encoder::new()));
static SINK: Guarded<Sink> = Guarded(UnsafeCell::new(Sink { fd: None, opened: false, buf: [0; 128], len: 0 }));

// SAFETY: frames are written whole inside one critical section (acquire .. release), so no two
// frames interleave; `TAKEN` catches a nested acquire.
unsafe impl defmt::Logger for Logger {
    fn acquire() {
        // SAFETY: released in `release`, which defmt always calls after `acquire`.
        let restore = unsafe { critical_section::acquire() };
        if TAKEN.swap(true, Ordering::Relaxed) {
            panic!("defmt logger taken reentrantly");
        }
        // SAFETY: inside the critical section with TAKEN set: the only references.
        unsafe {
            *RESTORE.0.get() = restore;
            (*ENCODER.0.get()).start_frame(|b| (*SINK.0.get()).push(b));
        }
    }

    unsafe fn flush() {
        // SAFETY: between acquire and release (defmt's contract).
        unsafe { (*SINK.0.get()).flush() };
    }

    unsafe fn release() {
        // SAFETY: after acquire (defmt's contract): still inside the critical section.
        unsafe {
            (*ENCODER.0.get()).end_frame(|b| (*SINK.0.get()).push(b));
            (*SINK.0.get()).flush();
            TAKEN.store(false, Ordering::Relaxed);
            critical_section::release(*RESTORE.0.get());
        }
    }

    unsafe fn write(bytes: &[u8]) {
        // SAFETY: between acquire and release (defmt's contract).
        unsafe { (*ENCODER.0.get()).write(bytes, |b| (*SINK.0.get()).push(b)) };
    }
}
