//! One machine behind a virtual BMC: performs the dispatcher's [`Action`]s with its provider.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ipmi_core::bmc::{Action, ActionResult, BootFlags, ControlOp};
use ipmi_core::CompletionCode;

use crate::provider::{bootdev_name, parse_power, Provider, ScriptEnv, ScriptProvider, ScriptRun};

/// A machine: its provider, its script time-out, and (for `memory`) its power state.
#[derive(Debug)]
pub struct Machine {
    /// The BMC name (validated; given to scripts).
    pub name: String,
    /// What powers it.
    pub provider: Provider,
    /// Per-script time-out.
    pub timeout: Duration,
    /// Power state of the `memory` provider.
    pub power_on: AtomicBool,
    /// Serialises power and boot changes of this machine (status reads do not wait).
    pub lock: tokio::sync::Mutex<()>,
    /// The sensors it serves.
    pub sensors: Vec<crate::sensors::Sensor>,
    /// Readings `[SENSORS]` scripts gave: sensor number -> (when, raw reading).
    readings: std::sync::Mutex<std::collections::HashMap<u8, (Instant, Option<u8>)>>,
}

fn failed(run: &ScriptRun) -> ActionResult {
    if run.timed_out {
        ActionResult::Failed(CompletionCode::NodeBusy)
    } else {
        ActionResult::Failed(CompletionCode::Unspecified)
    }
}

const UNSUPPORTED: ActionResult = ActionResult::Failed(CompletionCode::InvalidCommand);
/// Send Message to an address with no node: nobody acknowledges it (0x83).
pub const NOBODY_THERE: ActionResult =
    ActionResult::Failed(ipmi_core::cmd::app::send_message::NAK_ON_WRITE);

impl Machine {
    /// A machine with the given provider.
    pub fn new(
        name: &str,
        provider: Provider,
        timeout: Duration,
        power_on: bool,
        sensors: Vec<crate::sensors::Sensor>,
    ) -> Machine {
        if let Provider::Script(p) = &provider {
            for key in p.sensor_keys() {
                if !sensors.iter().any(|s| s.key == key) {
                    let known: Vec<&str> = sensors.iter().map(|s| s.key.as_str()).collect();
                    tracing::warn!(bmc = name, key, known = %known.join(", "), "[SENSORS] names no sensor of this BMC");
                }
            }
        }
        Machine {
            name: name.to_string(),
            provider,
            timeout,
            power_on: AtomicBool::new(power_on),
            lock: tokio::sync::Mutex::new(()),
            sensors,
            readings: Default::default(),
        }
    }

    /// Does the action; never panics, always answers (a failure is a completion code).
    pub async fn perform(&self, action: Action) -> ActionResult {
        match &self.provider {
            Provider::Memory => self.perform_memory(action),
            Provider::Script(p) => self.perform_script(p, action).await,
        }
    }

    /// The result at once when the provider needs no waiting (the in-memory one), else None.
    pub fn perform_now(&self, action: Action) -> Option<ActionResult> {
        match (&self.provider, action) {
            (Provider::Memory, _) => Some(self.perform_memory(action)),
            // A modelled or cached reading needs no task.
            (Provider::Script(p), Action::ReadSensor { number, .. }) => {
                match self.sensor_script(p, number) {
                    None => Some(self.modelled_reading(number)),
                    Some(_) => self.cached_reading(p, number),
                }
            }
            (Provider::Script(_), _) => None,
        }
    }

    /// The `[SENSORS]` command of sensor `number`, with its key.
    fn sensor_script<'a>(
        &'a self,
        p: &'a ScriptProvider,
        number: u8,
    ) -> Option<(&'a str, &'a crate::provider::Template)> {
        let s = self.sensors.iter().find(|s| s.def.number == number)?;
        Some((s.key.as_str(), p.sensor(&s.key)?))
    }

    /// A script's reading of sensor `number` still within `[SENSORS] cache_seconds`.
    fn cached_reading(&self, p: &ScriptProvider, number: u8) -> Option<ActionResult> {
        let cache = self.readings.lock().unwrap_or_else(|e| e.into_inner());
        let (at, raw) = cache.get(&number)?;
        (at.elapsed() < p.sensor_cache).then_some(ActionResult::Reading { raw: *raw })
    }

    /// Reads sensor `number` with its `[SENSORS]` script (or the model when it has none). A
    /// failed or unparsable run reads as unavailable (clients print N/A), not as an error.
    async fn read_sensor(&self, p: &ScriptProvider, number: u8) -> ActionResult {
        let Some((key, t)) = self.sensor_script(p, number) else {
            return self.modelled_reading(number);
        };
        if let Some(r) = self.cached_reading(p, number) {
            return r;
        }
        let env = ScriptEnv {
            name: &self.name,
            bootdev: None,
            flags: None,
        };
        let run = p
            .run(&format!("sensors {key}"), t, &env, self.timeout)
            .await;
        let value = if run.ok() {
            let v = crate::provider::parse_reading(&run.stdout);
            if v.is_none() {
                tracing::warn!(sensor = key, output = %run.stdout, "sensor script printed no number");
            }
            v
        } else {
            tracing::warn!(sensor = key, "sensor script failed: {run}");
            None
        };
        let raw = value.and_then(|v| {
            let s = self.sensors.iter().find(|s| s.def.number == number)?;
            Some(s.def.raw_for(v))
        });
        self.readings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(number, (Instant::now(), raw));
        ActionResult::Reading { raw }
    }

    fn perform_memory(&self, action: Action) -> ActionResult {
        match action {
            Action::PowerStatus => ActionResult::Power {
                on: self.power_on.load(Ordering::Relaxed),
            },
            Action::Control { op, .. } => {
                let on = match op {
                    ControlOp::PowerDown | ControlOp::SoftShutdown => false,
                    ControlOp::PowerUp | ControlOp::PowerCycle | ControlOp::HardReset => true,
                    ControlOp::PulseDiagnosticInterrupt => self.power_on.load(Ordering::Relaxed),
                };
                self.power_on.store(on, Ordering::Relaxed);
                tracing::info!(op = ?op, on, "memory provider power changed");
                ActionResult::Done
            }
            Action::Identify { .. } | Action::SetBootFlags(_) => ActionResult::Done,
            Action::ReadSensor { number, .. } => self.modelled_reading(number),
            // Bridged requests go to the chassis's nodes (topology.rs), never to a machine.
            Action::Bridge { .. } => NOBODY_THERE,
        }
    }

    async fn script(
        &self,
        p: &ScriptProvider,
        section: &str,
        option: &str,
        flags: Option<BootFlags>,
    ) -> Option<ScriptRun> {
        let t = if section == "POWER" {
            p.power(option)
        } else {
            p.boot(option)
        }?;
        let bootdev = flags.map(|f| bootdev_name(f.device));
        let env = ScriptEnv {
            name: &self.name,
            bootdev,
            flags,
        };
        let what = format!("{} {}", section.to_ascii_lowercase(), option);
        Some(p.run(&what, t, &env, self.timeout).await)
    }

    /// Reads the power state with `[POWER] status`.
    async fn status(&self, p: &ScriptProvider) -> Result<Option<bool>, ActionResult> {
        match self.script(p, "POWER", "status", None).await {
            None => Ok(None),
            Some(run) if run.ok() => match parse_power(&run.stdout) {
                Some(on) => Ok(Some(on)),
                None => {
                    tracing::warn!(output = %run.stdout, "status script printed neither on nor off");
                    Err(ActionResult::Failed(CompletionCode::Unspecified))
                }
            },
            Some(run) => Err(failed(&run)),
        }
    }

    /// Runs a `[POWER]` option; C1 when the provider has none.
    async fn power(&self, p: &ScriptProvider, option: &str) -> ActionResult {
        match self.script(p, "POWER", option, None).await {
            None => {
                tracing::warn!(option, "provider has no [POWER] {option}: answering C1");
                UNSUPPORTED
            }
            Some(run) if run.ok() => ActionResult::Done,
            Some(run) => failed(&run),
        }
    }

    /// Runs `[BOOT] set` for flags that apply, when the provider has one.
    async fn set_boot(
        &self,
        p: &ScriptProvider,
        flags: Option<BootFlags>,
    ) -> Result<(), ActionResult> {
        let Some(f) = flags.filter(|f| f.valid) else {
            return Ok(());
        };
        match self.script(p, "BOOT", "set", Some(f)).await {
            None => Ok(()),
            Some(run) if run.ok() => Ok(()),
            Some(run) => Err(failed(&run)),
        }
    }

    /// A reading modelled on the last known power state (no script runs).
    fn modelled_reading(&self, number: u8) -> ActionResult {
        let on = self.power_on.load(Ordering::Relaxed);
        ActionResult::Reading {
            raw: self
                .sensors
                .iter()
                .find(|s| s.def.number == number)
                .map(|s| s.raw(on)),
        }
    }

    async fn perform_script(&self, p: &ScriptProvider, action: Action) -> ActionResult {
        match action {
            Action::PowerStatus => match self.status(p).await {
                Ok(Some(on)) => {
                    // Modelled sensors follow the machine's real power state.
                    self.power_on.store(on, Ordering::Relaxed);
                    ActionResult::Power { on }
                }
                Ok(None) => UNSUPPORTED,
                Err(r) => r,
            },
            Action::Identify { seconds, force } => {
                tracing::info!(seconds, force, "identify (no provider action)");
                ActionResult::Done
            }
            Action::SetBootFlags(flags) => {
                let _g = self.lock.lock().await;
                match self.set_boot(p, Some(flags)).await {
                    Ok(()) => ActionResult::Done,
                    Err(r) => r,
                }
            }
            Action::Control { op, boot } => {
                let _g = self.lock.lock().await;
                self.control(p, op, boot).await
            }
            Action::ReadSensor { number, .. } => self.read_sensor(p, number).await,
            Action::Bridge { .. } => NOBODY_THERE,
        }
    }

    async fn control(
        &self,
        p: &ScriptProvider,
        op: ControlOp,
        boot: Option<BootFlags>,
    ) -> ActionResult {
        match op {
            ControlOp::PowerUp => {
                match self.status(p).await {
                    Ok(Some(true)) => {
                        tracing::info!("power on: already on");
                        return ActionResult::Done;
                    }
                    Ok(_) => {}
                    Err(r) => return r,
                }
                if let Err(r) = self.set_boot(p, boot).await {
                    return r;
                }
                self.power(p, "on").await
            }
            ControlOp::PowerDown => {
                match self.status(p).await {
                    Ok(Some(false)) => {
                        tracing::info!("power off: already off");
                        return ActionResult::Done;
                    }
                    Ok(_) => {}
                    Err(r) => return r,
                }
                self.power(p, "off").await
            }
            ControlOp::PowerCycle => {
                let was_on = match self.status(p).await {
                    Ok(s) => s.unwrap_or(true),
                    Err(r) => return r,
                };
                if was_on {
                    let r = self.power(p, "off").await;
                    if r != ActionResult::Done {
                        return r;
                    }
                    // Wait (bounded by the script time-out) until the machine reports off.
                    let deadline = Instant::now() + self.timeout;
                    loop {
                        match self.status(p).await {
                            Ok(Some(false)) | Ok(None) => break,
                            Ok(Some(true)) if Instant::now() < deadline => {
                                tokio::time::sleep(Duration::from_millis(500)).await;
                            }
                            Ok(Some(true)) => {
                                tracing::warn!("power cycle: still on after the time-out");
                                return ActionResult::Failed(CompletionCode::NodeBusy);
                            }
                            Err(r) => return r,
                        }
                    }
                }
                if let Err(r) = self.set_boot(p, boot).await {
                    return r;
                }
                self.power(p, "on").await
            }
            ControlOp::HardReset => {
                if let Err(r) = self.set_boot(p, boot).await {
                    return r;
                }
                self.power(p, "reset").await
            }
            ControlOp::PulseDiagnosticInterrupt => self.power(p, "diag").await,
            ControlOp::SoftShutdown => self.power(p, "shutdown").await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ScriptProvider;
    use std::sync::Arc;

    fn machine(dir: &std::path::Path, conf: &str, timeout_ms: u64) -> Machine {
        let p = ScriptProvider::parse(&dir.join("p.conf"), conf).unwrap();
        Machine::new(
            "m1",
            Provider::Script(Arc::new(p)),
            Duration::from_millis(timeout_ms),
            false,
            crate::sensors::default_set(),
        )
    }

    const CONF: &str = "[POWER]\nstatus = cat power 2>/dev/null || echo off\non = echo on > power; echo on >> log\noff = (sleep 1; echo off > power) & echo off >> log\n[BOOT]\nset = echo %(bootdev)s >> log\n";

    #[tokio::test]
    async fn cycle_waits_for_off_then_boots_with_flags() {
        let d = tempfile::tempdir().unwrap();
        let m = machine(d.path(), CONF, 5000);
        assert_eq!(
            m.perform(Action::PowerStatus).await,
            ActionResult::Power { on: false }
        );
        let on = Action::Control {
            op: ControlOp::PowerUp,
            boot: None,
        };
        assert_eq!(m.perform(on).await, ActionResult::Done);
        assert_eq!(m.perform(on).await, ActionResult::Done);
        let pxe = BootFlags::from_data([0x80, 0x04, 0, 0, 0]);
        let cycle = Action::Control {
            op: ControlOp::PowerCycle,
            boot: Some(pxe),
        };
        let t0 = Instant::now();
        assert_eq!(m.perform(cycle).await, ActionResult::Done);
        assert!(
            t0.elapsed() >= Duration::from_millis(900),
            "cycle must wait until the machine is off"
        );
        let log = std::fs::read_to_string(d.path().join("log")).unwrap();
        assert_eq!(log, "on\noff\nnetwork\non\n");
    }

    #[tokio::test]
    async fn missing_scripts_and_failures_map_to_codes() {
        let d = tempfile::tempdir().unwrap();
        let m = machine(
            d.path(),
            "[POWER]\nstatus = echo maybe\nreset = exit 3\nshutdown = sleep 10\n",
            300,
        );
        let diag = Action::Control {
            op: ControlOp::PulseDiagnosticInterrupt,
            boot: None,
        };
        assert_eq!(
            m.perform(diag).await,
            ActionResult::Failed(CompletionCode::InvalidCommand)
        );
        assert_eq!(
            m.perform(Action::PowerStatus).await,
            ActionResult::Failed(CompletionCode::Unspecified)
        );
        let reset = Action::Control {
            op: ControlOp::HardReset,
            boot: None,
        };
        assert_eq!(
            m.perform(reset).await,
            ActionResult::Failed(CompletionCode::Unspecified)
        );
        let soft = Action::Control {
            op: ControlOp::SoftShutdown,
            boot: None,
        };
        assert_eq!(
            m.perform(soft).await,
            ActionResult::Failed(CompletionCode::NodeBusy)
        );
    }

    #[tokio::test]
    async fn memory_provider() {
        let m = Machine::new(
            "m",
            Provider::Memory,
            Duration::from_secs(1),
            false,
            crate::sensors::default_set(),
        );
        let on = Action::Control {
            op: ControlOp::PowerUp,
            boot: None,
        };
        assert_eq!(m.perform(on).await, ActionResult::Done);
        assert_eq!(
            m.perform(Action::PowerStatus).await,
            ActionResult::Power { on: true }
        );
        let off = Action::Control {
            op: ControlOp::SoftShutdown,
            boot: None,
        };
        assert_eq!(m.perform(off).await, ActionResult::Done);
        assert_eq!(
            m.perform(Action::PowerStatus).await,
            ActionResult::Power { on: false }
        );
    }
}
