#![no_main]
ipmi_fuzz::target!(cmd_sensor_sensor_reading);
