//! FRU inventory device 0: an image in the IPMI Platform Management FRU format (common header,
//! chassis, board and product info areas of type/length-coded fields, each area and the header
//! zero-checksummed) that the shell builds with [`build_fru`] and hands over with
//! [`Bmc::set_fru`], and the commands that read and write it.
use super::{emit, parse, Bmc, Outcome, Reply, Request};
use crate::cmd::storage::fru_inventory_area_info::{FruDeviceId, FruInventoryAreaInfo};
use crate::cmd::storage::read_fru_data::{ReadFruDataRequest, ReadFruDataResponse};
use crate::cmd::storage::write_fru_data::{CountWritten, WriteFruDataRequest};
use crate::{CompletionCode, Error};

/// Bytes the FRU image of one BMC may have.
pub const FRU_CAPACITY: usize = 256;
/// Most bytes one Read FRU Data returns (ipmitool asks for 20, ipmi-fru for 16); more is
/// answered CAh and clients shrink their request.
pub const MAX_FRU_READ: usize = 32;
/// FRU format version of the header and every area.
const FORMAT_VERSION: u8 = 0x01;
/// End-of-fields marker (type/length C1h).
const END_OF_FIELDS: u8 = 0xC1;
/// Longest field a type/length byte can describe.
pub const MAX_FIELD: usize = 63;

/// What the info areas say. Strings longer than [`MAX_FIELD`] bytes are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FruInfo<'a> {
    /// Chassis type (SMBIOS code: 17h rack mount chassis, 03h desktop).
    pub chassis_type: u8,
    /// Chassis part number.
    pub chassis_part_number: &'a str,
    /// Chassis serial number.
    pub chassis_serial: &'a str,
    /// Board manufacturing date: minutes since 1996-01-01 00:00 UTC (24 bits).
    pub board_mfg_minutes: u32,
    /// Board manufacturer.
    pub board_manufacturer: &'a str,
    /// Board product name.
    pub board_product: &'a str,
    /// Board serial number.
    pub board_serial: &'a str,
    /// Board part number.
    pub board_part_number: &'a str,
    /// Product manufacturer.
    pub product_manufacturer: &'a str,
    /// Product name.
    pub product_name: &'a str,
    /// Product part/model number.
    pub product_part_number: &'a str,
    /// Product version.
    pub product_version: &'a str,
    /// Product serial number.
    pub product_serial: &'a str,
    /// Asset tag.
    pub asset_tag: &'a str,
}

/// Writes FRU bytes into a buffer, an area at a time.
struct Writer<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) -> Result<(), Error> {
        *self.out.get_mut(self.pos).ok_or(Error::BufferTooSmall)? = b;
        self.pos += 1;
        Ok(())
    }

    /// A type/length byte (8-bit ASCII, bits 7:6 = 11b) and the text.
    fn field(&mut self, text: &str) -> Result<(), Error> {
        let t = &text.as_bytes()[..text.len().min(MAX_FIELD)];
        self.byte(0xC0 | t.len() as u8)?;
        for &b in t {
            self.byte(b)?;
        }
        Ok(())
    }

    /// Ends the area that began at `start`: end marker, zero padding to a multiple of 8 bytes
    /// (with the checksum), length byte, checksum.
    fn finish_area(&mut self, start: usize) -> Result<(), Error> {
        self.byte(END_OF_FIELDS)?;
        while (self.pos - start + 1) % 8 != 0 {
            self.byte(0)?;
        }
        let len = (self.pos + 1 - start) / 8;
        *self.out.get_mut(start + 1).ok_or(Error::BufferTooSmall)? =
            u8::try_from(len).map_err(|_| Error::BufferTooSmall)?;
        let sum = self.out[start..self.pos]
            .iter()
            .fold(0u8, |a, b| a.wrapping_add(*b));
        self.byte(sum.wrapping_neg())
    }
}

/// Builds a FRU image (header, chassis, board and product areas) into `out`; returns its
/// length, a multiple of 8.
pub fn build_fru(info: &FruInfo<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let mut w = Writer { out, pos: 8 };
    if w.out.len() < 8 {
        return Err(Error::BufferTooSmall);
    }
    // Chassis info area.
    let chassis = w.pos;
    for b in [FORMAT_VERSION, 0, info.chassis_type] {
        w.byte(b)?;
    }
    w.field(info.chassis_part_number)?;
    w.field(info.chassis_serial)?;
    w.finish_area(chassis)?;
    // Board info area: language 0 (English), manufacturing date (little-endian minutes).
    let board = w.pos;
    for b in [FORMAT_VERSION, 0, 0] {
        w.byte(b)?;
    }
    for b in &info.board_mfg_minutes.to_le_bytes()[..3] {
        w.byte(*b)?;
    }
    for f in [
        info.board_manufacturer,
        info.board_product,
        info.board_serial,
        info.board_part_number,
        "", // FRU file id
    ] {
        w.field(f)?;
    }
    w.finish_area(board)?;
    // Product info area.
    let product = w.pos;
    for b in [FORMAT_VERSION, 0, 0] {
        w.byte(b)?;
    }
    for f in [
        info.product_manufacturer,
        info.product_name,
        info.product_part_number,
        info.product_version,
        info.product_serial,
        info.asset_tag,
        "", // FRU file id
    ] {
        w.field(f)?;
    }
    w.finish_area(product)?;
    let end = w.pos;
    // Common header: offsets in multiples of 8 bytes; no internal use or multi-record area.
    let header = [
        FORMAT_VERSION,
        0,
        (chassis / 8) as u8,
        (board / 8) as u8,
        (product / 8) as u8,
        0,
        0,
    ];
    let sum = header.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    w.out[..7].copy_from_slice(&header);
    w.out[7] = sum.wrapping_neg();
    Ok(end)
}

/// FRU device 0.
#[derive(Debug, Clone, Default)]
pub(super) struct Fru {
    pub(super) image: heapless::Vec<u8, FRU_CAPACITY>,
}

impl Bmc {
    /// Sets the FRU image of device 0 (at most [`FRU_CAPACITY`] bytes; false if longer). An
    /// empty image means "no FRU": the FRU commands answer CBh then.
    pub fn set_fru(&mut self, image: &[u8]) -> bool {
        match heapless::Vec::from_slice(image) {
            Ok(v) => {
                self.fru.image = v;
                true
            }
            Err(_) => false,
        }
    }

    /// The FRU image of device 0 as it is now (Write FRU Data changes it).
    pub fn fru(&self) -> &[u8] {
        &self.fru.image
    }

    pub(super) fn fru_command(
        &mut self,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        let image = &mut self.fru.image;
        let present = |id: u8| {
            if id == 0 && !image.is_empty() {
                Ok(())
            } else {
                Err(CompletionCode::NotPresent)
            }
        };
        let len = match req.cmd {
            0x10 => {
                let r: FruDeviceId = parse(req.data)?;
                present(r.fru_device_id)?;
                emit(
                    &FruInventoryAreaInfo {
                        area_size: image.len() as u16,
                        access: 0,
                    },
                    out,
                )?
            }
            0x11 => {
                let r: ReadFruDataRequest = parse(req.data)?;
                present(r.fru_device_id)?;
                let offset = usize::from(r.offset);
                if offset >= image.len() {
                    return Err(CompletionCode::ParameterOutOfRange);
                }
                if usize::from(r.count) > MAX_FRU_READ {
                    return Err(CompletionCode::CannotReturnBytes);
                }
                let end = (offset + usize::from(r.count)).min(image.len());
                emit(
                    &ReadFruDataResponse {
                        data: &image[offset..end],
                    },
                    out,
                )?
            }
            0x12 => {
                let r: WriteFruDataRequest = parse(req.data)?;
                present(r.fru_device_id)?;
                let offset = usize::from(r.offset);
                let end = offset + r.data.len();
                if end > image.len() {
                    return Err(CompletionCode::ParameterOutOfRange);
                }
                image[offset..end].copy_from_slice(r.data);
                self.changed = true;
                emit(
                    &CountWritten {
                        count: r.data.len() as u8,
                    },
                    out,
                )?
            }
            _ => return Err(CompletionCode::InvalidCommand),
        };
        Ok(Outcome::Reply(Reply {
            completion_code: CompletionCode::Normal,
            len,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(b: &[u8]) -> u8 {
        b.iter().fold(0u8, |a, b| a.wrapping_add(*b))
    }

    #[test]
    fn image_layout_and_checksums() {
        let info = FruInfo {
            chassis_type: 0x17,
            chassis_serial: "C1",
            board_manufacturer: "Acme",
            board_serial: "B1",
            product_name: "Box",
            board_mfg_minutes: 0x0012_3456,
            ..FruInfo::default()
        };
        let mut out = [0u8; 256];
        let n = build_fru(&info, &mut out).unwrap();
        assert_eq!(n % 8, 0);
        let img = &out[..n];
        assert_eq!(sum(&img[..8]), 0);
        assert_eq!((img[0], img[2]), (1, 1));
        for off in [img[2], img[3], img[4]] {
            let start = usize::from(off) * 8;
            let len = usize::from(img[start + 1]) * 8;
            assert_eq!(img[start], 1);
            assert_eq!(sum(&img[start..start + len]), 0, "area at {start}");
        }
        let board = usize::from(img[3]) * 8;
        assert_eq!(&img[board + 3..board + 6], &[0x56, 0x34, 0x12]);
        assert_eq!(&img[board + 6..board + 11], b"\xC4Acme");
        let chassis = usize::from(img[2]) * 8;
        assert_eq!(
            &img[chassis + 2..chassis + 7],
            &[0x17, 0xC0, 0xC2, b'C', b'1']
        );
        assert_eq!(img[chassis + 7], END_OF_FIELDS);
        assert_eq!(build_fru(&info, &mut out[..40]), Err(Error::BufferTooSmall));
    }
}
