//! Bridging: Send Message to controllers on the BMC's IPMB channels, Get Message / Get Message
//! Flags for answers sent without tracking, Master Write-Read.
//!
//! A controller behind the BMC (a node of a chassis, a cartridge controller) is a [`Bmc`] of its
//! own, owned by the shell. This dispatcher knows which (channel, address) pairs answer
//! ([`Bmc::set_bridge_targets`]); for one of those it defers [`Action::Bridge`] with the whole
//! IPMB request, the shell hands it to the target with [`serve`] (and, when the target itself
//! defers, [`finish`] after the platform work), and gives the target's IPMB response back as
//! [`ActionResult::Bridged`]. So the target's own handler and completion codes answer, slow
//! providers stay on the deferred path, and a target that bridges again (double bridging,
//! `-B -T`) is served the same way one level down.
//!
//! How the target's answer travels back (IPMI v2.0 section 6.12, and what ipmitool 1.8.19 and
//! freeipmi parse): to a LAN console, the Send Message response first (completion code only),
//! then the target's IPMB response as a LAN message of its own in the session
//! ([`Bmc::take_follow_up`]); freeipmi waits for exactly that, and ipmitool (lan and lanplus)
//! follows a bare Send Message response with the next packet. A controller reached over IPMB
//! that bridges again (a cartridge controller, double bridging) puts the next target's answer
//! inside its Send Message response, which is what ipmitool unwraps from that second message.
//! Without tracking the answer waits in the receive message queue for Get Message.
//!
//! Unknown addresses never hang a console: channel 0 (the primary IPMB, always there) and every
//! configured channel answer 0x83 (NAK on write) at once, other channels 0xCC, as OpenIPMI's
//! BMC does.
#[cfg(feature = "bridge")]
use super::{emit, parse};
use super::{Action, ActionResult, Bmc, Context, Outcome, Reply, Request};
#[cfg(feature = "bridge")]
use crate::cmd::app::{
    send_message::NAK_ON_WRITE, Empty, GetMessageFlagsResponse, GetMessageResponse,
    MasterWriteReadRequest, SendMessageRequest, SendMessageResponse, Tracking,
};
#[cfg(feature = "bridge")]
use crate::types::AppCmd;
use crate::wire::{RequestRepr, ResponseRepr};
use crate::{CompletionCode, Instant, Privilege};

/// Largest bridged message (request or response) this BMC carries: a Send Message response
/// must still fit the 64-byte LAN message with its own 8 bytes around it.
pub const MAX_BRIDGED: usize = 56;
/// Most (channel, address) pairs one BMC bridges to.
pub const MAX_TARGETS: usize = 48;
/// Answers of targets reached without tracking, waiting for Get Message.
pub const RECEIVE_QUEUE: usize = 4;

/// A controller reachable through this BMC: IPMB channel and 8-bit slave address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BridgeTarget {
    /// Channel number (0 primary IPMB, 7 what HP Moonshot and ipmitool examples use for nodes).
    pub channel: u8,
    /// 8-bit IPMB slave address (0x72, 0x74, ...; 0x82 for a cartridge controller).
    pub address: u8,
}

/// A whole IPMB message (both checksums included), copied so it can travel in an [`Action`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Message {
    bytes: [u8; MAX_BRIDGED],
    len: u8,
}

impl Message {
    /// Copies `bytes`, or `None` when they are longer than [`MAX_BRIDGED`].
    pub fn new(bytes: &[u8]) -> Option<Message> {
        let mut m = Message {
            bytes: [0; MAX_BRIDGED],
            len: u8::try_from(bytes.len()).ok()?,
        };
        m.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(m)
    }

    /// The message bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl core::fmt::Debug for Message {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Message(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Message {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "Message({=[u8]:02x})", self.as_bytes())
    }
}

/// Where the answer of a bridged request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BridgeReply {
    /// Tracked, from a LAN session: a bare Send Message response, then the answer as a second
    /// message ([`Bmc::take_follow_up`]).
    Separate,
    /// Tracked, from a controller's IPMB: the answer inside the Send Message response.
    Embedded,
    /// Not tracked: the answer waits for Get Message.
    Queued,
}

/// A received answer waiting for Get Message.
#[cfg(feature = "bridge")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Received {
    channel: u8,
    privilege: Privilege,
    message: Message,
}

/// Bridging state of one BMC: where it can bridge to, and the receive message queue.
#[cfg(feature = "bridge")]
#[derive(Debug, Clone, Default)]
pub(super) struct BridgeState {
    targets: heapless::Vec<BridgeTarget, MAX_TARGETS>,
    received: heapless::Deque<Received, RECEIVE_QUEUE>,
    follow_up: Option<Message>,
}

/// Whether this module serves App command `cmd`.
#[cfg(feature = "bridge")]
pub(super) fn is_bridge_command(cmd: u8) -> bool {
    matches!(
        AppCmd::from(cmd),
        AppCmd::SendMessage
            | AppCmd::GetMessage
            | AppCmd::GetMessageFlags
            | AppCmd::MasterWriteRead
    )
}

impl Bmc {
    /// Sets the controllers this BMC bridges to (Send Message); more than [`MAX_TARGETS`] is
    /// an error and changes nothing.
    #[cfg(feature = "bridge")]
    pub fn set_bridge_targets(&mut self, targets: &[BridgeTarget]) -> Result<(), crate::Error> {
        let v = heapless::Vec::from_slice(targets).map_err(|_| crate::Error::BufferTooSmall)?;
        self.bridge.targets = v;
        Ok(())
    }

    /// The controllers this BMC bridges to.
    #[cfg(feature = "bridge")]
    pub fn bridge_targets(&self) -> &[BridgeTarget] {
        &self.bridge.targets
    }

    /// A message to send to the console as a second LAN message right after the response
    /// [`Bmc::complete`] just built (double bridging, see [`Bmc::complete`]); taking it
    /// clears it.
    /// Always `None` without the `bridge` feature.
    pub fn take_follow_up(&mut self) -> Option<Message> {
        #[cfg(feature = "bridge")]
        return self.bridge.follow_up.take();
        #[cfg(not(feature = "bridge"))]
        None
    }

    #[cfg(feature = "bridge")]
    pub(super) fn bridge_command(
        &mut self,
        ctx: &Context,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Outcome, CompletionCode> {
        let len = match AppCmd::from(req.cmd) {
            AppCmd::SendMessage => return self.send_message(ctx, req.data),
            AppCmd::GetMessageFlags => {
                parse::<Empty>(req.data)?;
                let flags = GetMessageFlagsResponse {
                    receive_message_available: !self.bridge.received.is_empty(),
                    ..GetMessageFlagsResponse::default()
                };
                emit(&flags, out)?
            }
            AppCmd::GetMessage => {
                parse::<Empty>(req.data)?;
                let r = self
                    .bridge
                    .received
                    .pop_front()
                    .ok_or(crate::cmd::app::get_message::DATA_NOT_AVAILABLE)?;
                let rsp = GetMessageResponse {
                    channel: r.channel,
                    privilege: r.privilege,
                    // Without the requester's own slave address (the first byte).
                    data: r.message.as_bytes().get(1..).unwrap_or(&[]),
                };
                emit(&rsp, out)?
            }
            AppCmd::MasterWriteRead => {
                let r = parse::<MasterWriteReadRequest<'_>>(req.data)?;
                // No plain I2C devices hang off this BMC's buses: nobody acknowledges.
                let _ = r;
                return Err(NAK_ON_WRITE);
            }
            _ => return Err(CompletionCode::InvalidCommand),
        };
        Ok(Outcome::Reply(Reply {
            completion_code: CompletionCode::Normal,
            len,
        }))
    }

    #[cfg(feature = "bridge")]
    fn send_message(&mut self, ctx: &Context, data: &[u8]) -> Result<Outcome, CompletionCode> {
        let r = parse::<SendMessageRequest<'_>>(data)?;
        let reply = match r.tracking {
            Tracking::TrackRequest => BridgeReply::Separate,
            Tracking::NoTracking => BridgeReply::Queued,
            _ => return Err(CompletionCode::InvalidDataField),
        };
        let channel_known =
            r.channel == 0 || self.bridge.targets.iter().any(|t| t.channel == r.channel);
        if !channel_known {
            return Err(CompletionCode::InvalidDataField);
        }
        let inner = RequestRepr::parse_bytes(r.message).map_err(|e| match e {
            crate::Error::Truncated => CompletionCode::RequestDataLengthInvalid,
            _ => CompletionCode::InvalidDataField,
        })?;
        let target = BridgeTarget {
            channel: r.channel,
            address: inner.rs_addr,
        };
        if !self.bridge.targets.contains(&target) {
            return Err(NAK_ON_WRITE);
        }
        let request = Message::new(r.message).ok_or(CompletionCode::RequestDataLengthExceeded)?;
        Ok(Outcome::Defer(Action::Bridge {
            target,
            reply,
            privilege: ctx.privilege,
            request,
        }))
    }

    /// The response to a deferred Send Message: bare with the answer following it, the answer
    /// inside it, or the answer queued for Get Message (the oldest makes room when full).
    #[cfg(feature = "bridge")]
    pub(super) fn complete_bridge(
        &mut self,
        target: BridgeTarget,
        reply: BridgeReply,
        privilege: Privilege,
        result: ActionResult,
        out: &mut [u8],
    ) -> Result<usize, CompletionCode> {
        let ActionResult::Bridged(message) = result else {
            return Err(NAK_ON_WRITE);
        };
        if !is_response(&message) {
            return Err(CompletionCode::CannotProvideResponse);
        }
        match reply {
            BridgeReply::Separate => {
                self.bridge.follow_up = Some(message);
                return Ok(0);
            }
            BridgeReply::Embedded => {
                return emit(
                    &SendMessageResponse {
                        data: message.as_bytes(),
                    },
                    out,
                );
            }
            BridgeReply::Queued => {}
        }
        let entry = Received {
            channel: target.channel,
            privilege,
            message,
        };
        if self.bridge.received.is_full() {
            self.bridge.received.pop_front();
        }
        let _ = self.bridge.received.push_back(entry);
        Ok(0)
    }
}

/// What a bridged-to controller made of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NodeOutcome {
    /// Its IPMB response, to give back as [`ActionResult::Bridged`].
    Reply(Message),
    /// It needs its platform first: perform `action` (for a nested [`Action::Bridge`], at the
    /// next level down), then call [`finish`] with `pending`.
    Defer {
        /// The target's platform action.
        action: Action,
        /// What [`finish`] needs to answer.
        pending: NodePending,
    },
}

/// A bridged request waiting for its target's platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NodePending {
    request: Message,
}

/// Serves an IPMB `request` (what [`Action::Bridge`] carries) with the target controller
/// `node`. `now` is the shell's clock, `channel` the IPMB channel it came over, `privilege`
/// the bridging session's. A request that is no IPMB request (the dispatcher checked it before
/// deferring, so only a confused shell sends one) gets an empty message, which the console's
/// BMC answers with 0xCE rather than leaving it hanging.
pub fn serve(
    node: &mut Bmc,
    now: Instant,
    channel: u8,
    privilege: Privilege,
    request: &Message,
) -> NodeOutcome {
    let Ok(req) = RequestRepr::parse_bytes(request.as_bytes()) else {
        return NodeOutcome::Reply(Message::new(&[]).unwrap_or(*request));
    };
    let ctx = Context {
        now,
        privilege,
        user_id: 0,
        channel,
    };
    let r = Request {
        netfn: req.netfn,
        cmd: req.cmd,
        lun: req.rs_lun,
        data: req.data,
    };
    let mut data = [0u8; MAX_BRIDGED];
    match node.handle(&ctx, &r, &mut NoUsers, &mut data) {
        Outcome::Reply(reply) => NodeOutcome::Reply(respond(&req, reply, &data)),
        Outcome::Defer(mut action) => {
            // A controller on the IPMB answers its console (the BMC above) in one message.
            if let Action::Bridge { reply, .. } = &mut action {
                if *reply == BridgeReply::Separate {
                    *reply = BridgeReply::Embedded;
                }
            }
            NodeOutcome::Defer {
                action,
                pending: NodePending { request: *request },
            }
        }
    }
}

/// Finishes a bridged request after the target's platform did `action` with `result`.
pub fn finish(
    node: &mut Bmc,
    now: Instant,
    pending: &NodePending,
    action: &Action,
    result: ActionResult,
) -> Message {
    let mut data = [0u8; MAX_BRIDGED];
    let reply = node.complete(now, action, result, &mut data);
    match RequestRepr::parse_bytes(pending.request.as_bytes()) {
        Ok(req) => respond(&req, reply, &data),
        Err(_) => Message::new(&[]).unwrap_or(pending.request),
    }
}

/// The IPMB response to `req`; a reply too long to carry becomes 0xCA (cannot return the bytes).
fn respond(req: &RequestRepr<'_>, reply: Reply, data: &[u8]) -> Message {
    let mut buf = [0u8; MAX_BRIDGED];
    let body = data.get(..reply.len).unwrap_or(&[]);
    let n = req
        .response(reply.completion_code, body)
        .emit(&mut buf)
        .or_else(|_| {
            req.response(CompletionCode::CannotReturnBytes, &[])
                .emit(&mut buf)
        })
        .unwrap_or(0);
    Message::new(buf.get(..n).unwrap_or(&[])).unwrap_or(Message {
        bytes: [0; MAX_BRIDGED],
        len: 0,
    })
}

/// The user table of a controller behind the BMC: it has none (bridged requests carry the
/// bridging session's privilege; user commands answer as for an empty table).
struct NoUsers;

impl super::UserStore for NoUsers {
    fn max_user_ids(&self) -> u8 {
        1
    }
    fn name(&self, _id: u8) -> [u8; 16] {
        [0; 16]
    }
    fn set_name(&mut self, _id: u8, _name: &[u8; 16]) -> Result<(), CompletionCode> {
        Err(CompletionCode::InvalidCommand)
    }
    fn access(&self, _id: u8) -> super::UserAccess {
        super::UserAccess {
            enabled: false,
            privilege_limit: Privilege::NoAccess,
            ipmi_messaging: false,
            link_auth: false,
            callback_only: false,
        }
    }
    fn set_access(&mut self, _id: u8, _access: super::UserAccess) -> Result<(), CompletionCode> {
        Err(CompletionCode::InvalidCommand)
    }
    fn set_password(&mut self, _id: u8, _password: &[u8]) -> Result<(), CompletionCode> {
        Err(CompletionCode::InvalidCommand)
    }
    fn test_password(&self, _id: u8, _password: &[u8]) -> super::PasswordTest {
        super::PasswordTest::Mismatch
    }
}

/// Whether an IPMB response message is well framed (used by tests and shells that check what
/// a target answered).
pub fn is_response(message: &Message) -> bool {
    ResponseRepr::parse_bytes(message.as_bytes()).is_ok()
}

#[cfg(all(test, feature = "bridge"))]
mod tests {
    use super::*;
    use crate::bmc::{ChannelConfig, DeviceIdentity};
    use crate::cmd::Body;
    use crate::NetFn;

    fn bmc() -> Bmc {
        Bmc::new(DeviceIdentity::default(), ChannelConfig::default())
    }

    fn ctx() -> Context {
        Context {
            now: Instant::from_millis(1_000),
            privilege: Privilege::Operator,
            user_id: 2,
            channel: 1,
        }
    }

    /// An IPMB request to `addr` (what ipmitool puts inside Send Message).
    fn ipmb(addr: u8, netfn: NetFn, cmd: u8, data: &[u8], buf: &mut [u8; 48]) -> usize {
        RequestRepr {
            rs_addr: addr,
            netfn,
            rs_lun: 0,
            rq_addr: 0x81,
            rq_seq: 9,
            rq_lun: 0,
            cmd,
            data,
        }
        .emit(buf)
        .unwrap()
    }

    fn send(b: &mut Bmc, channel_byte: u8, msg: &[u8]) -> Outcome {
        let mut data = [0u8; 60];
        data[0] = channel_byte;
        data[1..1 + msg.len()].copy_from_slice(msg);
        let req = Request {
            netfn: NetFn::App,
            cmd: 0x34,
            lun: 0,
            data: &data[..1 + msg.len()],
        };
        let mut out = [0u8; 64];
        b.handle(&ctx(), &req, &mut NoUsers, &mut out)
    }

    fn code(o: Outcome) -> CompletionCode {
        match o {
            Outcome::Reply(r) => r.completion_code,
            Outcome::Defer(a) => panic!("deferred {a:?}"),
        }
    }

    /// Runs a deferred bridge with `node` as the target, as a shell would; `power` answers the
    /// node's PowerStatus.
    fn run_bridge(cm: &mut Bmc, node: &mut Bmc, o: Outcome, power: bool, out: &mut [u8]) -> Reply {
        let Outcome::Defer(action) = o else {
            panic!("not deferred: {o:?}")
        };
        let Action::Bridge {
            target,
            privilege,
            request,
            ..
        } = action
        else {
            panic!("{action:?}")
        };
        let now = Instant::from_millis(1_000);
        let answer = match serve(node, now, target.channel, privilege, &request) {
            NodeOutcome::Reply(m) => m,
            NodeOutcome::Defer { action: a, pending } => {
                let result = match a {
                    Action::PowerStatus => ActionResult::Power { on: power },
                    _ => ActionResult::Done,
                };
                finish(node, now, &pending, &a, result)
            }
        };
        cm.complete(now, &action, ActionResult::Bridged(answer), out)
    }

    #[test]
    fn tracked_send_message_embeds_the_targets_answer() {
        let mut cm = bmc();
        let t = BridgeTarget {
            channel: 7,
            address: 0x72,
        };
        cm.set_bridge_targets(&[t]).unwrap();
        let mut node = bmc();
        let mut buf = [0u8; 48];
        let n = ipmb(0x72, NetFn::Chassis, 0x01, &[], &mut buf);
        let o = send(&mut cm, 0x47, &buf[..n]);
        let mut out = [0u8; 64];
        let reply = run_bridge(&mut cm, &mut node, o, true, &mut out);
        // To a LAN console: the bare Send Message response, then the node's answer.
        assert_eq!(reply, Reply::code(CompletionCode::Normal));
        let answer = cm.take_follow_up().expect("the node's answer follows");
        assert_eq!(cm.take_follow_up(), None);
        let rsp = ResponseRepr::parse_bytes(answer.as_bytes()).unwrap();
        assert_eq!(rsp.rs_addr, 0x72);
        assert_eq!(rsp.rq_addr, 0x81);
        assert_eq!(rsp.rq_seq, 9);
        assert_eq!(rsp.netfn, NetFn::Chassis.response());
        assert_eq!(rsp.completion_code, CompletionCode::Normal);
        assert_eq!(rsp.data[0] & 1, 1, "the node's power state");

        // The node's own completion codes come back inside: an unknown command is C1.
        let n = ipmb(0x72, NetFn::Chassis, 0x7E, &[], &mut buf);
        let o = send(&mut cm, 0x47, &buf[..n]);
        let reply = run_bridge(&mut cm, &mut node, o, true, &mut out);
        assert_eq!(reply, Reply::code(CompletionCode::Normal));
        let answer = cm.take_follow_up().unwrap();
        let rsp = ResponseRepr::parse_bytes(answer.as_bytes()).unwrap();
        assert_eq!(rsp.completion_code, CompletionCode::InvalidCommand);
    }

    #[test]
    fn boot_flags_land_on_the_node_only() {
        let mut cm = bmc();
        cm.set_bridge_targets(&[BridgeTarget {
            channel: 7,
            address: 0x74,
        }])
        .unwrap();
        let mut node = bmc();
        let mut buf = [0u8; 48];
        // Set System Boot Options parameter 5: valid, PXE.
        let n = ipmb(
            0x74,
            NetFn::Chassis,
            0x08,
            &[0x05, 0x80, 0x04, 0, 0, 0],
            &mut buf,
        );
        let o = send(&mut cm, 0x47, &buf[..n]);
        let mut out = [0u8; 64];
        run_bridge(&mut cm, &mut node, o, false, &mut out);
        let answer = cm.take_follow_up().unwrap();
        let rsp = ResponseRepr::parse_bytes(answer.as_bytes()).unwrap();
        assert_eq!(rsp.completion_code, CompletionCode::Normal);
        assert!(node.boot_flags().valid);
        assert_eq!(node.boot_flags().device, 1);
        assert!(!cm.boot_flags().valid);
    }

    #[test]
    fn unknown_targets_and_bad_requests_answer_at_once() {
        let mut cm = bmc();
        cm.set_bridge_targets(&[BridgeTarget {
            channel: 7,
            address: 0x72,
        }])
        .unwrap();
        let mut buf = [0u8; 48];
        let n = ipmb(0x76, NetFn::Chassis, 0x01, &[], &mut buf);
        assert_eq!(code(send(&mut cm, 0x47, &buf[..n])), NAK_ON_WRITE);
        // Channel 0 always exists (primary IPMB): NAK; an unconfigured channel: CC.
        assert_eq!(code(send(&mut cm, 0x40, &buf[..n])), NAK_ON_WRITE);
        assert_eq!(
            code(send(&mut cm, 0x45, &buf[..n])),
            CompletionCode::InvalidDataField
        );
        // Raw mode and tracking 3 are refused.
        let n = ipmb(0x72, NetFn::Chassis, 0x01, &[], &mut buf);
        assert_eq!(
            code(send(&mut cm, 0x87, &buf[..n])),
            CompletionCode::InvalidDataField
        );
        assert_eq!(
            code(send(&mut cm, 0xC7, &buf[..n])),
            CompletionCode::InvalidDataField
        );
        // A bad inner checksum, a short message.
        let mut bad = buf;
        bad[n - 1] ^= 1;
        assert_eq!(
            code(send(&mut cm, 0x47, &bad[..n])),
            CompletionCode::InvalidDataField
        );
        assert_eq!(
            code(send(&mut cm, 0x47, &buf[..5])),
            CompletionCode::RequestDataLengthInvalid
        );
        // A plain BMC (no targets) never defers.
        let mut plain = bmc();
        assert_eq!(
            code(send(&mut plain, 0x47, &buf[..n])),
            CompletionCode::InvalidDataField
        );
        assert_eq!(code(send(&mut plain, 0x40, &buf[..n])), NAK_ON_WRITE);
        // A User session may bridge; no session privilege at all may not.
        let req = Request {
            netfn: NetFn::App,
            cmd: 0x34,
            lun: 0,
            data: &[0x47],
        };
        let mut out = [0u8; 64];
        let c = Context {
            privilege: Privilege::Callback,
            ..ctx()
        };
        assert_eq!(
            code(cm.handle(&c, &req, &mut NoUsers, &mut out)),
            CompletionCode::InsufficientPrivilege
        );
        // Master Write-Read: nobody on the bus.
        let req = Request {
            netfn: NetFn::App,
            cmd: 0x52,
            lun: 0,
            data: &[0x00, 0xA0, 0x01, 0x00],
        };
        assert_eq!(
            code(cm.handle(&ctx(), &req, &mut NoUsers, &mut out)),
            NAK_ON_WRITE
        );
    }

    #[test]
    fn untracked_answers_wait_for_get_message() {
        let mut cm = bmc();
        cm.set_bridge_targets(&[BridgeTarget {
            channel: 7,
            address: 0x72,
        }])
        .unwrap();
        let mut node = bmc();
        let mut out = [0u8; 64];
        let flags = |cm: &mut Bmc, out: &mut [u8]| {
            let req = Request {
                netfn: NetFn::App,
                cmd: 0x31,
                lun: 0,
                data: &[],
            };
            let Outcome::Reply(r) = cm.handle(&ctx(), &req, &mut NoUsers, out) else {
                panic!()
            };
            GetMessageFlagsResponse::parse(&out[..r.len]).unwrap()
        };
        assert!(!flags(&mut cm, &mut out).receive_message_available);
        let get = Request {
            netfn: NetFn::App,
            cmd: 0x33,
            lun: 0,
            data: &[],
        };
        assert_eq!(
            code(cm.handle(&ctx(), &get, &mut NoUsers, &mut out)),
            crate::cmd::app::get_message::DATA_NOT_AVAILABLE
        );
        let mut buf = [0u8; 48];
        let n = ipmb(0x72, NetFn::App, 0x01, &[], &mut buf);
        let o = send(&mut cm, 0x07, &buf[..n]);
        let reply = run_bridge(&mut cm, &mut node, o, false, &mut out);
        assert_eq!(reply, Reply::code(CompletionCode::Normal));
        assert!(flags(&mut cm, &mut out).receive_message_available);
        let Outcome::Reply(r) = cm.handle(&ctx(), &get, &mut NoUsers, &mut out) else {
            panic!()
        };
        assert_eq!(r.completion_code, CompletionCode::Normal);
        let m = GetMessageResponse::parse(&out[..r.len]).unwrap();
        assert_eq!(m.channel, 7);
        assert_eq!(m.privilege, Privilege::Operator);
        // netFn/LUN of an App response, then Get Device ID's answer (rqSA left out).
        assert_eq!(m.data[0] >> 2, 0x07);
        assert_eq!(m.data[4], 0x01);
        assert_eq!(m.data[5], 0x00);
        assert!(!flags(&mut cm, &mut out).receive_message_available);
        // The queue keeps the newest RECEIVE_QUEUE answers.
        for _ in 0..RECEIVE_QUEUE + 2 {
            let o = send(&mut cm, 0x07, &buf[..n]);
            run_bridge(&mut cm, &mut node, o, false, &mut out);
        }
        let mut got = 0;
        while let Outcome::Reply(r) = cm.handle(&ctx(), &get, &mut NoUsers, &mut out) {
            if r.completion_code != CompletionCode::Normal {
                break;
            }
            got += 1;
        }
        assert_eq!(got, RECEIVE_QUEUE);
    }

    #[test]
    fn double_bridging_through_a_transit_controller() {
        // Chassis manager -> 0x82 on channel 0 (cartridge) -> 0x72 on channel 7 (node).
        let mut cm = bmc();
        cm.set_bridge_targets(&[BridgeTarget {
            channel: 0,
            address: 0x82,
        }])
        .unwrap();
        let mut cartridge = bmc();
        cartridge
            .set_bridge_targets(&[BridgeTarget {
                channel: 7,
                address: 0x72,
            }])
            .unwrap();
        let mut node = bmc();
        let mut inner = [0u8; 48];
        let n = RequestRepr {
            rs_addr: 0x72,
            netfn: NetFn::Chassis,
            rs_lun: 0,
            rq_addr: 0x20,
            rq_seq: 4,
            rq_lun: 0,
            cmd: 0x01,
            data: &[],
        }
        .emit(&mut inner)
        .unwrap();
        let mut sm = [0u8; 48];
        let m = SendMessageRequest {
            channel: 7,
            authentication: false,
            encryption: false,
            tracking: Tracking::TrackRequest,
            message: &inner[..n],
        }
        .emit(&mut sm)
        .unwrap();
        let mut transit = [0u8; 48];
        let t = ipmb(0x82, NetFn::App, 0x34, &sm[..m], &mut transit);
        let Outcome::Defer(outer) = send(&mut cm, 0x40, &transit[..t]) else {
            panic!()
        };
        let Action::Bridge {
            request, privilege, ..
        } = outer
        else {
            panic!()
        };
        let now = Instant::from_millis(1_000);
        // The cartridge defers a bridge of its own, one level down.
        let NodeOutcome::Defer { action, pending } =
            serve(&mut cartridge, now, 0, privilege, &request)
        else {
            panic!()
        };
        let Action::Bridge {
            request: r2, reply, ..
        } = action
        else {
            panic!("{action:?}")
        };
        assert_eq!(
            reply,
            BridgeReply::Embedded,
            "a controller on the IPMB answers in one"
        );
        let NodeOutcome::Defer {
            action: a3,
            pending: p3,
        } = serve(&mut node, now, 7, privilege, &r2)
        else {
            panic!()
        };
        assert_eq!(a3, Action::PowerStatus);
        let node_answer = finish(&mut node, now, &p3, &a3, ActionResult::Power { on: true });
        let cart_answer = finish(
            &mut cartridge,
            now,
            &pending,
            &action,
            ActionResult::Bridged(node_answer),
        );
        let mut out = [0u8; 64];
        let reply = cm.complete(now, &outer, ActionResult::Bridged(cart_answer), &mut out);
        // First a bare Send Message response, then the cartridge's answer as its own message.
        assert_eq!(reply, Reply::code(CompletionCode::Normal));
        let follow = cm.take_follow_up().expect("a second message");
        assert_eq!(cm.take_follow_up(), None);
        // What ipmitool unwraps: the cartridge's Send Message response, then the node's.
        let c = ResponseRepr::parse_bytes(follow.as_bytes()).unwrap();
        assert_eq!((c.rs_addr, c.cmd), (0x82, 0x34));
        assert_eq!(c.completion_code, CompletionCode::Normal);
        let nd = ResponseRepr::parse_bytes(c.data).unwrap();
        assert_eq!((nd.rs_addr, nd.rq_addr, nd.cmd), (0x72, 0x20, 0x01));
        assert_eq!(nd.data[0] & 1, 1);
    }

    #[test]
    fn messages_and_lost_targets() {
        assert!(Message::new(&[0u8; MAX_BRIDGED + 1]).is_none());
        let m = Message::new(&[1, 2, 3]).unwrap();
        assert_eq!(m.as_bytes(), &[1, 2, 3]);
        let mut cm = bmc();
        let t = BridgeTarget {
            channel: 7,
            address: 0x72,
        };
        cm.set_bridge_targets(&[t]).unwrap();
        let a = Action::Bridge {
            target: t,
            reply: BridgeReply::Separate,
            privilege: Privilege::User,
            request: m,
        };
        let mut out = [0u8; 64];
        let now = Instant::from_millis(0);
        // A shell that lost the target says so; one that answers garbage gets CE.
        assert_eq!(
            cm.complete(now, &a, ActionResult::Failed(NAK_ON_WRITE), &mut out),
            Reply::code(NAK_ON_WRITE)
        );
        assert_eq!(
            cm.complete(now, &a, ActionResult::Bridged(m), &mut out),
            Reply::code(CompletionCode::CannotProvideResponse)
        );
        assert!(cm.set_bridge_targets(&[t; MAX_TARGETS + 1]).is_err());
        assert_eq!(cm.bridge_targets(), &[t]);
    }
}

/// Without the `bridge` feature (the firmware) the bridging commands are unknown commands.
#[cfg(all(test, not(feature = "bridge")))]
mod without_bridging {
    use super::*;
    use crate::bmc::{ChannelConfig, DeviceIdentity};
    use crate::NetFn;

    #[test]
    fn bridging_commands_answer_c1() {
        let mut b = Bmc::new(DeviceIdentity::default(), ChannelConfig::default());
        let ctx = Context {
            now: Instant::from_millis(1_000),
            privilege: Privilege::Administrator,
            user_id: 2,
            channel: 1,
        };
        // Send Message (tracked, channel 0), Get Message, Get Message Flags, Master Write-Read.
        let requests: [(u8, &[u8]); 4] = [
            (0x34, &[0x40, 0x20, 0x18, 0xc8, 0x81, 0x00, 0x01, 0x7e]),
            (0x33, &[]),
            (0x31, &[]),
            (0x52, &[0x01, 0xa0, 0x01]),
        ];
        for (cmd, data) in requests {
            let req = Request {
                netfn: NetFn::App,
                cmd,
                lun: 0,
                data,
            };
            let mut out = [0u8; 64];
            let o = b.handle(&ctx, &req, &mut NoUsers, &mut out);
            assert_eq!(
                o,
                Outcome::Reply(Reply::code(CompletionCode::InvalidCommand)),
                "cmd {cmd:#04x}"
            );
        }
        assert_eq!(b.take_follow_up(), None);
    }
}
