//! Why a client call was refused ([`ClientError`]) and why a session failed ([`Failure`]).
use core::fmt;

use ipmi_core::CompletionCode;

use crate::wire::rakp::RmcpPlusStatus;

/// The reply a session is waiting for; names the step in failures and time-outs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Stage {
    /// Get Channel Authentication Capabilities (before any session).
    AuthCapabilities,
    /// Get Channel Cipher Suites (before any session).
    CipherSuites,
    /// RMCP+ Open Session Response.
    OpenSession,
    /// RAKP Message 2 (the BMC proves it knows the password).
    Rakp2,
    /// RAKP Message 4 (the BMC proves it derived the same session key).
    Rakp4,
    /// IPMI 1.5 Get Session Challenge.
    SessionChallenge,
    /// IPMI 1.5 Activate Session.
    ActivateSession,
    /// Set Session Privilege Level (after authentication, for Operator and Administrator).
    SetPrivilege,
    /// The reply to an in-session request.
    Request,
    /// Close Session.
    CloseSession,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::AuthCapabilities => "Get Channel Authentication Capabilities",
            Stage::CipherSuites => "Get Channel Cipher Suites",
            Stage::OpenSession => "Open Session",
            Stage::Rakp2 => "RAKP Message 2",
            Stage::Rakp4 => "RAKP Message 4",
            Stage::SessionChallenge => "Get Session Challenge",
            Stage::ActivateSession => "Activate Session",
            Stage::SetPrivilege => "Set Session Privilege Level",
            Stage::Request => "in-session request",
            Stage::CloseSession => "Close Session",
        })
    }
}

/// Why a session could not be set up (or was refused later). Terminal: the session is dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Failure {
    /// The BMC answered Open Session, RAKP2 or RAKP4 with this RMCP+ status code (e.g. 0x0D
    /// unauthorized name, 0x11 no cipher suite match, 0x0F wrong password seen by the BMC).
    Status {
        /// Which message carried the status.
        stage: Stage,
        /// The status code.
        status: RmcpPlusStatus,
    },
    /// RAKP2's key exchange auth code did not verify: the BMC does not know our password (or we
    /// have the wrong one). The client refuses such a BMC.
    Rakp2AuthCode,
    /// RAKP4's integrity check value did not verify: the BMC derived another session key (wrong
    /// K_g, or a BMC that does not know the password).
    Rakp4Icv,
    /// The BMC chose other algorithms than the ones proposed in Open Session.
    AlgorithmMismatch,
    /// A set-up command failed with this completion code (e.g. Get Session Challenge 0x81 for an
    /// unknown user, Set Session Privilege 0x81 above the user's limit).
    CompletionCode {
        /// Which command failed.
        stage: Stage,
        /// Its completion code.
        completion_code: CompletionCode,
    },
    /// The BMC's capabilities do not offer what the configuration asks for (IPMI 2.0, or MD5 for
    /// IPMI 1.5).
    NotOffered,
    /// A crypto step failed locally (an unsupported suite, a key of the wrong length).
    Crypto,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status { stage, status } => {
                write!(f, "{stage}: RMCP+ status 0x{:02x}", u8::from(*status))?;
                let why = match status {
                    RmcpPlusStatus::InsufficientResources => " (insufficient resources)",
                    RmcpPlusStatus::InvalidSessionId => " (invalid session id)",
                    RmcpPlusStatus::InvalidAuthAlgorithm => " (authentication algorithm refused)",
                    RmcpPlusStatus::InvalidIntegrityAlgorithm => " (integrity algorithm refused)",
                    RmcpPlusStatus::InvalidRole => " (invalid role)",
                    RmcpPlusStatus::UnauthorizedRole => " (privilege level not allowed)",
                    RmcpPlusStatus::UnauthorizedName => " (unknown user name)",
                    RmcpPlusStatus::InvalidIntegrityCheckValue => " (wrong password)",
                    RmcpPlusStatus::InvalidConfidentialityAlgorithm => {
                        " (confidentiality algorithm refused)"
                    }
                    RmcpPlusStatus::NoCipherSuiteMatch => " (cipher suite refused)",
                    _ => "",
                };
                f.write_str(why)
            }
            Failure::Rakp2AuthCode => {
                f.write_str("RAKP2 auth code mismatch: wrong password (the BMC's proof failed)")
            }
            Failure::Rakp4Icv => f.write_str("RAKP4 integrity check value mismatch: wrong K_g"),
            Failure::AlgorithmMismatch => {
                f.write_str("Open Session: the BMC chose other algorithms than proposed")
            }
            Failure::CompletionCode {
                stage,
                completion_code,
            } => write!(
                f,
                "{stage}: completion code 0x{:02x}",
                u8::from(*completion_code)
            ),
            Failure::NotOffered => {
                f.write_str("the BMC does not offer the requested protocol or auth type")
            }
            Failure::Crypto => f.write_str("local crypto failure (unsupported suite?)"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Failure {}

/// A call the session cannot carry out now. The session itself is unharmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ClientError {
    /// A name, password, K_g or privilege the protocol cannot carry.
    InvalidConfig,
    /// A cipher suite id this crate does not implement.
    UnknownSuite(u8),
    /// The session is not in a state for this call (not established, already closed or failed,
    /// or started twice).
    NotReady,
    /// A request is still outstanding; wait for its reply (or retransmit it).
    Busy,
    /// The output buffer is too small, or the request too long for one message.
    BufferTooSmall,
    /// The session has failed; the reason it failed.
    Failed(Failure),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::InvalidConfig => f.write_str("invalid client configuration"),
            ClientError::UnknownSuite(id) => write!(f, "cipher suite {id} is not supported"),
            ClientError::NotReady => f.write_str("session not in a state for this call"),
            ClientError::Busy => f.write_str("a request is still outstanding"),
            ClientError::BufferTooSmall => f.write_str("buffer too small"),
            ClientError::Failed(why) => write!(f, "session failed: {why}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ClientError {}
