//! IPMI messages, the App and Chassis commands, and the BMC command dispatcher.
//!
//! `no_std` and allocation-free so that the very same code runs on a Cortex-M BMC, in the Linux
//! simulator and under the fuzzer. Untrusted bytes are parsed into borrowed views or small `Copy`
//! values and never cause a panic; emitting writes into a caller's buffer and returns the length.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod macros;

pub mod bmc;
pub mod cmd;
pub mod error;
pub mod time;
pub mod types;
pub mod wire;

pub use error::Error;
pub use time::Instant;
pub use types::{CompletionCode, NetFn, Privilege};
