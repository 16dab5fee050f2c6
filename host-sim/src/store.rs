//! The one store of what a BMC changes while it runs.
//!
//! Design: a BMC has two files. `bmcs/NAME.toml` is what the operator wrote (`host-sim add` or
//! an editor): addresses, the provider, the users it starts with. `state/NAME.toml` ([`State`])
//! is everything the BMC itself changed afterwards, over IPMI or with `host-sim user`: the user
//! table, channel access, LAN parameters, boot flags, the power restore policy, the ACPI state,
//! the in-memory machine's power (and whatever a new feature adds as a field of [`State`]).
//! Where the state file has a value, it wins over the configuration file.
//!
//! The flow is the same for every field: the endpoint raises its "changed" flag
//! ([`Ep::take_changed`]) when a request changed something, the BMC [`capture`]s the endpoint
//! into its `State` and hands it to its [`Saver`], which writes the file atomically (temp file,
//! fsync, rename), one write at a time and never an older state after a newer one. At start,
//! [`restore`] puts the state back into a fresh endpoint. A CLI change goes through the very
//! same endpoint code ([`apply_user_edit`]): into the running BMC when the daemon runs, into an
//! endpoint built from the files when it does not.
use std::sync::{Arc, Mutex};

use ipmi_core::bmc::{LanConfig, SystemInfo};
use ipmi_core::cmd::app::AcpiPowerState;
use ipmi_core::cmd::chassis::power_restore_policy::PowerRestorePolicy;
use ipmi_core::Privilege;
use rmcp::crypto::Kuid;
use rmcp::server::User;
use serde::{Deserialize, Serialize};

use crate::bmc::Ep;
use crate::config::{ChannelState, Home, State, StateUser, UserEntry};

/// An endpoint user from a configured one.
pub fn user_of(u: &UserEntry) -> Result<User, String> {
    Ok(User {
        name: heapless::Vec::from_slice(u.name.as_bytes())
            .map_err(|_| format!("user name {:?} is longer than 16 bytes", u.name))?,
        password: Kuid::from_slice(u.password.as_bytes())
            .map_err(|_| format!("password of {:?} is longer than 20 bytes", u.name))?,
        privilege_limit: u.privilege,
        enabled: u.enabled,
        ipmi_messaging: u.ipmi_messaging,
        twenty_byte_password: u.password.len() > 16,
        link_auth: false,
        callback_only: false,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn policy_name(p: PowerRestorePolicy) -> &'static str {
    match p {
        PowerRestorePolicy::AlwaysOff => "always-off",
        PowerRestorePolicy::Previous => "previous",
        PowerRestorePolicy::AlwaysOn => "always-on",
        PowerRestorePolicy::NoChange => "unknown",
    }
}

fn policy_of(name: &str) -> Option<PowerRestorePolicy> {
    match name {
        "always-off" => Some(PowerRestorePolicy::AlwaysOff),
        "previous" => Some(PowerRestorePolicy::Previous),
        "always-on" => Some(PowerRestorePolicy::AlwaysOn),
        _ => None,
    }
}

/// The name a LAN parameter is saved under.
fn lan_name(p: ipmi_core::cmd::transport::LanParameter) -> String {
    format!("{p:?}")
}

/// The endpoint's user table as it is saved.
pub fn users_of(ep: &Ep) -> Vec<StateUser> {
    ep.config()
        .users()
        .filter_map(|(id, u)| {
            let u = u?;
            Some(StateUser {
                id,
                name: String::from_utf8_lossy(&u.name).into_owned(),
                password_hex: hex(u.password.as_bytes()),
                privilege: u8::from(u.privilege_limit),
                enabled: u.enabled,
                ipmi_messaging: u.ipmi_messaging,
                twenty_byte_password: u.twenty_byte_password,
                link_auth: u.link_auth,
                callback_only: u.callback_only,
            })
        })
        .collect()
}

/// What a BMC's LAN parameters and system info were when it started, before [`restore`]: only
/// values that differ from these are saved, so what the shell derives from the configuration
/// file (the address, the firmware version) follows that file.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The LAN configuration parameters.
    pub lan: LanConfig,
    /// The System Info Parameters.
    pub system_info: SystemInfo,
    /// The FRU image.
    pub fru: Vec<u8>,
    /// The SOL configuration parameters.
    pub sol: ipmi_core::bmc::SolConfig,
}

impl Baseline {
    /// The baseline of this endpoint, as it is now.
    pub fn of(ep: &Ep) -> Baseline {
        Baseline {
            lan: ep.bmc().lan().clone(),
            system_info: ep.bmc().system_info().clone(),
            fru: ep.bmc().fru().to_vec(),
            sol: ep.bmc().sol().clone(),
        }
    }
}

/// Copies everything the endpoint may have changed into `state`.
pub fn capture(ep: &Ep, baseline: &Baseline, state: &mut State) {
    let lan_baseline = &baseline.lan;
    crate::bootstate::save(ep, state);
    state.users = Some(users_of(ep));
    let c = ep.bmc().channel();
    state.channel = Some(ChannelState {
        privilege_limit: u8::from(c.privilege_limit),
        per_message_auth: c.per_message_auth,
        user_level_auth: c.user_level_auth,
    });
    state.lan.clear();
    let (mut now, mut base) = ([0u8; 32], [0u8; 32]);
    for p in LanConfig::SAVED {
        let (Ok(n), Ok(m)) = (
            ep.bmc().lan().get(p, &mut now),
            lan_baseline.get(p, &mut base),
        ) else {
            continue;
        };
        if now[..n] != base[..m] {
            state.lan.insert(lan_name(p), hex(&now[..n]));
        }
    }
    state.system_info.clear();
    for p in ipmi_core::bmc::system_info_parameters() {
        let (now, base) = (ep.bmc().system_info().raw(p), baseline.system_info.raw(p));
        if let Some(now) = now.filter(|n| Some(*n) != base) {
            state.system_info.insert(p.to_string(), hex(&now));
        }
    }
    state.sol.clear();
    for p in ipmi_core::bmc::SolConfig::SAVED {
        let (mut now, mut base) = ([0u8; 4], [0u8; 4]);
        let (Ok(n), Ok(m)) = (
            ep.bmc().sol().get(p, &mut now),
            baseline.sol.get(p, &mut base),
        ) else {
            continue;
        };
        if now[..n] != base[..m] {
            state.sol.insert(format!("{p:?}"), hex(&now[..n]));
        }
    }
    let denied = ep.bmc().sol().sol_denied();
    if denied != baseline.sol.sol_denied() {
        state
            .sol
            .insert("UserPayloadAccessDenied".into(), hex(&denied.to_le_bytes()));
    }
    state.power_restore_policy = Some(policy_name(ep.bmc().power_restore_policy()).into());
    let a = ep.bmc().acpi_power_state();
    state.acpi_power_state = Some([a.system, a.device]);
    state.sel = Some(SavedSel::of(ep));
    let fru = ep.bmc().fru();
    state.fru = (fru != baseline.fru.as_slice()).then(|| hex(fru));
}

/// The System Event Log as saved: its flags, time stamps, next record id and the records in
/// hex (16 bytes each, oldest first).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SavedSel {
    /// An event was dropped because the log was full.
    #[serde(default)]
    pub overflow: bool,
    /// Time stamp of the last addition (4294967295 = none).
    pub last_addition: u32,
    /// Time stamp of the last erase (4294967295 = none).
    pub last_erase: u32,
    /// The id the next record gets.
    pub next_id: u16,
    /// The records.
    #[serde(default)]
    pub records: Vec<String>,
}

impl SavedSel {
    /// The endpoint's SEL.
    pub fn of(ep: &Ep) -> SavedSel {
        let m = ep.bmc().sel_meta();
        SavedSel {
            overflow: m.overflow,
            last_addition: m.last_addition,
            last_erase: m.last_erase,
            next_id: m.next_id,
            records: ep
                .bmc()
                .sel_records()
                .iter()
                .map(|r| hex(&r.bytes()))
                .collect(),
        }
    }

    /// Puts it back into a fresh endpoint; a record that is not 16 bytes of hex is skipped.
    fn restore(&self, ep: &mut Ep, bmc: &str) {
        use ipmi_core::cmd::storage::sel_record::SelRecord;
        let records: Vec<SelRecord> = self
            .records
            .iter()
            .filter_map(|t| {
                let r = unhex(t).and_then(|v| <[u8; 16]>::try_from(v).ok());
                if r.is_none() {
                    tracing::warn!(bmc, record = %t, "saved SEL record not restored");
                }
                r.map(|b| SelRecord::from_bytes(&b))
            })
            .collect();
        let meta = ipmi_core::bmc::SelMeta {
            overflow: self.overflow,
            last_addition: self.last_addition,
            last_erase: self.last_erase,
            next_id: self.next_id,
        };
        ep.bmc_mut().restore_sel(meta, &records);
    }
}

/// Puts saved state back into a fresh endpoint (built from the configuration file). A value
/// that no longer fits (a user id above `max_users`, a bad hex string) is logged and skipped.
pub fn restore(ep: &mut Ep, state: &State, bmc: &str) {
    crate::bootstate::restore(ep, state);
    if let Some(users) = &state.users {
        let ids: Vec<u8> = ep.config().users().map(|(id, _)| id).collect();
        for id in ids {
            let _ = ep.set_user(id, None);
        }
        for u in users {
            let Some(password) = unhex(&u.password_hex) else {
                tracing::warn!(bmc, id = u.id, "saved user with a bad password, skipped");
                continue;
            };
            let user = match (
                heapless::Vec::from_slice(u.name.as_bytes()),
                Kuid::from_slice(&password),
            ) {
                (Ok(name), Ok(password)) => User {
                    name,
                    password,
                    privilege_limit: Privilege::from(u.privilege),
                    enabled: u.enabled,
                    ipmi_messaging: u.ipmi_messaging,
                    twenty_byte_password: u.twenty_byte_password,
                    link_auth: u.link_auth,
                    callback_only: u.callback_only,
                },
                _ => {
                    tracing::warn!(bmc, id = u.id, "saved user does not fit, skipped");
                    continue;
                }
            };
            if let Err(e) = ep.set_user(u.id, Some(user)) {
                tracing::warn!(bmc, id = u.id, "saved user not restored: {e}");
            }
        }
    }
    if let Some(c) = &state.channel {
        let mut channel = *ep.bmc().channel();
        let p = Privilege::from(c.privilege_limit);
        if p.rank() > 0 {
            channel.privilege_limit = p;
        }
        channel.per_message_auth = c.per_message_auth;
        channel.user_level_auth = c.user_level_auth;
        ep.bmc_mut().restore_channel(channel);
    }
    for p in LanConfig::SAVED {
        if let Some(text) = state.lan.get(&lan_name(p)) {
            let ok = unhex(text).is_some_and(|data| ep.bmc_mut().lan_mut().set(p, &data).is_ok());
            if !ok {
                tracing::warn!(bmc, parameter = %lan_name(p), "saved LAN parameter not restored");
            }
        }
    }
    for (p, text) in &state.system_info {
        let raw = unhex(text).and_then(|v| <[u8; 64]>::try_from(v).ok());
        match (p.parse::<u8>(), raw) {
            (Ok(p), Some(raw)) => ep.bmc_mut().system_info_mut().set_raw(p, &raw),
            _ => tracing::warn!(bmc, parameter = %p, "saved system info not restored"),
        }
    }
    for p in ipmi_core::bmc::SolConfig::SAVED {
        if let Some(text) = state.sol.get(&format!("{p:?}")) {
            let ok = unhex(text).is_some_and(|data| ep.bmc_mut().sol_mut().set(p, &data).is_ok());
            if !ok {
                tracing::warn!(bmc, parameter = ?p, "saved SOL parameter not restored");
            }
        }
    }
    if let Some(text) = state.sol.get("UserPayloadAccessDenied") {
        match unhex(text).and_then(|v| <[u8; 8]>::try_from(v).ok()) {
            Some(b) => ep
                .bmc_mut()
                .sol_mut()
                .restore_sol_denied(u64::from_le_bytes(b)),
            None => tracing::warn!(bmc, "saved SOL payload access not restored"),
        }
    }
    if let Some(p) = state.power_restore_policy.as_deref().and_then(policy_of) {
        ep.bmc_mut().restore_power_restore_policy(p);
    }
    if let Some([system, device]) = state.acpi_power_state {
        ep.bmc_mut()
            .restore_acpi_power_state(AcpiPowerState { system, device });
    }
    if let Some(sel) = &state.sel {
        sel.restore(ep, bmc);
    }
    if let Some(text) = &state.fru {
        if !unhex(text).is_some_and(|image| ep.bmc_mut().set_fru(&image)) {
            tracing::warn!(bmc, "saved FRU image not restored");
        }
    }
    // Restoring is not a change to save again.
    let _ = ep.take_changed();
}

/// Writes a BMC's state file, one write at a time, never an older state over a newer one.
#[derive(Clone)]
pub struct Saver {
    home: Home,
    name: String,
    /// The generation handed out last, and the one written last.
    gens: Arc<Mutex<(u64, u64)>>,
}

impl Saver {
    /// A saver for BMC `name` under `home`.
    pub fn new(home: Home, name: &str) -> Saver {
        Saver {
            home,
            name: name.to_string(),
            gens: Arc::new(Mutex::new((0, 0))),
        }
    }

    /// Saves `state` on a blocking thread of the runtime `rt`.
    pub fn save(&self, rt: &tokio::runtime::Handle, state: State) {
        let gen = {
            let mut g = self.gens.lock().unwrap_or_else(|p| p.into_inner());
            g.0 += 1;
            g.0
        };
        let me = self.clone();
        rt.spawn_blocking(move || me.write(gen, &state));
    }

    /// Saves `state` now, on this thread.
    pub fn save_now(&self, state: &State) -> Result<(), String> {
        let gen = {
            let mut g = self.gens.lock().unwrap_or_else(|p| p.into_inner());
            g.0 += 1;
            g.0
        };
        self.write(gen, state)
    }

    fn write(&self, gen: u64, state: &State) -> Result<(), String> {
        let mut g = self.gens.lock().unwrap_or_else(|p| p.into_inner());
        if gen <= g.1 {
            return Ok(()); // a newer state is on disk already
        }
        match self.home.save_state(&self.name, state) {
            Ok(()) => {
                g.1 = gen;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(bmc = %self.name, "cannot save state: {e}");
                Err(format!("cannot save the state of {}: {e}", self.name))
            }
        }
    }
}

/// A change to one user, by name, from `host-sim user`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserEdit {
    /// The user's name.
    pub name: String,
    /// New password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// New privilege limit (callback, user, operator, administrator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privilege: Option<String>,
    /// Enable (true) or disable (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Remove the user.
    #[serde(default)]
    pub delete: bool,
}

impl UserEdit {
    /// Checks the values (one-line errors).
    pub fn check(&self) -> Result<(), String> {
        if self.name.is_empty() || self.name.len() > 16 {
            return Err(format!("user name {:?} must be 1 to 16 bytes", self.name));
        }
        if self.password.as_ref().is_some_and(|p| p.len() > 20) {
            return Err("password is longer than 20 bytes".into());
        }
        if let Some(p) = &self.privilege {
            crate::config::parse_privilege(p)?;
        }
        Ok(())
    }
}

/// Applies `edit` to the endpoint's user table; returns a one-line description.
pub fn apply_user_edit(ep: &mut Ep, edit: &UserEdit) -> Result<String, String> {
    edit.check()?;
    let found = ep.config().find_user(edit.name.as_bytes());
    if edit.delete {
        let id = found.ok_or_else(|| format!("no user {:?}", edit.name))?;
        ep.set_user(id, None).map_err(|e| e.to_string())?;
        return Ok(format!("deleted user {:?} (id {id})", edit.name));
    }
    let (id, mut user) = match found {
        Some(id) => (id, ep.config().user(id).cloned().ok_or("user vanished")?),
        None => {
            let password = edit
                .password
                .as_ref()
                .ok_or_else(|| format!("no user {:?}: a new user needs --password", edit.name))?;
            let max = ep.config().max_user_ids;
            let id = (2..=max)
                .find(|&id| ep.config().user(id).is_none())
                .ok_or_else(|| format!("user table full ({max} user ids)"))?;
            let entry = UserEntry {
                id,
                name: edit.name.clone(),
                password: password.clone(),
                privilege: Privilege::Administrator,
                enabled: true,
                ipmi_messaging: true,
            };
            (id, user_of(&entry)?)
        }
    };
    if let Some(p) = &edit.password {
        user.password =
            Kuid::from_slice(p.as_bytes()).map_err(|_| "password is longer than 20 bytes")?;
        user.twenty_byte_password = p.len() > 16;
    }
    if let Some(p) = &edit.privilege {
        user.privilege_limit = crate::config::parse_privilege(p)?;
    }
    if let Some(e) = edit.enabled {
        user.enabled = e;
    }
    ep.set_user(id, Some(user)).map_err(|e| e.to_string())?;
    Ok(format!("user {:?} is id {id}", edit.name))
}
