//! What a BMC operator configures: users, K_g, cipher suites and their privilege caps, 1.5 auth
//! types, time-outs and login limits. Secure by default: suite 0, null users and IPMI 1.5 auth
//! types other than MD5 are off until configured.
use core::fmt;

use ipmi_core::Privilege;

use crate::crypto::{Kg, Kuid};

use super::limiter::LimiterConfig;

/// Cipher suites a default configuration enables: every standard one but 0.
pub const DEFAULT_SUITES: [u8; 11] = [1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17];
/// Cipher suites this endpoint implements (0 only when listed).
pub const KNOWN_SUITES: [u8; 12] = [0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17];

/// A configuration mistake, named so the shell can print one clear line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// User names are at most 16 bytes.
    NameTooLong,
    /// Passwords are at most 20 bytes.
    PasswordTooLong,
    /// K_g is at most 20 bytes.
    KgTooLong,
    /// The user table is full.
    TooManyUsers,
    /// A user with this name exists already.
    DuplicateUser,
    /// A null (empty) user name while null users are not allowed.
    NullUser,
    /// A cipher suite id this endpoint does not implement.
    UnknownSuite(u8),
    /// A privilege level that cannot be a limit (0, or reserved).
    InvalidPrivilege,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NameTooLong => f.write_str("user name longer than 16 bytes"),
            ConfigError::PasswordTooLong => f.write_str("password longer than 20 bytes"),
            ConfigError::KgTooLong => f.write_str("K_g longer than 20 bytes"),
            ConfigError::TooManyUsers => f.write_str("user table full"),
            ConfigError::DuplicateUser => f.write_str("user name already configured"),
            ConfigError::NullUser => f.write_str("empty user name while null users are disabled"),
            ConfigError::UnknownSuite(id) => {
                write!(
                    f,
                    "cipher suite {id} is not supported (0-3, 6-8, 11-12, 15-17)"
                )
            }
            ConfigError::InvalidPrivilege => f.write_str("invalid privilege level"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

/// One user of the BMC.
#[derive(Clone, Debug)]
pub struct User {
    /// Name, up to 16 bytes; empty for the null user.
    pub name: heapless::Vec<u8, 16>,
    /// Password as Kuid (zero-padded to 20 bytes, wiped on drop).
    pub password: Kuid,
    /// Highest privilege this user may have on the LAN channel.
    pub privilege_limit: Privilege,
    /// Whether the user may log in at all (Set User Password enable/disable).
    pub enabled: bool,
    /// IPMI messaging on the LAN channel (Set User Access bit 4). Kept apart from the
    /// privilege limit: `ipmitool user priv` and `user enable` change one and leave the other.
    pub ipmi_messaging: bool,
    /// The password was set in the 20-byte form (Set User Password id bit 7): a test of it in
    /// the other form answers 0x81.
    pub twenty_byte_password: bool,
    /// Link authentication enabled (Set User Access bit 5; kept and reported, no effect here).
    pub link_auth: bool,
    /// Restricted to callback connections (Set User Access bit 6): this endpoint makes no
    /// callbacks, so such a user gets at most Callback privilege.
    pub callback_only: bool,
}

impl User {
    /// Whether this user may open a session now: enabled, IPMI messaging on, some privilege.
    pub fn can_log_in(&self) -> bool {
        self.enabled && self.ipmi_messaging && self.privilege_limit.rank() > 0
    }

    /// The highest privilege this user may have on the LAN channel.
    pub fn lan_limit(&self) -> Privilege {
        if self.callback_only {
            self.privilege_limit.min(Privilege::Callback)
        } else {
            self.privilege_limit
        }
    }
}

/// The endpoint's configuration. `USERS` counts user ids 1..=USERS; id 1 is IPMI's null user.
#[derive(Clone, Debug)]
pub struct Config<const USERS: usize> {
    pub(crate) users: [Option<User>; USERS],
    pub(crate) kg: Option<Kg>,
    /// Bit n set: cipher suite n enabled.
    pub(crate) suites: u32,
    /// Highest privilege each suite allows, indexed by suite id.
    pub(crate) suite_caps: [Privilege; 18],
    /// Highest privilege on this channel at start; Set Channel Access changes it at run time (the
    /// dispatcher's channel settings are what new sessions are held to).
    pub channel_privilege_limit: Privilege,
    /// The GUID sent in RAKP2 and Get System GUID.
    pub system_guid: [u8; 16],
    /// What Get Device ID and friends report.
    pub identity: ipmi_core::bmc::DeviceIdentity,
    /// Idle time after which an active session is closed.
    pub session_timeout_ms: u32,
    /// Time a handshake may take from Open Session to RAKP3.
    pub handshake_timeout_ms: u32,
    /// Login rationing and lockout.
    pub limiter: LimiterConfig,
    /// IPMI 1.5 auth types allowed (bit n = auth type n: 1 MD2, 2 MD5, 4 straight password).
    /// MD5 only by default; `none` (bit 0) is never accepted for a session.
    pub v15_auth_types: u8,
    /// Allow the null user (empty name) and anonymous logins.
    pub allow_null_users: bool,
    /// User ids the BMC reports and serves (Get User Access "maximum user ids"): 1..=this,
    /// at most `USERS` and 63. Lets a shell build one endpoint type and configure the table size.
    pub max_user_ids: u8,
}

impl<const USERS: usize> Default for Config<USERS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const USERS: usize> Config<USERS> {
    /// No users; every standard suite but 0 enabled up to Administrator; MD5 for IPMI 1.5.
    pub fn new() -> Self {
        let mut suites = 0u32;
        for id in DEFAULT_SUITES {
            suites |= 1 << id;
        }
        Config {
            users: core::array::from_fn(|_| None),
            kg: None,
            suites,
            suite_caps: [Privilege::Administrator; 18],
            channel_privilege_limit: Privilege::Administrator,
            system_guid: [0; 16],
            identity: ipmi_core::bmc::DeviceIdentity::default(),
            session_timeout_ms: 60_000,
            handshake_timeout_ms: 5_000,
            limiter: LimiterConfig::default(),
            v15_auth_types: 1 << 2,
            allow_null_users: false,
            max_user_ids: USERS.min(63) as u8,
        }
    }

    /// Adds a user at the first free id from 2 (id 1 is the null user); returns the id.
    pub fn add_user(
        &mut self,
        name: &[u8],
        password: &[u8],
        privilege_limit: Privilege,
    ) -> Result<u8, ConfigError> {
        if name.is_empty() && !self.allow_null_users {
            return Err(ConfigError::NullUser);
        }
        let user = make_user(name, password, privilege_limit)?;
        if self.users.iter().flatten().any(|u| u.name == user.name) {
            return Err(ConfigError::DuplicateUser);
        }
        let start = if name.is_empty() { 0 } else { 1 };
        let max = usize::from(self.max_user_ids);
        for (i, slot) in self
            .users
            .iter_mut()
            .enumerate()
            .skip(start)
            .take(max - start.min(max))
        {
            if slot.is_none() {
                *slot = Some(user);
                return Ok(i as u8 + 1);
            }
        }
        Err(ConfigError::TooManyUsers)
    }

    /// Sets or clears the BMC key K_g (up to 20 bytes).
    pub fn set_kg(&mut self, kg: Option<&[u8]>) -> Result<(), ConfigError> {
        self.kg = match kg {
            None => None,
            Some(k) => Some(Kg::from_slice(k).map_err(|_| ConfigError::KgTooLong)?),
        };
        Ok(())
    }

    /// Enables exactly these cipher suites.
    pub fn set_suites(&mut self, ids: &[u8]) -> Result<(), ConfigError> {
        let mut mask = 0u32;
        for &id in ids {
            if !KNOWN_SUITES.contains(&id) {
                return Err(ConfigError::UnknownSuite(id));
            }
            mask |= 1 << id;
        }
        self.suites = mask;
        Ok(())
    }

    /// Caps the privilege a session on suite `id` may reach.
    pub fn set_suite_cap(&mut self, id: u8, cap: Privilege) -> Result<(), ConfigError> {
        if !KNOWN_SUITES.contains(&id) {
            return Err(ConfigError::UnknownSuite(id));
        }
        if cap.rank() == 0 {
            return Err(ConfigError::InvalidPrivilege);
        }
        self.suite_caps[usize::from(id)] = cap;
        Ok(())
    }

    /// Whether suite `id` is enabled.
    pub fn suite_enabled(&self, id: u8) -> bool {
        id < 32 && self.suites & (1 << id) != 0
    }

    /// The cap of suite `id` (Administrator if unknown).
    pub fn suite_cap(&self, id: u8) -> Privilege {
        self.suite_caps
            .get(usize::from(id))
            .copied()
            .unwrap_or(Privilege::Administrator)
    }

    /// The enabled suites, in ascending id order.
    pub fn enabled_suites(&self) -> impl Iterator<Item = u8> + '_ {
        KNOWN_SUITES
            .into_iter()
            .filter(|&id| self.suite_enabled(id))
    }

    /// K_g, when set.
    pub fn kg(&self) -> Option<&Kg> {
        self.kg.as_ref()
    }

    /// The user with this id (1-based).
    pub fn user(&self, id: u8) -> Option<&User> {
        self.users.get(usize::from(id).checked_sub(1)?)?.as_ref()
    }

    /// Puts `user` into slot `id` (1-based), or empties the slot: how a shell restores a saved
    /// user table or applies an operator's change while the BMC runs.
    pub fn set_user(&mut self, id: u8, user: Option<User>) -> Result<(), ConfigError> {
        if let Some(u) = &user {
            if !u.name.is_empty() && self.find_user(&u.name).is_some_and(|other| other != id) {
                return Err(ConfigError::DuplicateUser);
            }
        }
        let slot = usize::from(id)
            .checked_sub(1)
            .filter(|_| id <= self.max_user_ids)
            .and_then(|i| self.users.get_mut(i))
            .ok_or(ConfigError::TooManyUsers)?;
        *slot = user;
        Ok(())
    }

    /// Every user slot, id 1 first.
    pub fn users(&self) -> impl Iterator<Item = (u8, Option<&User>)> + '_ {
        self.users
            .iter()
            .enumerate()
            .map(|(i, u)| (i as u8 + 1, u.as_ref()))
    }

    /// Finds an enabled or disabled user by name; returns its id.
    pub fn find_user(&self, name: &[u8]) -> Option<u8> {
        self.users
            .iter()
            .position(|u| u.as_ref().is_some_and(|u| u.name.as_slice() == name))
            .map(|i| i as u8 + 1)
    }
}

pub(crate) fn make_user(
    name: &[u8],
    password: &[u8],
    privilege_limit: Privilege,
) -> Result<User, ConfigError> {
    let name = heapless::Vec::from_slice(name).map_err(|_| ConfigError::NameTooLong)?;
    let twenty_byte_password = password.len() > 16;
    let password = Kuid::from_slice(password).map_err(|_| ConfigError::PasswordTooLong)?;
    if privilege_limit.rank() == 0 && privilege_limit != Privilege::NoAccess {
        return Err(ConfigError::InvalidPrivilege);
    }
    Ok(User {
        name,
        password,
        privilege_limit,
        enabled: true,
        ipmi_messaging: true,
        twenty_byte_password,
        link_auth: false,
        callback_only: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_safe() {
        let c: Config<4> = Config::new();
        assert!(!c.suite_enabled(0));
        assert!(c.suite_enabled(17));
        assert!(!c.suite_enabled(4));
        assert_eq!(c.v15_auth_types, 0b100);
        assert!(!c.allow_null_users);
    }

    #[test]
    fn users() {
        let mut c: Config<3> = Config::new();
        assert_eq!(
            c.add_user(b"admin", b"password", Privilege::Administrator),
            Ok(2)
        );
        assert_eq!(
            c.add_user(b"admin", b"x", Privilege::User),
            Err(ConfigError::DuplicateUser)
        );
        assert_eq!(c.add_user(b"op", b"x", Privilege::Operator), Ok(3));
        assert_eq!(
            c.add_user(b"more", b"x", Privilege::User),
            Err(ConfigError::TooManyUsers)
        );
        assert_eq!(
            c.add_user(b"", b"x", Privilege::User),
            Err(ConfigError::NullUser)
        );
        assert_eq!(
            c.add_user(&[b'a'; 17], b"x", Privilege::User),
            Err(ConfigError::NameTooLong)
        );
        assert_eq!(c.find_user(b"op"), Some(3));
        assert_eq!(c.user(2).unwrap().password.as_bytes(), b"password");
        assert_eq!(c.set_suites(&[3, 4]), Err(ConfigError::UnknownSuite(4)));
        assert_eq!(c.set_kg(Some(&[0u8; 21])), Err(ConfigError::KgTooLong));
    }

    #[test]
    fn secrets_are_not_printed() {
        let mut c: Config<3> = Config::new();
        c.add_user(b"admin", b"password", Privilege::Administrator)
            .unwrap();
        let s = std::format!("{:?}", c.user(2).unwrap());
        assert!(!s.contains("password\"") && !s.contains("112"), "{s}");
    }
}
