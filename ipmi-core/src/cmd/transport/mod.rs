//! NetFn Transport (0x0C) commands: the LAN channel's configuration parameters.

pub mod lan_config;
pub mod parameters;
pub mod sol_config;

pub use lan_config::{
    GetLanConfig, GetLanConfigRequest, GetLanConfigResponse, LanParameter, SetLanConfig,
    SetLanConfigRequest, LAN_CONFIG_REVISION,
};
pub use sol_config::{
    GetSolConfig, GetSolConfigRequest, GetSolConfigResponse, SetSolConfig, SetSolConfigRequest,
    SolParameter, SOL_CONFIG_REVISION,
};

open_enum! {
    /// Commands of NetFn Transport (0x0C) that this stack knows.
    pub enum TransportCmd {
        /// 0x01 Set LAN Configuration Parameters.
        SetLanConfig = 0x01,
        /// 0x02 Get LAN Configuration Parameters.
        GetLanConfig = 0x02,
        /// 0x21 Set SOL Configuration Parameters.
        SetSolConfig = 0x21,
        /// 0x22 Get SOL Configuration Parameters.
        GetSolConfig = 0x22,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_round_trip_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(u8::from(TransportCmd::from(b)), b);
            assert_eq!(u8::from(LanParameter::from(b)), b);
            assert_eq!(u8::from(crate::cmd::app::SystemInfoParameter::from(b)), b);
        }
    }
}
