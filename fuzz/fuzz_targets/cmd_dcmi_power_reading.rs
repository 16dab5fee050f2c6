#![no_main]
ipmi_fuzz::target!(cmd_dcmi_power_reading);
