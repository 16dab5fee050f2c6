#![no_main]
ipmi_fuzz::target!(cmd_storage_write_fru_data);
