//! Provisioning without rebuilding: a text blob written to a known flash region (by
//! `probe-rs download`, `cargo flash`, or QEMU's `-device loader`), read at boot and applied
//! once into the store.
//!
//! ```text
//! BMC-PROVISION 1
//! seq=1                              # applied only if above the last blob applied
//! user=alice:secret:administrator    # up to 4; replace every named user
//! kg=0123456789abcdef                # optional, hex, up to 20 bytes (kg=none clears)
//! address=dhcp                       # or 192.168.1.50/24 (then gateway= optional)
//! gateway=192.168.1.1
//! suites=3,17                        # optional; default: the current set
//! END
//! ```
//! Lines end in `\n`; `#` starts a comment. Without the `END` line (a torn or partial write)
//! the blob is ignored, as is any blob with a mistake (logged with its line number).
use heapless::Vec;
use ipmi_core::Privilege;

use crate::bmc::USERS;
use crate::store::{Network, Saved, SavedUser, StaticIp};

/// The first line of a blob.
pub const MAGIC: &str = "BMC-PROVISION 1";
/// Largest blob read.
pub const MAX_BLOB: usize = 1024;

/// Why a blob was not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BlobError {
    /// No blob (erased flash, or not the magic line).
    Absent,
    /// No `END` line within [`MAX_BLOB`] bytes.
    Incomplete,
    /// Line `n` (1-based) is wrong.
    BadLine(u16),
    /// No `seq=` line.
    NoSeq,
}

// The parser works on bytes (ASCII), not `str`: UTF-8 validation, Unicode trimming and
// `str::parse` would cost about 1.7 KiB of flash on an image with a 128 KiB budget.

/// `b` split at the first `sep`.
fn split_once(b: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let i = b.iter().position(|&c| c == sep)?;
    Some((&b[..i], &b[i + 1..]))
}

/// A decimal number of 1 to 9 digits.
fn number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

fn byte(b: &[u8]) -> Option<u8> {
    u8::try_from(number(b)?).ok()
}

fn parse_ipv4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split(|&c| c == b'.');
    for b in out.iter_mut() {
        *b = byte(parts.next()?)?;
    }
    parts.next().is_none().then_some(out)
}

fn nibble(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn parse_hex(s: &[u8]) -> Option<Vec<u8, 20>> {
    if s.len() % 2 != 0 {
        return None;
    }
    let mut out = Vec::new();
    for pair in s.chunks(2) {
        out.push(nibble(pair[0])? << 4 | nibble(pair[1])?).ok()?;
    }
    Some(out)
}

fn parse_privilege(s: &[u8]) -> Option<Privilege> {
    Some(match s {
        b"callback" => Privilege::Callback,
        b"user" => Privilege::User,
        b"operator" => Privilege::Operator,
        b"administrator" | b"admin" => Privilege::Administrator,
        _ => return None,
    })
}

/// Changes read from provisioning lines (a blob, or the console), applied all at once by
/// [`Changes::apply_to`]: what a line does not name stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// `seq=` (blobs only).
    pub seq: Option<u32>,
    users: Vec<SavedUser, USERS>,
    kg: Option<Option<Vec<u8, 20>>>,
    address: Option<Option<StaticIp>>, // Some(None) = DHCP
    gateway: Option<[u8; 4]>,
    suites: Option<u32>,
}

impl Changes {
    /// Whether no line changed anything yet.
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }

    /// Reads one line (comments and blanks allowed). `Ok(true)` for `END`; `Err(())` for a line
    /// that is not a known `key=value` with a valid value.
    #[allow(clippy::result_unit_err)]
    pub fn line(&mut self, raw: &[u8]) -> Result<bool, ()> {
        let line = raw.split(|&c| c == b'#').next().unwrap_or(b"").trim_ascii();
        if line.is_empty() {
            return Ok(false);
        }
        if line == b"END" {
            return Ok(true);
        }
        let (key, value) = split_once(line, b'=').ok_or(())?;
        match (key.trim_ascii(), value.trim_ascii()) {
            (b"seq", v) => self.seq = Some(number(v).ok_or(())?),
            (b"user", v) => {
                let (name, rest) = split_once(v, b':').ok_or(())?;
                // The privilege is after the last colon: a password may hold colons.
                let at = rest.iter().rposition(|&c| c == b':').ok_or(())?;
                let (password, privilege) = (&rest[..at], &rest[at + 1..]);
                let privilege = parse_privilege(privilege).ok_or(())?;
                if name.is_empty() || password.is_empty() || self.users.iter().any(|u| u.name == name) {
                    return Err(());
                }
                let user = SavedUser::new_enabled(
                    Vec::from_slice(name).map_err(|_| ())?,
                    Vec::from_slice(password).map_err(|_| ())?,
                    privilege.into(),
                );
                // Id 1 is the null user: named users take ids 2..=USERS.
                if self.users.len() + 1 >= USERS {
                    return Err(());
                }
                self.users.push(user).map_err(|_| ())?;
            }
            (b"kg", b"none") => self.kg = Some(None),
            (b"kg", v) => self.kg = Some(Some(parse_hex(v).ok_or(())?)),
            (b"address", b"dhcp") => self.address = Some(None),
            (b"address", v) => {
                let (ip, len) = split_once(v, b'/').ok_or(())?;
                let prefix = byte(len).filter(|l| *l <= 32).ok_or(())?;
                self.address = Some(Some(StaticIp { address: parse_ipv4(ip).ok_or(())?, prefix, gateway: None }));
            }
            (b"gateway", v) => self.gateway = Some(parse_ipv4(v).ok_or(())?),
            (b"suites", v) => {
                let mut mask = 0u32;
                for id in v.split(|&c| c == b',') {
                    let id = byte(id.trim_ascii()).ok_or(())?;
                    if !rmcp::server::KNOWN_SUITES.contains(&id) {
                        return Err(());
                    }
                    mask |= 1 << id;
                }
                self.suites = Some(mask);
            }
            _ => return Err(()),
        }
        Ok(false)
    }

    /// Applies the changes to `saved`. Users given replace every named user (ids 2, 3, ...).
    pub fn apply_to(self, saved: &mut Saved) {
        if !self.users.is_empty() {
            let null = saved.users[0].take();
            saved.users = core::array::from_fn(|_| None);
            saved.users[0] = null;
            for (slot, u) in saved.users.iter_mut().skip(1).zip(self.users) {
                *slot = Some(u);
            }
        }
        if let Some(kg) = self.kg {
            saved.kg = kg;
        }
        if let Some(mask) = self.suites {
            saved.suites = mask;
        }
        let current = match saved.network {
            Network::Dhcp { fallback } | Network::Static(fallback) => fallback,
        };
        match self.address {
            Some(None) => saved.network = Network::Dhcp { fallback: current },
            Some(Some(mut ip)) => {
                ip.gateway = self.gateway;
                saved.network = Network::Static(ip);
            }
            // A gateway alone changes the static address's (or the fallback's) gateway.
            None => {
                if let Some(gw) = self.gateway {
                    let ip = StaticIp { gateway: Some(gw), ..current };
                    saved.network = match saved.network {
                        Network::Dhcp { .. } => Network::Dhcp { fallback: ip },
                        Network::Static(_) => Network::Static(ip),
                    };
                }
            }
        }
    }
}

/// Parses `blob` and, if its `seq` is above `saved.blob_seq`, applies it to `saved`. Returns
/// whether anything was applied.
pub fn apply(blob: &[u8], saved: &mut Saved) -> Result<bool, BlobError> {
    let end = blob.iter().position(|&b| b == 0xFF || b == 0).unwrap_or(blob.len());
    let mut lines = blob[..end].split(|&c| c == b'\n');
    if lines.next().map(<[u8]>::trim_ascii) != Some(MAGIC.as_bytes()) {
        return Err(BlobError::Absent);
    }
    let mut changes = Changes::default();
    let mut complete = false;
    for (i, raw) in lines.enumerate() {
        match changes.line(raw) {
            Ok(true) => {
                complete = true;
                break;
            }
            Ok(false) => {}
            Err(()) => return Err(BlobError::BadLine((i + 2) as u16)),
        }
    }
    if !complete {
        return Err(BlobError::Incomplete);
    }
    let seq = changes.seq.ok_or(BlobError::NoSeq)?;
    if seq <= saved.blob_seq {
        return Ok(false);
    }
    changes.apply_to(saved);
    saved.blob_seq = seq;
    Ok(true)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    const BLOB: &[u8] = b"BMC-PROVISION 1\nseq=2\nuser=carol:secret:administrator # admin\nuser=dave:pw2:operator\nkg=0011\naddress=192.168.1.50/24\ngateway=192.168.1.1\nsuites=3,17\nEND\n\xff\xff";

    #[test]
    fn applies_once_and_names_bad_lines() {
        let mut s = Saved::from_build_config();
        assert_eq!(apply(BLOB, &mut s), Ok(true));
        assert_eq!(s.blob_seq, 2);
        assert_eq!(s.users[1].as_ref().unwrap().name.as_slice(), b"carol");
        assert_eq!(s.users[2].as_ref().unwrap().privilege, u8::from(Privilege::Operator));
        assert_eq!(s.kg.as_deref(), Some(&[0x00, 0x11][..]));
        assert_eq!(s.suites, 1 << 3 | 1 << 17);
        assert_eq!(
            s.network,
            Network::Static(StaticIp { address: [192, 168, 1, 50], prefix: 24, gateway: Some([192, 168, 1, 1]) })
        );
        // The same blob again: nothing to do (a later LAN change stays).
        assert_eq!(apply(BLOB, &mut s), Ok(false));
        // Cut before END (a partial write), or a typo: ignored, state untouched.
        let before = s.clone();
        let cut = &BLOB[..BLOB.len() - 8];
        assert_eq!(apply(cut, &mut s), Err(BlobError::Incomplete));
        assert_eq!(apply(b"BMC-PROVISION 1\nseq=9\nusr=x:y:user\nEND\n", &mut s), Err(BlobError::BadLine(3)));
        assert_eq!(apply(&[0xFF; 64], &mut s), Err(BlobError::Absent));
        assert_eq!(s, before);
    }

    #[test]
    fn console_lines() {
        let mut s = Saved::from_build_config();
        let mut c = Changes::default();
        assert!(c.is_empty());
        assert_eq!(c.line(b"  # a comment"), Ok(false));
        assert_eq!(c.line(b"user=erin:pa:ss:word:operator"), Ok(false));
        assert_eq!(c.line(b"gateway=10.0.2.3"), Ok(false));
        for bad in [
            &b"user=erin:x:operator"[..], // the same name twice
            b"user=x:y:root",
            b"user=:y:user",
            b"suites=3,99",
            b"address=10.0.2.300/24",
            b"address=10.0.2.3/33",
            b"kg=abc",
            b"kg=zz",
            b"seq=12345678901",
            b"bogus",
        ] {
            assert_eq!(c.line(bad), Err(()), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(c.line(b"END"), Ok(true));
        assert!(!c.is_empty());
        c.apply_to(&mut s);
        let erin = s.users[1].as_ref().unwrap();
        assert_eq!((erin.name.as_slice(), erin.password.as_slice()), (&b"erin"[..], &b"pa:ss:word"[..]));
        assert!(s.users[2].is_none());
        // A gateway alone changes the current address's gateway.
        let gw = match s.network {
            Network::Dhcp { fallback } | Network::Static(fallback) => fallback.gateway,
        };
        assert_eq!(gw, Some([10, 0, 2, 3]));
    }
}
