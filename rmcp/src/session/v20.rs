//! RMCP+ (IPMI 2.0) packets of a session: [`open`] (verify, then decrypt) and [`seal`] (encrypt,
//! then sign) with the session's [`SessionKeys`]; the header and trailer layout is `wire::v20`.
use crate::wire::rmcp;
use crate::wire::v20::{
    integrity_pad, Header, PayloadType, HEADER_LEN, IV_LEN, MAX_INTEGRITY_PAD, NEXT_HEADER,
};
use crate::wire::WireError;

use super::SessionKeys;

/// An opened RMCP+ packet: its header and the plaintext payload (verified and decrypted when the
/// suite asks for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened<'s> {
    /// The header; `authenticated`/`encrypted` say what was verified/decrypted.
    pub header: Header,
    /// The plaintext payload (borrowed from the body, or from the scratch buffer when decrypted).
    pub payload: &'s [u8],
}

impl Opened<'_> {
    /// Payload type.
    pub fn payload_type(&self) -> PayloadType {
        self.header.payload_type
    }
    /// Session id (the receiver's).
    pub fn session_id(&self) -> u32 {
        self.header.session_id
    }
    /// Session sequence number.
    pub fn sequence(&self) -> u32 {
        self.header.sequence
    }
}

/// Parses, authenticates and decrypts one RMCP+ session body (from the 0x06 auth type byte on).
///
/// - `keys: None` (outside a session: Open Session, RAKP, pre-session commands): the packet must
///   be neither authenticated nor encrypted (`NoKeys`) and carry no trailer.
/// - `keys: Some`: the authenticated/encrypted bits must match the suite (`ProtectionMismatch`);
///   when authenticated, the AuthCode is verified in constant time over the covered bytes before
///   anything else in the packet is looked at (`AuthCode`), then the trailer is checked; when
///   encrypted, the payload is decrypted into `scratch` and the confidentiality pad checked and
///   stripped (`Padding`).
///
/// Sequence-number windows and session state are the caller's business.
pub fn open<'s>(
    session_body: &'s [u8],
    keys: Option<&SessionKeys>,
    scratch: &'s mut [u8],
) -> Result<Opened<'s>, WireError> {
    open_parsed(&Header::parse(session_body)?, session_body, keys, scratch)
}

/// [`open`] for a body whose header is already parsed (by [`crate::wire::Datagram::parse`]): a
/// datagram is parsed once. `header` must be `Header::parse(session_body)`.
pub fn open_parsed<'s>(
    header: &Header,
    session_body: &'s [u8],
    keys: Option<&SessionKeys>,
    scratch: &'s mut [u8],
) -> Result<Opened<'s>, WireError> {
    let header = *header;
    let hlen = header.buffer_len();
    let end = hlen + usize::from(header.payload_len);
    let wire_payload = &session_body[hlen..end];
    let keys = match keys {
        None => {
            if header.authenticated || header.encrypted {
                return Err(WireError::NoKeys);
            }
            if session_body.len() != end {
                return Err(WireError::TooLong);
            }
            return Ok(Opened {
                header,
                payload: wire_payload,
            });
        }
        Some(k) => k,
    };
    let suite = keys.suite();
    if header.authenticated != suite.authenticated() || header.encrypted != suite.encrypted() {
        return Err(WireError::ProtectionMismatch);
    }
    if header.authenticated {
        let code_len = keys.auth_code_len();
        let covered_len = session_body
            .len()
            .checked_sub(code_len)
            .filter(|&n| n >= end + 2)
            .ok_or(WireError::Truncated)?;
        let (covered, code) = session_body.split_at(covered_len);
        keys.verify(covered, code)?;
        // Authentic from here on.
        let next_header = covered[covered_len - 1];
        let pad_len = usize::from(covered[covered_len - 2]);
        if next_header != NEXT_HEADER {
            return Err(WireError::InvalidField);
        }
        if pad_len > MAX_INTEGRITY_PAD || end + pad_len + 2 != covered_len {
            return Err(WireError::Padding);
        }
    } else if session_body.len() != end {
        return Err(WireError::TooLong);
    }
    let payload = if header.encrypted {
        keys.decrypt(wire_payload, scratch)?
    } else {
        wire_payload
    };
    Ok(Opened { header, payload })
}

/// Bytes [`seal`] writes (RMCP header included) for a plaintext payload of `len` bytes.
pub fn sealed_len(len: usize, keys: Option<&SessionKeys>) -> usize {
    let (plen, code_len, authenticated) = match keys {
        Some(k) => (
            k.payload_len(len),
            k.auth_code_len(),
            k.suite().authenticated(),
        ),
        None => (len, 0, false),
    };
    let body = HEADER_LEN + plen;
    rmcp::HEADER_LEN
        + if authenticated {
            body + integrity_pad(body) + 2 + code_len
        } else {
            body
        }
}

/// Writes a complete RMCP+ datagram (RMCP header included) into `out` and returns its length.
///
/// `keys: None` sends the payload in the clear without trailer (session set-up, pre-session
/// replies, suite-less packets). With keys, the suite decides: AES-CBC-128 with the caller's
/// fresh random `iv` when it has confidentiality, the integrity trailer when it has integrity
/// (suites 0, 1, 6, 15 send plaintext without trailer). OEM payloads are `Unsupported`.
pub fn seal(
    out: &mut [u8],
    payload_type: PayloadType,
    session_id: u32,
    sequence: u32,
    payload: &[u8],
    keys: Option<&SessionKeys>,
    iv: &[u8; IV_LEN],
) -> Result<usize, WireError> {
    let n = rmcp::RmcpRepr::IPMI.emit(out)?;
    let rest = out.get_mut(n..).ok_or(WireError::BufferTooSmall)?;
    Ok(n + seal_body(rest, payload_type, session_id, sequence, payload, keys, iv)?)
}

/// Like [`seal`] but writes only the session body (from the 0x06 auth type byte on).
pub fn seal_body(
    out: &mut [u8],
    payload_type: PayloadType,
    session_id: u32,
    sequence: u32,
    payload: &[u8],
    keys: Option<&SessionKeys>,
    iv: &[u8; IV_LEN],
) -> Result<usize, WireError> {
    if payload_type == PayloadType::Oem {
        return Err(WireError::Unsupported);
    }
    let (authenticated, encrypted) = match keys {
        Some(k) => (k.suite().authenticated(), k.suite().encrypted()),
        None => (false, false),
    };
    let plen = match keys {
        Some(k) => k.payload_len(payload.len()),
        None => payload.len(),
    };
    let header = Header {
        payload_type,
        authenticated,
        encrypted,
        oem: None,
        session_id,
        sequence,
        payload_len: u16::try_from(plen).map_err(|_| WireError::TooLong)?,
    };
    let total = sealed_len(payload.len(), keys) - rmcp::HEADER_LEN;
    let out = out.get_mut(..total).ok_or(WireError::BufferTooSmall)?;
    let hlen = header.emit(out)?;
    let end = hlen + plen;
    match keys {
        Some(k) if encrypted => {
            k.encrypt(iv, payload, &mut out[hlen..end])?;
        }
        _ => out[hlen..end].copy_from_slice(payload),
    }
    if let (true, Some(k)) = (authenticated, keys) {
        let pad = integrity_pad(end);
        out[end..end + pad].fill(0xFF);
        out[end + pad] = pad as u8;
        out[end + pad + 1] = NEXT_HEADER;
        let (covered, code) = out.split_at_mut(end + pad + 2);
        k.sign(covered, code)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::crypto::{CipherSuite, Kuid, SessionKey};

    fn hex(s: &str) -> heapless::Vec<u8, 128> {
        let mut v = heapless::Vec::new();
        for i in (0..s.len()).step_by(2) {
            v.push(u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .unwrap();
        }
        v
    }

    fn keys(suite: u8, sik: &str) -> SessionKeys {
        SessionKeys::from_sik(
            CipherSuite::by_id(suite).unwrap(),
            &Kuid::from_slice(b"password").unwrap(),
            SessionKey::from_slice(&hex(sik)).unwrap(),
        )
        .unwrap()
    }

    // cs17-ipmitool-power-status.txt [9] (ipmitool) and [10] (fakebmc.py).
    const S17_C2S: &str = "0600ff0706c00511100b0300000020001c7f45ce8b48fb667bc239fbdbca8d1a8b498aa0113c4916f85612e7289d3c5fffff020769c4425bd86aed9b319523f2751e2572";
    const S17_S2C: &str = "0600ff0706c0a4a3a2a00100000020002ba827e41dd214f4bbbc84b843d42a80f4d7d2a21108317a2da5b45470d15b4fffff02077d1bd127aa6f6d56e45375648114ed2c";
    const S17_SIK: &str = "caa3316841a27b67252505b75370835ecf92f1eb60ec2a87b23e4e6475fbb09d";
    // cs02-ipmitool-power-status.txt [9] and [10] (ipmi_sim): HMAC-SHA1-96, no AES.
    const S02_C2S: &str =
        "0600ff070640020200000300000008002018c881043b043cffff0207c8cf8189420299567bd3a359";
    const S02_S2C: &str =
        "0600ff070640a4a3a2a0010000000900811c6320043b00049dff01072a207842c4805bcfb7e74d5a";
    const S02_SIK: &str = "aac5e488adaf75dbfb2b9d76e37b648159727dba";
    // cs15-ipmitool-power-status.txt [9]: no trailer at all.
    const S15_C2S: &str = "0600ff070600010d0c0b0300000008002018c881043b043c";
    // cs03-ipmitool-power-status.txt [3]: Open Session Request.
    const OPEN_REQ: &str = "0600ff0706100000000000000000200000000000a4a3a2a0000000080100000001000008010000000200000801000000";

    #[test]
    fn open_and_reseal_suite17() {
        let k = keys(17, S17_SIK);
        for (s, iv_at) in [(S17_C2S, 16), (S17_S2C, 16)] {
            let b = hex(s);
            let mut scratch = [0u8; 64];
            let o = open(&b[4..], Some(&k), &mut scratch).unwrap();
            assert!(o.header.authenticated && o.header.encrypted);
            let payload: heapless::Vec<u8, 64> = heapless::Vec::from_slice(o.payload).unwrap();
            if o.session_id() == 0x0b101105 {
                assert_eq!(&payload[..], &hex("2018c881043b043c")[..]);
            }
            let mut iv = [0u8; 16];
            iv.copy_from_slice(&b[iv_at..iv_at + 16]);
            let mut out = [0u8; 128];
            let n = seal(
                &mut out,
                o.payload_type(),
                o.session_id(),
                o.sequence(),
                &payload,
                Some(&k),
                &iv,
            )
            .unwrap();
            assert_eq!(&out[..n], &b[..]);
            assert_eq!(sealed_len(payload.len(), Some(&k)), n);
        }
    }

    #[test]
    fn open_and_reseal_suite2_and_15() {
        let k = keys(2, S02_SIK);
        for s in [S02_C2S, S02_S2C] {
            let b = hex(s);
            let o = open(&b[4..], Some(&k), &mut []).unwrap();
            assert!(o.header.authenticated && !o.header.encrypted);
            let mut out = [0u8; 64];
            let n = seal(
                &mut out,
                PayloadType::Ipmi,
                o.session_id(),
                o.sequence(),
                o.payload,
                Some(&k),
                &[0; 16],
            )
            .unwrap();
            assert_eq!(&out[..n], &b[..]);
        }
        let k15 = keys(15, S17_SIK);
        let b = hex(S15_C2S);
        let o = open(&b[4..], Some(&k15), &mut []).unwrap();
        assert_eq!(o.payload, &hex("2018c881043b043c")[..]);
        let mut out = [0u8; 64];
        let n = seal(
            &mut out,
            PayloadType::Ipmi,
            0x0b0c0d01,
            3,
            o.payload,
            Some(&k15),
            &[0; 16],
        )
        .unwrap();
        assert_eq!(&out[..n], &b[..]);
    }

    #[test]
    fn rejects_tampering_and_downgrades() {
        let k = keys(17, S17_SIK);
        let b = hex(S17_C2S);
        let mut scratch = [0u8; 64];
        for i in 4..b.len() {
            let mut bad = b.clone();
            bad[i] ^= 0x01;
            assert!(open(&bad[4..], Some(&k), &mut scratch).is_err(), "byte {i}");
        }
        // No keys for a protected packet.
        assert_eq!(open(&b[4..], None, &mut scratch), Err(WireError::NoKeys));
        // Plain packet inside an encrypted session.
        let plain = hex(S15_C2S);
        assert_eq!(
            open(&plain[4..], Some(&k), &mut scratch),
            Err(WireError::ProtectionMismatch)
        );
        // Wrong keys.
        let other = keys(17, S02_SIK);
        assert_eq!(
            open(&b[4..], Some(&other), &mut scratch),
            Err(WireError::AuthCode)
        );
        // Scratch too small for the plaintext.
        assert_eq!(
            open(&b[4..], Some(&k), &mut [0u8; 8]),
            Err(WireError::BufferTooSmall)
        );
        // Trailing garbage on a plain packet.
        let mut long = hex(OPEN_REQ);
        long.push(0).unwrap();
        assert_eq!(open(&long[4..], None, &mut []), Err(WireError::TooLong));
    }

    #[test]
    fn pad_of_four_accepted() {
        // Build an OpenBMC-style packet: an aligned body still gets 4 pad bytes.
        let k = keys(2, S02_SIK);
        let msg = hex("2018c881043b043c");
        let mut b = [0u8; 64];
        let h = Header {
            payload_type: PayloadType::Ipmi,
            authenticated: true,
            encrypted: false,
            oem: None,
            session_id: 0x0202,
            sequence: 9,
            payload_len: 8,
        };
        h.emit(&mut b).unwrap();
        b[12..20].copy_from_slice(&msg);
        // 12 + 8 + 2 = 22: the spec pad is 2; a pad of 4 leaves the span unaligned (26) and is
        // still accepted, like OpenBMC's 4 on already aligned spans.
        for pad in [2usize, 4] {
            let end = 20;
            b[end..end + pad].fill(0xff);
            b[end + pad] = pad as u8;
            b[end + pad + 1] = NEXT_HEADER;
            let covered = end + pad + 2;
            let (c, code) = b.split_at_mut(covered);
            let n = k.sign(c, code).unwrap();
            let o = open(&b[..covered + n], Some(&k), &mut []).unwrap();
            assert_eq!(o.payload, &msg[..]);
        }
        // Pad 5 is refused even with a valid AuthCode.
        let pad = 5;
        b[20..25].fill(0xff);
        b[25] = pad;
        b[26] = NEXT_HEADER;
        let (c, code) = b.split_at_mut(27);
        let n = k.sign(c, code).unwrap();
        assert_eq!(
            open(&b[..27 + n], Some(&k), &mut []),
            Err(WireError::Padding)
        );
    }

    #[test]
    fn impossible_lengths() {
        let b = hex(S17_C2S);
        let k = keys(17, S17_SIK);
        let mut scratch = [0u8; 64];
        for n in 0..b.len() - 4 {
            assert!(open(&b[4..4 + n], Some(&k), &mut scratch).is_err());
            assert!(open(&b[4..4 + n], None, &mut scratch).is_err());
        }
        let mut out = [0u8; 67];
        assert_eq!(
            seal(
                &mut out,
                PayloadType::Ipmi,
                1,
                1,
                &[0u8; 8],
                Some(&k),
                &[0; 16]
            ),
            Err(WireError::BufferTooSmall)
        );
        assert_eq!(
            seal(&mut [0u8; 128], PayloadType::Oem, 1, 1, &[], None, &[0; 16]),
            Err(WireError::Unsupported)
        );
        assert_eq!(Header::parse(&[6]), Err(WireError::Truncated));
        assert_eq!(
            Header::parse(&hex("0000000000000000000000000000")),
            Err(WireError::InvalidField)
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..160)) {
            let k = keys(17, S17_SIK);
            let k12 = keys(12, "ece0556479f369963e2bf2fbfb1ecc89");
            let mut scratch = [0u8; 160];
            let _ = Header::parse(&bytes);
            let _ = open(&bytes, None, &mut scratch);
            let _ = open(&bytes, Some(&k), &mut scratch);
            let _ = open(&bytes, Some(&k12), &mut scratch);
            let mut with_type = std::vec![6u8, 0xc0];
            with_type.extend_from_slice(&bytes);
            let _ = open(&with_type, Some(&k), &mut scratch);
        }

        #[test]
        fn seal_open_round_trip(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..100), suite in 0usize..12) {
            let s = &crate::crypto::SUITES[suite];
            let k = SessionKeys::from_sik(s, &Kuid::from_slice(b"pw").unwrap(),
                SessionKey::from_slice(&[0x42; 32][..s.auth.digest_len().unwrap()]).unwrap()).unwrap();
            let mut out = [0u8; 200];
            let n = seal(&mut out, PayloadType::Sol, 7, 9, &payload, Some(&k), &[3; 16]).unwrap();
            proptest::prop_assert_eq!(n, sealed_len(payload.len(), Some(&k)));
            let mut scratch = [0u8; 200];
            let o = open(&out[4..n], Some(&k), &mut scratch).unwrap();
            proptest::prop_assert_eq!(o.payload, &payload[..]);
            proptest::prop_assert_eq!((o.session_id(), o.sequence()), (7, 9));
        }
    }
}
