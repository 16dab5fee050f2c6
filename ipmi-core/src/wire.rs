//! The IPMI LAN message that rides inside a session: addresses, NetFn/LUN, sequence, command, data
//! and the two checksums.
//!
//! Request:  `rsAddr · netFn<<2|rsLUN · chk1 · rqAddr · rqSeq<<2|rqLUN · cmd · data · chk2`
//! Response: `rqAddr · netFn<<2|rqLUN · chk1 · rsAddr · rqSeq<<2|rsLUN · cmd · cc · data · chk2`
//!
//! Both directions share one layout (a response's completion code is its first data byte), so one
//! [`Packet`] view serves both; [`RequestRepr`] and [`ResponseRepr`] are the validated forms.
use crate::{CompletionCode, Error, NetFn};

mod field {
    pub const ADDR1: usize = 0;
    pub const NETFN_LUN: usize = 1;
    pub const CHK1: usize = 2;
    pub const ADDR2: usize = 3;
    pub const SEQ_LUN: usize = 4;
    pub const CMD: usize = 5;
    pub const DATA: usize = 6;
}

/// Bytes of header and checksums around the data: 6 before it, 1 after.
pub const OVERHEAD: usize = 7;
/// The BMC's own slave address.
pub const BMC_ADDR: u8 = 0x20;
/// The remote console software id that ipmitool and freeipmi use.
pub const REMOTE_CONSOLE_ADDR: u8 = 0x81;

/// The two's complement checksum of `bytes`: adding it to their sum gives zero.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |acc, b| acc.wrapping_add(*b))
        .wrapping_neg()
}

/// A read/write view of a LAN message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer, checking its length and both checksums.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        let b = packet.buffer.as_ref();
        if checksum(&b[..field::CHK1]) != b[field::CHK1] {
            return Err(Error::Checksum);
        }
        let last = b.len() - 1;
        if checksum(&b[field::ADDR2..last]) != b[last] {
            return Err(Error::Checksum);
        }
        Ok(packet)
    }

    /// Ensures the buffer holds at least the header and the trailing checksum.
    pub fn check_len(&self) -> Result<(), Error> {
        if self.buffer.as_ref().len() < OVERHEAD {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// Responder address in a request, requester address in a response.
    pub fn addr1(&self) -> u8 {
        self.buffer.as_ref()[field::ADDR1]
    }
    /// The NetFn (upper 6 bits).
    pub fn netfn(&self) -> NetFn {
        NetFn::from(self.buffer.as_ref()[field::NETFN_LUN] >> 2)
    }
    /// The LUN of the first address (lower 2 bits).
    pub fn lun1(&self) -> u8 {
        self.buffer.as_ref()[field::NETFN_LUN] & 0x03
    }
    /// Requester address in a request, responder address in a response.
    pub fn addr2(&self) -> u8 {
        self.buffer.as_ref()[field::ADDR2]
    }
    /// The requester's sequence number (upper 6 bits).
    pub fn rq_seq(&self) -> u8 {
        self.buffer.as_ref()[field::SEQ_LUN] >> 2
    }
    /// The LUN of the second address (lower 2 bits).
    pub fn lun2(&self) -> u8 {
        self.buffer.as_ref()[field::SEQ_LUN] & 0x03
    }
    /// The command number.
    pub fn cmd(&self) -> u8 {
        self.buffer.as_ref()[field::CMD]
    }
    /// Everything between the command and the trailing checksum (a response's begins with the
    /// completion code).
    pub fn data(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[field::DATA..b.len() - 1]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes the header fields and data, then both checksums.
    fn fill(&mut self, a1: u8, netfn_lun: u8, a2: u8, seq_lun: u8, cmd: u8, data: &[&[u8]]) {
        let b = self.buffer.as_mut();
        b[field::ADDR1] = a1;
        b[field::NETFN_LUN] = netfn_lun;
        b[field::CHK1] = checksum(&b[..field::CHK1]);
        b[field::ADDR2] = a2;
        b[field::SEQ_LUN] = seq_lun;
        b[field::CMD] = cmd;
        let mut at = field::DATA;
        for part in data {
            b[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        b[at] = checksum(&b[field::ADDR2..at]);
    }
}

/// A validated request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRepr<'a> {
    /// Responder slave address (0x20, the BMC).
    pub rs_addr: u8,
    /// Network function; must be a request (even) NetFn.
    pub netfn: NetFn,
    /// Responder LUN.
    pub rs_lun: u8,
    /// Requester address (0x81 for remote consoles).
    pub rq_addr: u8,
    /// Requester sequence number, 0..=63.
    pub rq_seq: u8,
    /// Requester LUN.
    pub rq_lun: u8,
    /// Command number.
    pub cmd: u8,
    /// Request data.
    pub data: &'a [u8],
}

impl<'a> RequestRepr<'a> {
    /// Parses a request; rejects a response NetFn.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, Error> {
        packet.check_len()?;
        if !packet.netfn().is_request() {
            return Err(Error::InvalidField);
        }
        let b: &'a [u8] = packet.buffer;
        Ok(RequestRepr {
            rs_addr: packet.addr1(),
            netfn: packet.netfn(),
            rs_lun: packet.lun1(),
            rq_addr: packet.addr2(),
            rq_seq: packet.rq_seq(),
            rq_lun: packet.lun2(),
            cmd: packet.cmd(),
            data: &b[field::DATA..b.len() - 1],
        })
    }

    /// Parses and checks a whole request message.
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse(&Packet::new_checked(bytes)?)
    }

    /// Bytes this request takes on the wire.
    pub fn buffer_len(&self) -> usize {
        OVERHEAD + self.data.len()
    }

    /// Writes the request into `out`, returning its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        if self.rq_seq > 0x3F || self.rs_lun > 3 || self.rq_lun > 3 {
            return Err(Error::InvalidField);
        }
        Packet::new_unchecked(buf).fill(
            self.rs_addr,
            u8::from(self.netfn) << 2 | self.rs_lun,
            self.rq_addr,
            self.rq_seq << 2 | self.rq_lun,
            self.cmd,
            &[self.data],
        );
        Ok(len)
    }

    /// The header of the response to this request, for `completion_code` and `data`.
    pub fn response<'d>(
        &self,
        completion_code: CompletionCode,
        data: &'d [u8],
    ) -> ResponseRepr<'d> {
        ResponseRepr {
            rq_addr: self.rq_addr,
            netfn: self.netfn.response(),
            rq_lun: self.rq_lun,
            rs_addr: self.rs_addr,
            rq_seq: self.rq_seq,
            rs_lun: self.rs_lun,
            cmd: self.cmd,
            completion_code,
            data,
        }
    }
}

/// A validated response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseRepr<'a> {
    /// Requester address (0x81).
    pub rq_addr: u8,
    /// Network function; a response (odd) NetFn.
    pub netfn: NetFn,
    /// Requester LUN.
    pub rq_lun: u8,
    /// Responder address (0x20).
    pub rs_addr: u8,
    /// The requester's sequence number, echoed.
    pub rq_seq: u8,
    /// Responder LUN.
    pub rs_lun: u8,
    /// Command number, echoed.
    pub cmd: u8,
    /// Completion code.
    pub completion_code: CompletionCode,
    /// Response data after the completion code.
    pub data: &'a [u8],
}

impl<'a> ResponseRepr<'a> {
    /// Parses a response; rejects a request NetFn and a response without completion code.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, Error> {
        packet.check_len()?;
        if packet.netfn().is_request() {
            return Err(Error::InvalidField);
        }
        let b: &'a [u8] = packet.buffer;
        let data = &b[field::DATA..b.len() - 1];
        let (&cc, data) = data.split_first().ok_or(Error::Truncated)?;
        Ok(ResponseRepr {
            rq_addr: packet.addr1(),
            netfn: packet.netfn(),
            rq_lun: packet.lun1(),
            rs_addr: packet.addr2(),
            rq_seq: packet.rq_seq(),
            rs_lun: packet.lun2(),
            cmd: packet.cmd(),
            completion_code: CompletionCode::from(cc),
            data,
        })
    }

    /// Parses and checks a whole response message.
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse(&Packet::new_checked(bytes)?)
    }

    /// Bytes this response takes on the wire.
    pub fn buffer_len(&self) -> usize {
        OVERHEAD + 1 + self.data.len()
    }

    /// Writes the response into `out`, returning its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        if self.rq_seq > 0x3F || self.rs_lun > 3 || self.rq_lun > 3 {
            return Err(Error::InvalidField);
        }
        Packet::new_unchecked(buf).fill(
            self.rq_addr,
            u8::from(self.netfn) << 2 | self.rq_lun,
            self.rs_addr,
            self.rq_seq << 2 | self.rs_lun,
            self.cmd,
            &[&[u8::from(self.completion_code)], self.data],
        );
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Get Channel Authentication Capabilities, ipmitool 1.8.19 -> ipmi_sim
    // (../shared/vectors/txt/v15-password-ipmitool-4cmds.txt, datagrams 3 and 4).
    const REQ: [u8; 9] = [0x20, 0x18, 0xc8, 0x81, 0x04, 0x38, 0x0e, 0x04, 0x31];
    const RSP: [u8; 16] = [
        0x81, 0x1c, 0x63, 0x20, 0x04, 0x38, 0x00, 0x01, 0x17, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x88,
    ];
    // HPM.2 probe answered 0xC1 (datagrams 11 and 12).
    const PROBE_RSP: [u8; 8] = [0x81, 0xb4, 0xcb, 0x20, 0x14, 0x3e, 0xc1, 0xcd];

    #[test]
    fn deconstruct_request() {
        let r = RequestRepr::parse_bytes(&REQ).unwrap();
        assert_eq!(r.rs_addr, 0x20);
        assert_eq!(r.netfn, NetFn::App);
        assert_eq!(r.rq_addr, 0x81);
        assert_eq!(r.rq_seq, 1);
        assert_eq!(r.cmd, 0x38);
        assert_eq!(r.data, &[0x0e, 0x04]);
    }

    #[test]
    fn construct_request() {
        let r = RequestRepr::parse_bytes(&REQ).unwrap();
        let mut out = [0u8; 32];
        let n = r.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &REQ);
    }

    #[test]
    fn response_round_trip() {
        for bytes in [&RSP[..], &PROBE_RSP[..]] {
            let r = ResponseRepr::parse_bytes(bytes).unwrap();
            let mut out = [0u8; 32];
            let n = r.emit(&mut out).unwrap();
            assert_eq!(&out[..n], bytes);
        }
        let r = ResponseRepr::parse_bytes(&PROBE_RSP).unwrap();
        assert_eq!(r.netfn, NetFn::GroupExtensionResponse);
        assert_eq!(r.completion_code, CompletionCode::InvalidCommand);
        assert!(r.data.is_empty());
    }

    #[test]
    fn request_builds_its_response() {
        let req = RequestRepr::parse_bytes(&REQ).unwrap();
        let rsp = req.response(CompletionCode::Normal, &[0x01, 0x17, 0x04, 0, 0, 0, 0, 0]);
        let mut out = [0u8; 32];
        let n = rsp.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &RSP);
    }

    #[test]
    fn bad_checksums_and_lengths() {
        let mut bad = REQ;
        bad[2] ^= 1;
        assert_eq!(RequestRepr::parse_bytes(&bad), Err(Error::Checksum));
        let mut bad = REQ;
        bad[8] ^= 1;
        assert_eq!(RequestRepr::parse_bytes(&bad), Err(Error::Checksum));
        for n in 0..OVERHEAD {
            assert_eq!(RequestRepr::parse_bytes(&REQ[..n]), Err(Error::Truncated));
        }
        assert_eq!(RequestRepr::parse_bytes(&RSP), Err(Error::InvalidField));
        let mut small = [0u8; 8];
        let r = RequestRepr::parse_bytes(&REQ).unwrap();
        assert_eq!(r.emit(&mut small), Err(Error::BufferTooSmall));
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let _ = RequestRepr::parse_bytes(&bytes);
            let _ = ResponseRepr::parse_bytes(&bytes);
        }
    }
}
