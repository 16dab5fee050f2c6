//! The user table as the dispatcher sees it. rmcp owns the real table (it authenticates with it);
//! the dispatcher reads and changes it through [`UserStore`] for the user commands.
use crate::{CompletionCode, Privilege};

/// A user's access on the LAN channel, as Get/Set User Access carry it, plus whether the user
/// id is enabled (Set User Password operations 0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UserAccess {
    /// The user may log in at all.
    pub enabled: bool,
    /// Privilege limit on this channel (0x0F = no access).
    pub privilege_limit: Privilege,
    /// IPMI messaging enabled (without it the user cannot open a session).
    pub ipmi_messaging: bool,
    /// Link authentication enabled.
    pub link_auth: bool,
    /// Restricted to callback connections.
    pub callback_only: bool,
}

/// The result of Set User Password operation 3 (test password).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PasswordTest {
    /// The password matches.
    Match,
    /// Same size, different password (completion code 0x80).
    Mismatch,
    /// The stored password is of the other size (16 vs 20 bytes; completion code 0x81).
    WrongSize,
}

/// The user table behind Get/Set User Access, Get/Set User Name and Set User Password.
///
/// User ids run from 1 to [`UserStore::max_user_ids`]; the dispatcher checks the range before it
/// calls any other method, so implementations may treat an out-of-range id as a bug. Setters
/// return the completion code to answer with when they refuse (e.g. `CompletionCode::InvalidDataField`
/// for a name the store will not take, `OutOfSpace`, `NotSupportedInPresentState`).
pub trait UserStore {
    /// Number of user ids, 1..=63.
    fn max_user_ids(&self) -> u8;
    /// The user's 16-byte name, NUL-padded (all NUL for the null user).
    fn name(&self, id: u8) -> [u8; 16];
    /// Sets the user's name (16 bytes, NUL-padded, as received).
    fn set_name(&mut self, id: u8, name: &[u8; 16]) -> Result<(), CompletionCode>;
    /// The user's access and enable state.
    fn access(&self, id: u8) -> UserAccess;
    /// Replaces the user's access and enable state.
    fn set_access(&mut self, id: u8, access: UserAccess) -> Result<(), CompletionCode>;
    /// Stores a password: exactly 16 or 20 bytes, NUL-padded as received (the size matters to
    /// [`UserStore::test_password`]). The store should keep it zeroized on drop.
    fn set_password(&mut self, id: u8, password: &[u8]) -> Result<(), CompletionCode>;
    /// Compares `password` (16 or 20 bytes) with the stored one in constant time.
    fn test_password(&self, id: u8, password: &[u8]) -> PasswordTest;
    /// User ids whose names cannot be changed (Get User Access byte 3); user 1, the null user,
    /// usually is one.
    fn fixed_name_user_ids(&self) -> u8 {
        0
    }
    /// Sessions currently active on the channel (Get Channel Info byte 4). rmcp, which owns
    /// both the user and the session tables, knows it.
    fn active_sessions(&self) -> u8 {
        0
    }
}
