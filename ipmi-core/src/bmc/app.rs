//! The App NetFn commands the dispatcher serves: device identity, self test, GUIDs, channel
//! access and info, and the user commands (through [`UserStore`]). Session commands are rmcp's.
use super::{emit, parse, Bmc, Context, Reply, Request, UserStore};
use crate::cmd::app::device_id::IPMI_VERSION_2_0;
use crate::cmd::app::{
    AdditionalDeviceSupport, ChannelAccessMode, ChannelAccessSelector, Empty,
    GetChannelAccessRequest, GetChannelAccessResponse, GetChannelInfoRequest,
    GetChannelInfoResponse, GetDeviceIdResponse, GetSelfTestResultsResponse, GetUserAccessRequest,
    GetUserAccessResponse, GetUserNameRequest, GetUserNameResponse, GuidResponse,
    PasswordOperation, SetAcpiPowerStateRequest, SetChannelAccessRequest, SetUserAccessRequest,
    SetUserNameRequest, SetUserPasswordRequest, UserEnableStatus, UserName, CHANNEL_CURRENT,
};
use crate::types::AppCmd;
use crate::{CompletionCode, Privilege};

use super::users::PasswordTest;

/// Set User Password, test: the password is wrong (0x80).
const CC_PASSWORD_MISMATCH: CompletionCode = CompletionCode::CommandSpecific80;
/// Set User Password, test: the password has the wrong size (0x81).
const CC_PASSWORD_WRONG_SIZE: CompletionCode = CompletionCode::CommandSpecific81;

impl Bmc {
    pub(super) fn app_command(
        &mut self,
        _ctx: &Context,
        req: &Request<'_>,
        users: &mut dyn UserStore,
        out: &mut [u8],
    ) -> Result<Reply, CompletionCode> {
        let len = match AppCmd::from(req.cmd) {
            AppCmd::GetDeviceId => {
                parse::<Empty>(req.data)?;
                let id = &self.identity;
                let rsp = GetDeviceIdResponse {
                    device_id: id.device_id,
                    provides_device_sdrs: false,
                    device_revision: id.device_revision & 0x0F,
                    update_in_progress: false,
                    firmware_major: id.firmware_major & 0x7F,
                    firmware_minor: id.firmware_minor,
                    ipmi_version: IPMI_VERSION_2_0,
                    additional_device_support: AdditionalDeviceSupport {
                        chassis: true,
                        sensor: true,
                        sdr_repository: true,
                        sel: true,
                        fru_inventory: !self.fru.image.is_empty(),
                        ..AdditionalDeviceSupport::default()
                    },
                    manufacturer_id: id.manufacturer_id & 0x000F_FFFF,
                    product_id: id.product_id,
                    aux_firmware_revision: id.aux_firmware_revision,
                };
                emit(&rsp, out)?
            }
            AppCmd::GetSelfTestResults => {
                parse::<Empty>(req.data)?;
                emit(&GetSelfTestResultsResponse::PASSED, out)?
            }
            AppCmd::GetDeviceGuid => {
                parse::<Empty>(req.data)?;
                emit(
                    &GuidResponse {
                        guid: self.identity.device_guid,
                    },
                    out,
                )?
            }
            AppCmd::GetSystemGuid => {
                parse::<Empty>(req.data)?;
                emit(
                    &GuidResponse {
                        guid: self.identity.system_guid,
                    },
                    out,
                )?
            }
            AppCmd::GetSystemInfo | AppCmd::SetSystemInfo => self.system_info_command(req, out)?,
            AppCmd::GetAcpiPowerState => {
                parse::<Empty>(req.data)?;
                emit(&self.acpi, out)?
            }
            AppCmd::SetAcpiPowerState => {
                let r: SetAcpiPowerStateRequest = parse(req.data)?;
                if let Some(system) = r.system {
                    self.acpi.system = system;
                }
                if let Some(device) = r.device {
                    self.acpi.device = device;
                }
                0
            }
            AppCmd::GetChannelAccess => {
                let r: GetChannelAccessRequest = parse(req.data)?;
                self.lan_channel(r.channel)?;
                if !matches!(
                    r.selector,
                    ChannelAccessSelector::NonVolatile | ChannelAccessSelector::Volatile
                ) {
                    return Err(CompletionCode::InvalidDataField);
                }
                let c = &self.channel;
                let rsp = GetChannelAccessResponse {
                    alerting_disabled: true,
                    per_message_auth_disabled: !c.per_message_auth,
                    user_level_auth_disabled: !c.user_level_auth,
                    access_mode: ChannelAccessMode::AlwaysAvailable,
                    privilege_limit: c.privilege_limit,
                };
                emit(&rsp, out)?
            }
            AppCmd::SetChannelAccess => {
                let r: SetChannelAccessRequest = parse(req.data)?;
                self.set_channel_access(&r)?;
                0
            }
            AppCmd::GetChannelInfo => {
                let r: GetChannelInfoRequest = parse(req.data)?;
                let channel = self.lan_channel(r.channel)?;
                let active = users.active_sessions().min(0x3F);
                emit(&GetChannelInfoResponse::lan(channel, active), out)?
            }
            AppCmd::GetUserAccess => {
                let r: GetUserAccessRequest = parse(req.data)?;
                self.lan_channel(r.channel)?;
                let id = user_id(users, r.user_id)?;
                let max = users.max_user_ids().min(0x3F);
                let enabled = (1..=max).filter(|&i| users.access(i).enabled).count();
                let a = users.access(id);
                let rsp = GetUserAccessResponse {
                    max_user_ids: max,
                    enable_status: if a.enabled {
                        UserEnableStatus::Enabled
                    } else {
                        UserEnableStatus::Disabled
                    },
                    enabled_user_ids: u8::try_from(enabled).unwrap_or(max),
                    fixed_name_user_ids: users.fixed_name_user_ids().min(max),
                    callback_only: a.callback_only,
                    link_auth_enabled: a.link_auth,
                    ipmi_messaging_enabled: a.ipmi_messaging,
                    privilege_limit: privilege_bits(a.privilege_limit),
                };
                emit(&rsp, out)?
            }
            AppCmd::SetUserAccess => {
                let r: SetUserAccessRequest = parse(req.data)?;
                self.lan_channel(r.channel)?;
                let id = user_id(users, r.user_id)?;
                if !settable_user_limit(r.privilege_limit) {
                    return Err(CompletionCode::InvalidDataField);
                }
                let mut a = users.access(id);
                if r.change_bits {
                    a.callback_only = r.callback_only;
                    a.link_auth = r.link_auth_enabled;
                    a.ipmi_messaging = r.ipmi_messaging_enabled;
                }
                a.privilege_limit = r.privilege_limit;
                users.set_access(id, a)?;
                0
            }
            AppCmd::GetUserName => {
                let r: GetUserNameRequest = parse(req.data)?;
                let id = user_id(users, r.user_id)?;
                emit(
                    &GetUserNameResponse {
                        name: UserName(users.name(id)),
                    },
                    out,
                )?
            }
            AppCmd::SetUserName => {
                let r: SetUserNameRequest = parse(req.data)?;
                let id = user_id(users, r.user_id)?;
                users.set_name(id, &r.name.0)?;
                0
            }
            AppCmd::SetUserPassword => {
                let r: SetUserPasswordRequest = parse(req.data)?;
                let id = user_id(users, r.user_id)?;
                let password = r.password.as_ref().map(|p| p.as_bytes());
                match (r.operation, password) {
                    (PasswordOperation::DisableUser | PasswordOperation::EnableUser, _) => {
                        let mut a = users.access(id);
                        a.enabled = r.operation == PasswordOperation::EnableUser;
                        users.set_access(id, a)?;
                    }
                    (PasswordOperation::SetPassword, Some(p)) => users.set_password(id, p)?,
                    (PasswordOperation::TestPassword, Some(p)) => {
                        match users.test_password(id, p) {
                            PasswordTest::Match => {}
                            PasswordTest::Mismatch => return Err(CC_PASSWORD_MISMATCH),
                            PasswordTest::WrongSize => return Err(CC_PASSWORD_WRONG_SIZE),
                        }
                    }
                    // The codec never yields these; answer as a short request would be.
                    _ => return Err(CompletionCode::RequestDataLengthInvalid),
                }
                0
            }
            _ => return Err(CompletionCode::InvalidCommand),
        };
        Ok(Reply {
            completion_code: CompletionCode::Normal,
            len,
        })
    }

    /// The LAN channel's number when `channel` names it (by number or as 0x0E, "this
    /// channel"); any other channel does not exist here: CC.
    pub(super) fn lan_channel(&self, channel: u8) -> Result<u8, CompletionCode> {
        if channel == CHANNEL_CURRENT || channel == self.channel.number {
            Ok(self.channel.number)
        } else {
            Err(CompletionCode::InvalidDataField)
        }
    }

    fn set_channel_access(&mut self, r: &SetChannelAccessRequest) -> Result<(), CompletionCode> {
        self.lan_channel(r.channel)?;
        let sets = |s| {
            matches!(
                s,
                ChannelAccessSelector::NonVolatile | ChannelAccessSelector::Volatile
            )
        };
        let set_access = sets(r.access_selector);
        let set_privilege = sets(r.privilege_selector);
        if !set_access && r.access_selector != ChannelAccessSelector::DontChange
            || !set_privilege && r.privilege_selector != ChannelAccessSelector::DontChange
        {
            return Err(CompletionCode::InvalidDataField);
        }
        // Only "always available": a LAN channel that switches itself off would lock out
        // every console, and there is no other channel to switch it back on.
        if set_access && r.access_mode != ChannelAccessMode::AlwaysAvailable {
            return Err(CompletionCode::InvalidDataField);
        }
        let privilege_ok = matches!(
            r.privilege_limit,
            Privilege::Callback | Privilege::User | Privilege::Operator | Privilege::Administrator
        );
        if set_privilege && !privilege_ok {
            return Err(CompletionCode::InvalidDataField);
        }
        if set_access {
            self.channel.per_message_auth = !r.per_message_auth_disabled;
            self.channel.user_level_auth = !r.user_level_auth_disabled;
        }
        if set_privilege {
            self.channel.privilege_limit = r.privilege_limit;
        }
        Ok(())
    }
}

/// A user id in 1..=max: 0 is reserved (CC), above the table is out of range (C9).
fn user_id(users: &dyn UserStore, id: u8) -> Result<u8, CompletionCode> {
    if id == 0 {
        Err(CompletionCode::InvalidDataField)
    } else if id > users.max_user_ids() {
        Err(CompletionCode::ParameterOutOfRange)
    } else {
        Ok(id)
    }
}

/// The privilege limits Set User Access takes: Callback..=OEM, or 0x0F no access.
fn settable_user_limit(p: Privilege) -> bool {
    matches!(
        p,
        Privilege::Callback
            | Privilege::User
            | Privilege::Operator
            | Privilege::Administrator
            | Privilege::Oem
            | Privilege::NoAccess
    )
}

/// A store's privilege limit as it can go on the wire (an unknown code above 4 bits reads as
/// no access rather than failing the emit).
fn privilege_bits(p: Privilege) -> Privilege {
    if u8::from(p) > 0x0F {
        Privilege::NoAccess
    } else {
        p
    }
}
