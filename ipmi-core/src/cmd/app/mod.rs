//! NetFn App (0x06) commands: device identity, session set-up (IPMI 1.5 and RMCP+), channels and
//! users. One file per command; each holds the request and response bodies (response = the bytes
//! after the completion code) and a marker type implementing [`Command`](crate::cmd::Command).
//!
//! Parsing is lenient where the specification reserves bits (they are ignored and emitted as 0)
//! and strict about lengths (`Truncated` / `TooLong`). Emitting checks that every field fits its
//! bit field and fails with `InvalidField` otherwise, so a value never silently spills into its
//! neighbours.
use crate::{Error, Privilege};

/// Implements [`Body`](crate::cmd::Body) for a fixed-length body from its private
/// `decode(&[u8; N]) -> Result<Self, Error>` and `encode(&self) -> Result<[u8; N], Error>`.
macro_rules! fixed_body {
    ($t:ty, $n:expr) => {
        impl<'a> $crate::cmd::Body<'a> for $t {
            fn parse(data: &'a [u8]) -> Result<Self, $crate::Error> {
                Self::decode($crate::cmd::exact::<{ $n }>(data)?)
            }
            fn buffer_len(&self) -> usize {
                $n
            }
            fn emit(&self, out: &mut [u8]) -> Result<usize, $crate::Error> {
                let bytes = self.encode()?;
                *$crate::cmd::out_slice::<{ $n }>(out)? = bytes;
                Ok($n)
            }
        }
    };
}

/// Declares a command marker type and its [`Command`](crate::cmd::Command) impl.
macro_rules! app_command {
    ($(#[$meta:meta])* $name:ident, $cmd:expr, $req:ident, $rsp:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;

        impl $crate::cmd::Command for $name {
            const NETFN: $crate::NetFn = $crate::NetFn::App;
            const CMD: u8 = $cmd;
            type Request<'a> = $req;
            type Response<'a> = $rsp;
        }
    };
    ($(#[$meta:meta])* $name:ident, $cmd:expr, $req:ident, $rsp:ident<'a>) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;

        impl $crate::cmd::Command for $name {
            const NETFN: $crate::NetFn = $crate::NetFn::App;
            const CMD: u8 = $cmd;
            type Request<'a> = $req;
            type Response<'a> = $rsp<'a>;
        }
    };
}

#[cfg(test)]
#[macro_use]
mod testutil;
#[cfg(test)]
mod captures;

pub mod acpi_power_state;
pub mod activate_payload;
pub mod activate_session;
pub mod channel_access;
pub mod channel_auth_capabilities;
pub mod channel_cipher_suites;
pub mod channel_info;
pub mod channel_payload_support;
pub mod close_session;
pub mod deactivate_payload;
pub mod device_id;
pub mod get_message;
pub mod get_message_flags;
pub mod guid;
pub mod master_write_read;
pub mod payload_activation_status;
pub mod payload_instance_info;
pub mod self_test;
pub mod send_message;
pub mod session_challenge;
pub mod session_info;
pub mod set_session_privilege;
pub mod system_info;
pub mod user_access;
pub mod user_name;
pub mod user_password;
pub mod user_payload_access;

pub use acpi_power_state::{
    AcpiPowerState, GetAcpiPowerState, SetAcpiPowerState, SetAcpiPowerStateRequest,
    ACPI_STATE_UNKNOWN,
};
pub use activate_payload::{ActivatePayload, ActivatePayloadRequest, ActivatePayloadResponse};
pub use activate_session::{ActivateSession, ActivateSessionRequest, ActivateSessionResponse};
pub use channel_access::{
    ChannelAccessMode, ChannelAccessSelector, GetChannelAccess, GetChannelAccessRequest,
    GetChannelAccessResponse, SetChannelAccess, SetChannelAccessRequest,
};
pub use channel_auth_capabilities::{
    AuthTypeSupport, GetChannelAuthCapabilities, GetChannelAuthCapabilitiesRequest,
    GetChannelAuthCapabilitiesResponse,
};
pub use channel_cipher_suites::{
    CipherSuiteRecord, CipherSuiteRecords, GetChannelCipherSuites, GetChannelCipherSuitesRequest,
    GetChannelCipherSuitesResponse,
};
pub use channel_info::{
    ChannelMedium, ChannelProtocol, GetChannelInfo, GetChannelInfoRequest, GetChannelInfoResponse,
    SessionSupport,
};
pub use channel_payload_support::{
    GetChannelPayloadSupport, GetChannelPayloadSupportRequest, GetChannelPayloadSupportResponse,
    GetChannelPayloadVersion, GetChannelPayloadVersionRequest, GetChannelPayloadVersionResponse,
};
pub use close_session::{CloseSession, CloseSessionRequest};
pub use deactivate_payload::{DeactivatePayload, DeactivatePayloadRequest};
pub use device_id::{AdditionalDeviceSupport, GetDeviceId, GetDeviceIdResponse};
pub use get_message::{GetMessage, GetMessageResponse};
pub use get_message_flags::{GetMessageFlags, GetMessageFlagsResponse};
pub use guid::{GetDeviceGuid, GetSystemGuid, GuidResponse};
pub use master_write_read::{MasterWriteRead, MasterWriteReadRequest, MasterWriteReadResponse};
pub use payload_activation_status::{
    GetPayloadActivationStatus, GetPayloadActivationStatusRequest,
    GetPayloadActivationStatusResponse,
};
pub use payload_instance_info::{
    GetPayloadInstanceInfo, GetPayloadInstanceInfoRequest, GetPayloadInstanceInfoResponse,
};
pub use self_test::{GetSelfTestResults, GetSelfTestResultsResponse, SelfTestResult};
pub use send_message::{SendMessage, SendMessageRequest, SendMessageResponse, Tracking};
pub use session_challenge::{
    GetSessionChallenge, GetSessionChallengeRequest, GetSessionChallengeResponse,
};
pub use session_info::{
    GetSessionInfo, GetSessionInfoRequest, GetSessionInfoResponse, LanSessionData, SessionDetails,
    SessionIndex,
};
pub use set_session_privilege::{
    SetSessionPrivilegeLevel, SetSessionPrivilegeLevelRequest, SetSessionPrivilegeLevelResponse,
};
pub use system_info::{
    GetSystemInfo, GetSystemInfoRequest, GetSystemInfoResponse, SetSystemInfo,
    SetSystemInfoRequest, SystemInfoParameter, SYSTEM_INFO_REVISION,
};
pub use user_access::{
    GetUserAccess, GetUserAccessRequest, GetUserAccessResponse, SetUserAccess,
    SetUserAccessRequest, UserEnableStatus,
};
pub use user_name::{
    GetUserName, GetUserNameRequest, GetUserNameResponse, SetUserName, SetUserNameRequest,
};
pub use user_password::{Password, PasswordOperation, SetUserPassword, SetUserPasswordRequest};
pub use user_payload_access::{
    GetUserPayloadAccess, GetUserPayloadAccessRequest, SetUserPayloadAccess,
    SetUserPayloadAccessRequest, UserPayloadAccess,
};

/// "This channel": the channel number a request uses for the channel it arrives on.
pub const CHANNEL_CURRENT: u8 = 0x0E;

open_enum! {
    /// Authentication type of IPMI 1.5 session set-up and session headers (4 bits in commands).
    pub enum AuthType {
        /// 0 none.
        None = 0x00,
        /// 1 MD2.
        Md2 = 0x01,
        /// 2 MD5.
        Md5 = 0x02,
        /// 4 straight password / key.
        StraightPassword = 0x04,
        /// 5 OEM proprietary.
        Oem = 0x05,
        /// 6 RMCP+ (IPMI 2.0) session header format; not an IPMI 1.5 authentication type.
        RmcpPlus = 0x06,
    }
}

/// A request or response body with no data (e.g. the request of Get Device ID, the response of
/// Close Session). Parsing rejects any byte with `TooLong`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Empty;

impl<'a> crate::cmd::Body<'a> for Empty {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        if data.is_empty() {
            Ok(Empty)
        } else {
            Err(Error::TooLong)
        }
    }
    fn buffer_len(&self) -> usize {
        0
    }
    fn emit(&self, _out: &mut [u8]) -> Result<usize, Error> {
        Ok(0)
    }
}

/// A 16-byte user name as it travels in Get Session Challenge and Set/Get User Name: ASCII,
/// NUL-padded on the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UserName(pub [u8; 16]);

impl UserName {
    /// Wire length.
    pub const LEN: usize = 16;

    /// Pads `name` (at most 16 bytes, no NUL inside) with NULs; anything else is `InvalidField`.
    pub fn new(name: &[u8]) -> Result<Self, Error> {
        if name.len() > Self::LEN || name.contains(&0) {
            return Err(Error::InvalidField);
        }
        let mut raw = [0u8; 16];
        raw[..name.len()].copy_from_slice(name);
        Ok(UserName(raw))
    }

    /// The name without its NUL padding (up to the first NUL).
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(Self::LEN);
        &self.0[..end]
    }

    /// Whether this is the null user name (all NUL).
    pub fn is_null(&self) -> bool {
        self.0[0] == 0
    }
}

/// `value` if it has no bit outside `mask`, else `InvalidField` (used by every `emit`).
pub(crate) fn fit(value: u8, mask: u8) -> Result<u8, Error> {
    if value & !mask == 0 {
        Ok(value)
    } else {
        Err(Error::InvalidField)
    }
}

/// A privilege level's 4 wire bits, or `InvalidField` for an unknown code above 0x0F.
pub(crate) fn privilege_bits(privilege: Privilege) -> Result<u8, Error> {
    fit(u8::from(privilege), 0x0F)
}

/// The privilege level in bits 3:0 of `byte`.
pub(crate) fn privilege_of(byte: u8) -> Privilege {
    Privilege::from(byte & 0x0F)
}

/// Whether bit `n` of `byte` is set.
pub(crate) const fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

/// Bit `n` set when `on`.
pub(crate) const fn flag(on: bool, n: u8) -> u8 {
    (on as u8) << n
}

/// Compares two byte strings without an early exit on the first difference (for secrets).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Body;

    #[test]
    fn empty_body() {
        assert_eq!(Empty::parse(&[]), Ok(Empty));
        assert_eq!(Empty::parse(&[0]), Err(Error::TooLong));
        assert_eq!(Empty.emit(&mut []), Ok(0));
    }

    #[test]
    fn user_name_padding() {
        let n = UserName::new(b"admin").unwrap();
        assert_eq!(&n.0[..6], b"admin\0");
        assert_eq!(n.as_bytes(), b"admin");
        assert!(!n.is_null());
        assert!(UserName::default().is_null());
        assert_eq!(UserName::new(&[b'a'; 17]), Err(Error::InvalidField));
        assert_eq!(UserName::new(b"a\0b"), Err(Error::InvalidField));
        assert_eq!(UserName([b'x'; 16]).as_bytes().len(), 16);
    }

    #[test]
    fn helpers() {
        assert_eq!(fit(0x0F, 0x0F), Ok(0x0F));
        assert_eq!(fit(0x10, 0x0F), Err(Error::InvalidField));
        assert_eq!(
            privilege_bits(Privilege::Unknown(0x1F)),
            Err(Error::InvalidField)
        );
        assert_eq!(privilege_of(0xF4), Privilege::Administrator);
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        for b in 0..=255u8 {
            assert_eq!(u8::from(AuthType::from(b)), b);
        }
    }
}
