//! DCMI (Data Center Manageability Interface) commands: NetFn Group Extension (0x2C) with the
//! group extension identification DCh as the first byte of every request and response body.
//! Exporters run `ipmi-dcmi --get-system-power-statistics`; `ipmitool dcmi power reading`.
pub mod capabilities;
pub mod power_reading;

/// Group extension identification of DCMI.
pub const DCMI_GROUP: u8 = 0xDC;

/// Checks the group byte at the start of a DCMI body and returns the rest.
pub(crate) fn strip_group(data: &[u8]) -> Result<&[u8], crate::Error> {
    match data.split_first() {
        Some((&DCMI_GROUP, rest)) => Ok(rest),
        Some(_) => Err(crate::Error::InvalidField),
        None => Err(crate::Error::Truncated),
    }
}
