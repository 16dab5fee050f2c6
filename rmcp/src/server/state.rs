//! A session's life as an enum of per-state structs, moved by value from one state to the next:
//! a state can only be reached with the data that the step before it proved.
use ipmi_core::bmc::Action;
use ipmi_core::Privilege;

use crate::crypto::CipherSuite;
use crate::session::window::{self, Window};
use crate::session::SessionKeys;

/// Where a session is. Every slot of the fixed table has room for the largest state (there is
/// no heap to box into), so the size difference between variants costs nothing extra.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum State {
    /// Open Session answered; RAKP1 expected.
    Opened(Opened),
    /// RAKP2 sent with a real code; RAKP3 expected.
    Rakp2Sent(Rakp2Sent),
    /// IPMI 1.5 challenge issued; Activate Session expected.
    Challenged(Challenged),
    /// Established: commands flow.
    Active(Active),
}

impl State {
    pub fn is_active(&self) -> bool {
        matches!(self, State::Active(_))
    }
    pub fn is_pending(&self) -> bool {
        matches!(self, State::Active(a) if a.pending.is_some())
    }
}

/// After Open Session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opened {
    /// The console's session id (SIDm).
    pub console_id: u32,
    /// The negotiated suite.
    pub suite: &'static CipherSuite,
    /// min(channel limit, suite cap, requested when not 0).
    pub max_privilege: Privilege,
}

/// After RAKP2.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rakp2Sent {
    pub opened: Opened,
    /// Console random number.
    pub rm: [u8; 16],
    /// BMC random number.
    pub rc: [u8; 16],
    /// The whole RAKP1 role byte (privilege and lookup bit).
    pub role: u8,
    /// The user found by name.
    pub user_id: u8,
}

/// After Get Session Challenge (IPMI 1.5).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Challenged {
    pub auth_type: u8,
    pub user_id: u8,
    pub challenge: [u8; 16],
}

/// How packets of an active session are protected.
#[derive(Debug)]
// The session table holds every slot inline (no allocator): boxing the keys would not save a byte.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Protection {
    /// RMCP+ with the suite's keys.
    V20(SessionKeys),
    /// IPMI 1.5 with a per-message auth code of this type (1 MD2, 2 MD5, 4 password).
    V15 { auth_type: u8 },
}

/// A request whose platform action is under way.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    /// Fingerprint of the request message, to recognise retransmissions.
    pub fingerprint: u32,
    /// The request header the response must echo.
    pub header: Header,
    /// What the platform was asked to do.
    pub action: Action,
    /// Distinguishes tickets of successive requests.
    pub serial: u16,
}

/// The request header fields a response echoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub rs_addr: u8,
    pub netfn: ipmi_core::NetFn,
    pub rs_lun: u8,
    pub rq_addr: u8,
    pub rq_seq: u8,
    pub rq_lun: u8,
    pub cmd: u8,
}

impl From<&ipmi_core::wire::RequestRepr<'_>> for Header {
    fn from(req: &ipmi_core::wire::RequestRepr<'_>) -> Self {
        Header {
            rs_addr: req.rs_addr,
            netfn: req.netfn,
            rs_lun: req.rs_lun,
            rq_addr: req.rq_addr,
            rq_seq: req.rq_seq,
            rq_lun: req.rq_lun,
            cmd: req.cmd,
        }
    }
}

/// The last answered request and its plaintext LAN response, to answer retransmissions
/// without running anything twice.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub fingerprint: u32,
    pub response: heapless::Vec<u8, 64>,
}

/// An established session.
#[derive(Debug)]
pub(crate) struct Active {
    pub console_id: u32,
    pub user_id: u8,
    pub protection: Protection,
    /// Highest privilege this session may raise itself to.
    pub max_privilege: Privilege,
    /// Current operating privilege.
    pub privilege: Privilege,
    /// Inbound window for authenticated packets (and the only one for 1.5).
    pub window_auth: Window,
    /// Inbound window for unauthenticated packets (suites without integrity).
    pub window_plain: Window,
    /// Next outbound sequence number.
    pub out_seq: u32,
    pub cached: Option<Cached>,
    pub pending: Option<Pending>,
    pub serial: u16,
    /// The last step of the session's set-up, answered again when the console retries it
    /// because the answer was lost.
    pub opening: Option<Opening>,
}

/// How a session was opened, to answer the console's retry of the last set-up step.
#[derive(Debug, Clone)]
pub(crate) enum Opening {
    /// RMCP+: the RAKP4 that went out.
    Rakp4(SentRakp4),
    /// IPMI 1.5: the Activate Session request and what it was answered. Kept until the first
    /// request inside the session, which shows the console has its answer.
    Activated {
        /// Fingerprint of the request's data (auth type, privilege, challenge, outbound
        /// sequence): freeipmi gives each retry a new rqSeq, so the message itself differs.
        request: u32,
        response: ipmi_core::cmd::app::ActivateSessionResponse,
    },
}

/// What it takes to send a session's RAKP4 again.
#[derive(Debug, Clone)]
pub(crate) struct SentRakp4 {
    /// Fingerprint of the RAKP3 payload that was answered, message tag left out.
    pub rakp3: u32,
    /// The integrity check value (not secret: it went out in clear).
    pub icv: heapless::Vec<u8, 16>,
}

impl Active {
    pub fn v20(opened: &Opened, user_id: u8, max_privilege: Privilege, keys: SessionKeys) -> Self {
        Active {
            console_id: opened.console_id,
            user_id,
            protection: Protection::V20(keys),
            max_privilege,
            privilege: Privilege::User.min(max_privilege),
            window_auth: Window::new(window::V20),
            window_plain: Window::new(window::V20),
            out_seq: 1,
            cached: None,
            pending: None,
            serial: 0,
            opening: None,
        }
    }

    /// The next outbound sequence number (never 0).
    pub fn next_out_seq(&mut self) -> u32 {
        let seq = self.out_seq;
        self.out_seq = self.out_seq.wrapping_add(1).max(1);
        seq
    }
}

/// FNV-1a over the request message: cheap and good enough to tell a retransmission (same
/// rqSeq, command and data) from a new request within one authenticated session.
pub(crate) fn fingerprint(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}
