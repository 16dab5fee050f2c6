#![no_main]
ipmi_fuzz::target!(cmd_app_channel_payload_support);
