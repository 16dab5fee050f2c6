//! Get System Restart Cause (NetFn Chassis, 0x07): why the system last (re)started, and the
//! channel the restart command came in on.
use super::Empty;
use crate::cmd::{exact, out_slice, Body, Command};
use crate::{Error, NetFn};

/// Marker for Get System Restart Cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSystemRestartCause;

impl Command for GetSystemRestartCause {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x07;
    type Request<'a> = Empty;
    type Response<'a> = SystemRestartCause;
}

open_enum! {
    /// Restart cause (response byte 1, bits 3:0).
    pub enum RestartCause {
        /// 0: unknown (no starting event recorded).
        Unknown0 = 0x00,
        /// 1: Chassis Control command.
        ChassisControl = 0x01,
        /// 2: reset via pushbutton.
        ResetButton = 0x02,
        /// 3: power-up via power pushbutton.
        PowerButton = 0x03,
        /// 4: watchdog expiration.
        Watchdog = 0x04,
        /// 5: OEM.
        Oem = 0x05,
        /// 6: automatic power-up on AC applied, policy "always restore".
        AutoPowerUpAlwaysOn = 0x06,
        /// 7: automatic power-up on AC applied, policy "restore previous".
        AutoPowerUpPrevious = 0x07,
        /// 8: reset via PEF.
        PefReset = 0x08,
        /// 9: power-cycle via PEF.
        PefPowerCycle = 0x09,
        /// 0x0A: soft reset (e.g. CTRL-ALT-DEL).
        SoftReset = 0x0A,
        /// 0x0B: power-up via RTC wakeup.
        RtcWakeup = 0x0B,
    }
}

/// The Get System Restart Cause response: 2 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SystemRestartCause {
    /// The cause (4 bits).
    pub cause: RestartCause,
    /// Channel number the restart command arrived on.
    pub channel: u8,
}

impl<'a> Body<'a> for SystemRestartCause {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [cause, channel] = *exact::<2>(data)?;
        Ok(SystemRestartCause {
            cause: RestartCause::from(cause & 0x0F),
            channel: channel & 0x0F,
        })
    }
    fn buffer_len(&self) -> usize {
        2
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let buf = out_slice::<2>(out)?;
        buf[0] = u8::from(self.cause) & 0x0F;
        buf[1] = self.channel & 0x0F;
        Ok(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Chassis Control command over channel 1 (IPMI v2.0 table 28-11).
    const RSP: [u8; 2] = [0x01, 0x01];

    #[test]
    fn deconstruct() {
        let r = SystemRestartCause::parse(&RSP).unwrap();
        assert_eq!(r.cause, RestartCause::ChassisControl);
        assert_eq!(r.channel, 1);
        assert_eq!(
            SystemRestartCause::parse(&[0x0c, 0x0e]).unwrap().cause,
            RestartCause::Unknown(0x0c)
        );
    }

    mod response {
        use super::*;
        body_checks!(
            SystemRestartCause,
            [&RSP[..], &[0u8, 0][..]],
            [&[][..], &[1u8][..], &[0u8; 3][..]]
        );
    }
}
