#![no_main]
ipmi_fuzz::target!(cmd_chassis_power_restore_policy);
