#![no_main]
ipmi_fuzz::target!(cmd_storage_fru_inventory_area_info);
