//! HMAC and hash helpers generic over the RAKP authentication algorithm.
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroize;

use super::{AuthAlg, CryptoError};

/// Largest digest we produce (SHA-256).
pub(crate) const MAX_DIGEST: usize = 32;

fn compute<M: Mac + KeyInit>(
    key: &[u8],
    parts: &[&[u8]],
    out: &mut [u8; MAX_DIGEST],
) -> Result<usize, CryptoError> {
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::InvalidLength)?;
    for p in parts {
        mac.update(p);
    }
    let tag = mac.finalize().into_bytes();
    let n = tag.len();
    out.get_mut(..n)
        .ok_or(CryptoError::BufferTooSmall)?
        .copy_from_slice(&tag);
    Ok(n)
}

fn verify_left<M: Mac + KeyInit>(
    key: &[u8],
    parts: &[&[u8]],
    tag: &[u8],
) -> Result<(), CryptoError> {
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::InvalidLength)?;
    for p in parts {
        mac.update(p);
    }
    mac.verify_truncated_left(tag)
        .map_err(|_| CryptoError::Mismatch)
}

/// HMAC-H(key, parts...) for the auth algorithm's hash H into `out`; returns the digest length.
/// `AuthAlg::None` yields an empty code.
pub(crate) fn hmac(
    alg: AuthAlg,
    key: &[u8],
    parts: &[&[u8]],
    out: &mut [u8; MAX_DIGEST],
) -> Result<usize, CryptoError> {
    match alg {
        AuthAlg::None => Ok(0),
        AuthAlg::HmacSha1 => compute::<Hmac<Sha1>>(key, parts, out),
        AuthAlg::HmacMd5 => compute::<Hmac<Md5>>(key, parts, out),
        AuthAlg::HmacSha256 => compute::<Hmac<Sha256>>(key, parts, out),
        AuthAlg::Unknown(_) => Err(CryptoError::Unsupported),
    }
}

/// Checks in constant time that `tag` equals the first `expected_len` bytes of HMAC-H(key,
/// parts...). A tag of any other length is a mismatch (no truncation attacks).
pub(crate) fn hmac_verify(
    alg: AuthAlg,
    key: &[u8],
    parts: &[&[u8]],
    tag: &[u8],
    expected_len: usize,
) -> Result<(), CryptoError> {
    if tag.len() != expected_len {
        return Err(CryptoError::Mismatch);
    }
    match alg {
        AuthAlg::None => Ok(()),
        AuthAlg::HmacSha1 => verify_left::<Hmac<Sha1>>(key, parts, tag),
        AuthAlg::HmacMd5 => verify_left::<Hmac<Md5>>(key, parts, tag),
        AuthAlg::HmacSha256 => verify_left::<Hmac<Sha256>>(key, parts, tag),
        AuthAlg::Unknown(_) => Err(CryptoError::Unsupported),
    }
}

/// A plain hash of the concatenated parts (MD5 or MD2), for MD5-128 integrity and IPMI 1.5.
pub(crate) fn digest<D: sha2::Digest>(parts: &[&[u8]], out: &mut [u8; 16]) {
    let mut d = D::new();
    for p in parts {
        d.update(p);
    }
    let mut h = d.finalize();
    let n = h.len().min(16);
    out[..n].copy_from_slice(&h[..n]);
    h.as_mut_slice().zeroize();
}
