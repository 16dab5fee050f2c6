//! Send Message (App 0x34): bridges an IPMB message through the BMC to another controller
//! (ipmitool `-b CHANNEL -t TARGET`, and with `-B -T` twice, one inside the other).
//!
//! Request: channel (b3:0 channel number, b4 authentication, b5 encryption, b7:6 tracking) ·
//! message. From a LAN session the message is a whole IPMB request as [`crate::wire`] frames it
//! (rsSA · netFn/rsLUN · checksum 1 · rqSA · rqSeq/rqLUN · cmd · data · checksum 2).
//!
//! Response: the response data. With tracking (what ipmitool and freeipmi ask for, 0x40 |
//! channel) a BMC answering a LAN console sends this response bare and the target's IPMB
//! response after it as a LAN message of its own; a controller on the IPMB that bridges again
//! (double bridging) puts the target's whole IPMB response here, which is what ipmitool 1.8.19
//! unwraps (a Send Message response longer than its 8 header bytes). Without tracking the
//! response data is empty and the target's answer waits in the receive message queue for Get
//! Message. See `bmc::bridge`.
//!
//! Completion codes of this command: 0x80 invalid session handle, 0x81 lost arbitration, 0x82
//! bus error, 0x83 NAK on write (no controller answers at that address; what OpenIPMI's
//! `ipmi_sim` answers, and what ipmitool prints as "Unknown (0x83)").
use crate::{CompletionCode, Error, NetFn};

/// 0x83: nobody acknowledged the target address on the bus.
pub const NAK_ON_WRITE: CompletionCode = CompletionCode::CommandSpecific83;

/// Send Message (App 0x34).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendMessage;

impl crate::cmd::Command for SendMessage {
    const NETFN: NetFn = NetFn::App;
    const CMD: u8 = 0x34;
    type Request<'a> = SendMessageRequest<'a>;
    type Response<'a> = SendMessageResponse<'a>;
}

open_enum! {
    /// Bits 7:6 of the channel byte: what the BMC does with the target's response.
    pub enum Tracking {
        /// 0: no tracking; the response goes to the receive message queue (Get Message).
        NoTracking = 0,
        /// 1: track the request; the response is routed back to the requester.
        TrackRequest = 1,
        /// 2: send raw (test mode, not served here).
        SendRaw = 2,
    }
}

/// The Send Message request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SendMessageRequest<'a> {
    /// Channel number the message goes out on (4 bits).
    pub channel: u8,
    /// Send with authentication (b4).
    pub authentication: bool,
    /// Send with encryption (b5).
    pub encryption: bool,
    /// What happens to the response (b7:6; 3 is `Unknown(3)`).
    pub tracking: Tracking,
    /// The message as it goes on the channel.
    pub message: &'a [u8],
}

impl<'a> crate::cmd::Body<'a> for SendMessageRequest<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&b, message) = data.split_first().ok_or(Error::Truncated)?;
        Ok(SendMessageRequest {
            channel: b & 0x0F,
            authentication: super::bit(b, 4),
            encryption: super::bit(b, 5),
            tracking: Tracking::from(b >> 6),
            message,
        })
    }
    fn buffer_len(&self) -> usize {
        1 + self.message.len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        buf[0] = super::fit(self.channel, 0x0F)?
            | super::flag(self.authentication, 4)
            | super::flag(self.encryption, 5)
            | super::fit(u8::from(self.tracking), 0x03)? << 6;
        buf[1..].copy_from_slice(self.message);
        Ok(len)
    }
}

/// The Send Message response: the bridged response message when it is carried here (tracking),
/// else nothing.
pub type SendMessageResponse<'a> = crate::cmd::Bytes<'a>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;
    use crate::wire::{RequestRepr, ResponseRepr};

    /// ipmitool 1.8.19 `-I lanplus -b 7 -t 0x72 power status`: the Send Message data after the
    /// command byte (built by hand from lanplus.c's layout: channel 0x47, then Get Chassis
    /// Status to 0x72 from the remote console 0x81 with the outer rqSeq).
    const SINGLE: [u8; 8] = [0x47, 0x72, 0x00, 0x8E, 0x81, 0x0C, 0x01, 0x72];

    #[test]
    fn ipmitool_single_bridge() {
        let r = check_exact!(SendMessageRequest<'_>, &SINGLE);
        assert_eq!(r.channel, 7);
        assert_eq!(r.tracking, Tracking::TrackRequest);
        assert!(!r.authentication && !r.encryption);
        let inner = RequestRepr::parse_bytes(r.message).unwrap();
        assert_eq!(inner.rs_addr, 0x72);
        assert_eq!(inner.netfn, NetFn::Chassis);
        assert_eq!(inner.rq_addr, 0x81);
        assert_eq!(inner.rq_seq, 3);
        assert_eq!(inner.cmd, 0x01);
    }

    #[test]
    fn ipmitool_double_bridge() {
        // -B 0 -T 0x82 -b 7 -t 0x72: Send Message to 0x82 on channel 0 carrying Send Message
        // to 0x72 on channel 7 (rqSA 0x20, ipmitool's own address, in the innermost one).
        let mut innermost = [0u8; 7];
        let n = RequestRepr {
            rs_addr: 0x72,
            netfn: NetFn::Chassis,
            rs_lun: 0,
            rq_addr: 0x20,
            rq_seq: 5,
            rq_lun: 0,
            cmd: 0x01,
            data: &[],
        }
        .emit(&mut innermost)
        .unwrap();
        let mut transit_data = [0u8; 16];
        let m = SendMessageRequest {
            channel: 7,
            authentication: false,
            encryption: false,
            tracking: Tracking::TrackRequest,
            message: &innermost[..n],
        }
        .emit(&mut transit_data)
        .unwrap();
        let mut transit = [0u8; 32];
        let t = RequestRepr {
            rs_addr: 0x82,
            netfn: NetFn::App,
            rs_lun: 0,
            rq_addr: 0x81,
            rq_seq: 5,
            rq_lun: 0,
            cmd: 0x34,
            data: &transit_data[..m],
        }
        .emit(&mut transit)
        .unwrap();
        let mut outer = [0u8; 40];
        outer[0] = 0x40;
        outer[1..1 + t].copy_from_slice(&transit[..t]);
        let o = check_exact!(SendMessageRequest<'_>, &outer[..1 + t]);
        assert_eq!(o.channel, 0);
        let tr = RequestRepr::parse_bytes(o.message).unwrap();
        assert_eq!(tr.rs_addr, 0x82);
        let inner = SendMessageRequest::parse(tr.data).unwrap();
        assert_eq!(inner.channel, 7);
        assert_eq!(
            RequestRepr::parse_bytes(inner.message).unwrap().rs_addr,
            0x72
        );
    }

    #[test]
    fn embedded_response() {
        // Get Chassis Status answered by 0x72 (power on), carried in the Send Message response.
        let mut inner = [0u8; 16];
        let n = ResponseRepr {
            rq_addr: 0x81,
            netfn: NetFn::Chassis.response(),
            rq_lun: 0,
            rs_addr: 0x72,
            rq_seq: 3,
            rs_lun: 0,
            cmd: 0x01,
            completion_code: CompletionCode::Normal,
            data: &[0x01, 0x00, 0x00],
        }
        .emit(&mut inner)
        .unwrap();
        let r = check_exact!(SendMessageResponse<'_>, &inner[..n]);
        let back = ResponseRepr::parse_bytes(r.data).unwrap();
        assert_eq!(back.data, &[0x01, 0x00, 0x00]);
        assert_eq!(check_exact!(SendMessageResponse<'_>, &[]).data, &[]);
    }

    #[test]
    fn lengths_and_fields() {
        assert_eq!(SendMessageRequest::parse(&[]), Err(Error::Truncated));
        let r = SendMessageRequest::parse(&[0xF7]).unwrap();
        assert_eq!(r.tracking, Tracking::Unknown(3));
        assert!(r.authentication && r.encryption);
        let mut out = [0u8; 4];
        let bad = SendMessageRequest { channel: 0x10, ..r };
        assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
        let bad = SendMessageRequest {
            tracking: Tracking::Unknown(4),
            ..r
        };
        assert_eq!(bad.emit(&mut out), Err(Error::InvalidField));
        for b in 0..=255u8 {
            assert_eq!(u8::from(Tracking::from(b)), b);
        }
    }

    no_input_panics!(SendMessageRequest<'_>, SendMessageResponse<'_>);
}
