#![no_main]
ipmi_fuzz::target!(cmd_chassis_status);
