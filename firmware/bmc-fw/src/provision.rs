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

fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for b in out.iter_mut() {
        *b = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn parse_hex(s: &str) -> Option<Vec<u8, 20>> {
    if s.len() % 2 != 0 {
        return None;
    }
    let mut out = Vec::new();
    for i in (0..s.len()).step_by(2) {
        out.push(u8::from_str_radix(s.get(i..i + 2)?, 16).ok()?).ok()?;
    }
    Some(out)
}

fn parse_privilege(s: &str) -> Option<Privilege> {
    Some(match s {
        "callback" => Privilege::Callback,
        "user" => Privilege::User,
        "operator" => Privilege::Operator,
        "administrator" | "admin" => Privilege::Administrator,
        _ => return None,
    })
}

/// Parses `blob` and, if its `seq` is above `saved.blob_seq`, applies it to `saved`. Returns
/// whether anything was applied.
pub fn apply(blob: &[u8], saved: &mut Saved) -> Result<bool, BlobError> {
    let end = blob.iter().position(|&b| b == 0xFF || b == 0).unwrap_or(blob.len());
    let text = core::str::from_utf8(&blob[..end]).map_err(|_| BlobError::Absent)?;
    let mut lines = text.split('\n');
    if lines.next().map(str::trim) != Some(MAGIC) {
        return Err(BlobError::Absent);
    }
    let mut next = saved.clone();
    let mut seq = None;
    let mut users: Vec<SavedUser, USERS> = Vec::new();
    let mut address: Option<Option<StaticIp>> = None; // Some(None) = DHCP
    let mut gateway = None;
    let mut complete = false;
    for (i, raw) in lines.enumerate() {
        let n = (i + 2) as u16;
        let bad = BlobError::BadLine(n);
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line == "END" {
            complete = true;
            break;
        }
        let (key, value) = line.split_once('=').ok_or(bad)?;
        match (key.trim(), value.trim()) {
            ("seq", v) => seq = Some(v.parse::<u32>().map_err(|_| bad)?),
            ("user", v) => {
                let mut it = v.splitn(3, ':');
                let (name, password, privilege) = (it.next().ok_or(bad)?, it.next().ok_or(bad)?, it.next().ok_or(bad)?);
                let privilege = parse_privilege(privilege).ok_or(bad)?;
                if name.is_empty() || password.is_empty() || users.iter().any(|u| u.name == name.as_bytes()) {
                    return Err(bad);
                }
                let user = SavedUser::new_enabled(
                    Vec::from_slice(name.as_bytes()).map_err(|_| bad)?,
                    Vec::from_slice(password.as_bytes()).map_err(|_| bad)?,
                    privilege.into(),
                );
                // Id 1 is the null user: named users take ids 2..=USERS.
                if users.len() + 1 >= USERS {
                    return Err(bad);
                }
                users.push(user).map_err(|_| bad)?;
            }
            ("kg", "none") => next.kg = None,
            ("kg", v) => next.kg = Some(parse_hex(v).ok_or(bad)?),
            ("address", "dhcp") => address = Some(None),
            ("address", v) => {
                let (ip, len) = v.split_once('/').ok_or(bad)?;
                let prefix: u8 = len.parse().ok().filter(|l| *l <= 32).ok_or(bad)?;
                address = Some(Some(StaticIp { address: parse_ipv4(ip).ok_or(bad)?, prefix, gateway: None }));
            }
            ("gateway", v) => gateway = Some(parse_ipv4(v).ok_or(bad)?),
            ("suites", v) => {
                let mut mask = 0u32;
                for id in v.split(',') {
                    let id: u8 = id.trim().parse().map_err(|_| bad)?;
                    if !rmcp::server::KNOWN_SUITES.contains(&id) {
                        return Err(bad);
                    }
                    mask |= 1 << id;
                }
                next.suites = mask;
            }
            _ => return Err(bad),
        }
    }
    if !complete {
        return Err(BlobError::Incomplete);
    }
    let seq = seq.ok_or(BlobError::NoSeq)?;
    if seq <= saved.blob_seq {
        return Ok(false);
    }
    if !users.is_empty() {
        let null = next.users[0].take();
        next.users = core::array::from_fn(|_| None);
        next.users[0] = null;
        for (slot, u) in next.users.iter_mut().skip(1).zip(users) {
            *slot = Some(u);
        }
    }
    match address {
        Some(None) => {
            let fallback = match next.network {
                Network::Dhcp { fallback } | Network::Static(fallback) => fallback,
            };
            next.network = Network::Dhcp { fallback };
        }
        Some(Some(mut ip)) => {
            ip.gateway = gateway;
            next.network = Network::Static(ip);
        }
        None => {}
    }
    next.blob_seq = seq;
    *saved = next;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
