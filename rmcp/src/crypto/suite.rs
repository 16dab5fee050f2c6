//! The RMCP+ algorithm numbers and the one static table of cipher suites we implement.
//!
//! Every standard suite that ipmitool or freeipmi can speak: 0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16,
//! 17 (the xRC4 suites 4, 5, 9, 10, 13, 14, 18, 19 are left out: no client implements them).

pub use crate::wire::algorithm::{AuthAlg, ConfAlg, IntegrityAlg};

/// One cipher suite: an id and its three algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CipherSuite {
    /// Cipher suite id (as in Get Channel Cipher Suites and `ipmitool -C`).
    pub id: u8,
    /// Authentication algorithm (RAKP).
    pub auth: AuthAlg,
    /// Integrity algorithm.
    pub integrity: IntegrityAlg,
    /// Confidentiality algorithm.
    pub confidentiality: ConfAlg,
}

const fn suite(id: u8, auth: AuthAlg, integrity: IntegrityAlg, conf: ConfAlg) -> CipherSuite {
    CipherSuite {
        id,
        auth,
        integrity,
        confidentiality: conf,
    }
}

/// Every suite we implement, in id order.
pub static SUITES: [CipherSuite; 12] = {
    use AuthAlg as A;
    use ConfAlg as C;
    use IntegrityAlg as I;
    [
        suite(0, A::None, I::None, C::None),
        suite(1, A::HmacSha1, I::None, C::None),
        suite(2, A::HmacSha1, I::HmacSha1_96, C::None),
        suite(3, A::HmacSha1, I::HmacSha1_96, C::AesCbc128),
        suite(6, A::HmacMd5, I::None, C::None),
        suite(7, A::HmacMd5, I::HmacMd5_128, C::None),
        suite(8, A::HmacMd5, I::HmacMd5_128, C::AesCbc128),
        suite(11, A::HmacMd5, I::Md5_128, C::None),
        suite(12, A::HmacMd5, I::Md5_128, C::AesCbc128),
        suite(15, A::HmacSha256, I::None, C::None),
        suite(16, A::HmacSha256, I::HmacSha256_128, C::None),
        suite(17, A::HmacSha256, I::HmacSha256_128, C::AesCbc128),
    ]
};

/// Start-of-record byte for a standard cipher suite in Get Channel Cipher Suites.
pub const RECORD_START: u8 = 0xC0;
/// Tag bits of the integrity byte in a cipher suite record.
pub const RECORD_INTEGRITY_TAG: u8 = 0x40;
/// Tag bits of the confidentiality byte in a cipher suite record.
pub const RECORD_CONF_TAG: u8 = 0x80;

impl CipherSuite {
    /// The suite with this id, if we implement it.
    pub fn by_id(id: u8) -> Option<&'static CipherSuite> {
        SUITES.iter().find(|s| s.id == id)
    }

    /// The suite with exactly these algorithms, if we implement it (Open Session).
    pub fn by_algorithms(
        auth: AuthAlg,
        integrity: IntegrityAlg,
        confidentiality: ConfAlg,
    ) -> Option<&'static CipherSuite> {
        SUITES.iter().find(|s| {
            s.auth == auth && s.integrity == integrity && s.confidentiality == confidentiality
        })
    }

    /// The full 5-byte record for Get Channel Cipher Suites:
    /// `C0 · id · auth · 40|integrity · 80|confidentiality`.
    pub fn record(&self) -> [u8; 5] {
        [
            RECORD_START,
            self.id,
            u8::from(self.auth) & 0x3F,
            RECORD_INTEGRITY_TAG | (u8::from(self.integrity) & 0x3F),
            RECORD_CONF_TAG | (u8::from(self.confidentiality) & 0x3F),
        ]
    }

    /// Whether in-session packets carry an integrity trailer.
    pub fn authenticated(&self) -> bool {
        self.integrity != IntegrityAlg::None
    }

    /// Whether in-session payloads are encrypted.
    pub fn encrypted(&self) -> bool {
        self.confidentiality != ConfAlg::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert_eq!(SUITES.len(), 12);
        for s in SUITES.iter() {
            assert_eq!(CipherSuite::by_id(s.id), Some(s));
            assert_eq!(
                CipherSuite::by_algorithms(s.auth, s.integrity, s.confidentiality),
                Some(s)
            );
            assert!(s.auth.digest_len().is_some());
            assert!(s.integrity.auth_code_len().is_some());
        }
        for id in [4u8, 5, 9, 10, 13, 14, 18, 19, 255] {
            assert_eq!(CipherSuite::by_id(id), None);
        }
        let s17 = CipherSuite::by_id(17).unwrap();
        assert_eq!(
            (s17.auth, s17.integrity, s17.confidentiality),
            (
                AuthAlg::HmacSha256,
                IntegrityAlg::HmacSha256_128,
                ConfAlg::AesCbc128
            )
        );
        assert_eq!(
            CipherSuite::by_algorithms(
                AuthAlg::HmacSha1,
                IntegrityAlg::HmacSha1_96,
                ConfAlg::Xrc4_128
            ),
            None
        );
    }

    #[test]
    fn records() {
        // Suite 3 as ipmi_sim lists it: c0 03 01 41 81.
        let s3 = CipherSuite::by_id(3).unwrap();
        assert_eq!(s3.record(), [0xc0, 0x03, 0x01, 0x41, 0x81]);
        assert_eq!(
            CipherSuite::by_id(17).unwrap().record(),
            [0xc0, 0x11, 0x03, 0x44, 0x81]
        );
        assert_eq!(
            CipherSuite::by_id(0).unwrap().record(),
            [0xc0, 0x00, 0x00, 0x40, 0x80]
        );
    }
}
