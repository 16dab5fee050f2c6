//! NetFn Chassis (0x00) commands: power and reset control, status, identify, restart cause,
//! power restore policy, boot options and the power-on-hours counter.

/// Shared test checks for the chassis bodies.
#[cfg(test)]
macro_rules! body_checks {
    ($ty:ty, $good:expr, $bad_lengths:expr) => {
        /// The real bytes parse, emit back to exactly those bytes, and survive a round trip; a short
        /// output buffer is an error.
        #[test]
        fn emit_reproduces_bytes() {
            use crate::cmd::Body;
            for bytes in $good {
                let bytes: &[u8] = bytes;
                let parsed = <$ty>::parse(bytes).unwrap();
                let mut out = [0u8; 64];
                let n = parsed.emit(&mut out).unwrap();
                assert_eq!(&out[..n], bytes);
                assert_eq!(n, parsed.buffer_len());
                assert_eq!(<$ty>::parse(&out[..n]).unwrap(), parsed);
                if n > 0 {
                    assert_eq!(
                        parsed.emit(&mut out[..n - 1]),
                        Err(crate::Error::BufferTooSmall)
                    );
                }
            }
        }

        /// Impossible lengths are rejected.
        #[test]
        fn wrong_lengths_rejected() {
            use crate::cmd::Body;
            for bytes in $bad_lengths {
                let bytes: &[u8] = bytes;
                let err = <$ty>::parse(bytes).unwrap_err();
                assert!(
                    matches!(err, crate::Error::Truncated | crate::Error::TooLong),
                    "{bytes:02x?}: {err:?}"
                );
            }
        }

        proptest::proptest! {
            /// No input of length 0..64 panics, and whatever parses survives emit -> parse.
            #[test]
            fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
                use crate::cmd::Body;
                if let Ok(parsed) = <$ty>::parse(&bytes) {
                    let mut out = [0u8; 80];
                    let n = parsed.emit(&mut out).unwrap();
                    proptest::prop_assert_eq!(n, parsed.buffer_len());
                    proptest::prop_assert_eq!(<$ty>::parse(&out[..n]).unwrap(), parsed);
                }
            }
        }
    };
}

pub mod boot_options;
pub mod capabilities;
pub mod control;
pub mod identify;
pub mod poh;
pub mod power_restore_policy;
pub mod reset;
pub mod restart_cause;
pub mod status;

/// The empty body (Get Chassis Status request, Chassis Control response, ...): the same type
/// the App commands use, so a codec never has to tell two empty bodies apart.
pub use crate::cmd::app::Empty;

#[cfg(test)]
mod tests {
    use super::*;

    body_checks!(Empty, [&[][..]], [&[0u8][..], &[1, 2][..]]);
}
