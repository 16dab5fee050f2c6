//! Typed request and response bodies, one file per command, named after the specification.
//!
//! A body is what follows the command byte of a request, or the completion code of a response.
//! Both directions parse and emit, so a console (client) uses the same codecs as the BMC.
use crate::{Error, NetFn};

pub mod app;
pub mod chassis;
pub mod dcmi;
pub mod sensor;
pub mod storage;
pub mod transport;

/// A request or response body: parse from bytes, emit into a caller's buffer.
pub trait Body<'a>: Sized {
    /// Parses a body; never panics on any input.
    fn parse(data: &'a [u8]) -> Result<Self, Error>;
    /// Bytes [`Body::emit`] writes.
    fn buffer_len(&self) -> usize;
    /// Writes the body into `out`, returning its length; a short buffer is an error.
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error>;
}

/// Ties a command's NetFn and number to its request and response bodies.
pub trait Command {
    /// The request NetFn.
    const NETFN: NetFn;
    /// The command number.
    const CMD: u8;
    /// The request body.
    type Request<'a>: Body<'a>;
    /// The response body (after the completion code).
    type Response<'a>: Body<'a>;
}

/// A body that is its bytes as they are (a bridged message's answer, the bytes read from a
/// bus): no field to check, any length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Bytes<'a> {
    /// The bytes.
    pub data: &'a [u8],
}

impl<'a> Body<'a> for Bytes<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        Ok(Bytes { data })
    }
    fn buffer_len(&self) -> usize {
        self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let buf = out
            .get_mut(..self.data.len())
            .ok_or(Error::BufferTooSmall)?;
        buf.copy_from_slice(self.data);
        Ok(self.data.len())
    }
}

/// Takes the first `N` bytes of `out` for writing, or fails with `BufferTooSmall`.
pub(crate) fn out_slice<const N: usize>(out: &mut [u8]) -> Result<&mut [u8; N], Error> {
    out.get_mut(..N)
        .and_then(|s| s.try_into().ok())
        .ok_or(Error::BufferTooSmall)
}

/// Checks that `data` is exactly `N` bytes and returns it as an array.
pub(crate) fn exact<const N: usize>(data: &[u8]) -> Result<&[u8; N], Error> {
    match data.len().cmp(&N) {
        core::cmp::Ordering::Less => Err(Error::Truncated),
        core::cmp::Ordering::Greater => Err(Error::TooLong),
        core::cmp::Ordering::Equal => data.try_into().map_err(|_| Error::Truncated),
    }
}
