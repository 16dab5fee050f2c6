#![no_main]
ipmi_fuzz::target!(cmd_app_payload_instance_info);
