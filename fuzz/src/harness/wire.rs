//! One target per wire layer: whatever parses must emit `buffer_len` bytes that parse back to
//! the same value; a buffer one byte short is an error, never a panic.
use ipmi_core::wire::{RequestRepr, ResponseRepr};
use rmcp::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use rmcp::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};
use rmcp::wire::{asf, rmcp as rmcp_header, v15, v20};

use super::no_alloc;

/// Checks emit -> parse for a parsed value `$v` with `$emit(&v, out)`, `$len` and `$parse(bytes)`.
macro_rules! round_trip {
    ($v:expr, $len:expr, $emit:expr, $parse:expr) => {{
        let v = $v;
        let mut out = vec![0u8; $len(&v)];
        let n = no_alloc(|| $emit(&v, &mut out[..]))
            .unwrap_or_else(|e| panic!("{v:?} was parsed but does not emit: {e:?}"));
        assert_eq!(n, $len(&v), "emit length != buffer_len for {v:?}");
        let again = $parse(&out[..n])
            .unwrap_or_else(|e| panic!("{v:?} emitted {:02x?}, which fails: {e:?}", &out[..n]));
        assert_eq!(again, v, "parse -> emit -> parse changed the value");
        if n > 0 {
            assert!(
                $emit(&v, &mut out[..n - 1]).is_err(),
                "emit into a short buffer"
            );
        }
    }};
}

/// The RMCP header.
pub fn wire_rmcp(data: &[u8]) {
    let parse = |b: &[u8]| {
        let p = rmcp_header::Packet::new_checked(b)?;
        rmcp_header::RmcpRepr::parse(&p)
    };
    if let Ok(v) = no_alloc(|| parse(data)) {
        round_trip!(
            v,
            |v: &rmcp_header::RmcpRepr| v.buffer_len(),
            |v: &rmcp_header::RmcpRepr, o: &mut [u8]| v.emit(o),
            parse
        );
    }
    // The whole datagram sorter never panics either.
    let _ = no_alloc(|| rmcp::wire::Datagram::parse(data));
}

/// ASF presence ping and pong.
pub fn wire_asf(data: &[u8]) {
    let parse = |b: &[u8]| {
        let p = asf::Packet::new_checked(b)?;
        asf::AsfRepr::parse(&p)
    };
    if let Ok(v) = no_alloc(|| parse(data)) {
        round_trip!(
            v,
            |v: &asf::AsfRepr| v.buffer_len(),
            |v: &asf::AsfRepr, o: &mut [u8]| v.emit(o),
            parse
        );
    }
}

/// The IPMI 1.5 session header and its auth code check.
pub fn wire_v15(data: &[u8]) {
    if let Ok(v) = no_alloc(|| v15::SessionRepr::parse(data)) {
        let password = rmcp::crypto::Kuid::from_slice(b"password").unwrap();
        let _ = no_alloc(|| rmcp::session::v15::verify(&v, &password));
        round_trip!(
            v,
            |v: &v15::SessionRepr| v.buffer_len(),
            |v: &v15::SessionRepr, o: &mut [u8]| v.emit(o),
            v15::SessionRepr::parse
        );
    }
}

/// The RMCP+ session header, trailer and `open` without keys (with keys: the `padding` target).
pub fn wire_v20(data: &[u8]) {
    if let Ok(h) = no_alloc(|| v20::Header::parse(data)) {
        round_trip!(
            h,
            |v: &v20::Header| v.buffer_len(),
            |v: &v20::Header, o: &mut [u8]| v.emit(o),
            |b: &[u8]| {
                // The header alone announces a payload: give it one of zeros.
                let mut full = b.to_vec();
                full.resize(b.len() + usize::from(h.payload_len), 0);
                v20::Header::parse(&full)
            }
        );
    }
    let mut scratch = [0u8; 128];
    if let Ok(opened) = no_alloc(|| rmcp::session::v20::open(data, None, &mut scratch)) {
        // Unprotected and well-framed: seal_body must rebuild exactly these bytes (OEM payloads
        // cannot be sealed).
        let mut out = vec![0u8; data.len()];
        match no_alloc(|| {
            rmcp::session::v20::seal_body(
                &mut out,
                opened.payload_type(),
                opened.session_id(),
                opened.sequence(),
                opened.payload,
                None,
                &[0; 16],
            )
        }) {
            Ok(n) => assert_eq!(&out[..n], data, "open -> seal_body is not the identity"),
            Err(e) => assert_eq!(opened.payload_type(), v20::PayloadType::Oem, "{e:?}"),
        }
    }
}

/// Open Session request (first byte even) and response (odd).
pub fn wire_open_session(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    if sel & 1 == 0 {
        if let Ok(v) = no_alloc(|| OpenSessionRequest::parse(body)) {
            round_trip!(
                v,
                |v: &OpenSessionRequest| v.buffer_len(),
                |v: &OpenSessionRequest, o: &mut [u8]| v.emit(o),
                OpenSessionRequest::parse
            );
        }
    } else if let Ok(v) = no_alloc(|| OpenSessionResponse::parse(body)) {
        round_trip!(
            v,
            |v: &OpenSessionResponse| v.buffer_len(),
            |v: &OpenSessionResponse, o: &mut [u8]| v.emit(o),
            OpenSessionResponse::parse
        );
    }
}

/// RAKP messages 1-4, picked by the first byte.
pub fn wire_rakp(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    match sel % 4 {
        0 => {
            if let Ok(v) = no_alloc(|| Rakp1::parse(body)) {
                round_trip!(
                    v,
                    |v: &Rakp1| v.buffer_len(),
                    |v: &Rakp1, o: &mut [u8]| v.emit(o),
                    Rakp1::parse
                );
            }
        }
        1 => {
            if let Ok(v) = no_alloc(|| Rakp2::parse(body)) {
                round_trip!(
                    v,
                    |v: &Rakp2| v.buffer_len(),
                    |v: &Rakp2, o: &mut [u8]| v.emit(o),
                    Rakp2::parse
                );
            }
        }
        2 => {
            if let Ok(v) = no_alloc(|| Rakp3::parse(body)) {
                round_trip!(
                    v,
                    |v: &Rakp3| v.buffer_len(),
                    |v: &Rakp3, o: &mut [u8]| v.emit(o),
                    Rakp3::parse
                );
            }
        }
        _ => {
            if let Ok(v) = no_alloc(|| Rakp4::parse(body)) {
                round_trip!(
                    v,
                    |v: &Rakp4| v.buffer_len(),
                    |v: &Rakp4, o: &mut [u8]| v.emit(o),
                    Rakp4::parse
                );
            }
        }
    }
}

/// The IPMI LAN message: request (first byte even) or response (odd), checksums included.
pub fn wire_lan_message(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    if sel & 1 == 0 {
        if let Ok(v) = no_alloc(|| RequestRepr::parse_bytes(body)) {
            round_trip!(
                v,
                |v: &RequestRepr| v.buffer_len(),
                |v: &RequestRepr, o: &mut [u8]| v.emit(o),
                RequestRepr::parse_bytes
            );
        }
    } else if let Ok(v) = no_alloc(|| ResponseRepr::parse_bytes(body)) {
        round_trip!(
            v,
            |v: &ResponseRepr| v.buffer_len(),
            |v: &ResponseRepr, o: &mut [u8]| v.emit(o),
            ResponseRepr::parse_bytes
        );
    }
}

/// The SOL payload (RMCP+ payload type 1).
pub fn wire_sol(data: &[u8]) {
    use rmcp::wire::sol::SolRepr;
    if let Ok(v) = no_alloc(|| SolRepr::parse(data)) {
        round_trip!(
            v,
            |v: &SolRepr| v.buffer_len(),
            |v: &SolRepr, o: &mut [u8]| v.emit(o),
            SolRepr::parse
        );
    }
}
