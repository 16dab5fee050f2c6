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

/// Logs what the image was configured with (never a password or K_g).
pub fn log_summary() {
    let [a, b, c, d] = ADDRESS;
    crate::info!("config: {}", SOURCE.unwrap_or("none (no BMC config file at build time)"));
    crate::info!("config: address {}.{}.{}.{}/{}", a, b, c, d, PREFIX_LEN);
    if let Some([a, b, c, d]) = GATEWAY {
        crate::info!("config: gateway {}.{}.{}.{}", a, b, c, d);
    }
    if USERS.is_empty() {
        crate::warn!(
            "config: NO USER IS ENABLED: nobody can log in. Build with a BMC config file (see bmc.example.toml)"
        );
    }
    for user in USERS {
        let name = core::str::from_utf8(user.name).unwrap_or("<non-UTF-8 name>");
        crate::info!("config: user '{}' enabled, limit {:?}", name, user.privilege);
    }
    crate::info!("config: K_g {}", if KG.is_some() { "set" } else { "not set" });
    match CIPHER_SUITES {
        Some(ids) => crate::info!("config: cipher suites {:?}", ids),
        None => crate::info!("config: cipher suites: endpoint default"),
    }
}
