#![no_main]
ipmi_fuzz::target!(cmd_app_set_session_privilege);
