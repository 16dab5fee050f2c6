#![no_main]
ipmi_fuzz::target!(cmd_app_system_info);
