//! The integrity pad and the AES-CBC-128 confidentiality pad, for every cipher suite, with keys
//! from the input: seal -> open gives the payload back; arbitrary bytes never panic `open` or
//! `decrypt`; whatever decrypts re-encrypts (same IV) to exactly the same bytes, so the pad check
//! accepts exactly the pads `encrypt` writes.
use rmcp::crypto::{Kuid, SessionKey, SUITES};
use rmcp::session::{v20, SessionKeys};
use rmcp::wire::v20::PayloadType;

use super::{no_alloc, Reader};

/// The `padding` target.
pub fn padding(data: &[u8]) {
    let mut r = Reader::new(data);
    let suite = &SUITES[r.below(SUITES.len())];
    let sik: [u8; 32] = r.array();
    let sik_len = suite.auth.digest_len().unwrap_or(0);
    let kuid = Kuid::from_slice(b"password").unwrap();
    let sik = SessionKey::from_slice(&sik[..sik_len]).unwrap();
    let keys = SessionKeys::from_sik(suite, &kuid, sik)
        .unwrap_or_else(|e| panic!("suite {} has no keys: {e:?}", suite.id));
    let iv: [u8; 16] = r.array();
    let session_id = r.u32();
    let sequence = r.u32();
    let rest = r.rest();

    // 1. seal -> open.
    let payload = &rest[..rest.len().min(1024)];
    let mut body = vec![0u8; 2048];
    let n = no_alloc(|| {
        v20::seal_body(
            &mut body,
            PayloadType::Ipmi,
            session_id,
            sequence,
            payload,
            Some(&keys),
            &iv,
        )
    })
    .unwrap_or_else(|e| panic!("suite {}: seal of {} bytes: {e:?}", suite.id, payload.len()));
    assert_eq!(n + 4, v20::sealed_len(payload.len(), Some(&keys)));
    if suite.authenticated() {
        // auth type .. next header is a multiple of 4.
        assert_eq!(
            (n - keys.auth_code_len()) % 4,
            0,
            "suite {}: integrity pad",
            suite.id
        );
    }
    let mut scratch = vec![0u8; 2048];
    let opened = no_alloc(|| v20::open(&body[..n], Some(&keys), &mut scratch))
        .unwrap_or_else(|e| panic!("suite {}: open of a sealed packet: {e:?}", suite.id));
    assert_eq!(opened.payload, payload, "suite {}: seal -> open", suite.id);
    assert_eq!(
        (opened.session_id(), opened.sequence()),
        (session_id, sequence)
    );

    // 2. The same bytes as a received packet and as a ciphertext: never a panic.
    let mut scratch = vec![0u8; 2048];
    let _ = no_alloc(|| v20::open(rest, Some(&keys), &mut scratch));
    if suite.encrypted() {
        let mut plain = vec![0u8; 2048];
        if let Ok(pt) = no_alloc(|| keys.decrypt(rest, &mut plain)) {
            let mut iv = [0u8; 16];
            iv.copy_from_slice(&rest[..16]);
            let mut again = vec![0u8; rest.len()];
            let m = no_alloc(|| keys.encrypt(&iv, pt, &mut again)).unwrap();
            assert_eq!(&again[..m], rest, "suite {}: decrypt -> encrypt", suite.id);
        }
    }
}
