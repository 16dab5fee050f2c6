#![no_main]
ipmi_fuzz::target!(cmd_storage_reserve_sel);
