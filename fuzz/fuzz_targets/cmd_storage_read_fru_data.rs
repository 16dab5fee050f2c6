#![no_main]
ipmi_fuzz::target!(cmd_storage_read_fru_data);
