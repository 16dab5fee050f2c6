//! The FRU inventory every virtual BMC serves: chassis, board and product info areas whose
//! serial numbers derive from the BMC's name, so every BMC has its own, stable across restarts
//! (inventory tools key machines by them).
use ipmi_core::bmc::{build_fru, FruInfo, FRU_CAPACITY};
use serde::{Deserialize, Serialize};

/// FRU fields a BMC's configuration sets (`[fru]`); the others keep their defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FruConfig {
    /// Chassis part number.
    pub chassis_part_number: Option<String>,
    /// Chassis serial number (default derived from the name).
    pub chassis_serial: Option<String>,
    /// Board manufacturer.
    pub board_manufacturer: Option<String>,
    /// Board product name.
    pub board_product: Option<String>,
    /// Board serial number (default derived from the name).
    pub board_serial: Option<String>,
    /// Board part number.
    pub board_part_number: Option<String>,
    /// Product manufacturer.
    pub product_manufacturer: Option<String>,
    /// Product name.
    pub product_name: Option<String>,
    /// Product part/model number.
    pub product_part_number: Option<String>,
    /// Product version.
    pub product_version: Option<String>,
    /// Product serial number (default derived from the name).
    pub product_serial: Option<String>,
    /// Asset tag (default the BMC name).
    pub asset_tag: Option<String>,
}

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

/// The FRU image of BMC `name` with the configured fields; an error names a field that is not
/// ASCII or longer than 63 bytes, or an image that does not fit.
pub fn image(name: &str, cfg: Option<&FruConfig>) -> Result<Vec<u8>, String> {
    let [chassis, board, product] = serials(name);
    let none = FruConfig::default();
    let c = cfg.unwrap_or(&none);
    let pick = |field: &'static str, v: &Option<String>, default: &str| -> Result<String, String> {
        let v = v.as_deref().unwrap_or(default);
        if v.len() > ipmi_core::bmc::MAX_FRU_FIELD || !v.is_ascii() {
            return Err(format!("fru.{field}: at most 63 ASCII characters"));
        }
        Ok(v.to_string())
    };
    let f = [
        pick("chassis_part_number", &c.chassis_part_number, "HS-CH-1")?,
        pick("chassis_serial", &c.chassis_serial, &chassis)?,
        pick("board_manufacturer", &c.board_manufacturer, "host-sim")?,
        pick("board_product", &c.board_product, "Virtual Board")?,
        pick("board_serial", &c.board_serial, &board)?,
        pick("board_part_number", &c.board_part_number, "HS-MB-1")?,
        pick("product_manufacturer", &c.product_manufacturer, "host-sim")?,
        pick("product_name", &c.product_name, "host-sim virtual machine")?,
        pick("product_part_number", &c.product_part_number, "HS-VM-1")?,
        pick(
            "product_version",
            &c.product_version,
            env!("CARGO_PKG_VERSION"),
        )?,
        pick("product_serial", &c.product_serial, &product)?,
        // A name is at most 64 bytes; the asset tag field holds 63.
        pick("asset_tag", &c.asset_tag, &name[..name.len().min(63)])?,
    ];
    let info = FruInfo {
        chassis_type: 0x17, // rack mount chassis
        chassis_part_number: &f[0],
        chassis_serial: &f[1],
        board_mfg_minutes: MFG_DATE,
        board_manufacturer: &f[2],
        board_product: &f[3],
        board_serial: &f[4],
        board_part_number: &f[5],
        product_manufacturer: &f[6],
        product_name: &f[7],
        product_part_number: &f[8],
        product_version: &f[9],
        product_serial: &f[10],
        asset_tag: &f[11],
    };
    let mut out = [0u8; FRU_CAPACITY];
    let n = build_fru(&info, &mut out)
        .map_err(|_| format!("fru: the fields do not fit in {FRU_CAPACITY} bytes"))?;
    Ok(out[..n].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_stable_and_differ_per_name() {
        assert_eq!(serials("node-1"), serials("node-1"));
        assert_ne!(serials("node-1")[1], serials("node-2")[1]);
        let long = "n".repeat(64);
        assert!(image(&long, None).unwrap().len() > 64);
        assert!(image("node-1", None).unwrap().len() <= FRU_CAPACITY);
        let c = FruConfig {
            product_name: Some("R650".into()),
            board_serial: Some("X".repeat(64)),
            ..FruConfig::default()
        };
        assert!(image("n", Some(&c)).unwrap_err().contains("board_serial"));
        let big = "Y".repeat(63);
        let c = FruConfig {
            product_name: Some(big.clone()),
            board_product: Some(big.clone()),
            product_part_number: Some(big.clone()),
            board_part_number: Some(big),
            ..FruConfig::default()
        };
        assert!(image("n", Some(&c)).unwrap_err().contains("do not fit"));
    }
}
