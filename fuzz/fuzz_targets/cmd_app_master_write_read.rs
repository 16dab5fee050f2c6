#![no_main]
ipmi_fuzz::target!(cmd_app_master_write_read);
