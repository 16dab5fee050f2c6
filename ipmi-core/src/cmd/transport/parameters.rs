//! The framing that Get/Set LAN and Get/Set SOL Configuration Parameters share (IPMI 2.0
//! 23.1-23.2 and 26.2-26.3): one codec, typed by the parameter's open enum `P` and the longest
//! data `MAX` the command carries.
//!
//! Get request: `b7 get revision only | b3:0 channel` · parameter · set selector · block
//! selector. Get response: parameter revision · the parameter's data (none when only the
//! revision was asked for). Set request: channel (b3:0) · parameter · data (at least one byte).
use crate::cmd::{out_slice, Body};
use crate::Error;

/// A Get ... Configuration Parameters request (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetParameterRequest<P> {
    /// Only the parameter revision is asked for.
    pub revision_only: bool,
    /// Channel number (0x0E = this channel).
    pub channel: u8,
    /// Which parameter.
    pub parameter: P,
    /// Set selector.
    pub set_selector: u8,
    /// Block selector.
    pub block_selector: u8,
}

impl<'a, P: Copy + From<u8>> Body<'a> for GetParameterRequest<P>
where
    u8: From<P>,
{
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [b0, parameter, set_selector, block_selector] = *crate::cmd::exact::<4>(data)?;
        Ok(GetParameterRequest {
            revision_only: b0 & 0x80 != 0,
            channel: b0 & 0x0F,
            parameter: P::from(parameter),
            set_selector,
            block_selector,
        })
    }
    fn buffer_len(&self) -> usize {
        4
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let o = out_slice::<4>(out)?;
        *o = [
            if self.revision_only { 0x80 } else { 0 } | crate::cmd::app::fit(self.channel, 0x0F)?,
            u8::from(self.parameter),
            self.set_selector,
            self.block_selector,
        ];
        Ok(4)
    }
}

/// A Get ... Configuration Parameters response: revision, then at most `MAX` bytes of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetParameterResponse<'a, const MAX: usize> {
    /// Parameter revision.
    pub revision: u8,
    /// The data (empty when only the revision was asked for).
    pub data: &'a [u8],
}

impl<'a, const MAX: usize> Body<'a> for GetParameterResponse<'a, MAX> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&revision, rest) = data.split_first().ok_or(Error::Truncated)?;
        if rest.len() > MAX {
            return Err(Error::TooLong);
        }
        Ok(GetParameterResponse {
            revision,
            data: rest,
        })
    }
    fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.data.len() > MAX {
            return Err(Error::InvalidField);
        }
        let n = self.buffer_len();
        let o = out.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        o[0] = self.revision;
        o[1..].copy_from_slice(self.data);
        Ok(n)
    }
}

/// A Set ... Configuration Parameters request: channel, parameter, 1 to `MAX` bytes of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetParameterRequest<'a, P, const MAX: usize> {
    /// Channel number (0x0E = this channel).
    pub channel: u8,
    /// Which parameter.
    pub parameter: P,
    /// The new value.
    pub data: &'a [u8],
}

impl<'a, P: Copy + From<u8>, const MAX: usize> Body<'a> for SetParameterRequest<'a, P, MAX>
where
    u8: From<P>,
{
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match data {
            [] | [_] | [_, _] => Err(Error::Truncated),
            [b0, parameter, rest @ ..] => {
                if rest.len() > MAX {
                    return Err(Error::TooLong);
                }
                Ok(SetParameterRequest {
                    channel: b0 & 0x0F,
                    parameter: P::from(*parameter),
                    data: rest,
                })
            }
        }
    }
    fn buffer_len(&self) -> usize {
        2 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.data.is_empty() || self.data.len() > MAX {
            return Err(Error::InvalidField);
        }
        let n = self.buffer_len();
        let o = out.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        o[0] = crate::cmd::app::fit(self.channel, 0x0F)?;
        o[1] = u8::from(self.parameter);
        o[2..].copy_from_slice(self.data);
        Ok(n)
    }
}
