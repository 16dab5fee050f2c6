//! The keys of one RMCP+ session and the per-packet operations that use them: the integrity
//! AuthCode (sign/verify) and AES-CBC-128 (encrypt/decrypt).
use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::crypto::aes_cbc;
use crate::crypto::mac::{self, MAX_DIGEST};
use crate::crypto::rakp::{self, AuthCode, RakpContext};
use crate::crypto::{CipherSuite, ConfAlg, CryptoError, IntegrityAlg, Kg, Kuid, SessionKey};

/// A session's suite and keys: SIK, K1, K2 and Kuid (MD5-128 integrity keys with the password).
/// Zeroized on drop, never printed.
#[derive(Clone)]
pub struct SessionKeys {
    suite: CipherSuite,
    sik: SessionKey,
    k1: SessionKey,
    k2: SessionKey,
    kuid: Kuid,
    /// The integrity HMAC already keyed with K1, and the AES key schedule of K2: set up once per
    /// session instead of per packet, which halved the crypto cost of an in-session request.
    mac: KeyedMac,
    aes: Option<aes::Aes128>,
}

/// An HMAC state keyed with K1 (its inner and outer pads hashed), cloned for each packet. The
/// hash states wipe themselves on drop (the `zeroize` features of the hash crates).
#[derive(Clone)]
enum KeyedMac {
    /// The suite's integrity is none or MD5-128 (no HMAC).
    None,
    Sha1(hmac::Hmac<sha1::Sha1>),
    Md5(hmac::Hmac<md5::Md5>),
    Sha256(hmac::Hmac<sha2::Sha256>),
}

impl KeyedMac {
    fn new(alg: IntegrityAlg, k1: &[u8]) -> Result<Self, CryptoError> {
        use hmac::KeyInit;
        let bad = |_| CryptoError::InvalidLength;
        Ok(match alg {
            IntegrityAlg::HmacSha1_96 => {
                KeyedMac::Sha1(hmac::Hmac::new_from_slice(k1).map_err(bad)?)
            }
            IntegrityAlg::HmacMd5_128 => {
                KeyedMac::Md5(hmac::Hmac::new_from_slice(k1).map_err(bad)?)
            }
            IntegrityAlg::HmacSha256_128 => {
                KeyedMac::Sha256(hmac::Hmac::new_from_slice(k1).map_err(bad)?)
            }
            _ => KeyedMac::None,
        })
    }

    /// The full HMAC over `covered` into `out`; returns its length.
    fn code(&self, covered: &[u8], out: &mut [u8; MAX_DIGEST]) -> Result<usize, CryptoError> {
        fn run<M: hmac::Mac + Clone>(m: &M, covered: &[u8], out: &mut [u8; MAX_DIGEST]) -> usize {
            let mut m = m.clone();
            m.update(covered);
            let tag = m.finalize().into_bytes();
            let n = tag.len().min(MAX_DIGEST);
            out[..n].copy_from_slice(&tag[..n]);
            n
        }
        match self {
            KeyedMac::Sha1(m) => Ok(run(m, covered, out)),
            KeyedMac::Md5(m) => Ok(run(m, covered, out)),
            KeyedMac::Sha256(m) => Ok(run(m, covered, out)),
            KeyedMac::None => Err(CryptoError::Unsupported),
        }
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("suite", &self.suite.id)
            .finish_non_exhaustive()
    }
}

impl SessionKeys {
    /// Derives SIK, K1 and K2 for `suite` from Kuid, the optional BMC key K_g and the RAKP
    /// exchange (Rm, Rc, role byte and user name are used).
    pub fn derive(
        suite: &CipherSuite,
        kuid: &Kuid,
        kg: Option<&Kg>,
        ctx: &RakpContext<'_>,
    ) -> Result<Self, CryptoError> {
        let sik = rakp::sik(suite.auth, kuid, kg, ctx)?;
        Self::from_sik(suite, kuid, sik)
    }

    /// Builds the keys from an already derived SIK (K1 and K2 are derived from it).
    pub fn from_sik(
        suite: &CipherSuite,
        kuid: &Kuid,
        sik: SessionKey,
    ) -> Result<Self, CryptoError> {
        // Reject suites whose per-packet algorithms we cannot run.
        suite
            .integrity
            .auth_code_len()
            .ok_or(CryptoError::Unsupported)?;
        if !matches!(suite.confidentiality, ConfAlg::None | ConfAlg::AesCbc128) {
            return Err(CryptoError::Unsupported);
        }
        if suite.confidentiality == ConfAlg::AesCbc128 && suite.auth.digest_len() < Some(16) {
            // AES needs 16 bytes of K2.
            return Err(CryptoError::Unsupported);
        }
        let k1 = rakp::k1(suite.auth, &sik)?;
        let k2 = rakp::k2(suite.auth, &sik)?;
        let mac = KeyedMac::new(suite.integrity, k1.as_bytes())?;
        let aes = if suite.confidentiality == ConfAlg::AesCbc128 {
            Some(aes_cbc::cipher(
                k2.as_bytes().get(..16).ok_or(CryptoError::InvalidLength)?,
            )?)
        } else {
            None
        };
        Ok(SessionKeys {
            suite: *suite,
            sik,
            k1,
            k2,
            kuid: kuid.clone(),
            mac,
            aes,
        })
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> &CipherSuite {
        &self.suite
    }
    /// The session integrity key.
    pub fn sik(&self) -> &SessionKey {
        &self.sik
    }
    /// K1, the integrity key.
    pub fn k1(&self) -> &SessionKey {
        &self.k1
    }
    /// K2, the confidentiality key (AES uses `K2[0..16]`).
    pub fn k2(&self) -> &SessionKey {
        &self.k2
    }

    /// The RAKP4 ICV the BMC sends.
    pub fn rakp4_icv(&self, ctx: &RakpContext<'_>) -> Result<AuthCode, CryptoError> {
        rakp::rakp4_icv(self.suite.auth, &self.sik, ctx)
    }

    /// Checks a received RAKP4 ICV in constant time (console side).
    pub fn verify_rakp4_icv(&self, ctx: &RakpContext<'_>, icv: &[u8]) -> Result<(), CryptoError> {
        rakp::verify_rakp4_icv(self.suite.auth, &self.sik, ctx, icv)
    }

    /// Length of the in-session AuthCode (0 when the suite has no integrity).
    pub fn auth_code_len(&self) -> usize {
        self.suite.integrity.auth_code_len().unwrap_or(0)
    }

    fn integrity_code(
        &self,
        covered: &[u8],
        out: &mut [u8; MAX_DIGEST],
    ) -> Result<usize, CryptoError> {
        let n = match self.suite.integrity {
            IntegrityAlg::None => 0,
            // HMAC-SHA1-96 and HMAC-SHA256-128 send the leading 12 and 16 bytes.
            IntegrityAlg::HmacSha1_96 => self.mac.code(covered, out)?.min(12),
            IntegrityAlg::HmacMd5_128 => self.mac.code(covered, out)?,
            IntegrityAlg::HmacSha256_128 => self.mac.code(covered, out)?.min(16),
            IntegrityAlg::Md5_128 => {
                let mut d = [0u8; 16];
                let pw = self.kuid.padded();
                mac::digest::<md5::Md5>(&[pw, covered, pw], &mut d);
                out[..16].copy_from_slice(&d);
                16
            }
            IntegrityAlg::Unknown(_) => return Err(CryptoError::Unsupported),
        };
        out[n..].zeroize();
        Ok(n)
    }

    /// Writes the AuthCode over `covered` (auth type .. next header) into `out`; returns its
    /// length (0 for suites without integrity).
    pub fn sign(&self, covered: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        let mut code = [0u8; MAX_DIGEST];
        let n = self.integrity_code(covered, &mut code)?;
        out.get_mut(..n)
            .ok_or(CryptoError::BufferTooSmall)?
            .copy_from_slice(&code[..n]);
        code.zeroize();
        Ok(n)
    }

    /// Checks a received AuthCode over `covered` in constant time; its length must be exactly the
    /// algorithm's.
    pub fn verify(&self, covered: &[u8], received: &[u8]) -> Result<(), CryptoError> {
        // FUZZING ONLY: the session fuzz target's integrity bypass (see `crate::fuzzing`).
        #[cfg(fuzzing)]
        if crate::fuzzing::bypass_integrity() {
            return Ok(());
        }
        let mut code = [0u8; MAX_DIGEST];
        let n = self.integrity_code(covered, &mut code)?;
        let ok = received.len() == n && bool::from(code[..n].ct_eq(received));
        code.zeroize();
        if ok {
            Ok(())
        } else {
            Err(CryptoError::Mismatch)
        }
    }

    /// Bytes of `IV ‖ ciphertext` (or of the plain payload, for suites without confidentiality)
    /// for a plaintext of `len` bytes.
    pub fn payload_len(&self, len: usize) -> usize {
        if self.suite.encrypted() {
            aes_cbc::encrypted_len(len)
        } else {
            len
        }
    }

    fn aes(&self) -> Result<&aes::Aes128, CryptoError> {
        self.aes.as_ref().ok_or(CryptoError::Unsupported)
    }

    /// Encrypts with AES-CBC-128 (key `K2[0..16]`) into `out` as `IV ‖ ciphertext` with the
    /// confidentiality pad; returns the length. The caller supplies a fresh random IV.
    pub fn encrypt(
        &self,
        iv: &[u8; 16],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        aes_cbc::encrypt(self.aes()?, iv, plaintext, out)
    }

    /// Decrypts `IV ‖ ciphertext` into `out`, checks and strips the confidentiality pad and returns
    /// the plaintext. Bad lengths or pads are errors, never panics.
    pub fn decrypt<'o>(&self, payload: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], CryptoError> {
        aes_cbc::decrypt(self.aes()?, payload, out)
    }
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        // The secrets zeroize themselves; the suite is not secret.
    }
}

impl zeroize::ZeroizeOnDrop for SessionKeys {}
