//! RMCP/ASF, IPMI 1.5 and IPMI 2.0 (RMCP+) sessions, and the sans-IO BMC endpoint.
//!
//! `no_std`, allocation-free and free of I/O: the shell passes the time, a random source and each
//! datagram in, and gets at most one datagram out.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

/// `open_enum!`: one declaration style for every code space, shared with ipmi-core.
#[macro_use]
extern crate ipmi_core;

pub mod client;
pub mod crypto;
/// Fuzzing-only switches (cargo-fuzz builds only).
#[cfg(fuzzing)]
pub mod fuzzing;
pub mod server;
pub mod session;
pub mod sol;
pub mod wire;
