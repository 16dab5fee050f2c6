#![no_main]
ipmi_fuzz::target!(datagram);
