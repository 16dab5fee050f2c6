//! Get Channel Cipher Suites (App 0x54): which RMCP+ cipher suites a channel offers. ipmitool
//! lanplus without `-C` asks before the session (in 2.0 framing with session id 0) and picks
//! 17, then 3; a BMC that ignores it costs a 10 s hang.
//!
//! Request: channel (b3:0; 0x0E = this channel) · payload type (b5:0; 0 = IPMI) · b7 list
//! algorithms by cipher suite (else: list supported algorithms), b5:0 list index.
//! Response: channel · up to 16 bytes of record data: the `list_index`-th 16-byte slice of the
//! concatenated records. Records (by cipher suite): `C0 id auth 40|integrity 80|confidentiality`,
//! OEM ones `C1 id iana(3) ...`. Consoles keep asking, index + 1, while a reply carries exactly 16
//! bytes, so the list ends with a shorter (possibly empty) chunk.
use super::{bit, fit, flag};
use crate::cmd::Body;
use crate::Error;

app_command! {
    /// Get Channel Cipher Suites (App 0x54).
    GetChannelCipherSuites, 0x54, GetChannelCipherSuitesRequest,
    GetChannelCipherSuitesResponse<'a>
}

/// Record data bytes in one response.
pub const CHUNK_LEN: usize = 16;
/// The highest list index (6 bits), so at most 64 chunks of 16 bytes.
pub const MAX_LIST_INDEX: u8 = 0x3F;
/// Start of a standard cipher suite record.
pub const RECORD_START: u8 = 0xC0;
/// Start of an OEM cipher suite record (followed by the id and a 3-byte IANA number).
pub const OEM_RECORD_START: u8 = 0xC1;

/// The Get Channel Cipher Suites request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelCipherSuitesRequest {
    /// Byte 1 bits 3:0: channel number (0x0E = this channel).
    pub channel: u8,
    /// Byte 2 bits 5:0: payload type the suites are asked for (0 = IPMI, 1 = SOL).
    pub payload_type: u8,
    /// Byte 3 bit 7: list algorithms by cipher suite (what ipmitool and freeipmi ask).
    pub list_by_cipher_suite: bool,
    /// Byte 3 bits 5:0: list index: which 16-byte chunk of the record data.
    pub list_index: u8,
}

impl GetChannelCipherSuitesRequest {
    fn decode(b: &[u8; 3]) -> Result<Self, Error> {
        Ok(GetChannelCipherSuitesRequest {
            channel: b[0] & 0x0F,
            payload_type: b[1] & 0x3F,
            list_by_cipher_suite: bit(b[2], 7),
            list_index: b[2] & 0x3F,
        })
    }

    fn encode(&self) -> Result<[u8; 3], Error> {
        Ok([
            fit(self.channel, 0x0F)?,
            fit(self.payload_type, 0x3F)?,
            flag(self.list_by_cipher_suite, 7) | fit(self.list_index, 0x3F)?,
        ])
    }
}

fixed_body!(GetChannelCipherSuitesRequest, 3);

/// The Get Channel Cipher Suites response data: channel plus one chunk of record data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetChannelCipherSuitesResponse<'a> {
    /// Byte 1 bits 3:0: the actual channel number.
    pub channel: u8,
    /// Bytes 2..=17: 0 to 16 bytes of record data.
    pub record_data: &'a [u8],
}

impl<'a> GetChannelCipherSuitesResponse<'a> {
    /// The response to a request for `list_index`, cut from the whole `records` list.
    pub fn chunk(channel: u8, records: &'a [u8], list_index: u8) -> Self {
        GetChannelCipherSuitesResponse {
            channel,
            record_data: record_chunk(records, list_index),
        }
    }

    /// Whether a console should stop asking (this chunk is shorter than 16 bytes).
    pub fn is_last(&self) -> bool {
        self.record_data.len() < CHUNK_LEN
    }
}

impl<'a> Body<'a> for GetChannelCipherSuitesResponse<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&channel, record_data) = data.split_first().ok_or(Error::Truncated)?;
        if record_data.len() > CHUNK_LEN {
            return Err(Error::TooLong);
        }
        Ok(GetChannelCipherSuitesResponse {
            channel: channel & 0x0F,
            record_data,
        })
    }

    fn buffer_len(&self) -> usize {
        1 + self.record_data.len()
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        if self.record_data.len() > CHUNK_LEN {
            return Err(Error::InvalidField);
        }
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        out[0] = fit(self.channel, 0x0F)?;
        out[1..].copy_from_slice(self.record_data);
        Ok(len)
    }
}

/// The `list_index`-th 16-byte chunk of `records` (shorter at the end, empty past it).
pub fn record_chunk(records: &[u8], list_index: u8) -> &[u8] {
    let start = usize::from(list_index & MAX_LIST_INDEX) * CHUNK_LEN;
    let end = records.len().min(start + CHUNK_LEN);
    records.get(start..end).unwrap_or(&[])
}

/// One cipher suite record: the suite id and its three algorithm numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CipherSuiteRecord {
    /// Cipher suite id (e.g. 3, 17).
    pub id: u8,
    /// OEM IANA number, for `C1` (OEM) records only.
    pub oem_iana: Option<u32>,
    /// Authentication algorithm number (0 none, 1 HMAC-SHA1, 2 HMAC-MD5, 3 HMAC-SHA256).
    pub auth: u8,
    /// Integrity algorithm number (0 none, 1 HMAC-SHA1-96, 2 HMAC-MD5-128, 3 MD5-128,
    /// 4 HMAC-SHA256-128).
    pub integrity: u8,
    /// Confidentiality algorithm number (0 none, 1 AES-CBC-128, 2 xRC4-128, 3 xRC4-40).
    pub confidentiality: u8,
}

impl CipherSuiteRecord {
    /// Bytes of a standard record.
    pub const LEN: usize = 5;
    /// Bytes of an OEM record.
    pub const OEM_LEN: usize = 8;

    /// A standard record.
    pub const fn new(id: u8, auth: u8, integrity: u8, confidentiality: u8) -> Self {
        CipherSuiteRecord {
            id,
            oem_iana: None,
            auth,
            integrity,
            confidentiality,
        }
    }

    /// Bytes [`CipherSuiteRecord::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        if self.oem_iana.is_some() {
            Self::OEM_LEN
        } else {
            Self::LEN
        }
    }

    /// Writes the record (`C0 id auth 40|integrity 80|confidentiality`), returning its length.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let algorithms = [
            fit(self.auth, 0x3F)?,
            0x40 | fit(self.integrity, 0x3F)?,
            0x80 | fit(self.confidentiality, 0x3F)?,
        ];
        match self.oem_iana {
            None => {
                out[..2].copy_from_slice(&[RECORD_START, self.id]);
                out[2..].copy_from_slice(&algorithms);
            }
            Some(iana) => {
                if iana > 0x00FF_FFFF {
                    return Err(Error::InvalidField);
                }
                let i = iana.to_le_bytes();
                out[..5].copy_from_slice(&[OEM_RECORD_START, self.id, i[0], i[1], i[2]]);
                out[5..].copy_from_slice(&algorithms);
            }
        }
        Ok(len)
    }

    /// Writes all `suites` back to back (the whole list a BMC then cuts with [`record_chunk`]),
    /// returning the length.
    pub fn write_all(suites: &[CipherSuiteRecord], out: &mut [u8]) -> Result<usize, Error> {
        let mut at = 0;
        for suite in suites {
            let rest = out.get_mut(at..).ok_or(Error::BufferTooSmall)?;
            at += suite.emit(rest)?;
        }
        Ok(at)
    }

    /// Iterates over the records of a whole (reassembled) list.
    pub fn iter(records: &[u8]) -> CipherSuiteRecords<'_> {
        CipherSuiteRecords { rest: records }
    }
}

/// Iterator over the records of a reassembled record list; yields an error once and then stops
/// on malformed data.
#[derive(Debug, Clone)]
pub struct CipherSuiteRecords<'a> {
    rest: &'a [u8],
}

impl CipherSuiteRecords<'_> {
    fn next_record(&mut self) -> Result<CipherSuiteRecord, Error> {
        let (&start, rest) = self.rest.split_first().ok_or(Error::Truncated)?;
        let (&id, mut rest) = rest.split_first().ok_or(Error::Truncated)?;
        let oem_iana = match start {
            RECORD_START => None,
            OEM_RECORD_START => {
                let (iana, tail) = rest.split_at_checked(3).ok_or(Error::Truncated)?;
                rest = tail;
                Some(u32::from_le_bytes([iana[0], iana[1], iana[2], 0]))
            }
            _ => return Err(Error::InvalidField),
        };
        // Algorithm bytes, tagged in bits 7:6 (00 auth, 01 integrity, 10 confidentiality),
        // until the next record start (tag 11) or the end.
        let mut algorithms: [Option<u8>; 3] = [None; 3];
        while let Some((&b, tail)) = rest.split_first() {
            let tag = usize::from(b >> 6);
            let Some(slot) = algorithms.get_mut(tag) else {
                break;
            };
            if slot.replace(b & 0x3F).is_some() {
                return Err(Error::InvalidField);
            }
            rest = tail;
        }
        self.rest = rest;
        match algorithms {
            [Some(auth), Some(integrity), Some(confidentiality)] => Ok(CipherSuiteRecord {
                id,
                oem_iana,
                auth,
                integrity,
                confidentiality,
            }),
            _ => Err(Error::Truncated),
        }
    }
}

impl Iterator for CipherSuiteRecords<'_> {
    type Item = Result<CipherSuiteRecord, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let item = self.next_record();
        if item.is_err() {
            self.rest = &[];
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;

    // No capture covers this command (every vector passes -C/-I). The request is the one
    // ipmitool builds (channel 0x0E, payload IPMI, 0x80 | index); the list is what a BMC offering
    // suites 3 and 17 (ipmitool's two preferences) and then 1, 2, 15, 16 writes.
    const SUITES: [CipherSuiteRecord; 6] = [
        CipherSuiteRecord::new(3, 1, 1, 1),
        CipherSuiteRecord::new(17, 3, 4, 1),
        CipherSuiteRecord::new(1, 1, 0, 0),
        CipherSuiteRecord::new(2, 1, 1, 0),
        CipherSuiteRecord::new(15, 3, 0, 0),
        CipherSuiteRecord::new(16, 3, 4, 0),
    ];
    const LIST: &str = "c003014181c011034481c001014080c002014180c00f034080c010034480";

    fn list() -> [u8; 30] {
        hex::<30>(LIST)
    }

    // ipmi_sim's first and last chunks for ipmitool `channel getciphers ipmi 1`
    // (testdata/ipmi_sim-app-commands.txt; captures.rs reassembles the whole list).
    #[test]
    fn ipmi_sim_chunks() {
        let r = check_exact!(GetChannelCipherSuitesRequest, &[0x01, 0x00, 0x80]);
        assert_eq!((r.channel, r.payload_type, r.list_index), (1, 0, 0));
        let r = check_exact!(GetChannelCipherSuitesRequest, &[0x01, 0x01, 0x84]);
        assert_eq!((r.payload_type, r.list_index), (1, 4));
        let first = hex::<17>("01c000004080c001014080c002014180c0");
        let r = check_exact!(GetChannelCipherSuitesResponse, &first);
        assert_eq!(r.channel, 1);
        assert!(!r.is_last());
        let last = hex::<12>("0181c00d024382c00e024383");
        let r = check_exact!(GetChannelCipherSuitesResponse, &last);
        assert_eq!(r.record_data.len(), 11);
        assert!(r.is_last());
    }

    #[test]
    fn requests() {
        let r = check_exact!(GetChannelCipherSuitesRequest, &[0x0e, 0x00, 0x80]);
        assert_eq!(r.channel, 0x0E);
        assert_eq!(r.payload_type, 0);
        assert!(r.list_by_cipher_suite);
        assert_eq!(r.list_index, 0);
        let r = check_exact!(GetChannelCipherSuitesRequest, &[0x0e, 0x00, 0x81]);
        assert_eq!(r.list_index, 1);
        let bad = GetChannelCipherSuitesRequest {
            list_index: 0x40,
            ..r
        };
        assert_eq!(bad.emit(&mut [0u8; 3]), Err(Error::InvalidField));
    }

    #[test]
    fn write_and_chunk_the_list() {
        let mut all = [0u8; 64];
        let n = CipherSuiteRecord::write_all(&SUITES, &mut all).unwrap();
        assert_eq!(&all[..n], &list());
        // Chunk 0: exactly 16 bytes, so the console asks for chunk 1.
        let r0 = GetChannelCipherSuitesResponse::chunk(1, &all[..n], 0);
        assert_eq!(r0.record_data, &list()[..16]);
        assert!(!r0.is_last());
        let mut out = [0u8; 17];
        assert_eq!(r0.emit(&mut out), Ok(17));
        assert_eq!(out[0], 1);
        let again = check_exact!(GetChannelCipherSuitesResponse, &out);
        assert_eq!(again, r0);
        // Chunk 1: the remaining 14 bytes end the list.
        let r1 = GetChannelCipherSuitesResponse::chunk(1, &all[..n], 1);
        assert_eq!(r1.record_data, &list()[16..]);
        assert!(r1.is_last());
        // Past the end: an empty chunk (only the channel byte).
        let r2 = GetChannelCipherSuitesResponse::chunk(1, &all[..n], 2);
        assert!(r2.record_data.is_empty() && r2.is_last());
        assert_eq!(r2.emit(&mut out), Ok(1));
        check_exact!(GetChannelCipherSuitesResponse, &[0x01]);
        assert!(record_chunk(&all[..n], 0x3F).is_empty());
        // A list that is a multiple of 16 bytes ends with an empty chunk.
        let sixteen = [0u8; 32];
        assert_eq!(record_chunk(&sixteen, 1).len(), 16);
        assert_eq!(record_chunk(&sixteen, 2).len(), 0);
        assert!(CipherSuiteRecord::write_all(&SUITES, &mut all[..29]).is_err());
    }

    #[test]
    fn reassemble_and_iterate() {
        let l = list();
        let mut it = CipherSuiteRecord::iter(&l);
        for s in SUITES {
            assert_eq!(it.next(), Some(Ok(s)));
        }
        assert_eq!(it.next(), None);
        // An OEM record and a suite 0 record.
        let oem = CipherSuiteRecord {
            oem_iana: Some(7154),
            ..CipherSuiteRecord::new(0x80, 1, 1, 1)
        };
        let mut buf = [0u8; 13];
        let n = CipherSuiteRecord::write_all(&[oem, CipherSuiteRecord::new(0, 0, 0, 0)], &mut buf)
            .unwrap();
        assert_eq!(&buf[..n], &hex::<13>("c180f21b00014181c000004080"));
        let v: [_; 2] = {
            let mut it = CipherSuiteRecord::iter(&buf[..n]);
            [it.next(), it.next()]
        };
        assert_eq!(
            v,
            [Some(Ok(oem)), Some(Ok(CipherSuiteRecord::new(0, 0, 0, 0)))]
        );
    }

    #[test]
    fn malformed_records() {
        let mut it = CipherSuiteRecord::iter(&[0x12, 0x03]);
        assert_eq!(it.next(), Some(Err(Error::InvalidField)));
        assert_eq!(it.next(), None);
        let mut it = CipherSuiteRecord::iter(&[0xc0, 0x03, 0x01, 0x41]);
        assert_eq!(it.next(), Some(Err(Error::Truncated)));
        let mut it = CipherSuiteRecord::iter(&[0xc0, 0x03, 0x01, 0x02, 0x41, 0x81]);
        assert_eq!(it.next(), Some(Err(Error::InvalidField)));
        let mut it = CipherSuiteRecord::iter(&[0xc1, 0x03, 0xf2]);
        assert_eq!(it.next(), Some(Err(Error::Truncated)));
    }

    #[test]
    fn lengths() {
        check_lengths!(GetChannelCipherSuitesRequest, &[0x0e, 0x00, 0x80]);
        assert_eq!(
            GetChannelCipherSuitesResponse::parse(&[]),
            Err(Error::Truncated)
        );
        assert_eq!(
            GetChannelCipherSuitesResponse::parse(&[1; 18]),
            Err(Error::TooLong)
        );
        assert!(GetChannelCipherSuitesResponse::parse(&[1; 17]).is_ok());
        let too_much = GetChannelCipherSuitesResponse {
            channel: 1,
            record_data: &[0; 17],
        };
        assert_eq!(too_much.emit(&mut [0u8; 32]), Err(Error::InvalidField));
    }

    no_input_panics!(
        GetChannelCipherSuitesRequest,
        GetChannelCipherSuitesResponse
    );

    proptest::proptest! {
        #[test]
        fn record_iteration_never_panics(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            index in 0u8..=255,
        ) {
            for r in CipherSuiteRecord::iter(&bytes).flatten() {
                let mut out = [0u8; 8];
                proptest::prop_assert!(r.emit(&mut out).is_ok());
            }
            proptest::prop_assert!(record_chunk(&bytes, index).len() <= CHUNK_LEN);
        }
    }
}
