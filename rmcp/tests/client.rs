//! The console client over real UDP on loopback: against our own endpoint (the harness in
//! support/mod.rs) and against OpenIPMI's `ipmi_sim`, an implementation nobody here wrote.
mod support;

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ipmi_core::bmc::{Action, ControlOp};
use ipmi_core::cmd::app::{GetDeviceId, GetDeviceIdResponse};
use ipmi_core::cmd::chassis::control::{ChassisControl, ChassisControlRequest};
use ipmi_core::cmd::chassis::status::GetChassisStatus;
use ipmi_core::cmd::chassis::Empty;
use ipmi_core::{CompletionCode, Privilege};
use rmcp::client::blocking::{self, Client, DriverError, Options};
use rmcp::client::{ClientConfig, Failure, Stage};
use rmcp::server::KNOWN_SUITES;
use rmcp::wire::rakp::RmcpPlusStatus;
use support::{config, UdpBmc};

fn fast() -> Options {
    Options {
        timeout: Duration::from_millis(500),
        tries: 3,
    }
}

fn cfg(user: &str, pass: &str, privilege: Privilege, suite: u8) -> ClientConfig {
    ClientConfig::new(user.as_bytes(), pass.as_bytes(), privilege)
        .unwrap()
        .with_suite(suite)
        .unwrap()
}

fn v15(user: &str, pass: &str, privilege: Privilege) -> ClientConfig {
    ClientConfig::new(user.as_bytes(), pass.as_bytes(), privilege)
        .unwrap()
        .with_ipmi15_md5()
        .unwrap()
}

/// Get Device ID and Get Chassis Status must answer with well-formed data.
fn device_id_and_status(c: &mut Client, what: &str) -> GetDeviceIdResponse {
    let reply = c
        .call::<GetDeviceId>(&Empty)
        .unwrap_or_else(|e| panic!("{what}: Get Device ID: {e}"));
    let id = *reply
        .parse::<GetDeviceId>()
        .as_ref()
        .unwrap_or_else(|e| panic!("{what}: Get Device ID reply: {e}"));
    let reply = c
        .call::<GetChassisStatus>(&Empty)
        .unwrap_or_else(|e| panic!("{what}: Get Chassis Status: {e}"));
    reply
        .parse::<GetChassisStatus>()
        .unwrap_or_else(|e| panic!("{what}: Get Chassis Status reply: {e}"));
    id
}

// ---- against our endpoint -------------------------------------------------------------------

#[test]
fn every_suite_against_our_endpoint() {
    let mut c = config();
    c.set_suites(&KNOWN_SUITES).unwrap(); // suite 0 too, for this test only
    let bmc = UdpBmc::start(c);
    for suite in KNOWN_SUITES {
        let what = format!("suite {suite}");
        let mut client = Client::connect(
            ("127.0.0.1", bmc.port),
            cfg("admin", "password", Privilege::Administrator, suite),
            fast(),
        )
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
        assert_eq!(
            client.session().max_privilege(),
            Privilege::Administrator,
            "{what}"
        );
        device_id_and_status(&mut client, &what);
        let before = bmc.actions().len();
        let reply = client
            .call::<ChassisControl>(&ChassisControlRequest {
                op: ipmi_core::cmd::chassis::control::ControlOp::PowerUp,
            })
            .unwrap_or_else(|e| panic!("{what}: Chassis Control: {e}"));
        assert_eq!(reply.completion_code, CompletionCode::Normal, "{what}");
        let actions = bmc.actions();
        assert_eq!(actions.len(), before + 1, "{what}: exactly one action");
        assert!(
            matches!(
                actions.last(),
                Some(Action::Control {
                    op: ControlOp::PowerUp,
                    ..
                })
            ),
            "{what}: {actions:?}"
        );
        client
            .close()
            .unwrap_or_else(|e| panic!("{what}: close: {e}"));
    }
}

#[test]
fn ipmi15_md5_against_our_endpoint() {
    let bmc = UdpBmc::start(config());
    let mut client = Client::connect(
        ("127.0.0.1", bmc.port),
        v15("admin", "password", Privilege::Administrator),
        fast(),
    )
    .unwrap();
    device_id_and_status(&mut client, "IPMI 1.5");
    let reply = client
        .call::<ChassisControl>(&ChassisControlRequest {
            op: ipmi_core::cmd::chassis::control::ControlOp::PowerDown,
        })
        .unwrap();
    assert_eq!(reply.completion_code, CompletionCode::Normal);
    assert!(!bmc.machine.lock().unwrap().on);
    client.close().unwrap();
}

#[test]
fn kg_against_our_endpoint() {
    let mut c = config();
    c.set_kg(Some(b"kgkgkgkgkgkgkgkgkgkg")).unwrap();
    let bmc = UdpBmc::start(c);
    for suite in [3u8, 8, 17] {
        let good = cfg("admin", "password", Privilege::Administrator, suite)
            .with_kg(b"kgkgkgkgkgkgkgkgkgkg")
            .unwrap();
        let mut client = Client::connect(("127.0.0.1", bmc.port), good, fast())
            .unwrap_or_else(|e| panic!("suite {suite} with K_g: {e}"));
        device_id_and_status(&mut client, "K_g");
        client.close().unwrap();
        // Without K_g, or with another one, RAKP4 does not verify.
        for kg in [None, Some(&b"wrong"[..])] {
            let mut c = cfg("admin", "password", Privilege::Administrator, suite);
            if let Some(kg) = kg {
                c = c.with_kg(kg).unwrap();
            }
            match Client::connect(("127.0.0.1", bmc.port), c, fast()) {
                Err(DriverError::Failed(Failure::Rakp4Icv)) => {}
                other => panic!("suite {suite}, K_g {kg:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn wrong_password_fails_at_once() {
    // Six wrong passwords in a row from one address: past the default five failed logins that
    // lock (admin, 127.0.0.1) out, which is not what this test is about.
    let mut c = config();
    c.limiter.lockout_threshold = 10;
    let bmc = UdpBmc::start(c);
    for suite in [1u8, 3, 6, 8, 12, 17] {
        let start = Instant::now();
        match Client::connect(
            ("127.0.0.1", bmc.port),
            cfg("admin", "wrong", Privilege::Administrator, suite),
            fast(),
        ) {
            Err(DriverError::Failed(Failure::Rakp2AuthCode)) => {}
            other => panic!("suite {suite}: {other:?}"),
        }
        // Refused on the BMC's own RAKP2, not after a time-out.
        assert!(
            start.elapsed() < Duration::from_millis(400),
            "suite {suite}"
        );
    }
    // IPMI 1.5: the BMC drops an Activate Session with a bad auth code; the client gives up
    // after its tries instead of hanging.
    let start = Instant::now();
    let short = Options {
        timeout: Duration::from_millis(200),
        tries: 2,
    };
    match Client::connect(
        ("127.0.0.1", bmc.port),
        v15("operator", "wrong", Privilege::Operator),
        short,
    ) {
        Err(DriverError::Timeout(Stage::ActivateSession)) => {}
        other => panic!("IPMI 1.5: {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(2));
    // Unknown user: the BMC says so.
    match Client::connect(
        ("127.0.0.1", bmc.port),
        cfg("nobody", "x", Privilege::User, 3),
        fast(),
    ) {
        Err(DriverError::Failed(Failure::Status {
            stage: Stage::Rakp2,
            status: RmcpPlusStatus::UnauthorizedName,
        })) => {}
        other => panic!("unknown user: {other:?}"),
    }
}

#[test]
fn privilege_levels_against_our_endpoint() {
    let bmc = UdpBmc::start(config());
    let port = bmc.port;
    let power_on = ChassisControlRequest {
        op: ipmi_core::cmd::chassis::control::ControlOp::PowerUp,
    };
    // User: may read, may not act.
    for c in [
        cfg("user", "userpass", Privilege::User, 17),
        v15("user", "userpass", Privilege::User),
    ] {
        let mut client = Client::connect(("127.0.0.1", port), c, fast()).unwrap();
        device_id_and_status(&mut client, "user");
        let reply = client.call::<ChassisControl>(&power_on).unwrap();
        assert_eq!(reply.completion_code, CompletionCode::InsufficientPrivilege);
        client.close().unwrap();
    }
    // Operator: may act.
    for c in [
        cfg("operator", "oppass", Privilege::Operator, 3),
        v15("operator", "oppass", Privilege::Operator),
    ] {
        let mut client = Client::connect(("127.0.0.1", port), c, fast()).unwrap();
        let reply = client.call::<ChassisControl>(&power_on).unwrap();
        assert_eq!(reply.completion_code, CompletionCode::Normal);
        client.close().unwrap();
    }
    // Asking for more than the user may have is refused, with the reason.
    match Client::connect(
        ("127.0.0.1", port),
        cfg("operator", "oppass", Privilege::Administrator, 3),
        fast(),
    ) {
        Err(DriverError::Failed(Failure::Status {
            stage: Stage::Rakp2,
            status: RmcpPlusStatus::UnauthorizedRole,
        })) => {}
        other => panic!("operator as admin: {other:?}"),
    }
    match Client::connect(
        ("127.0.0.1", port),
        v15("user", "userpass", Privilege::Administrator),
        fast(),
    ) {
        Err(DriverError::Failed(Failure::CompletionCode {
            stage: Stage::ActivateSession,
            ..
        })) => {}
        other => panic!("user as admin over IPMI 1.5: {other:?}"),
    }
}

#[test]
fn refused_suite_and_cipher_suite_list() {
    let mut c = config();
    c.set_suites(&[3, 17]).unwrap();
    let bmc = UdpBmc::start(c);
    match Client::connect(
        ("127.0.0.1", bmc.port),
        cfg("admin", "password", Privilege::Administrator, 8),
        fast(),
    ) {
        Err(DriverError::Failed(Failure::Status {
            stage: Stage::OpenSession,
            status: RmcpPlusStatus::NoCipherSuiteMatch,
        })) => {}
        other => panic!("suite 8: {other:?}"),
    }
    let list = blocking::cipher_suites(("127.0.0.1", bmc.port), fast())
        .unwrap()
        .unwrap();
    assert_eq!(list.suites().collect::<Vec<_>>(), [3, 17]);
}

#[test]
fn closed_sessions_free_their_slots() {
    // The harness BMC has 8 session slots: 20 sessions in a row only fit if Close works.
    let bmc = UdpBmc::start(config());
    for i in 0..20 {
        let c = if i % 2 == 0 {
            cfg("admin", "password", Privilege::Administrator, 17)
        } else {
            v15("admin", "password", Privilege::Administrator)
        };
        let client = Client::connect(("127.0.0.1", bmc.port), c, fast())
            .unwrap_or_else(|e| panic!("session {i}: {e}"));
        client.close().unwrap();
    }
}

#[test]
fn dead_bmc_times_out_with_the_stage() {
    // A bound socket that never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let start = Instant::now();
    let opts = Options {
        timeout: Duration::from_millis(100),
        tries: 3,
    };
    match Client::connect(
        ("127.0.0.1", port),
        cfg("admin", "password", Privilege::Administrator, 3),
        opts,
    ) {
        Err(DriverError::Timeout(Stage::AuthCapabilities)) => {}
        other => panic!("{other:?}"),
    }
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(2));
    // Three datagrams were sent: the first and two retransmissions, byte for byte the same.
    silent
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 512];
    let mut seen = Vec::new();
    while let Ok((n, _)) = silent.recv_from(&mut buf) {
        seen.push(buf[..n].to_vec());
    }
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|d| d == &seen[0]));
}

// ---- against OpenIPMI's ipmi_sim ------------------------------------------------------------

/// An `ipmi_sim` on a free loopback port in its own temporary directory; killed (by pid) and
/// cleaned up on drop, also when the test fails.
struct IpmiSim {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl IpmiSim {
    fn start(kg: Option<&str>) -> IpmiSim {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/sim");
        let port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("rmcp-client-sim-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).unwrap();
        std::fs::create_dir_all(dir.join("chassis")).unwrap();
        std::fs::write(dir.join("chassis/0x20.power"), "1\n").unwrap();
        let conf = std::fs::read_to_string(src.join("sim-lan.conf"))
            .unwrap_or_else(|e| panic!("ipmi_sim config in {}: {e}", src.display()));
        let mut conf = conf.replace("addr 127.0.0.9 9623", &format!("addr 127.0.0.1 {port}"));
        assert!(
            conf.contains(&format!("127.0.0.1 {port}")),
            "config address"
        );
        if let Some(kg) = kg {
            conf = conf.replace("guid ", &format!("bmc_key \"{kg}\"\n    guid "));
        }
        std::fs::write(dir.join("sim-lan.conf"), conf).unwrap();
        std::fs::copy(src.join("sim.emu"), dir.join("sim.emu")).unwrap();
        std::fs::copy(src.join("chassiscontrol.sh"), dir.join("chassiscontrol.sh")).unwrap();
        let log = std::fs::File::create(dir.join("sim.log")).unwrap();
        let child = Command::new("ipmi_sim")
            .args(["-c", "sim-lan.conf", "-f", "sim.emu", "-s", "state", "-n"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("ipmi_sim (Debian package openipmi) must be installed for this test: {e}")
            });
        let sim = IpmiSim { child, dir, port };
        sim.wait_ready();
        sim
    }

    /// Waits until the simulator answers Get Channel Cipher Suites.
    fn wait_ready(&self) {
        let start = Instant::now();
        let opts = Options {
            timeout: Duration::from_millis(200),
            tries: 1,
        };
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Ok(_)) = blocking::cipher_suites(("127.0.0.1", self.port), opts) {
                return;
            }
        }
        panic!("ipmi_sim did not come up:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sim.log")).unwrap_or_default()
    }
}

impl Drop for IpmiSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Handshake, Get Device ID (ipmi_sim's manufacturer 4753, MontaVista), Chassis Status, Close.
fn against_sim(sim: &IpmiSim, config: ClientConfig, what: &str) {
    let mut client = Client::connect(("127.0.0.1", sim.port), config, fast())
        .unwrap_or_else(|e| panic!("{what}: handshake with ipmi_sim: {e}\n{}", sim.log()));
    let id = device_id_and_status(&mut client, what);
    assert_eq!(id.manufacturer_id, 4753, "{what}");
    client
        .close()
        .unwrap_or_else(|e| panic!("{what}: close: {e}"));
}

#[test]
fn ipmi_sim_rmcp_plus_suites() {
    let sim = IpmiSim::start(None);
    let list = blocking::cipher_suites(("127.0.0.1", sim.port), fast())
        .unwrap()
        .unwrap();
    let offered: Vec<u8> = list.suites().collect();
    for suite in [1u8, 2, 3, 6] {
        assert!(offered.contains(&suite), "ipmi_sim offers {offered:?}");
        against_sim(
            &sim,
            cfg("admin", "password", Privilege::Administrator, suite),
            &format!("ipmi_sim suite {suite}"),
        );
    }
}

#[test]
fn ipmi_sim_ipmi15_md5() {
    let sim = IpmiSim::start(None);
    against_sim(
        &sim,
        v15("admin", "password", Privilege::Administrator),
        "ipmi_sim IPMI 1.5 MD5",
    );
}

#[test]
fn ipmi_sim_refuses_and_is_refused() {
    let sim = IpmiSim::start(None);
    // The client refuses a BMC whose RAKP2 does not prove our password.
    match Client::connect(
        ("127.0.0.1", sim.port),
        cfg("admin", "wrong", Privilege::Administrator, 3),
        fast(),
    ) {
        Err(DriverError::Failed(Failure::Rakp2AuthCode)) => {}
        other => panic!("wrong password: {other:?}"),
    }
    // ipmi_sim has no SHA-256: a clear status, not a hang.
    match Client::connect(
        ("127.0.0.1", sim.port),
        cfg("admin", "password", Privilege::Administrator, 17),
        fast(),
    ) {
        Err(DriverError::Failed(Failure::Status {
            stage: Stage::OpenSession,
            ..
        })) => {}
        other => panic!("suite 17: {other:?}"),
    }
}

#[test]
fn ipmi_sim_with_kg() {
    // ipmi_sim keeps at most 19 characters of bmc_key (vectors README, Q5).
    let sim = IpmiSim::start(Some("kgkgkgkgkgkgkgkgkgk"));
    against_sim(
        &sim,
        cfg("admin", "password", Privilege::Administrator, 3)
            .with_kg(b"kgkgkgkgkgkgkgkgkgk")
            .unwrap(),
        "ipmi_sim suite 3 with K_g",
    );
    match Client::connect(
        ("127.0.0.1", sim.port),
        cfg("admin", "password", Privilege::Administrator, 3),
        fast(),
    ) {
        Err(DriverError::Failed(Failure::Rakp4Icv)) => {}
        other => panic!("missing K_g: {other:?}"),
    }
}

#[test]
fn ipmi_sim_suites_7_and_8() {
    // RAKP-HMAC-MD5 interoperates: both of ipmi_sim's proofs (RAKP2 auth code, RAKP4 ICV) verify.
    // In session, ipmi_sim keys HMAC-MD5-128 with the password instead of K1 (vectors README Q2;
    // ipmitool and freeipmi fail the same way, cs07-*-FAILS / cs08-*-FAILS) and silently drops
    // every request. The client must report that as a time-out of the request, not hang or
    // accept anything. Our own endpoint does 7 and 8 by the spec (every_suite_against_our_endpoint,
    // and ipmitool/freeipmi in interop.rs).
    let sim = IpmiSim::start(None);
    let opts = Options {
        timeout: Duration::from_millis(300),
        tries: 2,
    };
    for suite in [7u8, 8] {
        let mut client = Client::connect(
            ("127.0.0.1", sim.port),
            cfg("admin", "password", Privilege::User, suite),
            opts,
        )
        .unwrap_or_else(|e| panic!("suite {suite}: RAKP with ipmi_sim: {e}\n{}", sim.log()));
        assert!(client.session().is_active());
        match client.call::<GetDeviceId>(&Empty) {
            Err(DriverError::Timeout(Stage::Request)) => {}
            other => panic!(
                "suite {suite}: ipmi_sim answered an HMAC-MD5-128 packet keyed with K1 \
                 (bug Q2 fixed? then test Get Device ID here): {other:?}"
            ),
        }
    }
}
