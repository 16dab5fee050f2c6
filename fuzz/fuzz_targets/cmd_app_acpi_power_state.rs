#![no_main]
ipmi_fuzz::target!(cmd_app_acpi_power_state);
