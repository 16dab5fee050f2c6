//! The FRU inventory every virtual BMC serves: chassis, board and product info areas whose
//! serial numbers derive from the BMC's name, so every BMC has its own, stable across restarts
//! (inventory tools key machines by them).
use ipmi_core::bmc::{build_fru, FruInfo, FRU_CAPACITY};

/// 2024-01-01 00:00 UTC in minutes since 1996-01-01 (the FRU format's epoch).
const MFG_DATE: u32 = 14_726_880;

/// FNV-1a of the name: a short stable fingerprint.
fn fingerprint(name: &str) -> u32 {
    name.bytes().fold(0x811C_9DC5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The serial numbers of BMC `name`: chassis, board, product.
pub fn serials(name: &str) -> [String; 3] {
    let f = fingerprint(name);
    ["HSC", "HSB", "HSP"].map(|p| format!("{p}{f:08X}"))
}

/// The FRU image of BMC `name`.
pub fn image(name: &str) -> Vec<u8> {
    let [chassis, board, product] = serials(name);
    let version = env!("CARGO_PKG_VERSION");
    let info = FruInfo {
        chassis_type: 0x17, // rack mount chassis
        chassis_part_number: "HS-CH-1",
        chassis_serial: &chassis,
        board_mfg_minutes: MFG_DATE,
        board_manufacturer: "host-sim",
        board_product: "Virtual Board",
        board_serial: &board,
        board_part_number: "HS-MB-1",
        product_manufacturer: "host-sim",
        product_name: "host-sim virtual machine",
        product_part_number: "HS-VM-1",
        product_version: version,
        product_serial: &product,
        asset_tag: name,
    };
    let mut out = [0u8; FRU_CAPACITY];
    // The fields are short and the name at most 63 bytes in the image: it always fits.
    let n = build_fru(&info, &mut out).unwrap_or(0);
    out[..n].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_stable_and_differ_per_name() {
        assert_eq!(serials("node-1"), serials("node-1"));
        assert_ne!(serials("node-1")[1], serials("node-2")[1]);
        let long = "n".repeat(64);
        assert!(image(&long).len() > 64);
        assert!(image("node-1").len() <= FRU_CAPACITY);
    }
}
