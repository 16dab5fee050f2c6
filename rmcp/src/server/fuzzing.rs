//! FUZZING ONLY (`--cfg fuzzing`): a read-only view of the session table, so the stateful fuzz
//! target can assert its invariants (privilege caps, windows, expiry) after every step.
use core::net::SocketAddr;

use ipmi_core::{Instant, Privilege};

use super::state::{Protection, State};
use super::Endpoint;
use crate::session::window::Window;

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Open Session answered, RAKP1 expected.
    Opened,
    /// RAKP2 sent, RAKP3 expected.
    Rakp2Sent,
    /// IPMI 1.5 challenge issued, Activate Session expected.
    Challenged,
    /// Established.
    Active,
}

/// One slot of the session table, as the fuzzer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionView {
    /// The BMC's session id.
    pub id: u32,
    /// The peer the session belongs to.
    pub peer: SocketAddr,
    /// When the handshake started.
    pub created: Instant,
    /// Last authenticated activity.
    pub last: Instant,
    /// Where the session is.
    pub stage: Stage,
    /// The user (0 before RAKP1 / challenge).
    pub user_id: u8,
    /// RMCP+ cipher suite id (`None` for IPMI 1.5 sessions).
    pub suite: Option<u8>,
    /// Highest privilege the session may raise itself to (active sessions; else the Open
    /// Session maximum).
    pub max_privilege: Privilege,
    /// Current operating privilege (active sessions only).
    pub privilege: Option<Privilege>,
    /// Inbound windows, authenticated and unauthenticated (active sessions only).
    pub windows: Option<(Window, Window)>,
    /// A platform action is under way.
    pub pending: bool,
}

impl<const SESSIONS: usize, const USERS: usize> Endpoint<SESSIONS, USERS> {
    /// Every live slot of the session table (fuzzing builds only).
    pub fn fuzz_sessions(&self) -> impl Iterator<Item = SessionView> + '_ {
        self.table.iter().map(|s| {
            let mut v = SessionView {
                id: s.id,
                peer: s.peer,
                created: s.created,
                last: s.last,
                stage: Stage::Opened,
                user_id: 0,
                suite: None,
                max_privilege: Privilege::Highest,
                privilege: None,
                windows: None,
                pending: false,
            };
            match &s.state {
                State::Opened(o) => {
                    v.suite = Some(o.suite.id);
                    v.max_privilege = o.max_privilege;
                }
                State::Rakp2Sent(r) => {
                    v.stage = Stage::Rakp2Sent;
                    v.suite = Some(r.opened.suite.id);
                    v.max_privilege = r.opened.max_privilege;
                    v.user_id = r.user_id;
                }
                State::Challenged(c) => {
                    v.stage = Stage::Challenged;
                    v.user_id = c.user_id;
                }
                State::Active(a) => {
                    v.stage = Stage::Active;
                    v.user_id = a.user_id;
                    v.suite = match &a.protection {
                        Protection::V20(k) => Some(k.suite().id),
                        Protection::V15 { .. } => None,
                    };
                    v.max_privilege = a.max_privilege;
                    v.privilege = Some(a.privilege);
                    v.windows = Some((a.window_auth, a.window_plain));
                    v.pending = a.pending.is_some();
                }
            }
            v
        })
    }
}
