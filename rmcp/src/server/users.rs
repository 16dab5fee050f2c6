//! The user table as the dispatcher's [`UserStore`]: Set/Get User Name, Access and Password
//! change the very table that RAKP authenticates against.
use ipmi_core::bmc::{PasswordTest, UserAccess, UserStore};
use ipmi_core::{CompletionCode, Privilege};

use subtle::ConstantTimeEq;

use super::config::{Config, User};
use super::limiter::Limiter;
use crate::crypto::Kuid;

/// A borrowed view of the configuration's users and their login guards.
pub(crate) struct Store<'a, const U: usize> {
    pub config: &'a mut Config<U>,
    pub limiter: &'a mut Limiter,
    /// Sessions active on the channel, for Get Channel Info.
    pub active: u8,
}

impl<const U: usize> Store<'_, U> {
    fn slot(&mut self, id: u8) -> Option<&mut Option<User>> {
        self.config.users.get_mut(usize::from(id).checked_sub(1)?)
    }
    fn user(&self, id: u8) -> Option<&User> {
        self.config.user(id)
    }
    /// The user in slot `id`, created empty and disabled if the slot is free. A new user has
    /// IPMI messaging on (and no privilege until one is set), so that ipmitool's
    /// `user set name` / `set password` / `priv` / `enable` alone make a user who can log in.
    fn user_or_new(&mut self, id: u8) -> Option<&mut User> {
        let slot = self.slot(id)?;
        if slot.is_none() {
            *slot = Some(User {
                name: heapless::Vec::new(),
                password: Kuid::empty(),
                privilege_limit: Privilege::NoAccess,
                enabled: false,
                ipmi_messaging: true,
                twenty_byte_password: false,
                link_auth: false,
                callback_only: false,
            });
        }
        slot.as_mut()
    }
}

fn trim(name: &[u8; 16]) -> &[u8] {
    let end = name.iter().position(|&b| b == 0).unwrap_or(16);
    &name[..end]
}

impl<const U: usize> UserStore for Store<'_, U> {
    fn max_user_ids(&self) -> u8 {
        self.config.max_user_ids.min(U.min(63) as u8)
    }

    fn name(&self, id: u8) -> [u8; 16] {
        let mut out = [0u8; 16];
        if let Some(u) = self.user(id) {
            out[..u.name.len()].copy_from_slice(&u.name);
        }
        out
    }

    fn set_name(&mut self, id: u8, name: &[u8; 16]) -> Result<(), CompletionCode> {
        let name = trim(name);
        if id == 1 && !name.is_empty() {
            // User 1 is the null user; its name is fixed.
            return Err(CompletionCode::InvalidDataField);
        }
        if !name.is_empty() && self.config.find_user(name).is_some_and(|other| other != id) {
            return Err(CompletionCode::InvalidDataField);
        }
        let user = self
            .user_or_new(id)
            .ok_or(CompletionCode::ParameterOutOfRange)?;
        user.name =
            heapless::Vec::from_slice(name).map_err(|_| CompletionCode::InvalidDataField)?;
        Ok(())
    }

    fn access(&self, id: u8) -> UserAccess {
        match self.user(id) {
            Some(u) => UserAccess {
                enabled: u.enabled,
                privilege_limit: u.privilege_limit,
                ipmi_messaging: u.ipmi_messaging,
                link_auth: u.link_auth,
                callback_only: u.callback_only,
            },
            None => UserAccess {
                enabled: false,
                privilege_limit: Privilege::NoAccess,
                ipmi_messaging: false,
                link_auth: false,
                callback_only: false,
            },
        }
    }

    fn set_access(&mut self, id: u8, access: UserAccess) -> Result<(), CompletionCode> {
        let user = self
            .user_or_new(id)
            .ok_or(CompletionCode::ParameterOutOfRange)?;
        user.privilege_limit = access.privilege_limit;
        user.ipmi_messaging = access.ipmi_messaging;
        user.link_auth = access.link_auth;
        user.callback_only = access.callback_only;
        user.enabled = access.enabled;
        Ok(())
    }

    fn set_password(&mut self, id: u8, password: &[u8]) -> Result<(), CompletionCode> {
        let trimmed = match password.iter().rposition(|&b| b != 0) {
            Some(last) => &password[..=last],
            None => &[][..],
        };
        let key =
            Kuid::from_slice(trimmed).map_err(|_| CompletionCode::RequestDataLengthInvalid)?;
        let user = self
            .user_or_new(id)
            .ok_or(CompletionCode::ParameterOutOfRange)?;
        user.password = key;
        user.twenty_byte_password = password.len() == 20;
        // A new password: the user's lockouts and counts start over.
        self.limiter.forget_user(id);
        Ok(())
    }

    fn test_password(&self, id: u8, password: &[u8]) -> PasswordTest {
        let Some(u) = self.user(id) else {
            return PasswordTest::Mismatch;
        };
        if u.twenty_byte_password != (password.len() == 20) {
            return PasswordTest::WrongSize;
        }
        let mut candidate = [0u8; 20];
        let n = password.len().min(20);
        candidate[..n].copy_from_slice(&password[..n]);
        if bool::from(u.password.padded().ct_eq(&candidate)) {
            PasswordTest::Match
        } else {
            PasswordTest::Mismatch
        }
    }

    fn fixed_name_user_ids(&self) -> u8 {
        1
    }

    fn active_sessions(&self) -> u8 {
        self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(store: &Store<'_, 4>, id: u8) -> UserAccess {
        store.access(id)
    }

    /// ipmitool's MAAS sequence (`user set name 3 maas`, `set password`, `priv 3 4 1`,
    /// `enable 3`) and `disable`/`enable` afterwards leave a user who can log in as asked.
    #[test]
    fn ipmitool_user_sequences_leave_a_user_who_can_log_in() {
        let mut config: Config<4> = Config::new();
        let mut limiter = Limiter::default();
        let mut store = Store {
            config: &mut config,
            limiter: &mut limiter,
            active: 0,
        };
        let mut name = [0u8; 16];
        name[..4].copy_from_slice(b"maas");
        store.set_name(3, &name).unwrap();
        store.set_password(3, &[b'x'; 20]).unwrap();
        // `user priv 3 4 1`: change bits clear, only the limit.
        let mut a = access(&store, 3);
        a.privilege_limit = Privilege::Administrator;
        store.set_access(3, a).unwrap();
        // `user enable 3`.
        let mut a = access(&store, 3);
        a.enabled = true;
        store.set_access(3, a).unwrap();
        assert!(store.config.user(3).unwrap().can_log_in());
        // disable, enable: the privilege and messaging survive.
        for enabled in [false, true] {
            let mut a = access(&store, 3);
            a.enabled = enabled;
            store.set_access(3, a).unwrap();
        }
        let u = store.config.user(3).unwrap();
        assert!(u.can_log_in());
        assert_eq!(u.privilege_limit, Privilege::Administrator);
        // `channel setaccess 1 3 ipmi=off`: no login, limit kept.
        let mut a = access(&store, 3);
        a.ipmi_messaging = false;
        store.set_access(3, a).unwrap();
        let u = store.config.user(3).unwrap();
        assert!(!u.can_log_in());
        assert_eq!(u.privilege_limit, Privilege::Administrator);
        assert_eq!(store.test_password(3, &[b'x'; 20]), PasswordTest::Match);
        assert_eq!(store.test_password(3, &[b'x'; 16]), PasswordTest::WrongSize);
        let mut short = [0u8; 16];
        short[..5].copy_from_slice(b"short");
        store.set_password(3, &short).unwrap();
        assert_eq!(store.test_password(3, &short), PasswordTest::Match);
        let mut long = [0u8; 20];
        long[..5].copy_from_slice(b"short");
        assert_eq!(store.test_password(3, &long), PasswordTest::WrongSize);
        short[0] = b'S';
        assert_eq!(store.test_password(3, &short), PasswordTest::Mismatch);
    }
}
