//! The IPMI code spaces, each an open enum (see `open_enum!`), named after the specification.

open_enum! {
    /// Network function of a request (even) or its response (odd = request + 1). 6 bits on the wire.
    pub enum NetFn {
        /// Chassis device requests (0x00).
        Chassis = 0x00,
        /// Chassis responses (0x01).
        ChassisResponse = 0x01,
        /// Bridge requests (0x02).
        Bridge = 0x02,
        /// Sensor/event requests (0x04).
        SensorEvent = 0x04,
        /// Application requests (0x06).
        App = 0x06,
        /// Application responses (0x07).
        AppResponse = 0x07,
        /// Firmware requests (0x08).
        Firmware = 0x08,
        /// Storage requests (0x0A).
        Storage = 0x0A,
        /// Transport requests (0x0C).
        Transport = 0x0C,
        /// Group extension requests (0x2C): DCMI, PICMG, VITA, HPM.2 probes.
        GroupExtension = 0x2C,
        /// Group extension responses (0x2D).
        GroupExtensionResponse = 0x2D,
        /// OEM/group requests (0x2E).
        OemGroup = 0x2E,
    }
}

impl NetFn {
    /// The response NetFn for this request NetFn (request + 1).
    pub fn response(self) -> NetFn {
        NetFn::from(u8::from(self) | 1)
    }
    /// Whether this is a request NetFn (even).
    pub fn is_request(self) -> bool {
        u8::from(self) & 1 == 0
    }
}

open_enum! {
    /// Completion code: the first data byte of every response.
    pub enum CompletionCode {
        /// 0x00 command completed normally.
        Normal = 0x00,
        /// 0x80 command-specific (e.g. Set Session Privilege: requested level not available).
        CommandSpecific80 = 0x80,
        /// 0x81 command-specific (e.g. Set Session Privilege: above user or channel limit).
        CommandSpecific81 = 0x81,
        /// 0x82 command-specific.
        CommandSpecific82 = 0x82,
        /// 0x83 command-specific.
        CommandSpecific83 = 0x83,
        /// 0x84 command-specific.
        CommandSpecific84 = 0x84,
        /// 0x85 command-specific.
        CommandSpecific85 = 0x85,
        /// 0x86 command-specific.
        CommandSpecific86 = 0x86,
        /// 0x87 command-specific (Close Session: invalid session id).
        CommandSpecific87 = 0x87,
        /// 0x88 command-specific (Close Session: invalid session handle).
        CommandSpecific88 = 0x88,
        /// 0xC0 node busy.
        NodeBusy = 0xC0,
        /// 0xC1 invalid command.
        InvalidCommand = 0xC1,
        /// 0xC2 command invalid for given LUN.
        InvalidForLun = 0xC2,
        /// 0xC3 time-out while processing command.
        Timeout = 0xC3,
        /// 0xC4 out of space.
        OutOfSpace = 0xC4,
        /// 0xC5 reservation cancelled or invalid.
        InvalidReservation = 0xC5,
        /// 0xC6 request data truncated.
        RequestDataTruncated = 0xC6,
        /// 0xC7 request data length invalid.
        RequestDataLengthInvalid = 0xC7,
        /// 0xC8 request data field length limit exceeded.
        RequestDataLengthExceeded = 0xC8,
        /// 0xC9 parameter out of range.
        ParameterOutOfRange = 0xC9,
        /// 0xCA cannot return number of requested data bytes.
        CannotReturnBytes = 0xCA,
        /// 0xCB requested sensor, data or record not present.
        NotPresent = 0xCB,
        /// 0xCC invalid data field in request.
        InvalidDataField = 0xCC,
        /// 0xCD command illegal for specified sensor or record type.
        IllegalForType = 0xCD,
        /// 0xCE command response could not be provided.
        CannotProvideResponse = 0xCE,
        /// 0xCF cannot execute duplicated request.
        DuplicatedRequest = 0xCF,
        /// 0xD0 SDR repository in update mode.
        SdrUpdateMode = 0xD0,
        /// 0xD1 device in firmware update mode.
        FirmwareUpdateMode = 0xD1,
        /// 0xD2 BMC initialization in progress.
        InitializationInProgress = 0xD2,
        /// 0xD3 destination unavailable.
        DestinationUnavailable = 0xD3,
        /// 0xD4 insufficient privilege level.
        InsufficientPrivilege = 0xD4,
        /// 0xD5 not supported in present state.
        NotSupportedInPresentState = 0xD5,
        /// 0xD6 parameter is illegal because sub-function is disabled or unavailable.
        IllegalParameter = 0xD6,
        /// 0xFF unspecified error.
        Unspecified = 0xFF,
    }
}

open_enum! {
    /// Privilege level (4 bits on the wire). Ordered: Callback < User < Operator < Administrator < OEM.
    pub enum Privilege {
        /// 0: in requests, "highest the BMC allows"; never a session's level.
        Highest = 0x00,
        /// 1 Callback.
        Callback = 0x01,
        /// 2 User.
        User = 0x02,
        /// 3 Operator.
        Operator = 0x03,
        /// 4 Administrator.
        Administrator = 0x04,
        /// 5 OEM proprietary.
        Oem = 0x05,
        /// 0x0F no access (user privilege limit only).
        NoAccess = 0x0F,
    }
}

impl Privilege {
    /// Rank for comparisons: NoAccess and unknown codes rank below Callback, so they grant nothing.
    pub fn rank(self) -> u8 {
        match self {
            Privilege::Callback => 1,
            Privilege::User => 2,
            Privilege::Operator => 3,
            Privilege::Administrator => 4,
            Privilege::Oem => 5,
            Privilege::Highest | Privilege::NoAccess | Privilege::Unknown(_) => 0,
        }
    }
    /// Whether a session at `self` may run a command that needs `needed`.
    pub fn allows(self, needed: Privilege) -> bool {
        self.rank() >= needed.rank() && self.rank() > 0
    }
    /// The lower of two levels (by rank).
    pub fn min(self, other: Privilege) -> Privilege {
        if self.rank() <= other.rank() {
            self
        } else {
            other
        }
    }
}

open_enum! {
    /// Commands of NetFn App (0x06) that this stack knows.
    pub enum AppCmd {
        /// 0x01 Get Device ID.
        GetDeviceId = 0x01,
        /// 0x04 Get Self Test Results.
        GetSelfTestResults = 0x04,
        /// 0x06 Set ACPI Power State.
        SetAcpiPowerState = 0x06,
        /// 0x07 Get ACPI Power State.
        GetAcpiPowerState = 0x07,
        /// 0x08 Get Device GUID.
        GetDeviceGuid = 0x08,
        /// 0x31 Get Message Flags.
        GetMessageFlags = 0x31,
        /// 0x33 Get Message.
        GetMessage = 0x33,
        /// 0x34 Send Message.
        SendMessage = 0x34,
        /// 0x37 Get System GUID.
        GetSystemGuid = 0x37,
        /// 0x38 Get Channel Authentication Capabilities.
        GetChannelAuthCapabilities = 0x38,
        /// 0x39 Get Session Challenge.
        GetSessionChallenge = 0x39,
        /// 0x3A Activate Session.
        ActivateSession = 0x3A,
        /// 0x3B Set Session Privilege Level.
        SetSessionPrivilegeLevel = 0x3B,
        /// 0x3C Close Session.
        CloseSession = 0x3C,
        /// 0x3D Get Session Info.
        GetSessionInfo = 0x3D,
        /// 0x40 Set Channel Access.
        SetChannelAccess = 0x40,
        /// 0x41 Get Channel Access.
        GetChannelAccess = 0x41,
        /// 0x42 Get Channel Info.
        GetChannelInfo = 0x42,
        /// 0x43 Set User Access.
        SetUserAccess = 0x43,
        /// 0x44 Get User Access.
        GetUserAccess = 0x44,
        /// 0x45 Set User Name.
        SetUserName = 0x45,
        /// 0x46 Get User Name.
        GetUserName = 0x46,
        /// 0x47 Set User Password.
        SetUserPassword = 0x47,
        /// 0x52 Master Write-Read.
        MasterWriteRead = 0x52,
        /// 0x54 Get Channel Cipher Suites.
        GetChannelCipherSuites = 0x54,
        /// 0x58 Set System Info Parameters.
        SetSystemInfo = 0x58,
        /// 0x59 Get System Info Parameters.
        GetSystemInfo = 0x59,
    }
}

open_enum! {
    /// Commands of NetFn Chassis (0x00) that this stack knows.
    pub enum ChassisCmd {
        /// 0x00 Get Chassis Capabilities.
        GetChassisCapabilities = 0x00,
        /// 0x01 Get Chassis Status.
        GetChassisStatus = 0x01,
        /// 0x02 Chassis Control.
        ChassisControl = 0x02,
        /// 0x03 Chassis Reset.
        ChassisReset = 0x03,
        /// 0x04 Chassis Identify.
        ChassisIdentify = 0x04,
        /// 0x06 Set Power Restore Policy.
        SetPowerRestorePolicy = 0x06,
        /// 0x07 Get System Restart Cause.
        GetSystemRestartCause = 0x07,
        /// 0x08 Set System Boot Options.
        SetSystemBootOptions = 0x08,
        /// 0x09 Get System Boot Options.
        GetSystemBootOptions = 0x09,
        /// 0x0F Get POH Counter.
        GetPohCounter = 0x0F,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_round_trip_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(u8::from(NetFn::from(b)), b);
            assert_eq!(u8::from(CompletionCode::from(b)), b);
            assert_eq!(u8::from(Privilege::from(b)), b);
            assert_eq!(u8::from(AppCmd::from(b)), b);
            assert_eq!(u8::from(ChassisCmd::from(b)), b);
        }
    }

    #[test]
    fn privilege_order() {
        assert!(Privilege::Administrator.allows(Privilege::Operator));
        assert!(!Privilege::User.allows(Privilege::Operator));
        assert!(!Privilege::NoAccess.allows(Privilege::Callback));
        assert_eq!(
            Privilege::Operator.min(Privilege::Administrator),
            Privilege::Operator
        );
    }
}
