//! The RMCP+ algorithm numbers of Open Session and Get Channel Cipher Suites, and the lengths of
//! the fields each one fixes on the wire (key exchange codes, RAKP4 ICV, the session AuthCode).
//! Numbers and lengths only: the algorithms themselves are in `crypto`.

open_enum! {
    /// Authentication (RAKP) algorithm, Open Session payload type 0.
    pub enum AuthAlg {
        /// 0 RAKP-none.
        None = 0x00,
        /// 1 RAKP-HMAC-SHA1.
        HmacSha1 = 0x01,
        /// 2 RAKP-HMAC-MD5.
        HmacMd5 = 0x02,
        /// 3 RAKP-HMAC-SHA256.
        HmacSha256 = 0x03,
    }
}

open_enum! {
    /// Integrity algorithm, Open Session payload type 1.
    pub enum IntegrityAlg {
        /// 0 none.
        None = 0x00,
        /// 1 HMAC-SHA1-96 (K1, 12-byte code).
        HmacSha1_96 = 0x01,
        /// 2 HMAC-MD5-128 (K1, 16-byte code).
        HmacMd5_128 = 0x02,
        /// 3 MD5-128 (MD5 of Kuid ‖ data ‖ Kuid, 16-byte code).
        Md5_128 = 0x03,
        /// 4 HMAC-SHA256-128 (K1, 16-byte code).
        HmacSha256_128 = 0x04,
    }
}

open_enum! {
    /// Confidentiality algorithm, Open Session payload type 2.
    pub enum ConfAlg {
        /// 0 none.
        None = 0x00,
        /// 1 AES-CBC-128 (key K2[0..16]).
        AesCbc128 = 0x01,
        /// 2 xRC4-128 (not implemented).
        Xrc4_128 = 0x02,
        /// 3 xRC4-40 (not implemented).
        Xrc4_40 = 0x03,
    }
}

impl AuthAlg {
    /// Length of the RAKP2/RAKP3 key exchange auth code, of SIK, K1 and K2: the full digest
    /// (0, 20, 16, 32). `None` for unknown algorithms.
    pub const fn digest_len(self) -> Option<usize> {
        match self {
            AuthAlg::None => Some(0),
            AuthAlg::HmacSha1 => Some(20),
            AuthAlg::HmacMd5 => Some(16),
            AuthAlg::HmacSha256 => Some(32),
            AuthAlg::Unknown(_) => None,
        }
    }

    /// Length of the RAKP4 integrity check value (0, 12, 16, 16).
    pub const fn rakp4_icv_len(self) -> Option<usize> {
        match self {
            AuthAlg::None => Some(0),
            AuthAlg::HmacSha1 => Some(12),
            AuthAlg::HmacMd5 => Some(16),
            AuthAlg::HmacSha256 => Some(16),
            AuthAlg::Unknown(_) => None,
        }
    }
}

impl IntegrityAlg {
    /// Length of the AuthCode in the session trailer (0, 12, 16, 16, 16).
    pub const fn auth_code_len(self) -> Option<usize> {
        match self {
            IntegrityAlg::None => Some(0),
            IntegrityAlg::HmacSha1_96 => Some(12),
            IntegrityAlg::HmacMd5_128 => Some(16),
            IntegrityAlg::Md5_128 => Some(16),
            IntegrityAlg::HmacSha256_128 => Some(16),
            IntegrityAlg::Unknown(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(AuthAlg::HmacSha1.digest_len(), Some(20));
        assert_eq!(AuthAlg::HmacMd5.digest_len(), Some(16));
        assert_eq!(AuthAlg::HmacSha256.digest_len(), Some(32));
        assert_eq!(AuthAlg::HmacSha1.rakp4_icv_len(), Some(12));
        assert_eq!(AuthAlg::HmacSha256.rakp4_icv_len(), Some(16));
        assert_eq!(IntegrityAlg::HmacSha1_96.auth_code_len(), Some(12));
        assert_eq!(IntegrityAlg::Md5_128.auth_code_len(), Some(16));
        assert_eq!(AuthAlg::Unknown(9).digest_len(), None);
    }
}
