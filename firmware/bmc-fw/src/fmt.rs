//! The one logging shim: `defmt` on real hardware (feature `defmt`), plain text over Arm
//! semihosting under QEMU (feature `semihosting`), nothing when neither is on. Format strings
//! must work for both: use `{}` / `{:?}` with arguments that are both `Display`/`Debug` and
//! `defmt::Format` (integers, `&str`, the core crates' types). The macros are exported, so the
//! boards log through the same shim (`bmc_fw::info!`); the backend is chosen here, by this
//! crate's features, not by the caller's.

#[cfg(all(feature = "defmt", feature = "semihosting"))]
compile_error!("features `defmt` and `semihosting` select two different loggers: pick one");

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
        $crate::fmt::semihosting_line($label, format_args!($($arg)*))
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
