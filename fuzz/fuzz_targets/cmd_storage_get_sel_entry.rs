#![no_main]
ipmi_fuzz::target!(cmd_storage_get_sel_entry);
