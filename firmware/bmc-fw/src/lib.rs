//! Board-independent BMC firmware: the BMC task (rmcp endpoint on an embassy-net UDP socket),
//! the chassis trait each board implements, the build-time configuration and the logging shim.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

#[macro_use]
pub mod fmt;

pub mod bmc;
pub mod chassis;
pub mod config;
pub mod console;
pub mod lines;
pub mod net;
pub mod provision;
pub mod sensors;
pub mod sol;
pub mod store;

pub use chassis::Chassis;
pub use lines::{BoardLines, InputLine, NoLine, OutputLine, Timings};
pub use sensors::{BoardSensors, NoSensors, Reading, SensorSpec};
