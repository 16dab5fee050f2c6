//! One target per command file of `ipmi_core::cmd`: the first input byte picks one of the file's
//! bodies (`2 * command + 0` its request, `2 * command + 1` its response, in the order listed in
//! [`command_files`]), the rest is the body. Whatever parses must emit exactly `buffer_len`
//! bytes, parse back to the same value, and fail cleanly on a buffer one byte short.
use ipmi_core::cmd::app as a;
use ipmi_core::cmd::chassis as c;
use ipmi_core::cmd::dcmi as d;
use ipmi_core::cmd::sensor as se;
use ipmi_core::cmd::storage as s;
use ipmi_core::cmd::transport as t;
use ipmi_core::cmd::{Body, Command};

/// Parses `data` as `$body`, then checks emit and the round trip.
macro_rules! round_trip {
    ($body:ty, $data:expr) => {{
        let data: &[u8] = $data;
        if let Ok(v) = super::no_alloc(|| <$body as Body>::parse(data)) {
            let mut out = vec![0u8; v.buffer_len()];
            let n = super::no_alloc(|| v.emit(&mut out))
                .unwrap_or_else(|e| panic!("{v:?} parsed from {data:02x?} does not emit: {e:?}"));
            assert_eq!(n, v.buffer_len(), "emit length != buffer_len for {v:?}");
            let again = <$body as Body>::parse(&out[..n])
                .unwrap_or_else(|e| panic!("{v:?} emitted {:02x?}, which fails: {e:?}", &out[..n]));
            assert_eq!(again, v, "parse -> emit -> parse changed the value");
            if n > 0 {
                assert!(
                    v.emit(&mut out[..n - 1]).is_err(),
                    "emit into a short buffer"
                );
            }
        }
    }};
}

/// For each command file: `fn $name(data)`, the target over the commands listed, and an entry
/// in [`command_files`].
macro_rules! command_files {
    ($($name:ident: $($cmd:ty),+;)+) => {
        $(
            /// Fuzzes the request and response bodies of this command file.
            pub fn $name(data: &[u8]) {
                let Some((&selector, body)) = data.split_first() else {
                    return;
                };
                let checks: &[fn(&[u8])] = &[$(
                    |b| round_trip!(<$cmd as Command>::Request<'_>, b),
                    |b| round_trip!(<$cmd as Command>::Response<'_>, b),
                )+];
                checks[usize::from(selector) % checks.len()](body);
            }
        )+

        /// Which target fuzzes which commands, as (NetFn, command) in selector order: the seed
        /// tool files LAN message bodies under the right target with the right selector byte.
        pub fn command_files() -> Vec<(&'static str, Vec<(u8, u8)>)> {
            vec![$(
                (stringify!($name), vec![$((u8::from(<$cmd as Command>::NETFN), <$cmd as Command>::CMD)),+]),
            )+]
        }
    };
}

command_files! {
    cmd_app_acpi_power_state: a::GetAcpiPowerState, a::SetAcpiPowerState;
    cmd_app_activate_session: a::ActivateSession;
    cmd_app_channel_access: a::GetChannelAccess, a::SetChannelAccess;
    cmd_app_channel_auth_capabilities: a::GetChannelAuthCapabilities;
    cmd_app_channel_cipher_suites: a::GetChannelCipherSuites;
    cmd_app_channel_info: a::GetChannelInfo;
    cmd_app_close_session: a::CloseSession;
    cmd_app_device_id: a::GetDeviceId;
    cmd_app_guid: a::GetDeviceGuid, a::GetSystemGuid;
    cmd_app_self_test: a::GetSelfTestResults;
    cmd_app_session_challenge: a::GetSessionChallenge;
    cmd_app_session_info: a::GetSessionInfo;
    cmd_app_system_info: a::GetSystemInfo, a::SetSystemInfo;
    cmd_app_set_session_privilege: a::SetSessionPrivilegeLevel;
    cmd_app_user_access: a::GetUserAccess, a::SetUserAccess;
    cmd_app_user_name: a::GetUserName, a::SetUserName;
    cmd_app_user_password: a::SetUserPassword;
    cmd_app_send_message: a::SendMessage;
    cmd_app_get_message: a::GetMessage;
    cmd_app_get_message_flags: a::GetMessageFlags;
    cmd_app_master_write_read: a::MasterWriteRead;
    cmd_chassis_boot_options: c::boot_options::GetSystemBootOptions, c::boot_options::SetSystemBootOptions;
    cmd_chassis_capabilities: c::capabilities::GetChassisCapabilities;
    cmd_chassis_control: c::control::ChassisControl;
    cmd_chassis_identify: c::identify::ChassisIdentify;
    cmd_chassis_poh: c::poh::GetPohCounter;
    cmd_chassis_power_restore_policy: c::power_restore_policy::SetPowerRestorePolicy;
    cmd_chassis_reset: c::reset::ChassisReset;
    cmd_chassis_restart_cause: c::restart_cause::GetSystemRestartCause;
    cmd_chassis_status: c::status::GetChassisStatus;
    cmd_transport_lan_config: t::GetLanConfig, t::SetLanConfig;
    cmd_storage_sdr_repository_info: s::sdr_repository_info::GetSdrRepositoryInfo;
    cmd_storage_reserve_sdr_repository: s::reserve_sdr_repository::ReserveSdrRepository;
    cmd_storage_get_sdr: s::get_sdr::GetSdr;
    cmd_storage_sel_info: s::sel_info::GetSelInfo;
    cmd_storage_reserve_sel: s::reserve_sel::ReserveSel;
    cmd_storage_get_sel_entry: s::get_sel_entry::GetSelEntry;
    cmd_storage_add_sel_entry: s::add_sel_entry::AddSelEntry;
    cmd_storage_clear_sel: s::clear_sel::ClearSel;
    cmd_storage_delete_sel_entry: s::delete_sel_entry::DeleteSelEntry;
    cmd_storage_sel_time: s::sel_time::GetSelTime, s::sel_time::SetSelTime;
    cmd_storage_fru_inventory_area_info: s::fru_inventory_area_info::GetFruInventoryAreaInfo;
    cmd_storage_read_fru_data: s::read_fru_data::ReadFruData;
    cmd_storage_write_fru_data: s::write_fru_data::WriteFruData;
    cmd_sensor_sensor_reading: se::sensor_reading::GetSensorReading;
    cmd_sensor_sensor_thresholds: se::sensor_thresholds::GetSensorThresholds;
    cmd_sensor_sensor_event_enable: se::sensor_event_enable::GetSensorEventEnable;
    cmd_sensor_platform_event: se::platform_event::PlatformEvent;
    cmd_dcmi_capabilities: d::capabilities::GetDcmiCapabilities;
    cmd_dcmi_power_reading: d::power_reading::GetPowerReading;
    cmd_app_activate_payload: a::ActivatePayload;
    cmd_app_deactivate_payload: a::DeactivatePayload;
    cmd_app_payload_activation_status: a::GetPayloadActivationStatus;
    cmd_app_payload_instance_info: a::GetPayloadInstanceInfo;
    cmd_app_channel_payload_support: a::GetChannelPayloadSupport, a::GetChannelPayloadVersion;
    cmd_transport_sol_config: t::GetSolConfig, t::SetSolConfig;
    cmd_app_user_payload_access: a::GetUserPayloadAccess, a::SetUserPayloadAccess;
}
