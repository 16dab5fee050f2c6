//! What a console needs to know before it talks to a BMC: who it is, the secrets, which cipher
//! suite (or IPMI 1.5 with MD5) and which privilege to ask for.
use ipmi_core::Privilege;

use super::ClientError;
use crate::crypto::{CipherSuite, Kg, Kuid};

/// Longest user name IPMI carries (RAKP1, Get Session Challenge).
pub const MAX_USER_NAME: usize = 16;

/// How the session is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Protocol {
    /// IPMI 2.0 / RMCP+ with this cipher suite (RAKP, then the suite's integrity and AES).
    RmcpPlus(&'static CipherSuite),
    /// IPMI 1.5 with MD5 auth codes on every packet (what `ipmitool -I lan` and fence_ipmilan
    /// use).
    V15Md5,
}

/// A console's session settings. Secrets are held in zeroizing buffers and never printed.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) user: heapless::Vec<u8, MAX_USER_NAME>,
    pub(crate) password: Kuid,
    pub(crate) kg: Option<Kg>,
    pub(crate) protocol: Protocol,
    pub(crate) privilege: Privilege,
    pub(crate) name_only_lookup: bool,
    pub(crate) auth_capabilities: bool,
}

impl ClientConfig {
    /// A configuration for `user`/`password` asking for `privilege`, on cipher suite 3 (what
    /// freeipmi and MAAS use by default). Names are at most 16 bytes, passwords at most 20 (16 for
    /// IPMI 1.5); `privilege` must be Callback..=Administrator.
    pub fn new(user: &[u8], password: &[u8], privilege: Privilege) -> Result<Self, ClientError> {
        let user = heapless::Vec::from_slice(user).map_err(|_| ClientError::InvalidConfig)?;
        let password = Kuid::from_slice(password).map_err(|_| ClientError::InvalidConfig)?;
        if !(1..=4).contains(&privilege.rank()) {
            return Err(ClientError::InvalidConfig);
        }
        let suite = CipherSuite::by_id(3).ok_or(ClientError::InvalidConfig)?;
        Ok(ClientConfig {
            user,
            password,
            kg: None,
            protocol: Protocol::RmcpPlus(suite),
            privilege,
            name_only_lookup: true,
            auth_capabilities: true,
        })
    }

    /// Uses RMCP+ cipher suite `id` (0-3, 6-8, 11, 12, 15-17).
    pub fn with_suite(mut self, id: u8) -> Result<Self, ClientError> {
        let suite = CipherSuite::by_id(id).ok_or(ClientError::UnknownSuite(id))?;
        self.protocol = Protocol::RmcpPlus(suite);
        Ok(self)
    }

    /// Uses IPMI 1.5 with MD5 instead of RMCP+ (the password must be at most 16 bytes).
    pub fn with_ipmi15_md5(mut self) -> Result<Self, ClientError> {
        if self.password.len() > 16 {
            return Err(ClientError::InvalidConfig);
        }
        self.protocol = Protocol::V15Md5;
        Ok(self)
    }

    /// Sets the BMC key K_g (up to 20 bytes; `ipmitool -k`, freeipmi `-k`). RMCP+ only.
    pub fn with_kg(mut self, kg: &[u8]) -> Result<Self, ClientError> {
        self.kg = Some(Kg::from_slice(kg).map_err(|_| ClientError::InvalidConfig)?);
        Ok(self)
    }

    /// RAKP1 role bit 4: look the user up by name only (`true`, what ipmitool and freeipmi send)
    /// or by name and privilege.
    pub fn with_name_only_lookup(mut self, on: bool) -> Self {
        self.name_only_lookup = on;
        self
    }

    /// Whether to start with Get Channel Authentication Capabilities, as ipmitool does (`true`
    /// by default). Off saves one round trip per handshake; the BMC's capabilities then stay
    /// unknown and IPMI 1.5 assumes MD5 is offered.
    pub fn with_auth_capabilities(mut self, on: bool) -> Self {
        self.auth_capabilities = on;
        self
    }

    /// The protocol (RMCP+ suite or IPMI 1.5 MD5).
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The privilege the session asks for.
    pub fn privilege(&self) -> Privilege {
        self.privilege
    }

    /// The user name.
    pub fn user(&self) -> &[u8] {
        &self.user
    }
}
