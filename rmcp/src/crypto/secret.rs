//! Fixed-size secret buffers: passwords (Kuid), the BMC key K_g and the session keys.
//!
//! They zeroize on drop, compare in constant time (`subtle`) and print as `Secret(..)`.
use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::CryptoError;

/// Up to `N` secret bytes, stored zero-padded to `N`, plus the used length.
#[derive(Clone)]
pub struct Secret<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

/// A user password as the RAKP key Kuid: up to 20 bytes, zero-padded to 20 in HMACs.
/// IPMI 1.5 uses its first 16 bytes (passwords longer than 16 cannot do 1.5).
pub type Kuid = Secret<20>;
/// The BMC key K_g: up to 20 bytes, zero-padded to 20.
pub type Kg = Secret<20>;
/// A derived session key (SIK, K1, K2): 16 (MD5), 20 (SHA1) or 32 (SHA256) bytes.
pub type SessionKey = Secret<32>;

impl<const N: usize> Secret<N> {
    /// An empty secret (length 0, all zero).
    pub const fn empty() -> Self {
        Secret {
            bytes: [0; N],
            len: 0,
        }
    }

    /// Copies up to `N` bytes; longer input is `InvalidLength`.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut s = Self::empty();
        s.bytes
            .get_mut(..bytes.len())
            .ok_or(CryptoError::InvalidLength)?
            .copy_from_slice(bytes);
        s.len = bytes.len();
        Ok(s)
    }

    /// The bytes as given (without the zero padding).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// All `N` bytes, zero-padded: the form RAKP and MD5-128 use for Kuid and K_g.
    pub fn padded(&self) -> &[u8; N] {
        &self.bytes
    }

    /// Number of bytes given.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes were given.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> Default for Secret<N> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<const N: usize> ConstantTimeEq for Secret<N> {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        // Lengths are not secret enough to hide; the bytes are compared in constant time.
        self.bytes.ct_eq(&other.bytes) & (self.len as u64).ct_eq(&(other.len as u64))
    }
}

impl<const N: usize> PartialEq for Secret<N> {
    /// Constant time (via `subtle`).
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl<const N: usize> Eq for Secret<N> {}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for Secret<N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Secret(..)")
    }
}

impl<const N: usize> Zeroize for Secret<N> {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
        self.len.zeroize();
    }
}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<const N: usize> zeroize::ZeroizeOnDrop for Secret<N> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_and_length() {
        let k = Kuid::from_slice(b"password").unwrap();
        assert_eq!(k.as_bytes(), b"password");
        assert_eq!(&k.padded()[..8], b"password");
        assert_eq!(&k.padded()[8..], &[0u8; 12]);
        assert_eq!(k.len(), 8);
        assert!(Kuid::from_slice(&[1u8; 21]).is_err());
        assert_eq!(Kuid::from_slice(&[1u8; 20]).unwrap().len(), 20);
        assert!(Kuid::empty().is_empty());
    }

    #[test]
    fn equality_and_debug() {
        let a = Kuid::from_slice(b"password").unwrap();
        let b = Kuid::from_slice(b"password").unwrap();
        let c = Kuid::from_slice(b"passwore").unwrap();
        // Same bytes, different length (trailing NUL) are different secrets.
        let d = Kuid::from_slice(b"password\0").unwrap();
        assert!(bool::from(a.ct_eq(&b)));
        assert!(a == b && a != c && a != d);
        extern crate std;
        let s = std::format!("{:?}", a);
        assert_eq!(s, "Secret(..)");
    }
}
