#![no_main]
ipmi_fuzz::target!(cmd_app_user_payload_access);
