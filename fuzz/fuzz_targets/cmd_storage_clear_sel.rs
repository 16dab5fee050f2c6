#![no_main]
ipmi_fuzz::target!(cmd_storage_clear_sel);
