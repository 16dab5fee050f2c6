//! Crypto for RMCP+ and IPMI 1.5: the cipher suite table, secrets, the RAKP key-exchange codes,
//! SIK/K1/K2, HMAC and AES-CBC-128, IPMI 1.5 auth codes. A session's keys and the per-packet
//! operations that use them are `crate::session`.
//!
//! Everything is `no_std`, allocation-free and deterministic: random numbers (Rm, Rc, IVs) come
//! from the caller. Secrets live in [`Secret`] buffers that zeroize on drop, compare in constant
//! time and never print.
use core::fmt;

pub(crate) mod aes_cbc;
pub(crate) mod mac;
pub mod rakp;
pub mod secret;
pub mod suite;
pub mod v15;

pub use rakp::{AuthCode, RakpContext};
pub use secret::{Kg, Kuid, Secret, SessionKey};
pub use suite::{AuthAlg, CipherSuite, ConfAlg, IntegrityAlg, SUITES};

/// Why a crypto operation failed. Small and `Copy`; never carries secret material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CryptoError {
    /// A key, password, user name or code has a length the algorithm does not allow.
    InvalidLength,
    /// The algorithm is unknown or not implemented (e.g. xRC4).
    Unsupported,
    /// An auth code, ICV or integrity code did not verify.
    Mismatch,
    /// Ciphertext length or confidentiality pad is malformed.
    Padding,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CryptoError::InvalidLength => "invalid length",
            CryptoError::Unsupported => "unsupported algorithm",
            CryptoError::Mismatch => "authentication code mismatch",
            CryptoError::Padding => "bad confidentiality pad",
            CryptoError::BufferTooSmall => "output buffer too small",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CryptoError {}
