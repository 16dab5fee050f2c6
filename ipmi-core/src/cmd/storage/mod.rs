//! NetFn Storage (0x0A) commands: the SDR repository (and, later, SEL and FRU).
pub mod get_sdr;
pub mod reserve_sdr_repository;
pub mod sdr_repository_info;

/// The SDR version every record and the repository report (IPMI v2.0 = 51h).
pub const SDR_VERSION: u8 = 0x51;
