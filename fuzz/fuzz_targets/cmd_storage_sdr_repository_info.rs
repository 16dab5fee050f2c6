#![no_main]
ipmi_fuzz::target!(cmd_storage_sdr_repository_info);
