//! Get Message (App 0x33): takes the oldest message out of the BMC's receive message queue; here
//! that is the answer of a target reached by Send Message without tracking.
//!
//! Response: channel byte (b3:0 the channel the message came from, b7:4 the privilege level of
//! the session it belongs to, 0 for none) · message data. For an IPMB response the data is the
//! message without its first byte (the requester's own slave address), as OpenIPMI's BMCs
//! deliver it. Completion code 0x80 when the queue is empty.
use super::Empty;
use crate::{CompletionCode, Error, NetFn, Privilege};

/// 0x80: the receive message queue is empty.
pub const DATA_NOT_AVAILABLE: CompletionCode = CompletionCode::CommandSpecific80;

/// Get Message (App 0x33).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetMessage;

impl crate::cmd::Command for GetMessage {
    const NETFN: NetFn = NetFn::App;
    const CMD: u8 = 0x33;
    type Request<'a> = Empty;
    type Response<'a> = GetMessageResponse<'a>;
}

/// The Get Message response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetMessageResponse<'a> {
    /// Channel the message arrived on (4 bits).
    pub channel: u8,
    /// Inbound privilege level (4 bits; `Unknown(0)` when the message belongs to no session).
    pub privilege: Privilege,
    /// The message.
    pub data: &'a [u8],
}

impl<'a> crate::cmd::Body<'a> for GetMessageResponse<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&b, data) = data.split_first().ok_or(Error::Truncated)?;
        Ok(GetMessageResponse {
            channel: b & 0x0F,
            privilege: Privilege::from(b >> 4),
            data,
        })
    }
    fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        buf[0] = super::fit(self.channel, 0x0F)? | super::privilege_bits(self.privilege)? << 4;
        buf[1..].copy_from_slice(self.data);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    #[test]
    fn round_trips() {
        // Channel 7, Operator session: Get Chassis Status answered by 0x72 (rqSA dropped).
        let bytes = [
            0x37, 0x04, 0x8A, 0x72, 0x0C, 0x01, 0x00, 0x01, 0x00, 0x00, 0x72,
        ];
        let r = check_exact!(GetMessageResponse<'_>, &bytes);
        assert_eq!(r.channel, 7);
        assert_eq!(r.privilege, Privilege::Operator);
        assert_eq!(r.data.len(), 10);
        assert_eq!(GetMessageResponse::parse(&[]), Err(Error::Truncated));
        let mut out = [0u8; 2];
        let bad = GetMessageResponse {
            channel: 0x10,
            privilege: Privilege::User,
            data: &[],
        };
        assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
    }

    no_input_panics!(GetMessageResponse<'_>);
}
