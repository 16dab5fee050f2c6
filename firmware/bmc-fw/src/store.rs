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
use ipmi_core::bmc::BootFlags;
use ipmi_core::cmd::chassis::power_restore_policy::PowerRestorePolicy;
use ipmi_core::Privilege;
use rmcp::crypto::Kuid;
use rmcp::server::{Config, User};

use crate::bmc::{BmcEndpoint, USERS};
use crate::config;

const MAGIC: &[u8; 4] = b"BMCS";
const HEADER: usize = 12;
/// Largest payload (a full snapshot is about 220 bytes).
pub const MAX_PAYLOAD: usize = 320;
const RECORD_MAX: usize = HEADER + MAX_PAYLOAD + 4 + 32;
const FORMAT: u8 = 1;

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
        }
    }

    /// This snapshot with what the endpoint holds now (users, K_g, suites, channel access,
    /// boot flags, restore policy); the network and blob fields stay.
    pub fn capture(&self, ep: &BmcEndpoint) -> Saved {
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

    /// Restores the dispatcher's saved state (boot flags, restore policy).
    pub fn apply_bmc(&self, ep: &mut BmcEndpoint) {
        let bmc = ep.bmc_mut();
        bmc.restore_boot_flags(BootFlags::from_data(self.boot_flags));
        bmc.restore_power_restore_policy(PowerRestorePolicy::from_bits(self.restore_policy));
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
        w.at
    }

    /// Parses what [`Saved::encode`] wrote; `None` if it is not that.
    pub fn decode(bytes: &[u8]) -> Option<Saved> {
        let mut r = Reader { buf: bytes, at: 0 };
        if r.u8()? != FORMAT {
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
        Some(Saved { blob_seq, network, kg, suites, channel_privilege, boot_flags, restore_policy, users })
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
                store.flash.tear_after = Some(usize::from(i / 2) % 60); // records here are 60 bytes
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
