//! The one logging shim: `defmt` (feature `defmt`: both boards by default; the board supplies
//! the global logger, defmt-rtt on the Nucleo, semihosting frames under QEMU), or plain text
//! over Arm semihosting (feature `semihosting`: the QEMU board's `text-log` option), nothing
//! when neither is on. Format strings must work for both: use `{}` / `{:?}` with arguments that
//! are both `Display`/`Debug` and `defmt::Format` (integers, `&str`, the core crates' types).
//! The macros are exported, so the boards log through the same shim (`bmc_fw::info!`); the
//! backend is chosen here, by this crate's features, not by the caller's. Levels: `DEFMT_LOG`
//! (defmt, default `info` from `.cargo/config.toml`) or `BMC_LOG` (plain text, default
//! `debug`) at build time.

#[cfg(all(feature = "defmt", feature = "semihosting"))]
compile_error!("features `defmt` and `semihosting` select two different loggers: pick one");

/// Rank of a level name (`debug` 0 .. `error` 3; anything else: debug).
#[cfg(feature = "semihosting")]
#[doc(hidden)]
pub const fn rank(level: &str) -> u8 {
    match level.as_bytes() {
        b"error" | b"ERROR" => 3,
        b"warn" | b"WARN " | b"WARN" => 2,
        b"info" | b"INFO " | b"INFO" => 1,
        _ => 0,
    }
}

/// The lowest level logged over semihosting, from `BMC_LOG` at build time (`debug`, `info`,
/// `warn`, `error`; default `debug`). The defmt build uses `DEFMT_LOG` instead.
#[cfg(feature = "semihosting")]
#[doc(hidden)]
pub const MIN_LEVEL: u8 = match option_env!("BMC_LOG") {
    Some(l) => rank(l),
    None => 0,
};

/// Writes one log line over semihosting: `[  12.345 INFO ] message`.
#[cfg(feature = "semihosting")]
#[doc(hidden)]
pub fn semihosting_line(level: &str, args: core::fmt::Arguments<'_>) {
    let ms = embassy_time::Instant::now().as_millis();
    cortex_m_semihosting::hprintln!("[{:>5}.{:03} {}] {}", ms / 1000, ms % 1000, level, args);
}

/// Swallows the arguments when no logger is selected, so they still count as used.
#[cfg(not(any(feature = "defmt", feature = "semihosting")))]
#[doc(hidden)]
pub fn discard(_args: core::fmt::Arguments<'_>) {}

#[cfg(feature = "defmt")]
#[doc(hidden)]
#[macro_export]
macro_rules! log_impl {
    (debug, $label:literal, $($arg:tt)*) => { ::defmt::debug!($($arg)*) };
    (info, $label:literal, $($arg:tt)*) => { ::defmt::info!($($arg)*) };
    (warn, $label:literal, $($arg:tt)*) => { ::defmt::warn!($($arg)*) };
    (error, $label:literal, $($arg:tt)*) => { ::defmt::error!($($arg)*) };
}

#[cfg(feature = "semihosting")]
#[doc(hidden)]
#[macro_export]
macro_rules! log_impl {
    ($level:ident, $label:literal, $($arg:tt)*) => {
        if const { $crate::fmt::rank($label) >= $crate::fmt::MIN_LEVEL } {
            $crate::fmt::semihosting_line($label, format_args!($($arg)*))
        }
    };
}

#[cfg(not(any(feature = "defmt", feature = "semihosting")))]
#[doc(hidden)]
#[macro_export]
macro_rules! log_impl {
    ($level:ident, $label:literal, $($arg:tt)*) => {
        $crate::fmt::discard(format_args!($($arg)*))
    };
}

/// Logs at debug level.
#[macro_export]
macro_rules! debug { ($($arg:tt)*) => { $crate::log_impl!(debug, "DEBUG", $($arg)*) }; }
/// Logs at info level.
#[macro_export]
macro_rules! info { ($($arg:tt)*) => { $crate::log_impl!(info, "INFO ", $($arg)*) }; }
/// Logs at warn level.
#[macro_export]
macro_rules! warn { ($($arg:tt)*) => { $crate::log_impl!(warn, "WARN ", $($arg)*) }; }
/// Logs at error level.
#[macro_export]
macro_rules! error { ($($arg:tt)*) => { $crate::log_impl!(error, "ERROR", $($arg)*) }; }

/// Bytes logged as text (a user name): ASCII as is, anything else as `?`. For both loggers,
/// without UTF-8 validation.
pub struct Text<'a>(pub &'a [u8]);

impl core::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use core::fmt::Write;
        for &b in self.0 {
            f.write_char(if b.is_ascii_graphic() || b == b' ' { b as char } else { '?' })?;
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Text<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=[u8]:a}", self.0)
    }
}
