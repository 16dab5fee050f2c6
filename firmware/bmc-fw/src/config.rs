//! The configuration this image was built with (see `build.rs` and `bmc.example.toml`).
//!
//! Constants, so that an image carries exactly what its build was given and nothing else: with
//! no config file there is no user, and [`log_summary`] says so at every boot.

/// A user from the config file.
pub struct User {
    /// Login name (1..=16 bytes).
    pub name: &'static [u8],
    /// Password (1..=20 bytes). Never logged.
    pub password: &'static [u8],
    /// The most this user may do.
    pub privilege: ipmi_core::Privilege,
}

include!(concat!(env!("OUT_DIR"), "/config.rs"));

/// Logs what the image runs with: the build-time file, and the state from the store (the
/// build-time config when the store is empty). Never a password or K_g.
pub fn log_summary(saved: &crate::store::Saved) {
    use crate::store::Network;
    crate::info!("config: {}", SOURCE.unwrap_or("none (no BMC config file at build time)"));
    match saved.network {
        Network::Dhcp { fallback: f } => {
            let [a, b, c, d] = f.address;
            crate::info!("config: address by DHCP, fallback {}.{}.{}.{}/{}", a, b, c, d, f.prefix);
        }
        Network::Static(ip) => {
            let [a, b, c, d] = ip.address;
            crate::info!("config: address {}.{}.{}.{}/{}", a, b, c, d, ip.prefix);
            if let Some([a, b, c, d]) = ip.gateway {
                crate::info!("config: gateway {}.{}.{}.{}", a, b, c, d);
            }
        }
    }
    if !saved.has_enabled_user() {
        crate::warn!(
            "config: NO USER IS ENABLED: nobody can log in. Provision one (flash blob, see README) or build with a BMC config file"
        );
    }
    for (i, user) in saved.users.iter().enumerate() {
        if let Some(u) = user.as_ref().filter(|u| !u.name.is_empty()) {
            let name = crate::fmt::Text(&u.name);
            let privilege = ipmi_core::Privilege::from(u.privilege);
            crate::info!("config: user {} '{}' enabled {}, limit {:?}", i + 1, name, u.enabled, privilege);
        }
    }
    crate::info!("config: K_g {}", if saved.kg.is_some() { "set" } else { "not set" });
    crate::info!("config: cipher suites mask {:x}", saved.suites);
}
