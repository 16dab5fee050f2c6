//! System Info Parameters (Get/Set System Info Parameters): the system firmware version, the
//! system name, the primary OS name and the OS name, each a string of up to 62 bytes kept as
//! the four 16-byte blocks (set selectors 0-3) it travels in. Block 0 starts with the encoding
//! (0 ASCII/Latin-1, 1 UTF-8, 2 Unicode) and the string's length.
use crate::CompletionCode;

/// Parameter not supported (0x80).
const CC_NOT_SUPPORTED: CompletionCode = CompletionCode::CommandSpecific80;
/// String parameters 1..=4 (firmware version, system name, primary OS name, OS name).
pub const STRING_PARAMETERS: core::ops::RangeInclusive<u8> = 1..=4;
/// Blocks per string.
const BLOCKS: usize = 4;

/// The System Info Parameters this BMC keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SystemInfo {
    set_in_progress: u8,
    strings: [[[u8; 16]; BLOCKS]; 4],
}

impl SystemInfo {
    /// Sets string parameter `parameter` (1..=4) to `text` (ASCII / UTF-8, cut at 62 bytes).
    pub fn set_string(&mut self, parameter: u8, text: &[u8]) {
        let mut raw = [0u8; 16 * BLOCKS];
        let n = text.len().min(raw.len() - 2);
        raw[0] = 1; // UTF-8, of which ASCII is a part
        raw[1] = n as u8;
        raw[2..2 + n].copy_from_slice(&text[..n]);
        self.set_raw(parameter, &raw);
    }

    /// The four blocks of string parameter `parameter`, as they travel (for a shell to save).
    pub fn raw(&self, parameter: u8) -> Option<[u8; 16 * BLOCKS]> {
        let s = self.strings.get(usize::from(parameter).checked_sub(1)?)?;
        let mut out = [0u8; 16 * BLOCKS];
        for (dst, block) in out.chunks_mut(16).zip(s) {
            dst.copy_from_slice(block);
        }
        Some(out)
    }

    /// Restores string parameter `parameter` from [`SystemInfo::raw`]'s bytes.
    pub fn set_raw(&mut self, parameter: u8, raw: &[u8; 16 * BLOCKS]) {
        if let Some(s) = usize::from(parameter)
            .checked_sub(1)
            .and_then(|i| self.strings.get_mut(i))
        {
            for (block, src) in s.iter_mut().zip(raw.chunks(16)) {
                block.copy_from_slice(src);
            }
        }
    }

    /// Writes the data of `parameter` / `set_selector` into `out`.
    pub fn get(
        &self,
        parameter: u8,
        set_selector: u8,
        out: &mut [u8],
    ) -> Result<usize, CompletionCode> {
        match parameter {
            0 => {
                *out.first_mut().ok_or(CompletionCode::Unspecified)? = self.set_in_progress;
                Ok(1)
            }
            p if STRING_PARAMETERS.contains(&p) => {
                let block = self.strings[usize::from(p - 1)]
                    .get(usize::from(set_selector))
                    .ok_or(CompletionCode::ParameterOutOfRange)?;
                let dst = out.get_mut(..17).ok_or(CompletionCode::Unspecified)?;
                dst[0] = set_selector;
                dst[1..].copy_from_slice(block);
                Ok(17)
            }
            _ => Err(CC_NOT_SUPPORTED),
        }
    }

    /// Sets `parameter` from a Set request's data (after the parameter byte).
    pub fn set(&mut self, parameter: u8, data: &[u8]) -> Result<(), CompletionCode> {
        match parameter {
            0 => match data {
                [v] if v & 0x03 != 3 => {
                    self.set_in_progress = if v & 0x03 == 1 { 1 } else { 0 };
                    Ok(())
                }
                [_] => Err(CompletionCode::InvalidDataField),
                _ => Err(CompletionCode::RequestDataLengthInvalid),
            },
            p if STRING_PARAMETERS.contains(&p) => {
                let (&selector, block) = data
                    .split_first()
                    .ok_or(CompletionCode::RequestDataLengthInvalid)?;
                let block: &[u8; 16] = block
                    .try_into()
                    .map_err(|_| CompletionCode::RequestDataLengthInvalid)?;
                if selector == 0 && (block[0] & 0x0F > 2 || usize::from(block[1]) > 16 * BLOCKS - 2)
                {
                    return Err(CompletionCode::InvalidDataField);
                }
                let slot = self.strings[usize::from(p - 1)]
                    .get_mut(usize::from(selector))
                    .ok_or(CompletionCode::ParameterOutOfRange)?;
                *slot = *block;
                Ok(())
            }
            _ => Err(CC_NOT_SUPPORTED),
        }
    }
}

impl super::Bmc {
    /// Get / Set System Info Parameters.
    pub(super) fn system_info_command(
        &mut self,
        req: &super::Request<'_>,
        out: &mut [u8],
    ) -> Result<usize, CompletionCode> {
        use crate::cmd::app::{
            GetSystemInfoRequest, GetSystemInfoResponse, SetSystemInfoRequest, SYSTEM_INFO_REVISION,
        };
        use crate::types::AppCmd;
        match AppCmd::from(req.cmd) {
            AppCmd::GetSystemInfo => {
                let r: GetSystemInfoRequest = super::parse(req.data)?;
                let mut data = [0u8; 17];
                let n = if r.revision_only {
                    0
                } else {
                    self.system_info
                        .get(u8::from(r.parameter), r.set_selector, &mut data)?
                };
                super::emit(
                    &GetSystemInfoResponse {
                        revision: SYSTEM_INFO_REVISION,
                        data: &data[..n],
                    },
                    out,
                )
            }
            _ => {
                let r: SetSystemInfoRequest = super::parse(req.data)?;
                self.system_info.set(u8::from(r.parameter), r.data)?;
                Ok(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_by_blocks() {
        let mut s = SystemInfo::default();
        s.set_string(1, b"host-sim 0.1.0");
        let mut out = [0u8; 17];
        assert_eq!(s.get(1, 0, &mut out), Ok(17));
        assert_eq!(&out[..4], &[0, 1, 14, b'h']);
        assert_eq!(
            s.get(1, 4, &mut out),
            Err(CompletionCode::ParameterOutOfRange)
        );
        let mut block = [0u8; 17];
        block[0] = 0;
        block[2] = 4;
        block[3..7].copy_from_slice(b"node");
        assert_eq!(s.set(2, &block), Ok(()));
        assert_eq!(s.raw(2).unwrap()[..6], [0, 4, b'n', b'o', b'd', b'e']);
        block[2] = 63;
        assert_eq!(s.set(2, &block), Err(CompletionCode::InvalidDataField));
        assert_eq!(
            s.set(2, &block[..5]),
            Err(CompletionCode::RequestDataLengthInvalid)
        );
        assert_eq!(s.set(9, &block), Err(CC_NOT_SUPPORTED));
        assert_eq!(s.set(0, &[1]), Ok(()));
        assert_eq!(s.get(0, 0, &mut out), Ok(1));
        assert_eq!(out[0], 1);
        let raw = s.raw(1).unwrap();
        let mut t = SystemInfo::default();
        t.set_raw(1, &raw);
        assert_eq!(t.raw(1), s.raw(1));
    }
}
