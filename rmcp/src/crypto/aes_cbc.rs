//! AES-CBC-128 with the IPMI confidentiality pad (`01 02 .. N` then `N`, not PKCS#7).
use aes::Aes128;
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};

use super::CryptoError;

/// AES block and IV size.
pub(crate) const BLOCK: usize = 16;

/// Pad length N for `len` plaintext bytes: `(len + N + 1) % 16 == 0`.
pub(crate) const fn pad_len(len: usize) -> usize {
    (BLOCK - (len + 1) % BLOCK) % BLOCK
}

/// Bytes of `IV ‖ ciphertext` for `len` plaintext bytes.
pub(crate) const fn encrypted_len(len: usize) -> usize {
    BLOCK + len + pad_len(len) + 1
}

/// The AES-128 key schedule for `key`, expanded once per session (wiped on drop).
pub(crate) fn cipher(key: &[u8]) -> Result<Aes128, CryptoError> {
    Aes128::new_from_slice(key).map_err(|_| CryptoError::InvalidLength)
}

/// Writes `IV ‖ AES-CBC(key, plaintext ‖ 01 02 .. N ‖ N)` into `out`; returns its length.
pub(crate) fn encrypt(
    aes: &Aes128,
    iv: &[u8; 16],
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<usize, CryptoError> {
    let total = encrypted_len(plaintext.len());
    let out = out.get_mut(..total).ok_or(CryptoError::BufferTooSmall)?;
    let (iv_out, body) = out.split_at_mut(BLOCK);
    iv_out.copy_from_slice(iv);
    let (data, pad) = body.split_at_mut(plaintext.len());
    data.copy_from_slice(plaintext);
    let n = pad.len() - 1;
    for (i, b) in pad.iter_mut().enumerate() {
        *b = (i + 1) as u8;
    }
    pad[n] = n as u8;
    let mut enc = cbc::Encryptor::<Aes128>::inner_iv_init(aes.clone(), &Array::from(*iv));
    let (blocks, rest) = Array::slice_as_chunks_mut(body);
    if !rest.is_empty() {
        return Err(CryptoError::Padding);
    }
    enc.encrypt_blocks(blocks);
    Ok(total)
}

/// Decrypts `IV ‖ ciphertext` into `out`, checks and strips the confidentiality pad, returns the
/// plaintext. Never panics on malformed input.
pub(crate) fn decrypt<'o>(
    aes: &Aes128,
    payload: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8], CryptoError> {
    if payload.len() < 2 * BLOCK || payload.len() % BLOCK != 0 {
        return Err(CryptoError::Padding);
    }
    let (iv, ct) = payload.split_at(BLOCK);
    let buf = out.get_mut(..ct.len()).ok_or(CryptoError::BufferTooSmall)?;
    buf.copy_from_slice(ct);
    let mut iv_arr = [0u8; BLOCK];
    iv_arr.copy_from_slice(iv);
    let mut dec = cbc::Decryptor::<Aes128>::inner_iv_init(aes.clone(), &Array::from(iv_arr));
    let (blocks, _) = Array::slice_as_chunks_mut(&mut *buf);
    dec.decrypt_blocks(blocks);
    let n = usize::from(*buf.last().ok_or(CryptoError::Padding)?);
    if n >= BLOCK {
        return Err(CryptoError::Padding);
    }
    let data_len = buf.len() - 1 - n;
    let pad_ok = buf[data_len..buf.len() - 1]
        .iter()
        .enumerate()
        .all(|(i, &b)| usize::from(b) == i + 1);
    if !pad_ok {
        return Err(CryptoError::Padding);
    }
    Ok(&buf[..data_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_lengths() {
        assert_eq!(pad_len(8), 7);
        assert_eq!(pad_len(15), 0);
        assert_eq!(pad_len(16), 15);
        assert_eq!(pad_len(0), 15);
        assert_eq!(encrypted_len(8), 32);
        assert_eq!(encrypted_len(19), 48);
        for len in 0..100 {
            assert_eq!((len + pad_len(len) + 1) % 16, 0);
        }
    }

    #[test]
    fn round_trip_and_bad_pads() {
        let key = cipher(&[7u8; 16]).unwrap();
        let other = cipher(&[8u8; 16]).unwrap();
        let iv = [9u8; 16];
        for len in 0..40 {
            let msg: [u8; 40] = core::array::from_fn(|i| i as u8 ^ 0x5a);
            let mut ct = [0u8; 80];
            let n = encrypt(&key, &iv, &msg[..len], &mut ct).unwrap();
            assert_eq!(n, encrypted_len(len));
            let mut pt = [0u8; 80];
            assert_eq!(decrypt(&key, &ct[..n], &mut pt).unwrap(), &msg[..len]);
            // Wrong key: the pad almost surely breaks; it must never panic.
            let _ = decrypt(&other, &ct[..n], &mut pt);
        }
        let mut pt = [0u8; 64];
        assert_eq!(
            decrypt(&key, &[0u8; 16], &mut pt),
            Err(CryptoError::Padding)
        );
        assert_eq!(
            decrypt(&key, &[0u8; 33], &mut pt),
            Err(CryptoError::Padding)
        );
        let mut small = [0u8; 8];
        assert_eq!(
            decrypt(&key, &[0u8; 32], &mut small),
            Err(CryptoError::BufferTooSmall)
        );
    }
}
