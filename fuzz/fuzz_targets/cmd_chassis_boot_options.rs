#![no_main]
ipmi_fuzz::target!(cmd_chassis_boot_options);
