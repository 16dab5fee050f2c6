//! Machines behind BMCs the way the field has them.
//!
//! - A chassis manager: one LAN-facing BMC with nodes behind it at IPMB addresses (`[[nodes]]`),
//!   each an ipmi-core `Bmc` of its own with its own machine, provider, power and boot state.
//!   ipmitool reaches a node with `-b CHANNEL -t ADDRESS` (Send Message); a node behind a
//!   cartridge controller (`transit`) with `-B TRANSIT_CHANNEL -T TRANSIT -b CHANNEL -t ADDRESS`
//!   (HP Moonshot, MAAS's moonshot power type).
//! - A machine with redundant power feeds (`machine = "NAME"` in several BMCs): each BMC
//!   switches one feed; the machine is on while any feed is on; each BMC's power status is its
//!   own feed; the machine's provider runs only when the machine's real state changes.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use ipmi_core::bmc::bridge::{self, NodeOutcome};
use ipmi_core::bmc::{Action, ActionResult, BootFlags, BridgeTarget, ControlOp};
use serde::{Deserialize, Serialize};

use crate::bmc::Clock;
use crate::machine::{Machine, NOBODY_THERE};
use crate::provider::Provider;

/// The IPMB channel nodes sit on unless told otherwise (ipmitool's and HP's examples: `-b 7`).
pub const DEFAULT_NODE_CHANNEL: u8 = 7;

/// One node behind a chassis manager (`[[nodes]]` in the file, `--node` on the command line).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// IPMB slave address, e.g. "0x72" (even, not 0x20: that is the chassis manager itself).
    pub address: String,
    /// IPMB channel the node is on (ipmitool `-b`).
    #[serde(default = "default_channel")]
    pub channel: u8,
    /// Address of the cartridge controller the node sits behind (ipmitool `-T`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit: Option<String>,
    /// Channel of the cartridge controller at the chassis manager (ipmitool `-B`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub transit_channel: u8,
    /// `memory`, or the path of a shipmi INI provider file (absolute).
    #[serde(default = "default_provider")]
    pub provider: String,
    /// The name given to its provider scripts (`%(name)s`) [default: BMC-ADDRESS].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn default_channel() -> u8 {
    DEFAULT_NODE_CHANNEL
}
fn default_provider() -> String {
    "memory".into()
}
fn is_zero(v: &u8) -> bool {
    *v == 0
}

/// Parses an IPMB slave address: `0x72`, `72h` or decimal; even, 0x02..=0xFE, not 0x20.
pub fn parse_address(text: &str) -> Result<u8, String> {
    let t = text.trim();
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u8::from_str_radix(h, 16)
    } else if let Some(h) = t.strip_suffix('h') {
        u8::from_str_radix(h, 16)
    } else {
        t.parse::<u8>()
    }
    .map_err(|_| format!("bad IPMB address {text:?}: use hex like 0x72"))?;
    if v & 1 != 0 || v == 0 {
        return Err(format!(
            "bad IPMB address {text:?}: slave addresses are even, 0x02 to 0xFE"
        ));
    }
    if v == ipmi_core::wire::BMC_ADDR {
        return Err(format!(
            "bad IPMB address {text:?}: 0x20 is the chassis manager itself"
        ));
    }
    Ok(v)
}

impl NodeConfig {
    /// Parses `--node ADDRESS[,channel=N][,transit=ADDR][,transit_channel=N][,provider=FILE][,name=NAME]`.
    pub fn parse_arg(text: &str) -> Result<NodeConfig, String> {
        let mut parts = text.split(',');
        let address = parts.next().unwrap_or_default().trim().to_string();
        parse_address(&address)?;
        let mut n = NodeConfig {
            address,
            channel: DEFAULT_NODE_CHANNEL,
            transit: None,
            transit_channel: 0,
            provider: default_provider(),
            name: None,
        };
        for p in parts {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| format!("bad --node {text:?}: {p:?} is not KEY=VALUE"))?;
            let num = |v: &str| {
                v.parse::<u8>()
                    .map_err(|_| format!("bad --node {text:?}: {k} must be a number"))
            };
            match k {
                "channel" => n.channel = num(v)?,
                "transit" => n.transit = Some(v.to_string()),
                "transit_channel" => n.transit_channel = num(v)?,
                "provider" => n.provider = v.to_string(),
                "name" => n.name = Some(v.to_string()),
                _ => return Err(format!("bad --node {text:?}: unknown key {k:?}")),
            }
        }
        Ok(n)
    }

    /// `count` nodes on channel 7 at 0x72, 0x74, ... (the `--nodes N` shorthand).
    pub fn series(count: u8) -> Result<Vec<NodeConfig>, String> {
        if usize::from(count) > bridge::MAX_TARGETS {
            return Err(format!(
                "--nodes {count}: at most {} nodes",
                bridge::MAX_TARGETS
            ));
        }
        Ok((0..count)
            .map(|i| NodeConfig {
                address: format!("0x{:02x}", 0x72 + 2 * u16::from(i)),
                channel: DEFAULT_NODE_CHANNEL,
                transit: None,
                transit_channel: 0,
                provider: default_provider(),
                name: None,
            })
            .collect())
    }

    /// The node's name: given, or `BMC-[TRANSIT-]ADDRESS` in hex.
    pub fn name_in(&self, bmc: &str) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let a = parse_address(&self.address).unwrap_or(0);
        match self.transit.as_deref().map(parse_address) {
            Some(Ok(t)) => format!("{bmc}-{t:02x}-{a:02x}"),
            _ => format!("{bmc}-{a:02x}"),
        }
    }
}

/// Checks a BMC's `machine` and `nodes` (called by `BmcConfig::resolve`).
pub fn check(machine: Option<&str>, nodes: &[NodeConfig]) -> Result<(), String> {
    if let Some(m) = machine {
        crate::config::validate_name(m).map_err(|e| format!("machine: {e}"))?;
    }
    let mut seen = std::collections::HashSet::new();
    let mut direct = std::collections::HashSet::new();
    let mut transits = std::collections::HashSet::new();
    let mut per_transit: HashMap<(u8, u8), usize> = HashMap::new();
    for n in nodes {
        let a = parse_address(&n.address)?;
        if n.channel > 15 || n.transit_channel > 15 {
            return Err(format!("node {}: channels are 0 to 15", n.address));
        }
        if n.provider.is_empty() {
            return Err(format!("node {}: empty provider", n.address));
        }
        if let Some(name) = &n.name {
            crate::config::validate_name(name).map_err(|e| format!("node {}: {e}", n.address))?;
        }
        let t = match &n.transit {
            Some(t) => {
                let t = parse_address(t)?;
                transits.insert((n.transit_channel, t));
                *per_transit.entry((n.transit_channel, t)).or_default() += 1;
                Some(t)
            }
            None => {
                direct.insert((n.channel, a));
                None
            }
        };
        if !seen.insert((t, n.transit_channel, n.channel, a)) {
            return Err(format!("node {} is listed twice", n.address));
        }
    }
    if let Some((c, t)) = transits.intersection(&direct).next() {
        return Err(format!(
            "address 0x{t:02x} on channel {c} is both a node and a cartridge controller"
        ));
    }
    if direct.len() + transits.len() > bridge::MAX_TARGETS
        || per_transit.values().any(|&n| n > bridge::MAX_TARGETS)
    {
        return Err(format!(
            "too many nodes: at most {} behind one controller",
            bridge::MAX_TARGETS
        ));
    }
    Ok(())
}

/// A node's saved state (in the chassis manager's `state/NAME.toml`, by node name).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NodeState {
    /// Power of its `memory` provider.
    #[serde(default)]
    pub power_on: bool,
    /// Boot flags parameter 5 data bytes, when valid flags are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_flags: Option<Vec<u8>>,
}

/// What `show` says about one node.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NodeInfo {
    /// Its name.
    pub name: String,
    /// IPMB channel (ipmitool `-b`).
    pub channel: u8,
    /// IPMB address (ipmitool `-t`).
    pub address: String,
    /// Cartridge controller address (ipmitool `-T`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit: Option<String>,
    /// Cartridge controller channel (ipmitool `-B`).
    #[serde(default)]
    pub transit_channel: u8,
    /// Its provider.
    pub provider: String,
    /// Power as last saved.
    pub power_on: bool,
}

/// The nodes of a BMC as `show` lists them, with their saved power state.
pub fn node_infos(bmc: &str, nodes: &[NodeConfig], state: &crate::config::State) -> Vec<NodeInfo> {
    nodes
        .iter()
        .map(|n| {
            let name = n.name_in(bmc);
            NodeInfo {
                power_on: state.nodes.get(&name).is_some_and(|s| s.power_on),
                name,
                channel: n.channel,
                address: n.address.clone(),
                transit: n.transit.clone(),
                transit_channel: n.transit_channel,
                provider: n.provider.clone(),
            }
        })
        .collect()
}

/// A controller behind a BMC: its own ipmi-core `Bmc` and what it powers (a node), or the
/// nodes behind it (a cartridge controller).
pub struct Node {
    /// Name (given to scripts; key of its saved state).
    pub name: String,
    /// Where its parent reaches it.
    pub target: BridgeTarget,
    /// Its command dispatcher.
    pub core: Mutex<ipmi_core::bmc::Bmc>,
    /// Its machine and the nodes behind it.
    pub platform: Platform,
}

/// What a BMC's (or a node's) deferred actions act on.
pub struct Platform {
    /// Its machine (None for a cartridge controller, which powers nothing itself).
    pub machine: Option<Arc<Machine>>,
    /// The power feed it switches, when its machine has several.
    pub feed: Option<Feed>,
    /// Controllers behind it.
    pub nodes: Vec<Arc<Node>>,
    clock: Clock,
    /// A node behind it changed state its BMC saves (power, boot flags).
    changed: std::sync::atomic::AtomicBool,
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Platform {
    /// A platform with just a machine.
    pub fn plain(machine: Arc<Machine>, clock: Clock) -> Platform {
        Platform {
            machine: Some(machine),
            feed: None,
            nodes: Vec::new(),
            clock,
            changed: Default::default(),
        }
    }

    /// Builds the nodes of `nodes` (a BMC's `[[nodes]]`), restoring their saved state.
    pub fn with_nodes(
        mut self,
        bmc: &str,
        nodes: &[NodeConfig],
        timeout: Duration,
        saved: &BTreeMap<String, NodeState>,
    ) -> Result<Platform, String> {
        let mut transits: BTreeMap<(u8, u8), Vec<Arc<Node>>> = BTreeMap::new();
        for n in nodes {
            let name = n.name_in(bmc);
            let provider = Provider::load(&n.provider).map_err(|e| format!("node {name}: {e}"))?;
            let st = saved.get(&name).cloned().unwrap_or_default();
            let sensors = crate::sensors::default_set();
            let machine = Arc::new(Machine::new(&name, provider, timeout, st.power_on, sensors));
            let mut core = ipmi_core::bmc::Bmc::new(Default::default(), Default::default());
            let defs: Vec<_> = machine.sensors.iter().map(|s| s.def.clone()).collect();
            core.set_sensors(&defs);
            if let Some(f) = st
                .boot_flags
                .as_deref()
                .and_then(|b| <[u8; 5]>::try_from(b).ok())
            {
                core.restore_boot_flags(BootFlags::from_data(f));
            }
            let node = Arc::new(Node {
                name,
                target: BridgeTarget {
                    channel: n.channel,
                    address: parse_address(&n.address)?,
                },
                core: Mutex::new(core),
                platform: Platform::plain(machine, self.clock),
            });
            match &n.transit {
                Some(t) => transits
                    .entry((n.transit_channel, parse_address(t)?))
                    .or_default()
                    .push(node),
                None => self.nodes.push(node),
            }
        }
        for ((channel, address), behind) in transits {
            let mut core = ipmi_core::bmc::Bmc::new(Default::default(), Default::default());
            let targets: Vec<_> = behind.iter().map(|n| n.target).collect();
            core.set_bridge_targets(&targets)
                .map_err(|_| "too many nodes behind one cartridge controller".to_string())?;
            self.nodes.push(Arc::new(Node {
                name: format!("{bmc}-{address:02x}"),
                target: BridgeTarget { channel, address },
                core: Mutex::new(core),
                platform: Platform {
                    machine: None,
                    feed: None,
                    nodes: behind,
                    clock: self.clock,
                    changed: Default::default(),
                },
            }));
        }
        Ok(self)
    }

    /// Where Send Message reaches from here.
    pub fn targets(&self) -> Vec<BridgeTarget> {
        self.nodes.iter().map(|n| n.target).collect()
    }

    /// The result at once when nothing needs waiting for (in-memory machine, no feed, no
    /// bridging), else None.
    pub fn perform_now(&self, action: Action) -> Option<ActionResult> {
        if self.feed.is_some() {
            return None;
        }
        if let Action::Bridge {
            target,
            privilege,
            request,
            ..
        } = action
        {
            // In-memory nodes answer inline, like an in-memory machine: no task, no wake-up.
            let node = self.nodes.iter().find(|n| n.target == target)?;
            if !node.platform.is_immediate() {
                return None;
            }
            let now = self.clock.now();
            let mut core = node.core.lock().unwrap_or_else(|p| p.into_inner());
            let answer = match bridge::serve(&mut core, now, target.channel, privilege, &request) {
                NodeOutcome::Reply(m) => m,
                NodeOutcome::Defer { action, pending } => {
                    let result = node.platform.perform_now(action)?;
                    bridge::finish(&mut core, now, &pending, &action, result)
                }
            };
            if core.take_changed() {
                self.changed.store(true, Ordering::Relaxed);
            }
            return Some(ActionResult::Bridged(answer));
        }
        match &self.machine {
            Some(m) => m.perform_now(action),
            None => Some(ActionResult::Failed(
                ipmi_core::CompletionCode::InvalidCommand,
            )),
        }
    }

    /// Whether every action here (and behind) completes without waiting.
    fn is_immediate(&self) -> bool {
        self.feed.is_none()
            && self
                .machine
                .as_ref()
                .is_none_or(|m| matches!(m.provider, Provider::Memory))
            && self.nodes.iter().all(|n| n.platform.is_immediate())
    }

    /// Does the action: a bridged request on the node it names (and whatever that node must
    /// do first), a power change on the feed, anything else on the machine.
    pub fn perform(&self, action: Action) -> BoxFuture<'_, ActionResult> {
        Box::pin(async move {
            if let Action::Bridge {
                target,
                privilege,
                request,
                ..
            } = action
            {
                let Some(node) = self.nodes.iter().find(|n| n.target == target) else {
                    return NOBODY_THERE;
                };
                let now = self.clock.now();
                let first = {
                    let mut core = node.core.lock().unwrap_or_else(|p| p.into_inner());
                    bridge::serve(&mut core, now, target.channel, privilege, &request)
                };
                let answer = match first {
                    NodeOutcome::Reply(m) => m,
                    NodeOutcome::Defer { action, pending } => {
                        let result = node.platform.perform(action).await;
                        let mut core = node.core.lock().unwrap_or_else(|p| p.into_inner());
                        bridge::finish(&mut core, self.clock.now(), &pending, &action, result)
                    }
                };
                if node
                    .core
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take_changed()
                {
                    self.changed.store(true, Ordering::Relaxed);
                }
                return ActionResult::Bridged(answer);
            }
            if let Some(feed) = &self.feed {
                return feed.perform(action).await;
            }
            match &self.machine {
                Some(m) => m.perform(action).await,
                None => ActionResult::Failed(ipmi_core::CompletionCode::InvalidCommand),
            }
        })
    }

    /// The power this BMC reports: its feed's, else its machine's.
    pub fn power_on(&self) -> bool {
        match (&self.feed, &self.machine) {
            (Some(f), _) => f.is_on(),
            (None, Some(m)) => m.power_on.load(Ordering::Relaxed),
            (None, None) => false,
        }
    }

    /// Whether a node here or behind changed what is saved since the last call (clears it).
    pub fn take_changed(&self) -> bool {
        let mut any = self.changed.swap(false, Ordering::Relaxed);
        for n in &self.nodes {
            any |= n.platform.take_changed();
        }
        any
    }

    /// Saves every node's power and boot flags into `saved` (by node name).
    pub fn capture(&self, saved: &mut BTreeMap<String, NodeState>) {
        for n in &self.nodes {
            if let Some(m) = &n.platform.machine {
                let flags = n
                    .core
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .boot_flags();
                saved.insert(
                    n.name.clone(),
                    NodeState {
                        power_on: m.power_on.load(Ordering::Relaxed),
                        boot_flags: flags.valid.then(|| flags.data().to_vec()),
                    },
                );
            }
            n.platform.capture(saved);
        }
    }
}

/// A machine several BMCs share, one power feed each.
pub struct SharedMachine {
    /// Its name (given to its provider's scripts).
    pub name: String,
    /// The provider as configured (every BMC of the machine must name the same).
    pub provider_spec: String,
    /// The machine and its provider.
    pub machine: Arc<Machine>,
    /// Each feed by BMC name; held across a provider run, so two agents switching feeds at
    /// once see one consistent machine.
    feeds: tokio::sync::Mutex<BTreeMap<String, bool>>,
    /// The feeds as last settled (read without waiting, for status and saving).
    snapshot: Mutex<BTreeMap<String, bool>>,
}

fn registry() -> &'static Mutex<HashMap<String, Weak<SharedMachine>>> {
    static R: OnceLock<Mutex<HashMap<String, Weak<SharedMachine>>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Fails when machine `name` already runs with another provider than `provider_spec` (a BMC
/// joining it would not start).
pub fn check_provider(name: &str, provider_spec: &str) -> Result<(), String> {
    let reg = registry().lock().unwrap_or_else(|p| p.into_inner());
    match reg.get(name).and_then(Weak::upgrade) {
        Some(s) if s.provider_spec != provider_spec => Err(format!(
            "machine {name} uses provider {}, not {provider_spec}",
            s.provider_spec
        )),
        _ => Ok(()),
    }
}

/// One BMC's power feed of a shared machine.
pub struct Feed {
    bmc: String,
    shared: Arc<SharedMachine>,
}

impl Feed {
    /// Joins BMC `bmc` to machine `name` with its feed `on` (the BMC's saved power state).
    /// The first BMC of a machine brings its provider; the others must name the same one.
    pub fn join(
        name: &str,
        bmc: &str,
        provider: &Provider,
        provider_spec: &str,
        timeout: Duration,
        on: bool,
    ) -> Result<Feed, String> {
        let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
        let shared = match reg.get(name).and_then(Weak::upgrade) {
            Some(s) => {
                if s.provider_spec != provider_spec {
                    return Err(format!(
                        "machine {name} uses provider {}, not {provider_spec}",
                        s.provider_spec
                    ));
                }
                s
            }
            None => {
                let s = Arc::new(SharedMachine {
                    name: name.to_string(),
                    provider_spec: provider_spec.to_string(),
                    machine: Arc::new(Machine::new(
                        name,
                        provider.clone(),
                        timeout,
                        on,
                        crate::sensors::default_set(),
                    )),
                    feeds: tokio::sync::Mutex::new(BTreeMap::new()),
                    snapshot: Mutex::new(BTreeMap::new()),
                });
                reg.insert(name.to_string(), Arc::downgrade(&s));
                s
            }
        };
        drop(reg);
        {
            let mut snap = shared.snapshot.lock().unwrap_or_else(|p| p.into_inner());
            snap.insert(bmc.to_string(), on);
            if let Ok(mut feeds) = shared.feeds.try_lock() {
                *feeds = snap.clone();
            }
            let any = snap.values().any(|&v| v);
            if matches!(shared.machine.provider, Provider::Memory) {
                shared.machine.power_on.store(any, Ordering::Relaxed);
            }
        }
        Ok(Feed {
            bmc: bmc.to_string(),
            shared,
        })
    }

    /// This feed is on.
    pub fn is_on(&self) -> bool {
        let snap = self
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        snap.get(&self.bmc).copied().unwrap_or(false)
    }

    /// The machine this feed powers.
    pub fn machine(&self) -> &Arc<Machine> {
        &self.shared.machine
    }

    async fn perform(&self, action: Action) -> ActionResult {
        let Action::Control { op, boot } = action else {
            return match action {
                Action::PowerStatus => ActionResult::Power { on: self.is_on() },
                other => self.shared.machine.perform(other).await,
            };
        };
        let mut feeds = self.shared.feeds.lock().await;
        // A BMC that joined while another feed's provider ran is only in the snapshot.
        for (b, on) in self
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            feeds.entry(b.clone()).or_insert(*on);
        }
        let others_on = feeds.iter().any(|(b, &on)| b != &self.bmc && on);
        let mine = feeds.get(&self.bmc).copied().unwrap_or(false);
        let (new_mine, machine_op) = match op {
            // The machine comes up only when this is the first feed on.
            ControlOp::PowerUp => (true, (!others_on && !mine).then_some(op)),
            // It goes down only when the last feed goes off.
            ControlOp::PowerDown | ControlOp::SoftShutdown => {
                (false, (!others_on && mine).then_some(op))
            }
            // Off and on again: the machine only notices when no other feed holds it up.
            ControlOp::PowerCycle => (
                true,
                (!others_on).then_some(if mine { op } else { ControlOp::PowerUp }),
            ),
            // Reset and NMI are the machine's own buttons: they act while it has power.
            ControlOp::HardReset | ControlOp::PulseDiagnosticInterrupt => {
                (mine, (mine || others_on).then_some(op))
            }
        };
        let result = match machine_op {
            Some(op) => {
                tracing::info!(machine = %self.shared.name, feed = %self.bmc, ?op, "machine power changes");
                self.shared
                    .machine
                    .perform(Action::Control { op, boot })
                    .await
            }
            None => {
                tracing::info!(machine = %self.shared.name, feed = %self.bmc, on = new_mine, "feed switched; the machine stays as it is");
                ActionResult::Done
            }
        };
        if !matches!(result, ActionResult::Failed(_)) {
            feeds.insert(self.bmc.clone(), new_mine);
            let any = feeds.values().any(|&v| v);
            if matches!(self.shared.machine.provider, Provider::Memory) {
                self.shared.machine.power_on.store(any, Ordering::Relaxed);
            }
            *self
                .shared
                .snapshot
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = feeds.clone();
        }
        result
    }
}

/// What `show` says about a BMC's shared machine, from the saved states of every BMC that
/// names it: (machine on, feeds by BMC name).
pub fn machine_status(home: &crate::config::Home, machine: &str) -> (bool, BTreeMap<String, bool>) {
    let mut feeds = BTreeMap::new();
    for n in home.names() {
        if let Ok((cfg, _)) = home.load(&n) {
            if cfg.machine.as_deref() == Some(machine) {
                feeds.insert(n.clone(), home.load_state(&n).power_on);
            }
        }
    }
    (feeds.values().any(|&v| v), feeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_address("0x72"), Ok(0x72));
        assert_eq!(parse_address("72h"), Ok(0x72));
        assert_eq!(parse_address("130"), Ok(0x82));
        assert!(parse_address("0x73").is_err());
        assert!(parse_address("0x20").is_err());
        assert!(parse_address("0").is_err());
        assert!(parse_address("zz").is_err());
    }

    #[test]
    fn node_args() {
        let n = NodeConfig::parse_arg("0x72").unwrap();
        assert_eq!((n.channel, n.transit.as_deref()), (7, None));
        assert_eq!(n.name_in("cm"), "cm-72");
        let n = NodeConfig::parse_arg("0x72,transit=0x82,transit_channel=0,channel=7,name=c1n1")
            .unwrap();
        assert_eq!(n.transit.as_deref(), Some("0x82"));
        assert_eq!(n.name_in("cm"), "c1n1");
        let n = NodeConfig::parse_arg("0x74,transit=0x84").unwrap();
        assert_eq!(n.name_in("cm"), "cm-84-74");
        assert!(NodeConfig::parse_arg("0x72,colour=red").is_err());
        assert!(NodeConfig::parse_arg("0x72,channel").is_err());
        let s = NodeConfig::series(20).unwrap();
        assert_eq!(s.len(), 20);
        assert_eq!(s[19].address, "0x98");
        assert!(check(None, &s).is_ok());
        assert!(NodeConfig::series(49).is_err());
    }

    #[test]
    fn checks() {
        let a = NodeConfig::parse_arg("0x72").unwrap();
        assert!(check(None, &[a.clone(), a.clone()]).is_err());
        let t = NodeConfig::parse_arg("0x72,transit=0x82").unwrap();
        assert!(check(None, &[a.clone(), t.clone()]).is_ok());
        let clash = NodeConfig::parse_arg("0x82,channel=0").unwrap();
        assert!(check(None, &[clash, t]).is_err());
        assert!(check(Some("bad name!"), &[]).is_err());
        assert!(check(Some("host1"), &[]).is_ok());
    }
}
