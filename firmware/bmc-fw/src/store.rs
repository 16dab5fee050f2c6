//! The firmware's one store: everything a user or a client may change (provisioned config and
//! what LAN commands change) as one snapshot, kept in flash.
//!
//! Layout: two erase sectors A and B of a [`NorFlash`]. Each save appends one record to the
//! sector in use: `"BMCS"`, sequence number (u32 LE), payload length (u16 LE) and its complement,
//! the payload, CRC-32 over sequence..payload, padded with 0xFF to the flash's write size. The
//! newest valid record of both sectors wins. When the sector in use is full (or ends in a torn
//! record) the other one is erased and the record goes there, so the previous snapshot is never
//! touched before the new one is complete: a torn write (power lost mid-save) leaves a record
//! that fails its CRC, and the old one is what loads. Erases alternate between the two sectors
//! and each holds hundreds of records, which spreads the wear.
use embedded_storage::nor_flash::NorFlash;
use heapless::Vec;
use ipmi_core::bmc::{BootFlags, LanConfig, SelMeta, SolConfig, SystemInfo, FRU_CAPACITY, SEL_CAPACITY};
use ipmi_core::cmd::app::AcpiPowerState;
use ipmi_core::cmd::chassis::power_restore_policy::PowerRestorePolicy;
use ipmi_core::cmd::storage::sel_record::{SelRecord, SEL_RECORD_LEN};
use ipmi_core::cmd::transport::{LanParameter, SolParameter};
use ipmi_core::Privilege;
use rmcp::crypto::Kuid;
use rmcp::server::{Config, User};

use crate::bmc::{BmcEndpoint, USERS};
use crate::config;

const MAGIC: &[u8; 4] = b"BMCS";
const HEADER: usize = 12;
/// Largest payload (a snapshot with every user, LAN parameter and system info string set is
/// about 700 bytes, a typical one 150; a full SEL adds 1038, the SOL parameters and a FRU
/// rewritten end to end at most 304).
pub const MAX_PAYLOAD: usize = 800 + 2 + SEL_BYTES + 2 + SOL_BYTES + 2 + FRU_BYTES;
/// The SEL in a snapshot: flags, time stamps, next id, count, and 16 bytes per record.
pub const SEL_BYTES: usize = 12 + SEL_CAPACITY * SEL_RECORD_LEN;
const RECORD_MAX: usize = HEADER + MAX_PAYLOAD + 4 + 32;
/// Format 2 added the channel's authentication bits, the ACPI power state, the last power
/// state, the LAN parameters and the system info strings; format 3 the SEL; format 4 the SOL
/// parameters and the FRU changes. Older snapshots still load (with an empty SEL, the default
/// SOL parameters and the build-time FRU).
const FORMAT: u8 = 4;
/// Room for the LAN parameters that differ from the boot baseline (`id, len, data` each; all
/// of [`LanConfig::SAVED`] changed is 107 bytes).
pub const LAN_BYTES: usize = 128;
/// Room for the system info strings that differ from the boot baseline (`id, len, data` each,
/// trailing zeros cut; four full strings are 264 bytes).
pub const SYSTEM_INFO_BYTES: usize = 264;
/// Room for the SOL parameters that differ from the boot baseline (`id, len, data` each; all
/// of them changed is 17 bytes, the users denied SOL 10 more).
pub const SOL_BYTES: usize = 32;
/// Room for the FRU changes: the build-time image's CRC-32 and the changed runs (`offset, len,
/// data` each, runs at least 3 unchanged bytes apart, at most 255 long): every byte of a full
/// image changed is 264 bytes.
pub const FRU_BYTES: usize = 4 + FRU_CAPACITY + 8;
/// The SOL "parameter" id under which the users denied SOL (Set User Payload Access) are saved.
const SOL_DENIED: u8 = 0xFF;

/// How the BMC gets its IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// DHCP, falling back to this static address if no lease comes.
    Dhcp {
        /// Used when no lease comes within `net::DHCP_TIMEOUT`.
        fallback: StaticIp,
    },
    /// A fixed address.
    Static(StaticIp),
}

/// A static IPv4 configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaticIp {
    /// Address.
    pub address: [u8; 4],
    /// Prefix length.
    pub prefix: u8,
    /// Default gateway.
    pub gateway: Option<[u8; 4]>,
}

/// One saved user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedUser {
    /// Name (empty for the null user).
    pub name: Vec<u8, 16>,
    /// Password (never logged).
    pub password: Vec<u8, 20>,
    /// Privilege limit (IPMI code).
    pub privilege: u8,
    /// May log in.
    pub enabled: bool,
    /// Set/Get User Access bits that are not the privilege: [`FLAG_MESSAGING`],
    /// [`FLAG_LINK_AUTH`], [`FLAG_CALLBACK_ONLY`], and [`FLAG_TWENTY`] (the password was set in the
    /// 20-byte form).
    pub flags: u8,
}

/// IPMI messaging enabled (without it the user cannot open a session).
pub const FLAG_MESSAGING: u8 = 1;
/// Link authentication enabled.
pub const FLAG_LINK_AUTH: u8 = 2;
/// Restricted to callback connections.
pub const FLAG_CALLBACK_ONLY: u8 = 4;
/// The password was set in the 20-byte form (Set User Password's test answers by size).
pub const FLAG_TWENTY: u8 = 8;

impl SavedUser {
    /// A new enabled user with IPMI messaging on, as a build config or a blob provisions it.
    pub fn new_enabled(name: Vec<u8, 16>, password: Vec<u8, 20>, privilege: u8) -> SavedUser {
        let flags = FLAG_MESSAGING | if password.len() > 16 { FLAG_TWENTY } else { 0 };
        SavedUser { name, password, privilege, enabled: true, flags }
    }
}

fn flag(on: bool, bit: u8) -> u8 {
    if on {
        bit
    } else {
        0
    }
}

/// The snapshot the store keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    /// Sequence number of the last provisioning blob applied (0: none).
    pub blob_seq: u32,
    /// Address configuration.
    pub network: Network,
    /// K_g, if set.
    pub kg: Option<Vec<u8, 20>>,
    /// Enabled cipher suites (bit n = suite n).
    pub suites: u32,
    /// LAN channel privilege limit (IPMI code).
    pub channel_privilege: u8,
    /// Boot flags (System Boot Options parameter 5 data).
    pub boot_flags: [u8; 5],
    /// Power restore policy (2-bit code).
    pub restore_policy: u8,
    /// User ids 1..=USERS.
    pub users: [Option<SavedUser>; USERS],
    /// Set Channel Access: bit 0 per-message authentication, bit 1 user-level authentication.
    pub channel_auth: u8,
    /// Set ACPI Power State: system and device state.
    pub acpi: [u8; 2],
    /// Whether the host's power was on when last seen (the "previous" restore policy).
    pub power_on: bool,
    /// LAN parameters that differ from the boot baseline: `parameter, length, data`...
    pub lan: Vec<u8, LAN_BYTES>,
    /// System info strings that differ from the boot baseline: `parameter, length, data`...
    pub system_info: Vec<u8, SYSTEM_INFO_BYTES>,
    /// The SEL as [`encode_sel`] writes it (kept as bytes: one compare and one copy per change).
    pub sel: Vec<u8, SEL_BYTES>,
    /// SOL parameters that differ from the boot baseline (`parameter, length, data`...; the
    /// volatile bit rate is never saved, and [`SOL_DENIED`] holds the users denied SOL).
    pub sol: Vec<u8, SOL_BYTES>,
    /// Write FRU Data changes to the build-time image, as [`encode_fru`] writes them (empty:
    /// the build-time image).
    pub fru: Vec<u8, FRU_BYTES>,
}

/// The SOL parameters of `now` that differ from `base` as `id, len, data` entries (the
/// volatile bit rate stays volatile: it is lost at a reset, per the spec).
#[inline(never)]
fn encode_sol(now: &SolConfig, base: &SolConfig) -> Vec<u8, SOL_BYTES> {
    let mut sol = Vec::new();
    let (mut a, mut b) = ([0u8; 4], [0u8; 4]);
    for p in SolConfig::SAVED {
        if p == SolParameter::VolatileBitRate {
            continue;
        }
        if let (Ok(n), Ok(m)) = (now.get(p, &mut a), base.get(p, &mut b)) {
            if a[..n] != b[..m] {
                push_entry(&mut sol, p.into(), &a[..n]);
            }
        }
    }
    if now.sol_denied() != base.sol_denied() {
        push_entry(&mut sol, SOL_DENIED, &now.sol_denied().to_le_bytes());
    }
    sol
}

/// What Write FRU Data changed in `now` against the build-time image `base`: `base`'s CRC-32
/// (u32 LE, so that changes to another build's image are dropped) and the changed runs as
/// `offset, len, data` entries; empty if nothing changed. Small: an edited field is its bytes
/// and the area checksum, not the whole image.
#[inline(never)]
pub fn encode_fru(base: &[u8], now: &[u8]) -> Vec<u8, FRU_BYTES> {
    let mut out = Vec::new();
    // Write FRU Data never changes the length (only the shell's `set_fru` could).
    if base == now || base.len() != now.len() || now.len() > FRU_CAPACITY {
        return out;
    }
    let _ = out.extend_from_slice(&crc32(base).to_le_bytes());
    let mut i = 0;
    while i < now.len() {
        if now[i] == base[i] {
            i += 1;
            continue;
        }
        // A run ends at 3 unchanged bytes (an entry's header is 2) or at 255 bytes.
        let mut end = i + 1;
        let mut j = end;
        while j < now.len() && j - i < 255 && j - end < 3 {
            if now[j] != base[j] {
                end = j + 1;
            }
            j += 1;
        }
        push_entry(&mut out, i as u8, &now[i..end]);
        i = end;
    }
    out
}

/// The FRU image [`encode_fru`]'s `diff` describes, or `None` if it is empty or was made
/// against another image than `base`.
#[inline(never)]
pub fn decode_fru(base: &[u8], diff: &[u8]) -> Option<Vec<u8, FRU_CAPACITY>> {
    let (crc, runs) = diff.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*crc) != crc32(base) {
        crate::warn!("store: the saved FRU changes are for another image: dropped");
        return None;
    }
    let mut image: Vec<u8, FRU_CAPACITY> = Vec::from_slice(base).ok()?;
    for (offset, data) in entries(runs) {
        let at = usize::from(offset);
        image.get_mut(at..at + data.len())?.copy_from_slice(data);
    }
    Some(image)
}

/// The SEL's meta data and records as bytes: overflow flag, last addition and last erase time
/// stamps (u32 LE), next record id (u16 LE), record count, the 16-byte records oldest first.
pub fn encode_sel(meta: SelMeta, records: &[SelRecord]) -> Vec<u8, SEL_BYTES> {
    let mut out = Vec::new();
    let records = &records[..records.len().min(SEL_CAPACITY)];
    let _ = out.push(meta.overflow as u8);
    let _ = out.extend_from_slice(&meta.last_addition.to_le_bytes());
    let _ = out.extend_from_slice(&meta.last_erase.to_le_bytes());
    let _ = out.extend_from_slice(&meta.next_id.to_le_bytes());
    let _ = out.push(records.len() as u8);
    for r in records {
        let _ = out.extend_from_slice(&r.bytes());
    }
    out
}

/// Parses what [`encode_sel`] wrote.
pub fn decode_sel(bytes: &[u8]) -> Option<(SelMeta, Vec<SelRecord, SEL_CAPACITY>)> {
    let mut r = Reader { buf: bytes, at: 0 };
    let overflow = r.u8()? != 0;
    let last_addition = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
    let last_erase = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
    let next_id = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
    let mut records = Vec::new();
    for _ in 0..r.u8()? {
        let b: &[u8; SEL_RECORD_LEN] = r.take(SEL_RECORD_LEN)?.try_into().ok()?;
        records.push(SelRecord::from_bytes(b)).ok()?;
    }
    (r.at == bytes.len()).then_some((SelMeta { overflow, last_addition, last_erase, next_id }, records))
}

/// What the LAN parameters and system info were at boot, before the saved ones were put back
/// (the board's live address, MAC and firmware version): only what differs is saved, so the
/// live values are what `lan print` shows unless a client set another.
#[derive(Clone, Debug)]
pub struct Baseline {
    /// The LAN configuration parameters.
    pub lan: LanConfig,
    /// The System Info Parameters.
    pub system_info: SystemInfo,
    /// The SOL parameters (the board's SOL port, enabled if it has a serial port).
    pub sol: SolConfig,
}

impl Baseline {
    /// The endpoint's values now.
    pub fn of(ep: &BmcEndpoint) -> Baseline {
        Baseline {
            lan: ep.bmc().lan().clone(),
            system_info: ep.bmc().system_info().clone(),
            sol: ep.bmc().sol().clone(),
        }
    }
}

/// "No time stamp" in the SEL's meta data.
const NO_TIME: u32 = 0xFFFF_FFFF;
/// An empty SEL that has never been added to or erased.
const EMPTY_SEL: SelMeta = SelMeta { overflow: false, last_addition: NO_TIME, last_erase: NO_TIME, next_id: 1 };

const AUTH_PER_MESSAGE: u8 = 1;
const AUTH_USER_LEVEL: u8 = 2;

/// Appends `id, len, data` to `out` (dropped if it does not fit: the value is not saved).
fn push_entry<const N: usize>(out: &mut Vec<u8, N>, id: u8, data: &[u8]) {
    if out.len() + 2 + data.len() <= N {
        let _ = out.push(id);
        let _ = out.push(data.len() as u8);
        let _ = out.extend_from_slice(data);
    }
}

/// The `(id, data)` entries of a list [`push_entry`] wrote.
fn entries(mut b: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    core::iter::from_fn(move || {
        let (&id, rest) = b.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let data = rest.get(..usize::from(len))?;
        b = &rest[usize::from(len)..];
        Some((id, data))
    })
}

fn suite_mask(ids: impl Iterator<Item = u8>) -> u32 {
    ids.fold(0, |m, id| if id < 32 { m | 1 << id } else { m })
}

impl Saved {
    /// The factory state: what the image was built with (see `config`).
    pub fn from_build_config() -> Saved {
        let fixed = StaticIp { address: config::ADDRESS, prefix: config::PREFIX_LEN, gateway: config::GATEWAY };
        let mut users: [Option<SavedUser>; USERS] = core::array::from_fn(|_| None);
        for (slot, user) in users.iter_mut().skip(1).zip(config::USERS) {
            *slot = Some(SavedUser::new_enabled(
                Vec::from_slice(user.name).unwrap_or_default(),
                Vec::from_slice(user.password).unwrap_or_default(),
                user.privilege.into(),
            ));
        }
        Saved {
            blob_seq: 0,
            network: if config::DHCP { Network::Dhcp { fallback: fixed } } else { Network::Static(fixed) },
            kg: config::KG.map(|k| Vec::from_slice(k).unwrap_or_default()),
            suites: match config::CIPHER_SUITES {
                Some(ids) => suite_mask(ids.iter().copied()),
                None => suite_mask(rmcp::server::DEFAULT_SUITES.iter().copied()),
            },
            channel_privilege: Privilege::Administrator.into(),
            boot_flags: [0; 5],
            restore_policy: PowerRestorePolicy::AlwaysOff.bits(),
            users,
            channel_auth: AUTH_PER_MESSAGE | AUTH_USER_LEVEL,
            acpi: [ipmi_core::cmd::app::ACPI_STATE_UNKNOWN; 2],
            power_on: false,
            lan: Vec::new(),
            system_info: Vec::new(),
            sel: encode_sel(EMPTY_SEL, &[]),
            sol: Vec::new(),
            fru: Vec::new(),
        }
    }

    /// This snapshot with what the endpoint holds now (users, K_g, suites, channel access,
    /// boot flags, restore policy, ACPI state, the SEL, the LAN parameters, system info and
    /// SOL parameters that differ from `baseline`, the FRU changes); the network, power and
    /// blob fields stay.
    pub fn capture(&self, ep: &BmcEndpoint, baseline: &Baseline) -> Saved {
        let cfg = ep.config();
        let users = core::array::from_fn(|i| {
            cfg.user(i as u8 + 1).map(|u| SavedUser {
                name: u.name.clone(),
                password: Vec::from_slice(u.password.as_bytes()).unwrap_or_default(),
                privilege: u.privilege_limit.into(),
                enabled: u.enabled,
                flags: flag(u.ipmi_messaging, FLAG_MESSAGING)
                    | flag(u.link_auth, FLAG_LINK_AUTH)
                    | flag(u.callback_only, FLAG_CALLBACK_ONLY)
                    | flag(u.twenty_byte_password, FLAG_TWENTY),
            })
        });
        Saved {
            blob_seq: self.blob_seq,
            network: self.network,
            kg: cfg.kg().map(|k| Vec::from_slice(k.as_bytes()).unwrap_or_default()),
            suites: suite_mask(cfg.enabled_suites()),
            channel_privilege: ep.bmc().channel().privilege_limit.into(),
            boot_flags: ep.bmc().boot_flags().raw,
            restore_policy: ep.bmc().power_restore_policy().bits(),
            users,
            channel_auth: flag(ep.bmc().channel().per_message_auth, AUTH_PER_MESSAGE)
                | flag(ep.bmc().channel().user_level_auth, AUTH_USER_LEVEL),
            acpi: {
                let a = ep.bmc().acpi_power_state();
                [a.system, a.device]
            },
            power_on: self.power_on,
            lan: {
                let mut lan = Vec::new();
                let (mut now, mut base) = ([0u8; 32], [0u8; 32]);
                for p in LanConfig::SAVED {
                    if let (Ok(n), Ok(m)) = (ep.bmc().lan().get(p, &mut now), baseline.lan.get(p, &mut base)) {
                        if now[..n] != base[..m] {
                            push_entry(&mut lan, p.into(), &now[..n]);
                        }
                    }
                }
                lan
            },
            system_info: {
                let mut info = Vec::new();
                for p in ipmi_core::bmc::system_info_parameters() {
                    let now = ep.bmc().system_info().raw(p);
                    if let Some(now) = now.filter(|n| Some(*n) != baseline.system_info.raw(p)) {
                        let used = now.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                        push_entry(&mut info, p, &now[..used]);
                    }
                }
                info
            },
            sel: encode_sel(ep.bmc().sel_meta(), ep.bmc().sel_records()),
            sol: encode_sol(ep.bmc().sol(), &baseline.sol),
            fru: encode_fru(config::FRU, ep.bmc().fru()),
        }
    }

    /// The endpoint configuration for this snapshot (identity and timeouts as `cfg` has them).
    pub fn apply_config(&self, cfg: &mut Config<USERS>) {
        for (i, u) in self.users.iter().enumerate() {
            let user = u.as_ref().and_then(|u| {
                Some(User {
                    name: u.name.clone(),
                    password: Kuid::from_slice(&u.password).ok()?,
                    privilege_limit: Privilege::from(u.privilege),
                    enabled: u.enabled,
                    ipmi_messaging: u.flags & FLAG_MESSAGING != 0,
                    twenty_byte_password: u.flags & FLAG_TWENTY != 0,
                    link_auth: u.flags & FLAG_LINK_AUTH != 0,
                    callback_only: u.flags & FLAG_CALLBACK_ONLY != 0,
                })
            });
            let _ = cfg.set_user(i as u8 + 1, user);
        }
        let _ = cfg.set_kg(self.kg.as_deref());
        let mut ids: Vec<u8, 32> = Vec::new();
        for id in rmcp::server::KNOWN_SUITES {
            if self.suites & (1 << id) != 0 {
                let _ = ids.push(id);
            }
        }
        if let Err(e) = cfg.set_suites(&ids) {
            crate::error!("store: cipher suites rejected: {:?}", e);
        }
        cfg.channel_privilege_limit = Privilege::from(self.channel_privilege);
    }

    /// Restores the dispatcher's saved state (boot flags, restore policy, channel access
    /// bits, ACPI state).
    pub fn apply_bmc(&self, ep: &mut BmcEndpoint) {
        let bmc = ep.bmc_mut();
        bmc.restore_boot_flags(BootFlags::from_data(self.boot_flags));
        bmc.restore_power_restore_policy(PowerRestorePolicy::from_bits(self.restore_policy));
        let mut channel = *bmc.channel();
        channel.per_message_auth = self.channel_auth & AUTH_PER_MESSAGE != 0;
        channel.user_level_auth = self.channel_auth & AUTH_USER_LEVEL != 0;
        bmc.restore_channel(channel);
        bmc.restore_acpi_power_state(AcpiPowerState { system: self.acpi[0], device: self.acpi[1] });
        if let Some((meta, records)) = decode_sel(&self.sel) {
            bmc.restore_sel(meta, &records);
            // The SEL clock goes on from the newest time stamp it kept (a board has no wall
            // clock; Set SEL Time sets it), counted from boot (instant 0: the first second).
            let last = [meta.last_addition, meta.last_erase].into_iter().filter(|&t| t != NO_TIME).max();
            bmc.set_sel_time(ipmi_core::Instant::from_millis(0), last.unwrap_or(0));
        }
        let _ = ep.take_changed();
    }

    /// Puts the saved LAN parameters and system info back over the baseline the board set.
    pub fn apply_lan(&self, ep: &mut BmcEndpoint) {
        for (id, data) in entries(&self.lan) {
            if ep.bmc_mut().lan_mut().set(LanParameter::from(id), data).is_err() {
                crate::warn!("store: saved LAN parameter {} not restored", id);
            }
        }
        for (id, data) in entries(&self.system_info) {
            let mut raw = [0u8; 64];
            let n = data.len().min(raw.len());
            raw[..n].copy_from_slice(&data[..n]);
            ep.bmc_mut().system_info_mut().set_raw(id, &raw);
        }
        let _ = ep.take_changed();
    }

    /// Puts the saved SOL parameters and FRU changes back over the baseline the board set (the
    /// board's SOL port and the build-time FRU image).
    #[inline(never)]
    pub fn apply_sol_fru(&self, ep: &mut BmcEndpoint) {
        let bmc = ep.bmc_mut();
        for (id, data) in entries(&self.sol) {
            if id == SOL_DENIED {
                let mut bits = [0u8; 8];
                let n = data.len().min(8);
                bits[..n].copy_from_slice(&data[..n]);
                bmc.sol_mut().restore_sol_denied(u64::from_le_bytes(bits));
            } else if bmc.sol_mut().set(SolParameter::from(id), data).is_err() {
                crate::warn!("store: saved SOL parameter {} not restored", id);
            }
        }
        if let Some(image) = decode_fru(config::FRU, &self.fru) {
            bmc.set_fru(&image);
        }
        let _ = ep.take_changed();
    }

    /// Whether any user may log in.
    pub fn has_enabled_user(&self) -> bool {
        self.users.iter().flatten().any(|u| u.enabled && !u.name.is_empty())
    }

    /// Serializes into `out`; returns the length.
    pub fn encode(&self, out: &mut [u8; MAX_PAYLOAD]) -> usize {
        let mut w = Writer { buf: out, at: 0 };
        w.put(&[FORMAT]);
        w.put(&self.blob_seq.to_le_bytes());
        let (kind, ip) = match self.network {
            Network::Dhcp { fallback } => (1, fallback),
            Network::Static(ip) => (0, ip),
        };
        w.put(&[kind]);
        w.put(&ip.address);
        w.put(&[ip.prefix, ip.gateway.is_some() as u8]);
        w.put(&ip.gateway.unwrap_or([0; 4]));
        match &self.kg {
            Some(k) => w.bytes(k),
            None => w.put(&[0xFF]),
        }
        w.put(&self.suites.to_le_bytes());
        w.put(&[self.channel_privilege]);
        w.put(&self.boot_flags);
        w.put(&[self.restore_policy, USERS as u8]);
        for u in &self.users {
            match u {
                None => w.put(&[0]),
                Some(u) => {
                    w.put(&[1, u.enabled as u8 | u.flags << 1, u.privilege]);
                    w.bytes(&u.name);
                    w.bytes(&u.password);
                }
            }
        }
        w.put(&[self.channel_auth, self.acpi[0], self.acpi[1], self.power_on as u8]);
        for part in [&self.lan[..], &self.system_info, &self.sel, &self.sol, &self.fru] {
            w.put(&(part.len() as u16).to_le_bytes());
            w.put(part);
        }
        w.at
    }

    /// Parses what [`Saved::encode`] wrote; `None` if it is not that.
    pub fn decode(bytes: &[u8]) -> Option<Saved> {
        let mut r = Reader { buf: bytes, at: 0 };
        let format = r.u8()?;
        if !(1..=FORMAT).contains(&format) {
            return None;
        }
        let blob_seq = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let kind = r.u8()?;
        let address: [u8; 4] = r.take(4)?.try_into().ok()?;
        let prefix = r.u8()?;
        let has_gw = r.u8()? != 0;
        let gw: [u8; 4] = r.take(4)?.try_into().ok()?;
        let ip = StaticIp { address, prefix, gateway: has_gw.then_some(gw) };
        let network = if kind == 1 { Network::Dhcp { fallback: ip } } else { Network::Static(ip) };
        let kg = match r.peek()? {
            0xFF => {
                r.u8()?;
                None
            }
            _ => Some(Vec::from_slice(r.bytes()?).ok()?),
        };
        let suites = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let channel_privilege = r.u8()?;
        let boot_flags: [u8; 5] = r.take(5)?.try_into().ok()?;
        let restore_policy = r.u8()?;
        if usize::from(r.u8()?) != USERS {
            return None;
        }
        let mut users: [Option<SavedUser>; USERS] = core::array::from_fn(|_| None);
        for slot in users.iter_mut() {
            if r.u8()? == 1 {
                let bits = r.u8()?;
                let (enabled, flags) = (bits & 1 != 0, bits >> 1);
                let privilege = r.u8()?;
                let name = Vec::from_slice(r.bytes()?).ok()?;
                let password = Vec::from_slice(r.bytes()?).ok()?;
                *slot = Some(SavedUser { name, password, privilege, enabled, flags });
            }
        }
        let mut saved = Saved {
            blob_seq,
            network,
            kg,
            suites,
            channel_privilege,
            boot_flags,
            restore_policy,
            users,
            ..Saved::from_build_config()
        };
        if format >= 2 {
            let [auth, system, device, power] = r.take(4)?.try_into().ok()?;
            saved.channel_auth = auth;
            saved.acpi = [system, device];
            saved.power_on = power != 0;
            saved.lan = Vec::from_slice(r.counted()?).ok()?;
            saved.system_info = Vec::from_slice(r.counted()?).ok()?;
        }
        if format >= 3 {
            let sel = r.counted()?;
            decode_sel(sel)?;
            saved.sel = Vec::from_slice(sel).ok()?;
        }
        if format >= 4 {
            saved.sol = Vec::from_slice(r.counted()?).ok()?;
            saved.fru = Vec::from_slice(r.counted()?).ok()?;
        }
        Some(saved)
    }
}

struct Writer<'a> {
    buf: &'a mut [u8; MAX_PAYLOAD],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, b: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.at..self.at + b.len()) {
            dst.copy_from_slice(b);
            self.at += b.len();
        }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.put(&[b.len() as u8]);
        self.put(b);
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.at).copied()
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    /// A part with a u16 LE length.
    fn counted(&mut self) -> Option<&'a [u8]> {
        let n = u16::from_le_bytes(self.take(2)?.try_into().ok()?);
        self.take(usize::from(n))
    }
}

/// CRC-32 (IEEE, reflected), bit by bit: a few hundred bytes per save.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Why a save failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StoreError {
    /// The flash driver failed (erase, write or read).
    Flash,
    /// Read back differs from what was written.
    Verify,
    /// The snapshot does not fit a sector.
    TooBig,
}

#[derive(Clone, Copy, Debug, Default)]
struct SectorScan {
    /// Highest valid sequence number and its record's offset and payload length.
    newest: Option<(u32, u32, usize)>,
    /// Where the next record goes.
    append: u32,
    /// Whether the bytes from `append` on read erased (no torn record).
    clean: bool,
}

/// The two-sector snapshot log on `F`.
pub struct Store<F> {
    flash: F,
    base: [u32; 2],
    sector: u32,
    scans: [SectorScan; 2],
}

fn padded(len: usize, write: usize) -> usize {
    len.div_ceil(write) * write
}

impl<F: NorFlash> Store<F> {
    /// A store in the two sectors at `base_a` and `base_b` of `sector` bytes each (multiples of
    /// the flash's erase size).
    pub fn new(flash: F, base_a: u32, base_b: u32, sector: u32) -> Self {
        Store { flash, base: [base_a, base_b], sector, scans: [SectorScan::default(); 2] }
    }

    /// Reads `buf.len()` bytes at `offset` of the flash (e.g. a provisioning blob).
    pub fn read_raw(&mut self, offset: u32, buf: &mut [u8]) -> bool {
        self.flash.read(offset, buf).is_ok()
    }

    fn scan(&mut self, i: usize) -> SectorScan {
        let mut scan = SectorScan::default();
        let write = F::WRITE_SIZE.max(4);
        let mut at = 0u32;
        let mut rec = [0u8; RECORD_MAX];
        loop {
            if at as usize + HEADER > self.sector as usize {
                scan.append = at;
                scan.clean = false;
                break;
            }
            let mut head = [0u8; HEADER];
            if self.flash.read(self.base[i] + at, &mut head).is_err() {
                break;
            }
            if head.iter().all(|&b| b == 0xFF) {
                scan.append = at;
                scan.clean = true;
                break;
            }
            let len = usize::from(u16::from_le_bytes([head[8], head[9]]));
            let inv = u16::from_le_bytes([head[10], head[11]]);
            let total = padded(HEADER + len + 4, write);
            if &head[..4] != MAGIC
                || inv != !(len as u16)
                || len > MAX_PAYLOAD
                || at as usize + total > self.sector as usize
            {
                scan.append = at;
                scan.clean = false;
                break;
            }
            if self.flash.read(self.base[i] + at, &mut rec[..HEADER + len + 4]).is_err() {
                break;
            }
            let crc = u32::from_le_bytes(rec[HEADER + len..HEADER + len + 4].try_into().unwrap_or([0; 4]));
            if crc != crc32(&rec[4..HEADER + len]) {
                scan.append = at;
                scan.clean = false;
                break;
            }
            let seq = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
            if scan.newest.is_none_or(|(s, _, _)| seq > s) {
                scan.newest = Some((seq, at, len));
            }
            at += total as u32;
        }
        scan
    }

    fn newest(&self) -> Option<(usize, u32, u32, usize)> {
        let mut best: Option<(usize, u32, u32, usize)> = None;
        for (i, s) in self.scans.iter().enumerate() {
            if let Some((seq, at, len)) = s.newest {
                if best.is_none_or(|(_, b, _, _)| seq > b) {
                    best = Some((i, seq, at, len));
                }
            }
        }
        best
    }

    /// Scans both sectors and returns the newest valid snapshot, if any.
    pub fn load(&mut self) -> Option<Saved> {
        self.scans = [self.scan(0), self.scan(1)];
        let (i, seq, at, len) = self.newest()?;
        let mut rec = [0u8; RECORD_MAX];
        self.flash.read(self.base[i] + at + HEADER as u32, &mut rec[..len]).ok()?;
        let saved = Saved::decode(&rec[..len]);
        if saved.is_some() {
            crate::info!("store: snapshot {} loaded (sector {}, offset {})", seq, i, at);
        }
        saved
    }

    /// Appends `saved` as the newest snapshot (see the module doc for why this is atomic).
    pub fn save(&mut self, saved: &Saved) -> Result<(), StoreError> {
        let mut payload = [0u8; MAX_PAYLOAD];
        let len = saved.encode(&mut payload);
        let write = F::WRITE_SIZE.max(4);
        let total = padded(HEADER + len + 4, write);
        if total > RECORD_MAX || total > self.sector as usize {
            return Err(StoreError::TooBig);
        }
        let (active, seq) = match self.newest() {
            Some((i, seq, _, _)) => (i, seq.wrapping_add(1)),
            None => (1, 1), // nothing yet: start in sector A (erased below as "the other one")
        };
        let mut rec = [0xFFu8; RECORD_MAX];
        rec[..4].copy_from_slice(MAGIC);
        rec[4..8].copy_from_slice(&seq.to_le_bytes());
        rec[8..10].copy_from_slice(&(len as u16).to_le_bytes());
        rec[10..12].copy_from_slice(&(!(len as u16)).to_le_bytes());
        rec[HEADER..HEADER + len].copy_from_slice(&payload[..len]);
        let crc = crc32(&rec[4..HEADER + len]);
        rec[HEADER + len..HEADER + len + 4].copy_from_slice(&crc.to_le_bytes());

        let s = self.scans[active];
        let fits = s.newest.is_some() && s.clean && s.append as usize + total <= self.sector as usize;
        let (target, at) = if fits {
            (active, s.append)
        } else {
            let other = 1 - active;
            self.flash.erase(self.base[other], self.base[other] + self.sector).map_err(|_| StoreError::Flash)?;
            self.scans[other] = SectorScan { newest: None, append: 0, clean: true };
            (other, 0)
        };
        self.flash.write(self.base[target] + at, &rec[..total]).map_err(|_| StoreError::Flash)?;
        let mut back = [0u8; RECORD_MAX];
        self.flash.read(self.base[target] + at, &mut back[..total]).map_err(|_| StoreError::Flash)?;
        if back[..total] != rec[..total] {
            self.scans[target].clean = false;
            self.scans[target].append = at;
            return Err(StoreError::Verify);
        }
        self.scans[target] = SectorScan { newest: Some((seq, at, len)), append: at + total as u32, clean: true };
        crate::info!("store: snapshot {} saved (sector {}, offset {}, {} bytes)", seq, target, at, total);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The store on a RAM NOR flash that can be told to tear a write: the old snapshot must
    //! survive any torn save, and the store must go on saving afterwards.
    extern crate std;
    use super::*;
    use embedded_storage::nor_flash::{ErrorType, NorFlashError, NorFlashErrorKind, ReadNorFlash};

    const SECTOR: u32 = 1024;

    struct TearFlash {
        mem: std::vec::Vec<u8>,
        /// Bytes the next write may program before "power is lost" (None: all).
        tear_after: Option<usize>,
    }

    #[derive(Debug)]
    struct Lost;
    impl NorFlashError for Lost {
        fn kind(&self) -> NorFlashErrorKind {
            NorFlashErrorKind::Other
        }
    }
    impl ErrorType for TearFlash {
        type Error = Lost;
    }
    impl ReadNorFlash for TearFlash {
        const READ_SIZE: usize = 1;
        fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Lost> {
            let o = offset as usize;
            bytes.copy_from_slice(&self.mem[o..o + bytes.len()]);
            Ok(())
        }
        fn capacity(&self) -> usize {
            self.mem.len()
        }
    }
    impl NorFlash for TearFlash {
        const WRITE_SIZE: usize = 4;
        const ERASE_SIZE: usize = SECTOR as usize;
        fn erase(&mut self, from: u32, to: u32) -> Result<(), Lost> {
            self.mem[from as usize..to as usize].fill(0xFF);
            Ok(())
        }
        fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Lost> {
            let n = self.tear_after.take().unwrap_or(bytes.len()).min(bytes.len());
            for (i, &b) in bytes[..n].iter().enumerate() {
                self.mem[offset as usize + i] &= b;
            }
            if n < bytes.len() {
                Err(Lost)
            } else {
                Ok(())
            }
        }
    }

    fn state(n: u8) -> Saved {
        let mut s = Saved::from_build_config();
        s.boot_flags = [0x80, n, 0, 0, 0];
        s.users[2] =
            Some(SavedUser::new_enabled(Vec::from_slice(b"bob").unwrap(), Vec::from_slice(&[b'p', n]).unwrap(), 4));
        s
    }

    fn reopen(flash: TearFlash) -> (Store<TearFlash>, Option<Saved>) {
        let mut store = Store::new(flash, 0, SECTOR, SECTOR);
        let loaded = store.load();
        (store, loaded)
    }

    #[test]
    fn round_trip_and_encoding() {
        let s = state(7);
        let mut buf = [0u8; MAX_PAYLOAD];
        let n = s.encode(&mut buf);
        assert_eq!(Saved::decode(&buf[..n]), Some(s));
        assert_eq!(Saved::decode(&buf[..n - 1]), None);
    }

    #[test]
    fn lan_system_info_acpi_and_power_round_trip() {
        let mut s = state(3);
        s.channel_auth = AUTH_USER_LEVEL;
        s.acpi = [0x05, 0x03];
        s.power_on = true;
        push_entry(&mut s.lan, 16, b"fw-community\0\0\0\0\0\0");
        push_entry(&mut s.lan, 24, &[0, 0x44, 0x34, 0x44, 0x04, 0x43, 0x44, 0x04, 0x00]);
        push_entry(&mut s.system_info, 2, &[1, 9, b'f', b'w', b'-', b'n', b'o', b'd', b'e', b'-', b'1']);
        let mut buf = [0u8; MAX_PAYLOAD];
        let n = s.encode(&mut buf);
        let back = Saved::decode(&buf[..n]).unwrap();
        assert_eq!(back, s);
        assert_eq!(entries(&back.lan).map(|(id, d)| (id, d.len())).collect::<std::vec::Vec<_>>(), [(16, 18), (24, 9)]);
        // Every user and every LAN parameter and system info string at its longest still fits.
        for u in s.users.iter_mut().skip(1) {
            *u = Some(SavedUser::new_enabled(
                Vec::from_slice(&[b'n'; 16]).unwrap(),
                Vec::from_slice(&[b'p'; 20]).unwrap(),
                4,
            ));
        }
        s.kg = Some(Vec::from_slice(&[7; 20]).unwrap());
        s.lan.clear();
        for p in LanConfig::SAVED {
            let mut data = [0u8; 32];
            let n = LanConfig::default().get(p, &mut data).unwrap();
            push_entry(&mut s.lan, p.into(), &[0xAB; 32][..n]);
        }
        assert_eq!(entries(&s.lan).count(), LanConfig::SAVED.len(), "LAN_BYTES too small");
        s.system_info.clear();
        for p in ipmi_core::bmc::system_info_parameters() {
            push_entry(&mut s.system_info, p, &[0xCD; 64]);
        }
        assert_eq!(entries(&s.system_info).count(), 4, "SYSTEM_INFO_BYTES too small");
        let n = s.encode(&mut buf);
        assert!(n < MAX_PAYLOAD, "{n}");
        assert_eq!(Saved::decode(&buf[..n]), Some(s));
    }

    #[test]
    fn format_1_snapshot_still_loads() {
        // A snapshot as the previous firmware wrote it: no trailing format-2 fields.
        let s = state(5);
        let mut buf = [0u8; MAX_PAYLOAD];
        let n = s.encode(&mut buf);
        buf[0] = 1;
        let tail = 4 + 2 + s.lan.len() + 2 + s.system_info.len() + 2 + 12 + 4; // format 2's fields, format 3's empty SEL, format 4's empty SOL and FRU
        assert_eq!(Saved::decode(&buf[..n - tail]), Some(s));
    }

    #[test]
    fn format_2_snapshot_still_loads_with_an_empty_sel() {
        // A snapshot as the format-2 firmware wrote it: no SEL after the system info.
        let mut s = state(6);
        s.power_on = true;
        push_entry(&mut s.lan, 16, b"community");
        let mut buf = [0u8; MAX_PAYLOAD];
        let n = s.encode(&mut buf);
        buf[0] = 2;
        let sel = 2 + 12 + 4; // the empty SEL's length, meta data and count; format 4's empty SOL and FRU
        assert_eq!(Saved::decode(&buf[..n - sel]), Some(s));
    }

    #[test]
    fn format_3_snapshot_still_loads_with_default_sol_and_fru() {
        // A snapshot as the format-3 firmware wrote it: no SOL parameters or FRU after the SEL.
        let mut s = state(8);
        push_entry(&mut s.system_info, 2, b"node");
        s.sel = encode_sel(SelMeta { overflow: false, last_addition: 5, last_erase: NO_TIME, next_id: 2 }, &[]);
        let mut buf = [0u8; MAX_PAYLOAD];
        let n = s.encode(&mut buf);
        buf[0] = 3;
        assert_eq!(Saved::decode(&buf[..n - 4]), Some(s.clone()), "the two empty lengths cut");
        // Format 4 with SOL parameters and FRU changes round-trips; format 3 never reads them.
        push_entry(&mut s.sol, u8::from(SolParameter::Retry), &[3, 20]);
        push_entry(&mut s.sol, SOL_DENIED, &(1u64 << 3).to_le_bytes());
        let base = [0x11u8; 64];
        let mut now = base;
        now[9..12].copy_from_slice(b"NEW");
        s.fru = encode_fru(&base, &now);
        let n = s.encode(&mut buf);
        assert_eq!(buf[0], 4);
        assert_eq!(Saved::decode(&buf[..n]), Some(s.clone()));
        assert_eq!(Saved::decode(&buf[..n - 1]), None);
        buf[0] = 3;
        let old = Saved::decode(&buf[..n - 4 - s.sol.len() - s.fru.len()]).unwrap();
        assert!(old.sol.is_empty() && old.fru.is_empty());
        buf[0] = 5;
        assert_eq!(Saved::decode(&buf[..n]), None, "a newer format is not guessed at");
    }

    #[test]
    fn fru_changes_are_small_and_apply_to_their_own_image_only() {
        let base: std::vec::Vec<u8> = (0..200u16).map(|i| (i * 7) as u8).collect();
        assert!(encode_fru(&base, &base).is_empty(), "unchanged: nothing saved");
        assert_eq!(decode_fru(&base, &[]), None);
        // An edited field and its area checksum: two short runs, not the image.
        let mut now = base.clone();
        now[60..73].copy_from_slice(b"FWB-EDIT-0042");
        now[120] ^= 0x5A;
        let d = encode_fru(&base, &now);
        assert_eq!(d.len(), 4 + 2 + 13 + 2 + 1, "{d:?}");
        assert_eq!(decode_fru(&base, &d).as_deref(), Some(&now[..]));
        // Another build's image: the changes are dropped.
        let mut other = base.clone();
        other[0] ^= 1;
        assert_eq!(decode_fru(&other, &d), None);
        // Runs past the image are refused, not applied in part.
        let mut bad = d.clone();
        push_entry(&mut bad, 199, &[1, 2]);
        assert_eq!(decode_fru(&base, &bad), None);
        // Worst cases of a full image still fit and round-trip: every byte, every other byte,
        // every third and fourth byte changed.
        let full: std::vec::Vec<u8> = (0..FRU_CAPACITY).map(|i| i as u8).collect();
        for step in 1..=5 {
            let mut now = full.clone();
            for b in now.iter_mut().step_by(step) {
                *b = !*b;
            }
            let d = encode_fru(&full, &now);
            assert!(d.len() <= FRU_BYTES, "step {step}: {}", d.len());
            assert_eq!(decode_fru(&full, &d).as_deref(), Some(&now[..]), "step {step}");
        }
    }

    #[test]
    fn a_full_sel_round_trips_beside_everything_else() {
        let mut s = state(9);
        for u in s.users.iter_mut().skip(1) {
            *u = Some(SavedUser::new_enabled(
                Vec::from_slice(&[b'n'; 16]).unwrap(),
                Vec::from_slice(&[b'p'; 20]).unwrap(),
                4,
            ));
        }
        for p in LanConfig::SAVED {
            let mut data = [0u8; 32];
            let n = LanConfig::default().get(p, &mut data).unwrap();
            push_entry(&mut s.lan, p.into(), &[0xAB; 32][..n]);
        }
        for p in ipmi_core::bmc::system_info_parameters() {
            push_entry(&mut s.system_info, p, &[0xCD; 64]);
        }
        let mut records: Vec<SelRecord, SEL_CAPACITY> = Vec::new();
        for i in 0..SEL_CAPACITY as u16 {
            let mut b = [0u8; SEL_RECORD_LEN];
            b[..2].copy_from_slice(&(i + 7).to_le_bytes());
            b[2] = 0x02;
            b[3..7].copy_from_slice(&(1000 + u32::from(i)).to_le_bytes());
            b[15] = i as u8;
            records.push(SelRecord::from_bytes(&b)).unwrap();
        }
        for p in SolConfig::SAVED {
            let mut data = [0u8; 4];
            let n = SolConfig::default().get(p, &mut data).unwrap();
            push_entry(&mut s.sol, p.into(), &data[..n]);
        }
        push_entry(&mut s.sol, SOL_DENIED, &u64::MAX.to_le_bytes());
        assert_eq!(entries(&s.sol).count(), SolConfig::SAVED.len() + 1, "SOL_BYTES too small");
        let image = [0u8; FRU_CAPACITY];
        s.fru = encode_fru(&image, &[0xFF; FRU_CAPACITY]);
        assert_eq!(decode_fru(&image, &s.fru).as_deref(), Some(&[0xFF; FRU_CAPACITY][..]));
        let meta = SelMeta { overflow: true, last_addition: 1063, last_erase: 999, next_id: 71 };
        s.sel = encode_sel(meta, &records);
        assert_eq!(decode_sel(&s.sel), Some((meta, records)));
        assert_eq!(decode_sel(&s.sel[..s.sel.len() - 1]), None);
        let mut buf = [0u8; MAX_PAYLOAD];
        let n = s.encode(&mut buf);
        assert!(n < MAX_PAYLOAD, "{n}");
        assert_eq!(Saved::decode(&buf[..n]), Some(s.clone()));
        assert_eq!(Saved::decode(&buf[..n - 1]), None);
        // And through the store (a record of ~1.8 KiB, several to a sector).
        let flash = TearFlash { mem: std::vec![0xFFu8; 2 * 8192], tear_after: None };
        let mut store = Store::new(flash, 0, 8192, 8192);
        for i in 0..10u8 {
            s.boot_flags[1] = i;
            store.save(&s).unwrap();
        }
        let mut again = Store::new(store.flash, 0, 8192, 8192);
        assert_eq!(again.load(), Some(s));
    }

    #[test]
    fn torn_saves_never_lose_the_last_snapshot() {
        // Zeroed memory first (QEMU's PSRAM at power-on): neither erased nor valid.
        let flash = TearFlash { mem: std::vec![0u8; 2 * SECTOR as usize], tear_after: None };
        let (mut store, loaded) = reopen(flash);
        assert_eq!(loaded, None);
        store.save(&state(1)).unwrap();
        let mut last = state(1);
        // Many saves (the sectors fill and swap several times), each second one torn after
        // 0..59 bytes; after each, a fresh boot must load the last complete snapshot.
        for i in 2..200u8 {
            let torn = i % 2 == 0;
            if torn {
                store.flash.tear_after = Some(usize::from(i / 2) % 60); // within the record (68 bytes here)
            }
            let result = store.save(&state(i));
            assert_eq!(result.is_err(), torn, "save {i}");
            if !torn {
                last = state(i);
            }
            let flash = store.flash;
            let (s, loaded) = reopen(flash);
            store = s;
            // Atomic: the old snapshot, or the new one when only padding was cut off.
            if torn && loaded.as_ref() == Some(&state(i)) {
                last = state(i);
            }
            assert_eq!(loaded.as_ref(), Some(&last), "after save {i} (torn {torn})");
        }
    }
}
