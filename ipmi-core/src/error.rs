//! The one error type of the codecs.
use core::fmt;

/// Why bytes could not be parsed or emitted. Small and `Copy`, so it costs nothing to pass around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// Fewer bytes than the layout needs.
    Truncated,
    /// More bytes than the layout allows.
    TooLong,
    /// A checksum did not match.
    Checksum,
    /// A field holds a value the layout forbids.
    InvalidField,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Truncated => "message truncated",
            Error::TooLong => "message too long",
            Error::Checksum => "checksum mismatch",
            Error::InvalidField => "invalid field",
            Error::BufferTooSmall => "output buffer too small",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl Error {
    /// The completion code a BMC answers a well-framed request with when its data fails to parse.
    pub fn completion_code(self) -> crate::CompletionCode {
        use crate::CompletionCode as C;
        match self {
            Error::Truncated => C::RequestDataLengthInvalid,
            Error::TooLong => C::RequestDataLengthInvalid,
            Error::InvalidField => C::InvalidDataField,
            Error::Checksum | Error::BufferTooSmall => C::Unspecified,
        }
    }
}
