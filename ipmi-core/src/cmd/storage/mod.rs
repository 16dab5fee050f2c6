//! NetFn Storage (0x0A) commands: the SDR repository, the SEL and FRU inventory.
pub mod add_sel_entry;
pub mod clear_sel;
pub mod delete_sel_entry;
pub mod fru_inventory_area_info;
pub mod get_sdr;
pub mod get_sel_entry;
pub mod read_fru_data;
pub mod reserve_sdr_repository;
pub mod reserve_sel;
pub mod sdr_repository_info;
pub mod sel_info;
pub mod sel_record;
pub mod sel_time;
pub mod write_fru_data;

/// The SDR version every record and the repository report (IPMI v2.0 = 51h).
pub const SDR_VERSION: u8 = 0x51;
