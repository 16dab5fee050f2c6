#![no_main]
ipmi_fuzz::target!(cmd_storage_add_sel_entry);
