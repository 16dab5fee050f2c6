//! Test helpers shared by the App command tests.

/// Decodes a hex string of exactly `2 * N` digits (test input only).
pub(crate) fn hex<const N: usize>(s: &str) -> [u8; N] {
    let s = s.as_bytes();
    assert_eq!(s.len(), 2 * N, "hex length");
    let nibble = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not hex"),
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
    }
    out
}

/// Parses `$bytes` as `$t`, checks `buffer_len`, that `emit` reproduces the bytes exactly, and that
/// parsing the emitted bytes gives the same value; evaluates to the parsed value.
macro_rules! check_exact {
    ($t:ty, $bytes:expr) => {{
        use $crate::cmd::Body as _;
        let bytes: &[u8] = $bytes;
        let a = <$t>::parse(bytes).expect("parse");
        assert_eq!(a.buffer_len(), bytes.len(), "buffer_len");
        let mut out = [0u8; 64];
        let n = a.emit(&mut out).expect("emit");
        assert_eq!(&out[..n], bytes, "emit reproduces the bytes");
        let b = <$t>::parse(&out[..n]).expect("reparse");
        assert_eq!(a, b, "round trip");
        if n > 0 {
            let mut short = [0u8; 64];
            assert_eq!(
                a.emit(&mut short[..n - 1]),
                Err($crate::Error::BufferTooSmall)
            );
        }
        a
    }};
}

/// If `$bytes` parse as `$t`, emitting must succeed and parse back to the same value.
macro_rules! check_reparse {
    ($t:ty, $bytes:expr) => {{
        use $crate::cmd::Body as _;
        let bytes: &[u8] = $bytes;
        if let Ok(a) = <$t>::parse(bytes) {
            let mut out = [0u8; 64];
            let n = a.emit(&mut out).expect("emit of a parsed value");
            assert_eq!(n, a.buffer_len());
            let b = <$t>::parse(&out[..n]).expect("reparse");
            assert_eq!(a, b);
        }
    }};
}

/// A proptest that no input of length 0..64 panics any of the listed parsers, and that whatever
/// parses re-emits and re-parses to the same value.
macro_rules! no_input_panics {
    ($($t:ty),+ $(,)?) => {
        proptest::proptest! {
            #[test]
            fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
                $( check_reparse!($t, &bytes); )+
            }
        }
    };
}

/// Asserts that every proper prefix of `$bytes` is `Truncated` and one byte more is `TooLong`.
macro_rules! check_lengths {
    ($t:ty, $bytes:expr) => {{
        use $crate::cmd::Body as _;
        let bytes: &[u8] = $bytes;
        for n in 0..bytes.len() {
            assert_eq!(
                <$t>::parse(&bytes[..n]).err(),
                Some($crate::Error::Truncated),
                "len {}",
                n
            );
        }
        let mut long = [0u8; 65];
        long[..bytes.len()].copy_from_slice(bytes);
        assert_eq!(
            <$t>::parse(&long[..bytes.len() + 1]).err(),
            Some($crate::Error::TooLong),
            "one byte too many"
        );
    }};
}
