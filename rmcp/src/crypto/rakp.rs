//! The RAKP key exchange: RAKP2/RAKP3 auth codes, SIK, K1/K2 and the RAKP4 ICV.
//!
//! SIDm = console session id, SIDc = BMC session id (4 little-endian bytes as on the wire),
//! ROLE = the whole RAKP1 role byte (bit 4 included), ULEN/UNAME = user name length and bytes.
//!
//! - RAKP2 code = HMAC_Kuid(SIDm ‖ SIDc ‖ Rm ‖ Rc ‖ GUID ‖ ROLE ‖ ULEN ‖ UNAME), full digest
//! - RAKP3 code = HMAC_Kuid(Rc ‖ SIDm ‖ ROLE ‖ ULEN ‖ UNAME), full digest
//! - SIK = HMAC_KG(Rm ‖ Rc ‖ ROLE ‖ ULEN ‖ UNAME), KG = K_g when set, else Kuid
//! - RAKP4 ICV = HMAC_SIK(Rm ‖ SIDc ‖ GUID) truncated to 12 (SHA1) / 16 (MD5, SHA256) bytes
//! - K1 = HMAC_SIK(0x01 × 20), K2 = HMAC_SIK(0x02 × 20): 20-byte constants for every hash
use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::mac::{self, MAX_DIGEST};
use super::{AuthAlg, CryptoError, Kg, Kuid, SessionKey};

/// Longest user name RAKP1 can carry.
pub use crate::wire::rakp::MAX_USER_NAME;
/// Length of the K1/K2 derivation constants (the same for every hash).
pub const KEY_CONSTANT_LEN: usize = 20;

/// Everything the RAKP codes are computed over, as exchanged in Open Session and RAKP1/RAKP2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RakpContext<'a> {
    /// SIDm: the console's session id.
    pub console_session_id: u32,
    /// SIDc: the BMC's session id.
    pub bmc_session_id: u32,
    /// Rm: the console's random number (RAKP1).
    pub console_random: [u8; 16],
    /// Rc: the BMC's random number (RAKP2).
    pub bmc_random: [u8; 16],
    /// GUIDc: the BMC GUID as sent in RAKP2.
    pub bmc_guid: [u8; 16],
    /// The whole RAKP1 role byte: bits 3:0 privilege, bit 4 name-only lookup.
    pub role: u8,
    /// The user name from RAKP1 (0..=16 bytes, no padding).
    pub user_name: &'a [u8],
}

impl RakpContext<'_> {
    fn ulen(&self) -> Result<[u8; 1], CryptoError> {
        if self.user_name.len() > MAX_USER_NAME {
            Err(CryptoError::InvalidLength)
        } else {
            Ok([self.user_name.len() as u8])
        }
    }
}

/// A key exchange auth code or ICV (up to 32 bytes). These travel in the clear, so they may print.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthCode {
    bytes: [u8; MAX_DIGEST],
    len: usize,
}

impl AuthCode {
    /// The code bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    /// Its length (0, 12, 16, 20 or 32).
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the code is empty (auth algorithm none).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Constant-time comparison with received bytes (lengths must match too).
    pub fn ct_matches(&self, other: &[u8]) -> bool {
        other.len() == self.len && bool::from(self.as_bytes().ct_eq(other))
    }
}

impl fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthCode(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

fn code(alg: AuthAlg, key: &[u8], parts: &[&[u8]], keep: usize) -> Result<AuthCode, CryptoError> {
    let mut bytes = [0u8; MAX_DIGEST];
    let n = mac::hmac(alg, key, parts, &mut bytes)?;
    let len = keep.min(n);
    bytes[len..].zeroize();
    Ok(AuthCode { bytes, len })
}

fn key(alg: AuthAlg, key: &[u8], parts: &[&[u8]]) -> Result<SessionKey, CryptoError> {
    let mut bytes = [0u8; MAX_DIGEST];
    let n = mac::hmac(alg, key, parts, &mut bytes)?;
    let k = SessionKey::from_slice(&bytes[..n]);
    bytes.zeroize();
    k
}

fn full_len(alg: AuthAlg) -> Result<usize, CryptoError> {
    alg.digest_len().ok_or(CryptoError::Unsupported)
}

fn icv_len(alg: AuthAlg) -> Result<usize, CryptoError> {
    alg.rakp4_icv_len().ok_or(CryptoError::Unsupported)
}

/// The RAKP2 key exchange auth code (the BMC sends it; the console checks it).
pub fn rakp2_auth_code(
    alg: AuthAlg,
    kuid: &Kuid,
    ctx: &RakpContext<'_>,
) -> Result<AuthCode, CryptoError> {
    let ulen = ctx.ulen()?;
    code(
        alg,
        kuid.padded(),
        &[
            &ctx.console_session_id.to_le_bytes(),
            &ctx.bmc_session_id.to_le_bytes(),
            &ctx.console_random,
            &ctx.bmc_random,
            &ctx.bmc_guid,
            &[ctx.role],
            &ulen,
            ctx.user_name,
        ],
        full_len(alg)?,
    )
}

/// Checks a received RAKP2 auth code in constant time (console side).
pub fn verify_rakp2_auth_code(
    alg: AuthAlg,
    kuid: &Kuid,
    ctx: &RakpContext<'_>,
    received: &[u8],
) -> Result<(), CryptoError> {
    let ulen = ctx.ulen()?;
    mac::hmac_verify(
        alg,
        kuid.padded(),
        &[
            &ctx.console_session_id.to_le_bytes(),
            &ctx.bmc_session_id.to_le_bytes(),
            &ctx.console_random,
            &ctx.bmc_random,
            &ctx.bmc_guid,
            &[ctx.role],
            &ulen,
            ctx.user_name,
        ],
        received,
        full_len(alg)?,
    )
}

/// The RAKP3 key exchange auth code (the console sends it).
pub fn rakp3_auth_code(
    alg: AuthAlg,
    kuid: &Kuid,
    ctx: &RakpContext<'_>,
) -> Result<AuthCode, CryptoError> {
    let ulen = ctx.ulen()?;
    code(
        alg,
        kuid.padded(),
        &[
            &ctx.bmc_random,
            &ctx.console_session_id.to_le_bytes(),
            &[ctx.role],
            &ulen,
            ctx.user_name,
        ],
        full_len(alg)?,
    )
}

/// Checks a received RAKP3 auth code in constant time (BMC side): `Mismatch` means a wrong
/// password (status 0x0F, count a failed login).
pub fn verify_rakp3_auth_code(
    alg: AuthAlg,
    kuid: &Kuid,
    ctx: &RakpContext<'_>,
    received: &[u8],
) -> Result<(), CryptoError> {
    let ulen = ctx.ulen()?;
    mac::hmac_verify(
        alg,
        kuid.padded(),
        &[
            &ctx.bmc_random,
            &ctx.console_session_id.to_le_bytes(),
            &[ctx.role],
            &ulen,
            ctx.user_name,
        ],
        received,
        full_len(alg)?,
    )
}

/// The session integrity key SIK, keyed with K_g when given, else with Kuid.
pub fn sik(
    alg: AuthAlg,
    kuid: &Kuid,
    kg: Option<&Kg>,
    ctx: &RakpContext<'_>,
) -> Result<SessionKey, CryptoError> {
    let ulen = ctx.ulen()?;
    let k = match kg {
        Some(kg) => kg.padded(),
        None => kuid.padded(),
    };
    full_len(alg)?;
    key(
        alg,
        k,
        &[
            &ctx.console_random,
            &ctx.bmc_random,
            &[ctx.role],
            &ulen,
            ctx.user_name,
        ],
    )
}

/// K1 = HMAC_SIK(0x01 × 20): the integrity key.
pub fn k1(alg: AuthAlg, sik: &SessionKey) -> Result<SessionKey, CryptoError> {
    full_len(alg)?;
    key(alg, sik.as_bytes(), &[&[0x01; KEY_CONSTANT_LEN]])
}

/// K2 = HMAC_SIK(0x02 × 20): the confidentiality key (AES uses its first 16 bytes).
pub fn k2(alg: AuthAlg, sik: &SessionKey) -> Result<SessionKey, CryptoError> {
    full_len(alg)?;
    key(alg, sik.as_bytes(), &[&[0x02; KEY_CONSTANT_LEN]])
}

/// The RAKP4 integrity check value HMAC_SIK(Rm ‖ SIDc ‖ GUID), truncated (the BMC sends it).
pub fn rakp4_icv(
    alg: AuthAlg,
    sik: &SessionKey,
    ctx: &RakpContext<'_>,
) -> Result<AuthCode, CryptoError> {
    code(
        alg,
        sik.as_bytes(),
        &[
            &ctx.console_random,
            &ctx.bmc_session_id.to_le_bytes(),
            &ctx.bmc_guid,
        ],
        icv_len(alg)?,
    )
}

/// Checks a received RAKP4 ICV in constant time (console side).
pub fn verify_rakp4_icv(
    alg: AuthAlg,
    sik: &SessionKey,
    ctx: &RakpContext<'_>,
    received: &[u8],
) -> Result<(), CryptoError> {
    mac::hmac_verify(
        alg,
        sik.as_bytes(),
        &[
            &ctx.console_random,
            &ctx.bmc_session_id.to_le_bytes(),
            &ctx.bmc_guid,
        ],
        received,
        icv_len(alg)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    // cs17-ipmitool-power-status.txt, derived values (fakebmc.py; the RAKP3 code is ipmitool's).
    fn ctx17() -> RakpContext<'static> {
        RakpContext {
            console_session_id: 0xa0a2a3a4,
            bmc_session_id: 0x0b101105,
            console_random: hex("96bc6d2db9c5e1a6070d193179d9bbb8"),
            bmc_random: hex("f2e2e4e6f71ce0f24406736fcb5ccf01"),
            bmc_guid: hex("00112233445566778899aabbccddeeff"),
            role: 0x14,
            user_name: b"admin",
        }
    }

    #[test]
    fn suite17_known_answers() {
        let kuid = Kuid::from_slice(b"password").unwrap();
        let ctx = ctx17();
        let a = AuthAlg::HmacSha256;
        let r2 = rakp2_auth_code(a, &kuid, &ctx).unwrap();
        assert_eq!(
            r2.as_bytes(),
            hex::<32>("882bd6124f5dee86aeb9aa87131a7059f54702bb40002d5943f9209e591b6ed0")
        );
        verify_rakp2_auth_code(a, &kuid, &ctx, r2.as_bytes()).unwrap();
        let r3: [u8; 32] = hex("458e16ec5e45f56b22d6b27b73d29ff390a2363907ba3fb59e6215064b69162b");
        assert_eq!(rakp3_auth_code(a, &kuid, &ctx).unwrap().as_bytes(), r3);
        verify_rakp3_auth_code(a, &kuid, &ctx, &r3).unwrap();
        assert_eq!(
            verify_rakp3_auth_code(a, &kuid, &ctx, &r3[..31]),
            Err(CryptoError::Mismatch)
        );
        let wrong = Kuid::from_slice(b"passwore").unwrap();
        assert_eq!(
            verify_rakp3_auth_code(a, &wrong, &ctx, &r3),
            Err(CryptoError::Mismatch)
        );
        let s = sik(a, &kuid, None, &ctx).unwrap();
        assert_eq!(
            s.as_bytes(),
            hex::<32>("caa3316841a27b67252505b75370835ecf92f1eb60ec2a87b23e4e6475fbb09d")
        );
        assert_eq!(
            k1(a, &s).unwrap().as_bytes(),
            hex::<32>("a8f66347750669039044e5447a3633408ca1ab2b6aece7e6978074ac0ba59676")
        );
        assert_eq!(
            k2(a, &s).unwrap().as_bytes(),
            hex::<32>("81ae369db46805e3b65fd31813fd1772dda9eb39cba639eecd30a7f0055c6a31")
        );
        let icv = rakp4_icv(a, &s, &ctx).unwrap();
        assert_eq!(
            icv.as_bytes(),
            hex::<16>("70c96708ea30a3f8ec57b46a4e1dea4a")
        );
        verify_rakp4_icv(a, &s, &ctx, icv.as_bytes()).unwrap();
        assert!(icv.ct_matches(&hex::<16>("70c96708ea30a3f8ec57b46a4e1dea4a")));
        assert!(!icv.ct_matches(&hex::<12>("70c96708ea30a3f8ec57b46a")));
    }

    #[test]
    fn none_and_bad_inputs() {
        let kuid = Kuid::from_slice(b"password").unwrap();
        let ctx = ctx17();
        assert!(rakp2_auth_code(AuthAlg::None, &kuid, &ctx)
            .unwrap()
            .is_empty());
        verify_rakp3_auth_code(AuthAlg::None, &kuid, &ctx, &[]).unwrap();
        assert_eq!(
            verify_rakp3_auth_code(AuthAlg::None, &kuid, &ctx, &[0]),
            Err(CryptoError::Mismatch)
        );
        assert_eq!(
            rakp2_auth_code(AuthAlg::Unknown(7), &kuid, &ctx),
            Err(CryptoError::Unsupported)
        );
        let long = RakpContext {
            user_name: &[b'a'; 17],
            ..ctx
        };
        assert_eq!(
            rakp2_auth_code(AuthAlg::HmacSha1, &kuid, &long),
            Err(CryptoError::InvalidLength)
        );
    }
}
