#![no_main]
ipmi_fuzz::target!(cmd_transport_sol_config);
