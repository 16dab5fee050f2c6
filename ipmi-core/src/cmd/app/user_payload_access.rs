//! Set / Get User Payload Access (App 0x4C / 0x4D): which payloads a user may activate, per
//! channel. `ipmitool sol payload enable|disable|status`, and freeipmi's bmc-config key
//! `SOL_Payload_Access` (MAAS sets it for the user it creates).
//!
//! Set request (6 bytes): channel (b3:0) · operation (b7:6: 0 enable, 1 disable the payloads
//! named) and user id (b5:0) · standard payloads 1-7 (b1 = SOL; b0 reserved) · standard
//! payloads 8-15 · OEM payloads 0x20-0x27 · OEM payloads 0x28-0x2F. Response: no data.
//! Get request: channel (b3:0) · user id (b5:0). Get response (4 bytes): the same four payload
//! bytes, bit set = enabled.
use super::Empty;
use crate::Error;

app_command! {
    /// Set User Payload Access (App 0x4C).
    SetUserPayloadAccess, 0x4C, SetUserPayloadAccessRequest, Empty
}

app_command! {
    /// Get User Payload Access (App 0x4D).
    GetUserPayloadAccess, 0x4D, GetUserPayloadAccessRequest, UserPayloadAccess
}

/// The SOL bit of the first payload byte.
pub const PAYLOAD_SOL_BIT: u8 = 0x02;

/// The four payload enable bytes (Get response; what Set names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UserPayloadAccess {
    /// Standard payloads 1-7 (b1 = SOL) and 8-15, OEM payloads 0x20-0x27 and 0x28-0x2F.
    pub payloads: [u8; 4],
}

impl UserPayloadAccess {
    fn decode(b: &[u8; 4]) -> Result<Self, Error> {
        Ok(UserPayloadAccess { payloads: *b })
    }
    fn encode(&self) -> Result<[u8; 4], Error> {
        Ok(self.payloads)
    }
    /// Whether SOL is enabled.
    pub fn sol(&self) -> bool {
        self.payloads[0] & PAYLOAD_SOL_BIT != 0
    }
}

fixed_body!(UserPayloadAccess, 4);

/// The Set User Payload Access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetUserPayloadAccessRequest {
    /// Channel (4 bits).
    pub channel: u8,
    /// Disable (true) or enable (false) the payloads named.
    pub disable: bool,
    /// User id (6 bits).
    pub user_id: u8,
    /// The payloads to enable or disable.
    pub payloads: UserPayloadAccess,
}

impl SetUserPayloadAccessRequest {
    fn decode(b: &[u8; 6]) -> Result<Self, Error> {
        if b[1] >> 6 > 1 {
            return Err(Error::InvalidField); // operations 2 and 3 are reserved
        }
        Ok(SetUserPayloadAccessRequest {
            channel: b[0] & 0x0F,
            disable: b[1] & 0x40 != 0,
            user_id: b[1] & 0x3F,
            payloads: UserPayloadAccess {
                payloads: [b[2], b[3], b[4], b[5]],
            },
        })
    }
    fn encode(&self) -> Result<[u8; 6], Error> {
        let p = self.payloads.payloads;
        Ok([
            super::fit(self.channel, 0x0F)?,
            super::flag(self.disable, 6) | super::fit(self.user_id, 0x3F)?,
            p[0],
            p[1],
            p[2],
            p[3],
        ])
    }
}

fixed_body!(SetUserPayloadAccessRequest, 6);

/// The Get User Payload Access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetUserPayloadAccessRequest {
    /// Channel (4 bits).
    pub channel: u8,
    /// User id (6 bits).
    pub user_id: u8,
}

impl GetUserPayloadAccessRequest {
    fn decode(b: &[u8; 2]) -> Result<Self, Error> {
        Ok(GetUserPayloadAccessRequest {
            channel: b[0] & 0x0F,
            user_id: b[1] & 0x3F,
        })
    }
    fn encode(&self) -> Result<[u8; 2], Error> {
        Ok([
            super::fit(self.channel, 0x0F)?,
            super::fit(self.user_id, 0x3F)?,
        ])
    }
}

fixed_body!(GetUserPayloadAccessRequest, 2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipmitool_sol_payload() {
        // `ipmitool sol payload disable 1 3`: 01 43 02 00 00 00; status: 01 03.
        let s = check_exact!(SetUserPayloadAccessRequest, &[1, 0x43, 2, 0, 0, 0]);
        assert!(s.disable && s.payloads.sol());
        assert_eq!(s.user_id, 3);
        let g = check_exact!(GetUserPayloadAccessRequest, &[1, 3]);
        assert_eq!(g.user_id, 3);
        let r = check_exact!(UserPayloadAccess, &[2, 0, 0, 0]);
        assert!(r.sol());
        assert_eq!(
            <SetUserPayloadAccessRequest as crate::cmd::Body>::parse(&[1, 0x83, 2, 0, 0, 0]),
            Err(Error::InvalidField)
        );
        check_lengths!(SetUserPayloadAccessRequest, &[1, 3, 2, 0, 0, 0]);
        check_lengths!(UserPayloadAccess, &[2, 0, 0, 0]);
    }

    no_input_panics!(
        SetUserPayloadAccessRequest,
        GetUserPayloadAccessRequest,
        UserPayloadAccess
    );
}
