//! The session layer, shared by the BMC ([`crate::server`]) and the console ([`crate::client`]):
//! what turns a parsed packet into a trusted one and a message into a protected packet.
//!
//! - [`SessionKeys`]: one RMCP+ session's suite and keys (SIK, K1, K2), set up once per session.
//! - [`v20`]: [`v20::open`] (verify the AuthCode, check the trailer, decrypt) and [`v20::seal`]
//!   (encrypt, pad, sign) of RMCP+ packets.
//! - [`v15`]: [`v15::verify`] and [`v15::seal`] of IPMI 1.5 packets (MD2, MD5, straight password).
//! - [`window`]: the inbound sequence-number windows that drop replays.
//! - [`Random`]: the random source the shell passes in (session ids, Rm/Rc, IVs), and with feature
//!   `std` the one OS source, `OsRandom`.
//!
//! Layers, bottom up: `wire` (bytes, no crypto) <- `crypto` (algorithms) <- `session` <- `server`,
//! `client`. Nothing here does I/O or keeps a table of sessions; the server's table and state
//! machine stay in `server`, the console's in `client`.
use crate::crypto::CryptoError;
use crate::wire::WireError;

pub mod keys;
mod random;
pub mod v15;
pub mod v20;
pub mod window;

pub use keys::SessionKeys;
#[cfg(feature = "std")]
pub use random::OsRandom;
pub use random::Random;

/// A crypto failure while opening or sealing a packet, as the packet's error.
impl From<CryptoError> for WireError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::InvalidLength => WireError::InvalidField,
            CryptoError::Unsupported => WireError::Unsupported,
            CryptoError::Mismatch => WireError::AuthCode,
            CryptoError::Padding => WireError::Padding,
            CryptoError::BufferTooSmall => WireError::BufferTooSmall,
        }
    }
}
