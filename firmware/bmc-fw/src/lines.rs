//! The board lines the BMC drives and reads, and the chassis built on them.
//!
//! Embassy style: each board crate owns its pins (GPIO on the Nucleo, a UART protocol under
//! QEMU) and hands them over as [`OutputLine`] / [`InputLine`] values in a [`BoardLines`]; the
//! BMC logic here never names a pin. `bmc::run` turns them into three joined loops:
//!
//! - the chassis (power-good read debounced, Chassis Control decides what to press),
//! - the sequencer, which owns power button, reset and NMI and plays a press or hold out,
//! - the identify loop, which owns the LED.
//!
//! Chassis Control is answered as soon as its first line is asserted (the action is under
//! way), not when a five-second hold ends; a second control waits until the first is done.
use core::cell::Cell;

use embassy_futures::select::{select, Either};
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::channel::Channel;
use embassy_sync::signal::Signal;
use embassy_time::{Duration, Instant, Timer};
use ipmi_core::bmc::{ActionResult, BootFlags, ControlOp};
use ipmi_core::CompletionCode;

use crate::chassis::Chassis;

/// A line the BMC drives. `active` is the asserted state (button pressed, LED lit); the board
/// maps it onto the pin's polarity (open drain low, push-pull high...).
pub trait OutputLine {
    /// Asserts (`true`) or releases (`false`) the line.
    fn set_active(&mut self, active: bool);
}

/// A line the BMC reads (power good).
pub trait InputLine {
    /// Whether the line is asserted now (one raw sample, not debounced).
    fn is_active(&mut self) -> bool;
}

/// For a board without that line (e.g. no NMI wired).
pub struct NoLine;

impl OutputLine for NoLine {
    fn set_active(&mut self, _active: bool) {}
}

/// How long each press lasts: a board's config, since it depends on the mainboard it drives.
#[derive(Clone, Copy, Debug)]
pub struct Timings {
    /// A short press of the power button: power on, or ACPI soft off.
    pub press: Duration,
    /// Holding the power button this long forces an ATX supply off (ATX says 4 s).
    pub hard_off: Duration,
    /// Reset pulse.
    pub reset: Duration,
    /// Pause between off and on in a power cycle.
    pub cycle_pause: Duration,
    /// NMI (diagnostic interrupt) pulse.
    pub nmi: Duration,
    /// Power good must read the same for this long to count (contact bounce, slow rails).
    pub debounce: Duration,
}

impl Timings {
    /// Front-panel timings for an ATX mainboard: 200 ms press, 5 s forced off (4 s is the
    /// spec's minimum), 200 ms reset, 2 s between off and on, 100 ms NMI, 20 ms debounce.
    pub const ATX: Timings = Timings {
        press: Duration::from_millis(200),
        hard_off: Duration::from_millis(5_000),
        reset: Duration::from_millis(200),
        cycle_pause: Duration::from_millis(2_000),
        nmi: Duration::from_millis(100),
        debounce: Duration::from_millis(20),
    };
}

/// Everything a board hands the BMC: its lines and their timings. `N` is [`NoLine`] and `nmi`
/// is `None` on a board without an NMI line (Chassis Control diagnostic interrupt then answers
/// "invalid data field").
pub struct BoardLines<P, R, N, G, L> {
    /// Front-panel power button.
    pub power_button: P,
    /// Front-panel reset button.
    pub reset: R,
    /// NMI / diagnostic interrupt, if wired.
    pub nmi: Option<N>,
    /// Power good (system power is on).
    pub power_good: G,
    /// Chassis identify LED.
    pub identify: L,
    /// Press and hold times.
    pub timings: Timings,
}

/// Which output line a step acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    Power,
    Reset,
    Nmi,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Set(Line, bool),
    Wait(Duration),
}

type Program = heapless::Vec<Step, 8>;

fn press(line: Line, hold: Duration) -> Program {
    let mut p = Program::new();
    for step in [Step::Set(line, true), Step::Wait(hold), Step::Set(line, false)] {
        let _ = p.push(step);
    }
    p
}

/// What the chassis asks of the identify loop.
#[derive(Clone, Copy, Debug)]
enum Identify {
    Off,
    Blink(Instant),
    ForceOn,
}

/// State the three loops share (single-threaded: no locking needed).
pub(crate) struct Shared {
    programs: Channel<NoopRawMutex, Program, 1>,
    started: Signal<NoopRawMutex, ()>,
    finished: Signal<NoopRawMutex, ()>,
    busy: Cell<bool>,
    identify: Signal<NoopRawMutex, Identify>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            programs: Channel::new(),
            started: Signal::new(),
            finished: Signal::new(),
            busy: Cell::new(false),
            identify: Signal::new(),
        }
    }
}

/// The chassis on board lines, as the BMC's chassis loop sees it.
pub struct LineChassis<'a, G> {
    power_good: G,
    has_nmi: bool,
    timings: Timings,
    shared: &'a Shared,
    boot_flags: Option<BootFlags>,
}

impl<G: InputLine> LineChassis<'_, G> {
    /// Power good, debounced: sampled until it reads the same for [`Timings::debounce`]
    /// (at most ten times that, then the last sample counts).
    async fn power_good(&mut self) -> bool {
        let step = Duration::from_ticks((self.timings.debounce.as_ticks() / 4).max(1));
        let mut last = self.power_good.is_active();
        let mut same = 0;
        for _ in 0..40 {
            Timer::after(step).await;
            let now = self.power_good.is_active();
            if now == last {
                same += 1;
                if same >= 4 {
                    break;
                }
            } else {
                last = now;
                same = 0;
            }
        }
        last
    }
}

impl<G: InputLine> Chassis for LineChassis<'_, G> {
    async fn power_is_on(&mut self) -> bool {
        self.power_good().await
    }

    async fn control(&mut self, op: ControlOp, boot: Option<BootFlags>) -> ActionResult {
        // One sequence at a time: what to press depends on the state the last one left.
        while self.shared.busy.get() {
            self.shared.finished.wait().await;
        }
        let on = self.power_good().await;
        let t = self.timings;
        let program = match op {
            ControlOp::PowerUp if !on => press(Line::Power, t.press),
            ControlOp::PowerDown if on => press(Line::Power, t.hard_off),
            ControlOp::SoftShutdown if on => press(Line::Power, t.press),
            ControlOp::PowerCycle if on => {
                let mut p = press(Line::Power, t.hard_off);
                let _ = p.push(Step::Wait(t.cycle_pause));
                for step in press(Line::Power, t.press) {
                    let _ = p.push(step);
                }
                p
            }
            ControlOp::PowerCycle => press(Line::Power, t.press),
            ControlOp::HardReset => press(Line::Reset, t.reset),
            ControlOp::PulseDiagnosticInterrupt if self.has_nmi => press(Line::Nmi, t.nmi),
            ControlOp::PulseDiagnosticInterrupt => {
                crate::info!("chassis: diagnostic interrupt asked, but no NMI line is wired");
                return ActionResult::Failed(CompletionCode::InvalidDataField);
            }
            // Already in the state asked for: nothing to press.
            _ => Program::new(),
        };
        let device = boot.or(self.boot_flags).map(|b| b.device).unwrap_or(0);
        crate::info!("chassis: {:?} (power good {}, boot device {}): {} steps", op, on, device, program.len());
        if program.is_empty() {
            return ActionResult::Done;
        }
        self.shared.busy.set(true);
        self.shared.started.reset();
        self.shared.programs.send(program).await;
        self.shared.started.wait().await;
        ActionResult::Done
    }

    async fn identify(&mut self, seconds: u8, force: bool) -> ActionResult {
        self.shared.identify.signal(match (force, seconds) {
            (true, _) => Identify::ForceOn,
            (false, 0) => Identify::Off,
            (false, s) => Identify::Blink(Instant::now() + Duration::from_secs(u64::from(s))),
        });
        crate::info!("chassis: identify {} s, force {}", seconds, force);
        ActionResult::Done
    }

    async fn set_boot_flags(&mut self, flags: BootFlags) -> ActionResult {
        crate::info!("chassis: boot flags device {} persistent {} efi {}", flags.device, flags.persistent, flags.efi);
        self.boot_flags = Some(flags);
        ActionResult::Done
    }
}

/// Plays programs out on the output lines, for ever.
async fn sequencer<P: OutputLine, R: OutputLine, N: OutputLine>(
    shared: &Shared,
    mut power: P,
    mut reset: R,
    mut nmi: Option<N>,
) {
    power.set_active(false);
    reset.set_active(false);
    if let Some(n) = nmi.as_mut() {
        n.set_active(false);
    }
    loop {
        let program = shared.programs.receive().await;
        for (i, step) in program.iter().enumerate() {
            match *step {
                Step::Set(line, active) => match line {
                    Line::Power => power.set_active(active),
                    Line::Reset => reset.set_active(active),
                    Line::Nmi => {
                        if let Some(n) = nmi.as_mut() {
                            n.set_active(active)
                        }
                    }
                },
                Step::Wait(d) => Timer::after(d).await,
            }
            if i == 0 {
                shared.started.signal(());
            }
        }
        shared.busy.set(false);
        shared.finished.signal(());
    }
}

/// Blink half-period of the identify LED (1 Hz).
const BLINK: Duration = Duration::from_millis(500);

/// Drives the identify LED: off, blinking until a deadline, or steadily on.
async fn identify_loop<L: OutputLine>(shared: &Shared, mut led: L) {
    let mut state = Identify::Off;
    let mut lit = false;
    led.set_active(false);
    loop {
        match state {
            Identify::Off | Identify::ForceOn => {
                let want = matches!(state, Identify::ForceOn);
                if lit != want {
                    lit = want;
                    led.set_active(lit);
                }
                state = shared.identify.wait().await;
            }
            Identify::Blink(until) => {
                if Instant::now() >= until {
                    state = Identify::Off;
                    continue;
                }
                lit = !lit;
                led.set_active(lit);
                if let Either::Second(next) = select(Timer::after(BLINK), shared.identify.wait()).await {
                    state = next;
                }
            }
        }
    }
}

/// Splits `lines` into the chassis the BMC's chassis loop uses and the two loops that drive
/// the output lines (the sequencer and the identify LED); the caller joins all three.
pub(crate) fn split<'a, P, R, N, G, L>(
    lines: BoardLines<P, R, N, G, L>,
    shared: &'a Shared,
) -> (LineChassis<'a, G>, impl core::future::Future<Output = ()> + 'a, impl core::future::Future<Output = ()> + 'a)
where
    P: OutputLine + 'a,
    R: OutputLine + 'a,
    N: OutputLine + 'a,
    G: InputLine,
    L: OutputLine + 'a,
{
    let chassis = LineChassis {
        power_good: lines.power_good,
        has_nmi: lines.nmi.is_some(),
        timings: lines.timings,
        shared,
        boot_flags: None,
    };
    (chassis, sequencer(shared, lines.power_button, lines.reset, lines.nmi), identify_loop(shared, lines.identify))
}
