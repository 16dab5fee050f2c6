//! What the BMC says about itself (Get Device ID, the GUIDs) and about its LAN channel.
use crate::Privilege;

/// The IANA private enterprise number 32473, which RFC 5612 reserves for examples and
/// documentation: it will never belong to a real vendor, so no client applies a vendor's OEM
/// quirks to this virtual BMC. Shells that have their own number set it in [`DeviceIdentity`].
pub const EXAMPLE_MANUFACTURER_ID: u32 = 32473;

/// Device identity, as Get Device ID, Get Device GUID and Get System GUID report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeviceIdentity {
    /// Device ID (byte 1; 0x20 is what BMCs commonly report).
    pub device_id: u8,
    /// Device revision (bits 3:0).
    pub device_revision: u8,
    /// Firmware major revision (bits 6:0, binary).
    pub firmware_major: u8,
    /// Firmware minor revision, BCD encoded (0x01 = ".01").
    pub firmware_minor: u8,
    /// Manufacturer ID, IANA enterprise number (20 bits).
    pub manufacturer_id: u32,
    /// Product ID.
    pub product_id: u16,
    /// Auxiliary firmware revision; `Some` makes the Get Device ID reply 15 bytes, `None` 11.
    pub aux_firmware_revision: Option<[u8; 4]>,
    /// Device GUID (Get Device GUID; RMCP+ RAKP2 carries the BMC GUID too, so rmcp should use
    /// this value). Bytes as they go on the wire.
    pub device_guid: [u8; 16],
    /// System GUID (Get System GUID), the managed machine's SMBIOS UUID. Bytes as on the wire.
    pub system_guid: [u8; 16],
}

impl Default for DeviceIdentity {
    /// A virtual BMC: device 0x20 rev 1, firmware 0.01, [`EXAMPLE_MANUFACTURER_ID`], product 1,
    /// no aux revision, nil GUIDs (a shell should set random or configured GUIDs).
    fn default() -> Self {
        DeviceIdentity {
            device_id: 0x20,
            device_revision: 0x01,
            firmware_major: 0x00,
            firmware_minor: 0x01,
            manufacturer_id: EXAMPLE_MANUFACTURER_ID,
            product_id: 0x0001,
            aux_firmware_revision: None,
            device_guid: [0; 16],
            system_guid: [0; 16],
        }
    }
}

/// The LAN channel this BMC serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChannelConfig {
    /// Channel number (1 for the first LAN channel); requests may also name it as 0x0E.
    pub number: u8,
    /// Channel privilege level limit (Get/Set Channel Access); sessions never exceed it.
    pub privilege_limit: Privilege,
    /// Number of session slots the endpoint keeps (the session table size).
    pub session_slots: u8,
    /// Per-message authentication is enabled (IPMI 1.5; reported inverted in Get Channel Access).
    pub per_message_auth: bool,
    /// User-level authentication is enabled (reported inverted in Get Channel Access).
    pub user_level_auth: bool,
}

impl Default for ChannelConfig {
    /// Channel 1, Administrator limit, 8 session slots, both authentications on.
    fn default() -> Self {
        ChannelConfig {
            number: 1,
            privilege_limit: Privilege::Administrator,
            session_slots: 8,
            per_message_auth: true,
            user_level_auth: true,
        }
    }
}
