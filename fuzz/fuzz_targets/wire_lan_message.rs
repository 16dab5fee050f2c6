#![no_main]
ipmi_fuzz::target!(wire_lan_message);
