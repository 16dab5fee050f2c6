#![no_main]
ipmi_fuzz::target!(cmd_app_deactivate_payload);
