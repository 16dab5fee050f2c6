#![no_main]
ipmi_fuzz::target!(cmd_sensor_platform_event);
