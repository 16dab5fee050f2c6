#![no_main]
ipmi_fuzz::target!(wire_sol);
