#![no_main]
ipmi_fuzz::target!(cmd_storage_delete_sel_entry);
