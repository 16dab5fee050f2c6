//! The SOL configuration parameters (Get/Set SOL Configuration Parameters): what `ipmitool sol
//! info` shows and `sol set` changes, and what `rmcp`'s SOL engine runs by.
//!
//! Kept as plain values here so that one dispatcher answers for them, the endpoint reads them
//! when a console activates SOL, and a shell saves and restores them ([`SolConfig::SAVED`],
//! [`SolConfig::get`], [`SolConfig::set`]) through its one store.
use super::parameters::{copy_out, exact, set_in_progress};
use crate::cmd::transport::SolParameter as P;
use crate::{CompletionCode, Privilege};

/// Parameter not supported (0x80).
pub const CC_NOT_SUPPORTED: CompletionCode = CompletionCode::CommandSpecific80;
/// Attempt to write a read-only parameter (0x82).
pub const CC_READ_ONLY: CompletionCode = CompletionCode::CommandSpecific82;

/// The SOL configuration of the BMC's one SOL port.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SolConfig {
    set_in_progress: u8,
    enabled: bool,
    force_encryption: bool,
    force_authentication: bool,
    privilege: Privilege,
    accumulate_interval: u8,
    send_threshold: u8,
    retry_count: u8,
    retry_interval: u8,
    non_volatile_bit_rate: u8,
    volatile_bit_rate: u8,
    channel: u8,
    /// The UDP port SOL packets use (parameter 8; the shell sets it, read only over LAN).
    pub port: u16,
    /// Set User Payload Access: bit n set = user n may not activate SOL.
    sol_denied: u64,
    /// Set User Payload Access changed something the shell saves.
    changed: bool,
}

impl Default for SolConfig {
    /// Enabled for User sessions, neither encryption nor authentication forced (the session's
    /// cipher suite decides), 10 ms / 96 characters accumulation, 7 retries 500 ms apart,
    /// 115.2 kbit/s, channel 1, port 623.
    fn default() -> Self {
        SolConfig {
            set_in_progress: 0,
            enabled: true,
            force_encryption: false,
            force_authentication: false,
            privilege: Privilege::User,
            accumulate_interval: 2,
            send_threshold: 96,
            retry_count: 7,
            retry_interval: 50,
            non_volatile_bit_rate: 0x0A,
            volatile_bit_rate: 0x0A,
            channel: 1,
            port: 623,
            sol_denied: 0,
            changed: false,
        }
    }
}

/// The bit rate codes parameters 5 and 6 take (0 = the serial port's own setting).
const BIT_RATES: [u8; 6] = [0, 6, 7, 8, 9, 10];

impl SolConfig {
    /// The writable parameters, in the order a shell should save and restore them.
    pub const SAVED: [P; 6] = [
        P::Enable,
        P::Authentication,
        P::Accumulate,
        P::Retry,
        P::NonVolatileBitRate,
        P::VolatileBitRate,
    ];

    /// SOL may be activated (parameter 1).
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// Activation needs an encrypting session (parameter 2 b7).
    pub fn force_encryption(&self) -> bool {
        self.force_encryption
    }
    /// Activation needs an authenticating session (parameter 2 b6).
    pub fn force_authentication(&self) -> bool {
        self.force_authentication
    }
    /// The privilege a session needs to activate SOL (parameter 2 b3:0).
    pub fn privilege(&self) -> Privilege {
        self.privilege
    }
    /// How long console output may wait to fill a packet, in ms (parameter 3).
    pub fn accumulate_ms(&self) -> u32 {
        u32::from(self.accumulate_interval.max(1)) * 5
    }
    /// How many characters make a packet go out at once (parameter 3; 0 counts as 1).
    pub fn send_threshold(&self) -> u8 {
        self.send_threshold.max(1)
    }
    /// Retransmissions of an unacknowledged packet (parameter 4).
    pub fn retry_count(&self) -> u8 {
        self.retry_count
    }
    /// Time between retransmissions, in ms (parameter 4; 0 counts as 10 ms).
    pub fn retry_interval_ms(&self) -> u32 {
        u32::from(self.retry_interval.max(1)) * 10
    }
    /// The bit rate code in force: the volatile one, else the non-volatile one.
    pub fn bit_rate(&self) -> u8 {
        if self.volatile_bit_rate != 0 {
            self.volatile_bit_rate
        } else {
            self.non_volatile_bit_rate
        }
    }

    /// Whether user `id` may activate SOL (Get User Payload Access; every user by default).
    pub fn user_sol(&self, id: u8) -> bool {
        id < 64 && self.sol_denied & (1u64 << id) == 0
    }

    /// Allows or denies SOL to user `id` (Set User Payload Access); ids above 63 are ignored.
    pub fn set_user_sol(&mut self, id: u8, allowed: bool) {
        if id < 64 {
            let before = self.sol_denied;
            if allowed {
                self.sol_denied &= !(1u64 << id);
            } else {
                self.sol_denied |= 1u64 << id;
            }
            self.changed |= before != self.sol_denied;
        }
    }

    /// The users denied SOL, bit n = user n (what a shell saves).
    pub fn sol_denied(&self) -> u64 {
        self.sol_denied
    }

    /// Restores the users denied SOL (a saved [`SolConfig::sol_denied`]).
    pub fn restore_sol_denied(&mut self, bits: u64) {
        self.sol_denied = bits;
    }

    /// Whether Set User Payload Access changed something since the last call.
    pub fn take_changed(&mut self) -> bool {
        core::mem::take(&mut self.changed)
    }

    /// Writes parameter `p`'s data into `out`; 0x80 for a parameter not served here.
    pub fn get(&self, p: P, out: &mut [u8]) -> Result<usize, CompletionCode> {
        let port = self.port.to_le_bytes();
        let auth = (u8::from(self.force_encryption) << 7)
            | (u8::from(self.force_authentication) << 6)
            | (u8::from(self.privilege) & 0x0F);
        let buf: [u8; 2];
        let data: &[u8] = match p {
            P::SetInProgress => core::slice::from_ref(&self.set_in_progress),
            P::Enable => {
                buf = [u8::from(self.enabled), 0];
                &buf[..1]
            }
            P::Authentication => {
                buf = [auth, 0];
                &buf[..1]
            }
            P::Accumulate => {
                buf = [self.accumulate_interval, self.send_threshold];
                &buf
            }
            P::Retry => {
                buf = [self.retry_count, self.retry_interval];
                &buf
            }
            P::NonVolatileBitRate => core::slice::from_ref(&self.non_volatile_bit_rate),
            P::VolatileBitRate => core::slice::from_ref(&self.volatile_bit_rate),
            P::PayloadChannel => core::slice::from_ref(&self.channel),
            P::PayloadPort => &port,
            P::Unknown(_) => return Err(CC_NOT_SUPPORTED),
        };
        copy_out(data, out)
    }

    /// Sets parameter `p` from `data`: C7 for a wrong length, CC for a value out of range,
    /// 0x82 for a read-only parameter, 0x80 for one not served here.
    pub fn set(&mut self, p: P, data: &[u8]) -> Result<(), CompletionCode> {
        let bad = CompletionCode::InvalidDataField;
        match p {
            P::SetInProgress => self.set_in_progress = set_in_progress(data)?,
            P::Enable => self.enabled = exact::<1>(data)?[0] & 0x01 != 0,
            P::Authentication => {
                let [v] = exact::<1>(data)?;
                let privilege = Privilege::from(v & 0x0F);
                if !(2..=5).contains(&privilege.rank()) {
                    return Err(bad);
                }
                self.force_encryption = v & 0x80 != 0;
                self.force_authentication = v & 0x40 != 0;
                self.privilege = privilege;
            }
            P::Accumulate => {
                let [interval, threshold] = exact::<2>(data)?;
                if interval == 0 {
                    return Err(bad);
                }
                self.accumulate_interval = interval;
                self.send_threshold = threshold;
            }
            P::Retry => {
                let [count, interval] = exact::<2>(data)?;
                self.retry_count = count & 0x07;
                self.retry_interval = interval;
            }
            P::NonVolatileBitRate | P::VolatileBitRate => {
                let [v] = exact::<1>(data)?;
                if !BIT_RATES.contains(&(v & 0x0F)) {
                    return Err(bad);
                }
                if p == P::NonVolatileBitRate {
                    self.non_volatile_bit_rate = v & 0x0F;
                } else {
                    self.volatile_bit_rate = v & 0x0F;
                }
            }
            P::PayloadChannel | P::PayloadPort => return Err(CC_READ_ONLY),
            P::Unknown(_) => return Err(CC_NOT_SUPPORTED),
        }
        Ok(())
    }
}

impl super::parameters::ParameterBlock for SolConfig {
    type Parameter = P;
    const REVISION: u8 = crate::cmd::transport::SOL_CONFIG_REVISION;
    fn get(&self, p: P, out: &mut [u8]) -> Result<usize, CompletionCode> {
        SolConfig::get(self, p, out)
    }
    fn set(&mut self, p: P, data: &[u8]) -> Result<(), CompletionCode> {
        SolConfig::set(self, p, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_saved_parameter_round_trips() {
        let mut s = SolConfig::default();
        let mut out = [0u8; 4];
        for p in SolConfig::SAVED {
            let n = s.get(p, &mut out).unwrap();
            let copy = out;
            assert_eq!(s.set(p, &copy[..n]), Ok(()), "{p:?}");
            assert_eq!(
                s.set(p, &copy[..n - 1]),
                Err(CompletionCode::RequestDataLengthInvalid)
            );
        }
        assert_eq!(s, SolConfig::default());
    }

    #[test]
    fn values_and_refusals() {
        let mut s = SolConfig::default();
        let mut out = [0u8; 4];
        assert_eq!(s.get(P::PayloadPort, &mut out), Ok(2));
        assert_eq!(&out[..2], &[0x6F, 0x02]);
        assert_eq!(s.set(P::PayloadPort, &[1, 2]), Err(CC_READ_ONLY));
        assert_eq!(s.set(P::PayloadChannel, &[1]), Err(CC_READ_ONLY));
        assert_eq!(s.set(P::Unknown(9), &[1]), Err(CC_NOT_SUPPORTED));
        // ipmitool `sol set privilege-level admin`, force encryption.
        assert_eq!(s.set(P::Authentication, &[0x84]), Ok(()));
        assert!(s.force_encryption() && !s.force_authentication());
        assert_eq!(s.privilege(), Privilege::Administrator);
        assert_eq!(
            s.set(P::Authentication, &[0x01]),
            Err(CompletionCode::InvalidDataField)
        );
        assert_eq!(
            s.set(P::Accumulate, &[0, 1]),
            Err(CompletionCode::InvalidDataField)
        );
        assert_eq!(s.set(P::Accumulate, &[12, 50]), Ok(()));
        assert_eq!((s.accumulate_ms(), s.send_threshold()), (60, 50));
        assert_eq!(s.set(P::Retry, &[3, 20]), Ok(()));
        assert_eq!((s.retry_count(), s.retry_interval_ms()), (3, 200));
        assert_eq!(
            s.set(P::VolatileBitRate, &[0x05]),
            Err(CompletionCode::InvalidDataField)
        );
        assert_eq!(s.set(P::VolatileBitRate, &[0x06]), Ok(()));
        assert_eq!(s.bit_rate(), 6);
        assert_eq!(s.set(P::Enable, &[0]), Ok(()));
        assert!(!s.enabled());
        assert_eq!(s.set(P::SetInProgress, &[1]), Ok(()));
        assert_eq!(s.get(P::SetInProgress, &mut out), Ok(1));
        assert_eq!(out[0], 1);
        assert_eq!(s.set(P::SetInProgress, &[2]), Ok(()));
        assert_eq!(s.get(P::SetInProgress, &mut out), Ok(1));
        assert_eq!(out[0], 0);
    }
}
