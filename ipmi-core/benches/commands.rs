//! Parse and emit cost of every command body (request and response), ns per message.
//!
//! Two criterion groups, one per direction (`command-request`, `command-response`); the benchmark
//! id is `parse/<Command>` or `emit/<Command>`. The bytes are real: the App commands take the first
//! request and the first normal response of each command from the ipmitool/freeipmi vs ipmi_sim
//! capture the App codec tests use (`src/cmd/app/testdata/ipmi_sim-app-commands.txt`); the few
//! the capture lacks and the Chassis commands use the byte strings of the codecs' own unit tests.
//! Every body is checked to parse and re-emit byte for byte before it is measured.
//!
//! Run: `cargo bench -p ipmi-core --bench commands` (see `rmcp/benches/README.md`).
#[macro_use]
#[path = "../../rmcp/benches/common/cputime.rs"]
mod cputime;

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::measurement::Measurement;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};
use ipmi_core::cmd::app::*;
use ipmi_core::cmd::chassis::{
    boot_options::{GetSystemBootOptions, SetSystemBootOptions},
    capabilities::GetChassisCapabilities,
    control::ChassisControl,
    identify::ChassisIdentify,
    poh::GetPohCounter,
    power_restore_policy::SetPowerRestorePolicy,
    reset::ChassisReset,
    restart_cause::GetSystemRestartCause,
    status::GetChassisStatus,
};
use ipmi_core::cmd::{Body, Command};
use ipmi_core::wire::{RequestRepr, ResponseRepr};
use ipmi_core::{CompletionCode, NetFn};

const CAPTURE: &str = include_str!("../src/cmd/app/testdata/ipmi_sim-app-commands.txt");

/// Request and response bodies (the data after the command byte / completion code) per App
/// command number, first occurrence in the capture.
#[derive(Default)]
struct Capture {
    requests: BTreeMap<u8, Vec<u8>>,
    responses: BTreeMap<u8, Vec<u8>>,
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
        .collect()
}

impl Capture {
    fn load() -> Self {
        let mut cap = Capture::default();
        for line in CAPTURE.lines() {
            let Some(h) = line
                .strip_prefix("c2s ")
                .or_else(|| line.strip_prefix("s2c "))
            else {
                continue;
            };
            let d = unhex(h.trim());
            // IPMI 1.5 datagrams only (RMCP class 7); the LAN message follows the session header.
            if d.get(3) != Some(&0x07) {
                continue;
            }
            let len_at = 13 + if d[4] != 0 { 16 } else { 0 };
            let len = usize::from(d[len_at]);
            let msg = &d[len_at + 1..len_at + 1 + len];
            match NetFn::from(msg[1] >> 2) {
                NetFn::App => {
                    let r = RequestRepr::parse_bytes(msg).expect("request");
                    cap.requests.entry(r.cmd).or_insert_with(|| r.data.to_vec());
                }
                NetFn::AppResponse => {
                    let r = ResponseRepr::parse_bytes(msg).expect("response");
                    if r.completion_code == CompletionCode::Normal {
                        cap.responses
                            .entry(r.cmd)
                            .or_insert_with(|| r.data.to_vec());
                    }
                }
                _ => {}
            }
        }
        cap
    }

    fn rq<C: Command>(&self) -> &[u8] {
        self.requests
            .get(&C::CMD)
            .unwrap_or_else(|| panic!("capture has no request {:#04x}", C::CMD))
    }

    fn rs<C: Command>(&self) -> &[u8] {
        self.responses
            .get(&C::CMD)
            .unwrap_or_else(|| panic!("capture has no response {:#04x}", C::CMD))
    }
}

/// Something that is shown every command with its request and response bytes.
trait Visit {
    fn command<'x, C: Command>(&mut self, name: &str, request: &'x [u8], response: &'x [u8]);
}

/// Every command the codecs implement, with real bytes.
fn all_commands(v: &mut impl Visit, cap: &Capture) {
    // App (0x06).
    v.command::<GetDeviceId>(
        "GetDeviceId",
        cap.rq::<GetDeviceId>(),
        cap.rs::<GetDeviceId>(),
    );
    // ipmi_sim answers Get Self Test Results / Get Device GUID with an error: the unit tests'
    // bytes (self test passed; a GUID).
    v.command::<GetSelfTestResults>(
        "GetSelfTestResults",
        cap.rq::<GetSelfTestResults>(),
        &[0x55, 0x00],
    );
    let guid = unhex("00112233445566778899aabbccddeeff");
    v.command::<GetDeviceGuid>("GetDeviceGuid", cap.rq::<GetDeviceGuid>(), &guid);
    v.command::<GetSystemGuid>(
        "GetSystemGuid",
        cap.rq::<GetSystemGuid>(),
        cap.rs::<GetSystemGuid>(),
    );
    macro_rules! captured {
        ($($t:ident),* $(,)?) => {
            $( v.command::<$t>(stringify!($t), cap.rq::<$t>(), cap.rs::<$t>()); )*
        };
    }
    captured!(
        GetChannelAuthCapabilities,
        GetSessionChallenge,
        ActivateSession,
        SetSessionPrivilegeLevel,
        CloseSession,
        GetSessionInfo,
        SetChannelAccess,
        GetChannelAccess,
        GetChannelInfo,
        SetUserAccess,
        GetUserAccess,
        SetUserName,
        GetUserName,
        SetUserPassword,
        GetChannelCipherSuites,
    );
    // Chassis (0x00): the bytes of the codecs' unit tests (ipmi_sim, ipmitool, ironic).
    v.command::<GetChassisCapabilities>(
        "GetChassisCapabilities",
        &[],
        &[0x00, 0x20, 0x20, 0x20, 0x20],
    );
    v.command::<GetChassisStatus>("GetChassisStatus", &[], &[0x01, 0x00, 0x00]);
    v.command::<ChassisControl>("ChassisControl", &[0x01], &[]);
    v.command::<ChassisReset>("ChassisReset", &[], &[]);
    v.command::<ChassisIdentify>("ChassisIdentify", &[0x00, 0x01], &[]);
    v.command::<SetPowerRestorePolicy>("SetPowerRestorePolicy", &[0x02], &[0x07]);
    v.command::<GetSystemRestartCause>("GetSystemRestartCause", &[], &[0x01, 0x01]);
    v.command::<SetSystemBootOptions>(
        "SetSystemBootOptions",
        &[0x05, 0xe0, 0x04, 0x00, 0x00, 0x00],
        &[],
    );
    v.command::<GetSystemBootOptions>(
        "GetSystemBootOptions",
        &[0x05, 0x00, 0x00],
        &[0x01, 0x05, 0xa0, 0x04, 0x00, 0x00, 0x00],
    );
    v.command::<GetPohCounter>("GetPohCounter", &[], &[0x3c, 0x45, 0x23, 0x01, 0x00]);
}

/// Benchmarks `parse` and `emit` of one body type on `bytes`, after checking the round trip.
fn body<'x, B: Body<'x>, M: Measurement>(
    g: &mut BenchmarkGroup<'_, M>,
    name: &str,
    bytes: &'x [u8],
) {
    let parsed = B::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e:?} on {bytes:02x?}"));
    let mut out = [0u8; 80];
    let n = parsed.emit(&mut out).expect("emit");
    assert_eq!(&out[..n], bytes, "{name}: emit must reproduce the bytes");
    g.bench_function(BenchmarkId::new("parse", name), |b| {
        b.iter(|| B::parse(black_box(bytes)))
    });
    g.bench_function(BenchmarkId::new("emit", name), |b| {
        b.iter(|| black_box(&parsed).emit(black_box(&mut out[..])))
    });
}

struct Requests<'g, 'c, M: Measurement>(&'g mut BenchmarkGroup<'c, M>);
struct Responses<'g, 'c, M: Measurement>(&'g mut BenchmarkGroup<'c, M>);

impl<M: Measurement> Visit for Requests<'_, '_, M> {
    fn command<'x, C: Command>(&mut self, name: &str, request: &'x [u8], _: &'x [u8]) {
        body::<C::Request<'x>, M>(self.0, name, request);
    }
}

impl<M: Measurement> Visit for Responses<'_, '_, M> {
    fn command<'x, C: Command>(&mut self, name: &str, _: &'x [u8], response: &'x [u8]) {
        body::<C::Response<'x>, M>(self.0, name, response);
    }
}

fn commands<M: Measurement>(c: &mut Criterion<M>) {
    let cap = Capture::load();
    let mut g = c.benchmark_group("command-request");
    all_commands(&mut Requests(&mut g), &cap);
    g.finish();
    let mut g = c.benchmark_group("command-response");
    all_commands(&mut Responses(&mut g), &cap);
    g.finish();
}

bench_main!(commands);
