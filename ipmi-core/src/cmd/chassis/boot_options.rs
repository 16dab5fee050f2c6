//! Set System Boot Options (NetFn Chassis, 0x08) and Get System Boot Options (0x09).
//!
//! Parameters 0 (set in progress), 3 (boot flag valid bit clearing), 4 (boot info acknowledge)
//! and 5 (boot flags) are typed; every other parameter travels as raw bytes, so a BMC can store
//! and return what it does not interpret. The parameter selector's bit 7 marks the parameter
//! invalid (Set) or reports it invalid/locked (Get response).
use super::Empty;
use crate::cmd::{Body, Command};
use crate::{Error, NetFn};

/// Marker for Set System Boot Options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSystemBootOptions;

impl Command for SetSystemBootOptions {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x08;
    type Request<'a> = SetBootOptionsRequest<'a>;
    type Response<'a> = Empty;
}

/// Marker for Get System Boot Options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSystemBootOptions;

impl Command for GetSystemBootOptions {
    const NETFN: NetFn = NetFn::Chassis;
    const CMD: u8 = 0x09;
    type Request<'a> = GetBootOptionsRequest;
    type Response<'a> = GetBootOptionsResponse<'a>;
}

/// Boot option parameter selectors (bits 6:0 of the selector byte).
pub mod param {
    /// 0: set in progress (volatile).
    pub const SET_IN_PROGRESS: u8 = 0;
    /// 1: service partition selector.
    pub const SERVICE_PARTITION_SELECTOR: u8 = 1;
    /// 2: service partition scan.
    pub const SERVICE_PARTITION_SCAN: u8 = 2;
    /// 3: BMC boot flag valid bit clearing.
    pub const BOOT_FLAG_VALID_BIT_CLEARING: u8 = 3;
    /// 4: boot info acknowledge.
    pub const BOOT_INFO_ACKNOWLEDGE: u8 = 4;
    /// 5: boot flags.
    pub const BOOT_FLAGS: u8 = 5;
    /// 6: boot initiator info.
    pub const BOOT_INITIATOR_INFO: u8 = 6;
    /// 7: boot initiator mailbox.
    pub const BOOT_INITIATOR_MAILBOX: u8 = 7;
}

/// Bits of parameter 3 (boot flag valid bit clearing): a set bit means "do not clear the valid
/// bit" on that event. ironic sets [`DONT_CLEAR_ON_TIMEOUT`](valid_bit_clearing::DONT_CLEAR_ON_TIMEOUT).
pub mod valid_bit_clearing {
    /// Bit 0: power up via power pushbutton or wake event.
    pub const DONT_CLEAR_ON_POWER_BUTTON: u8 = 0x01;
    /// Bit 1: pushbutton reset / soft reset.
    pub const DONT_CLEAR_ON_RESET_BUTTON: u8 = 0x02;
    /// Bit 2: watchdog time-out.
    pub const DONT_CLEAR_ON_WATCHDOG: u8 = 0x04;
    /// Bit 3: the 60 s time-out after the flags were set.
    pub const DONT_CLEAR_ON_TIMEOUT: u8 = 0x08;
    /// Bit 4: PEF reset or power cycle.
    pub const DONT_CLEAR_ON_PEF: u8 = 0x10;
}

/// Boot device selectors (parameter 5, data 2 bits 5:2).
pub mod boot_device {
    /// 0: no override.
    pub const NONE: u8 = 0x0;
    /// 1: force PXE.
    pub const PXE: u8 = 0x1;
    /// 2: force boot from default hard drive.
    pub const DISK: u8 = 0x2;
    /// 3: force boot from default hard drive, request safe mode.
    pub const DISK_SAFE_MODE: u8 = 0x3;
    /// 4: force boot from default diagnostic partition.
    pub const DIAGNOSTIC: u8 = 0x4;
    /// 5: force boot from default CD/DVD.
    pub const CD_DVD: u8 = 0x5;
    /// 6: force boot into BIOS setup.
    pub const BIOS_SETUP: u8 = 0x6;
    /// 7: force boot from remotely connected floppy/primary removable media.
    pub const REMOTE_REMOVABLE: u8 = 0x7;
    /// 8: force boot from remotely connected CD/DVD.
    pub const REMOTE_CD_DVD: u8 = 0x8;
    /// 9: force boot from primary remote media.
    pub const PRIMARY_REMOTE_MEDIA: u8 = 0x9;
    /// 0xB: force boot from remotely connected hard drive.
    pub const REMOTE_DISK: u8 = 0xB;
    /// 0xF: force boot from floppy/primary removable media.
    pub const FLOPPY: u8 = 0xF;
}

open_enum! {
    /// Parameter 0, bits 1:0.
    pub enum SetInProgress {
        /// 0: set complete (no set in progress).
        SetComplete = 0x00,
        /// 1: set in progress.
        SetInProgress = 0x01,
        /// 2: commit write (optional).
        CommitWrite = 0x02,
    }
}

impl Default for SetInProgress {
    /// Set complete: nothing in progress.
    fn default() -> Self {
        SetInProgress::SetComplete
    }
}

/// Parameter 4: boot info acknowledge (write mask, then acknowledge data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BootInfoAcknowledge {
    /// Byte 1: which bits of `data` this write changes (Set only; Get returns 0).
    pub write_mask: u8,
    /// Byte 2: per boot stage (b0 BIOS/POST, b1 OS loader, b2 OS/service partition, b3 SMS,
    /// b4 OEM), 0 = that stage has handled the boot info.
    pub data: u8,
}

/// The boot flags of System Boot Options parameter 5, decoded.
///
/// `raw` keeps the five data bytes exactly as set so Get returns exactly what was set; the named
/// fields override their bits of `raw` when emitted (see [`BootFlags::data`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BootFlags {
    /// data1 bit 7: the flags are valid.
    pub valid: bool,
    /// data1 bit 6: apply to all future boots (else the next one only).
    pub persistent: bool,
    /// data1 bit 5: EFI boot (else legacy PC compatible).
    pub efi: bool,
    /// data2 bits 5:2: boot device selector (see [`boot_device`]).
    pub device: u8,
    /// The five data bytes exactly as set, so Get returns exactly what was set.
    pub raw: [u8; 5],
}

impl BootFlags {
    /// Decodes the five data bytes.
    pub const fn from_data(raw: [u8; 5]) -> Self {
        BootFlags {
            valid: raw[0] & 0x80 != 0,
            persistent: raw[0] & 0x40 != 0,
            efi: raw[0] & 0x20 != 0,
            device: (raw[1] >> 2) & 0x0F,
            raw,
        }
    }
    /// The five data bytes: `raw` with the named fields written over their bits.
    pub const fn data(&self) -> [u8; 5] {
        let mut d = self.raw;
        d[0] = (d[0] & 0x1F)
            | (self.valid as u8) << 7
            | (self.persistent as u8) << 6
            | (self.efi as u8) << 5;
        d[1] = (d[1] & 0xC3) | (self.device & 0x0F) << 2;
        d
    }
    /// data2 bit 7: clear CMOS.
    pub const fn cmos_clear(&self) -> bool {
        self.raw[1] & 0x80 != 0
    }
    /// data2 bit 6: lock keyboard.
    pub const fn lock_keyboard(&self) -> bool {
        self.raw[1] & 0x40 != 0
    }
    /// data2 bit 1: screen blank.
    pub const fn screen_blank(&self) -> bool {
        self.raw[1] & 0x02 != 0
    }
    /// data2 bit 0: lock out reset button.
    pub const fn lock_reset(&self) -> bool {
        self.raw[1] & 0x01 != 0
    }
}

/// One boot option parameter: its selector and its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BootParam<'a> {
    /// Parameter 0 (1 byte).
    SetInProgress(SetInProgress),
    /// Parameter 3 (1 byte, see [`valid_bit_clearing`]).
    BootFlagValidBitClearing(u8),
    /// Parameter 4 (2 bytes).
    BootInfoAcknowledge(BootInfoAcknowledge),
    /// Parameter 5 (5 bytes).
    BootFlags(BootFlags),
    /// Any other parameter (selector bits 6:0), data uninterpreted.
    Other {
        /// Parameter selector (never 0, 3, 4 or 5 when parsed).
        selector: u8,
        /// The parameter data.
        data: &'a [u8],
    },
}

impl<'a> BootParam<'a> {
    /// Parses the data of parameter `selector` (bits 6:0).
    pub fn parse(selector: u8, data: &'a [u8]) -> Result<Self, Error> {
        let selector = selector & 0x7F;
        Ok(match selector {
            param::SET_IN_PROGRESS => {
                let [b] = *crate::cmd::exact::<1>(data)?;
                BootParam::SetInProgress(SetInProgress::from(b & 0x03))
            }
            param::BOOT_FLAG_VALID_BIT_CLEARING => {
                let [b] = *crate::cmd::exact::<1>(data)?;
                BootParam::BootFlagValidBitClearing(b & 0x1F)
            }
            param::BOOT_INFO_ACKNOWLEDGE => {
                let [write_mask, data] = *crate::cmd::exact::<2>(data)?;
                BootParam::BootInfoAcknowledge(BootInfoAcknowledge { write_mask, data })
            }
            param::BOOT_FLAGS => {
                BootParam::BootFlags(BootFlags::from_data(*crate::cmd::exact::<5>(data)?))
            }
            _ => BootParam::Other { selector, data },
        })
    }

    /// The parameter selector (bits 6:0).
    pub fn selector(&self) -> u8 {
        match self {
            BootParam::SetInProgress(_) => param::SET_IN_PROGRESS,
            BootParam::BootFlagValidBitClearing(_) => param::BOOT_FLAG_VALID_BIT_CLEARING,
            BootParam::BootInfoAcknowledge(_) => param::BOOT_INFO_ACKNOWLEDGE,
            BootParam::BootFlags(_) => param::BOOT_FLAGS,
            BootParam::Other { selector, .. } => selector & 0x7F,
        }
    }

    /// Bytes of parameter data.
    pub fn data_len(&self) -> usize {
        match self {
            BootParam::SetInProgress(_) | BootParam::BootFlagValidBitClearing(_) => 1,
            BootParam::BootInfoAcknowledge(_) => 2,
            BootParam::BootFlags(_) => 5,
            BootParam::Other { data, .. } => data.len(),
        }
    }

    /// Writes the parameter data into `out`, returning its length.
    pub fn emit_data(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.data_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        match self {
            BootParam::SetInProgress(s) => buf[0] = u8::from(*s) & 0x03,
            BootParam::BootFlagValidBitClearing(b) => buf[0] = b & 0x1F,
            BootParam::BootInfoAcknowledge(a) => buf.copy_from_slice(&[a.write_mask, a.data]),
            BootParam::BootFlags(f) => buf.copy_from_slice(&f.data()),
            BootParam::Other { data, .. } => buf.copy_from_slice(data),
        }
        Ok(len)
    }
}

/// The Set System Boot Options request: selector byte (bit 7 = mark invalid), then data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SetBootOptionsRequest<'a> {
    /// Selector bit 7: mark the parameter invalid/locked.
    pub invalid: bool,
    /// The parameter and its data.
    pub param: BootParam<'a>,
}

impl<'a> Body<'a> for SetBootOptionsRequest<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&sel, rest) = data.split_first().ok_or(Error::Truncated)?;
        Ok(SetBootOptionsRequest {
            invalid: sel & 0x80 != 0,
            param: BootParam::parse(sel, rest)?,
        })
    }
    fn buffer_len(&self) -> usize {
        1 + self.param.data_len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        buf[0] = self.param.selector() | u8::from(self.invalid) << 7;
        self.param.emit_data(&mut buf[1..])?;
        Ok(len)
    }
}

/// The Get System Boot Options request: 3 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetBootOptionsRequest {
    /// Parameter selector (bits 6:0; bit 7 reserved).
    pub param: u8,
    /// Set selector (0 when the parameter has no sets).
    pub set_selector: u8,
    /// Block selector (0 when the parameter has no blocks).
    pub block_selector: u8,
}

impl<'a> Body<'a> for GetBootOptionsRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let [p, set_selector, block_selector] = *crate::cmd::exact::<3>(data)?;
        Ok(GetBootOptionsRequest {
            param: p & 0x7F,
            set_selector,
            block_selector,
        })
    }
    fn buffer_len(&self) -> usize {
        3
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let buf = crate::cmd::out_slice::<3>(out)?;
        *buf = [self.param & 0x7F, self.set_selector, self.block_selector];
        Ok(3)
    }
}

/// The parameter version every Get System Boot Options response carries.
pub const PARAMETER_VERSION: u8 = 0x01;

/// The Get System Boot Options response: parameter version, selector (bit 7 = invalid/locked),
/// then the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetBootOptionsResponse<'a> {
    /// Parameter version (bits 3:0; [`PARAMETER_VERSION`]).
    pub version: u8,
    /// Selector bit 7: the parameter is marked invalid or locked.
    pub invalid: bool,
    /// The parameter and its data.
    pub param: BootParam<'a>,
}

impl<'a> Body<'a> for GetBootOptionsResponse<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&version, rest) = data.split_first().ok_or(Error::Truncated)?;
        let (&sel, rest) = rest.split_first().ok_or(Error::Truncated)?;
        Ok(GetBootOptionsResponse {
            version: version & 0x0F,
            invalid: sel & 0x80 != 0,
            param: BootParam::parse(sel, rest)?,
        })
    }
    fn buffer_len(&self) -> usize {
        2 + self.param.data_len()
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let buf = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        buf[0] = self.version & 0x0F;
        buf[1] = self.param.selector() | u8::from(self.invalid) << 7;
        self.param.emit_data(&mut buf[2..])?;
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `ipmitool chassis bootdev pxe` against fakebmc
    // (../shared/vectors/txt/cs17-ipmitool-4cmds.txt, rqSeq 8..12; the same data is in the
    // unencrypted v15-password-ipmitool-4cmds.txt datagrams 23, 25, 27).
    const SET_IN_PROGRESS: [u8; 2] = [0x00, 0x01];
    const BOOT_INFO_ACK: [u8; 3] = [0x04, 0x01, 0x01];
    const BOOT_FLAGS_PXE: [u8; 6] = [0x05, 0x80, 0x04, 0x00, 0x00, 0x00];
    const COMMIT_WRITE: [u8; 2] = [0x00, 0x02];
    const SET_COMPLETE: [u8; 2] = [0x00, 0x00];
    // ironic: `ipmitool raw 0x00 0x08 0x03 0x08` and `raw 0x00 0x08 0x05 0xe0 0x04 0 0 0`.
    const IRONIC_NO_TIMEOUT: [u8; 2] = [0x03, 0x08];
    const IRONIC_EFI_PERSISTENT_PXE: [u8; 6] = [0x05, 0xe0, 0x04, 0x00, 0x00, 0x00];
    // Parameter 6 (boot initiator info, 9 bytes) marked invalid: an uninterpreted parameter.
    const OTHER_INVALID: [u8; 10] = [0x86, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    // `ipmitool chassis bootparam get 5` and a reply after `bootdev pxe options=efiboot`.
    const GET_FLAGS: [u8; 3] = [0x05, 0x00, 0x00];
    const GET_FLAGS_RSP: [u8; 7] = [0x01, 0x05, 0xa0, 0x04, 0x00, 0x00, 0x00];
    const GET_IN_PROGRESS_RSP: [u8; 3] = [0x01, 0x00, 0x01];

    #[test]
    fn deconstruct_set() {
        let r = SetBootOptionsRequest::parse(&SET_IN_PROGRESS).unwrap();
        assert_eq!(
            r.param,
            BootParam::SetInProgress(SetInProgress::SetInProgress)
        );
        assert!(!r.invalid);
        let r = SetBootOptionsRequest::parse(&COMMIT_WRITE).unwrap();
        assert_eq!(
            r.param,
            BootParam::SetInProgress(SetInProgress::CommitWrite)
        );
        let r = SetBootOptionsRequest::parse(&BOOT_INFO_ACK).unwrap();
        assert_eq!(
            r.param,
            BootParam::BootInfoAcknowledge(BootInfoAcknowledge {
                write_mask: 1,
                data: 1
            })
        );
        let r = SetBootOptionsRequest::parse(&IRONIC_NO_TIMEOUT).unwrap();
        assert_eq!(
            r.param,
            BootParam::BootFlagValidBitClearing(valid_bit_clearing::DONT_CLEAR_ON_TIMEOUT)
        );
        let BootParam::BootFlags(f) = SetBootOptionsRequest::parse(&BOOT_FLAGS_PXE).unwrap().param
        else {
            panic!("not boot flags")
        };
        assert!(f.valid && !f.persistent && !f.efi);
        assert_eq!(f.device, boot_device::PXE);
        let BootParam::BootFlags(f) = SetBootOptionsRequest::parse(&IRONIC_EFI_PERSISTENT_PXE)
            .unwrap()
            .param
        else {
            panic!("not boot flags")
        };
        assert!(f.valid && f.persistent && f.efi);
        assert_eq!(f.device, boot_device::PXE);
        let r = SetBootOptionsRequest::parse(&OTHER_INVALID).unwrap();
        assert!(r.invalid);
        assert_eq!(
            r.param,
            BootParam::Other {
                selector: 6,
                data: &OTHER_INVALID[1..]
            }
        );
    }

    #[test]
    fn boot_flag_bits() {
        let f = BootFlags::from_data([0x80, 0xc3, 0, 0, 0]);
        assert!(f.cmos_clear() && f.lock_keyboard() && f.screen_blank() && f.lock_reset());
        assert_eq!(f.device, 0);
        let mut g = BootFlags::from_data([0xe0, 0x3c, 1, 2, 3]);
        assert_eq!(g.device, boot_device::FLOPPY);
        g.valid = false;
        assert_eq!(g.data(), [0x60, 0x3c, 1, 2, 3]);
    }

    #[test]
    fn deconstruct_get() {
        let r = GetBootOptionsRequest::parse(&GET_FLAGS).unwrap();
        assert_eq!((r.param, r.set_selector, r.block_selector), (5, 0, 0));
        let r = GetBootOptionsResponse::parse(&GET_FLAGS_RSP).unwrap();
        assert_eq!(r.version, PARAMETER_VERSION);
        let BootParam::BootFlags(f) = r.param else {
            panic!("not boot flags")
        };
        assert!(f.valid && !f.persistent && f.efi);
    }

    #[test]
    fn construct_set() {
        let r = SetBootOptionsRequest {
            invalid: false,
            param: BootParam::BootFlags(BootFlags {
                valid: true,
                device: boot_device::PXE,
                ..Default::default()
            }),
        };
        let mut out = [0u8; 8];
        let n = r.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &BOOT_FLAGS_PXE);
    }

    mod set_request {
        use super::*;
        body_checks!(
            SetBootOptionsRequest<'_>,
            [
                &SET_IN_PROGRESS[..],
                &BOOT_INFO_ACK[..],
                &BOOT_FLAGS_PXE[..],
                &COMMIT_WRITE[..],
                &SET_COMPLETE[..],
                &IRONIC_NO_TIMEOUT[..],
                &IRONIC_EFI_PERSISTENT_PXE[..],
                &OTHER_INVALID[..],
            ],
            [
                &[][..],
                &[0x00u8][..],
                &[0x00, 0x01, 0x00][..],
                &[0x03][..],
                &[0x04, 0x01][..],
                &[0x04, 0x01, 0x01, 0x00][..],
                &BOOT_FLAGS_PXE[..5],
                &[0x05, 0x80, 0x04, 0x00, 0x00, 0x00, 0x00][..],
            ]
        );
    }

    mod get_request {
        use super::*;
        body_checks!(
            GetBootOptionsRequest,
            [&GET_FLAGS[..]],
            [&[][..], &[5u8, 0][..], &[5u8, 0, 0, 0][..]]
        );
    }

    mod get_response {
        use super::*;
        body_checks!(
            GetBootOptionsResponse<'_>,
            [
                &GET_FLAGS_RSP[..],
                &GET_IN_PROGRESS_RSP[..],
                &[0x01, 0x86, 1, 2][..]
            ],
            [
                &[][..],
                &[1u8][..],
                &[1u8, 5, 0x80][..],
                &[1u8, 0][..],
                &[1u8, 0, 0, 0][..]
            ]
        );
    }
}
