//! A criterion measurement of the benchmark thread's own CPU time (`CLOCK_THREAD_CPUTIME_ID`),
//! in nanoseconds, and `bench_main!`, which picks it or criterion's wall clock.
//!
//! Why: the benches run on small machines shared with builds and other jobs. Wall time then
//! counts every millisecond the thread sat descheduled, so each result is inflated by however
//! busy the machine was. CPU time counts only the cycles the code under test got (cache misses
//! and all), which is its cost. On an idle machine the two agree; `BENCH_CLOCK=wall` switches
//! back to criterion's default wall clock.
//!
//! Each bench includes it with `#[macro_use] #[path = "..."] mod cputime;` (ipmi-core's benches
//! too, from here).
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::Throughput;
use nix::time::{clock_gettime, ClockId};

/// The calling thread's CPU time, nanoseconds.
pub struct ThreadCpuTime;

/// The thread's CPU time now, nanoseconds.
pub fn now_ns() -> u64 {
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).expect("thread CPU clock");
    t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64
}

/// Nanoseconds on the clock the benches use: thread CPU time, or wall time since the first
/// call with `BENCH_CLOCK=wall`. For benches that time things themselves.
#[allow(dead_code)]
pub fn clock_ns() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    if wall_clock() {
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    } else {
        now_ns()
    }
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        now_ns()
    }

    fn end(&self, start: u64) -> u64 {
        now_ns().saturating_sub(start)
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuNanos
    }
}

/// Prints CPU nanoseconds as ns/µs/ms/s ("cpu" marks them apart from wall-clock results).
struct CpuNanos;

impl ValueFormatter for CpuNanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e-3, "µs cpu")
        } else if typical < 1e9 {
            (1e-6, "ms cpu")
        } else {
            (1e-9, "s cpu")
        };
        for v in values {
            *v *= factor;
        }
        unit
    }

    fn scale_throughputs(&self, _: f64, _: &Throughput, _: &mut [f64]) -> &'static str {
        // No bench here declares a throughput.
        "?"
    }

    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// Whether `BENCH_CLOCK=wall` asks for criterion's wall clock instead of thread CPU time.
pub fn wall_clock() -> bool {
    std::env::var("BENCH_CLOCK").is_ok_and(|v| v == "wall")
}

/// `fn main` for a bench whose entry point is `fn $run<M: Measurement>(&mut Criterion<M>)`:
/// thread CPU time by default, wall time with `BENCH_CLOCK=wall`.
macro_rules! bench_main {
    ($run:ident) => {
        fn main() {
            if cputime::wall_clock() {
                let mut c = criterion::Criterion::default().configure_from_args();
                $run(&mut c);
                c.final_summary();
            } else {
                let mut c = criterion::Criterion::default()
                    .with_measurement(cputime::ThreadCpuTime)
                    .configure_from_args();
                $run(&mut c);
                c.final_summary();
            }
        }
    };
}
