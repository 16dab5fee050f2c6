//! Dispatcher tests: every command's happy path, each completion code, the privilege table, the
//! boot flag life cycle and the exact ipmitool / ironic sequences.
use super::*;
use crate::cmd::app::device_id::IPMI_VERSION_2_0;
use crate::CompletionCode as Cc;
use heapless::Vec;

/// A tiny user table: 4 users, passwords zero-padded to 20 bytes plus their size.
struct TestUsers {
    names: [[u8; 16]; 4],
    access: [UserAccess; 4],
    passwords: [([u8; 20], usize); 4],
    active: u8,
}

impl TestUsers {
    fn new() -> Self {
        let off = UserAccess {
            enabled: false,
            privilege_limit: Privilege::NoAccess,
            ipmi_messaging: false,
            link_auth: false,
            callback_only: false,
        };
        let mut t = TestUsers {
            names: [[0; 16]; 4],
            access: [off; 4],
            passwords: [([0; 20], 16); 4],
            active: 2,
        };
        t.names[1][..5].copy_from_slice(b"admin");
        t.access[1] = UserAccess {
            enabled: true,
            privilege_limit: Privilege::Administrator,
            ipmi_messaging: true,
            link_auth: false,
            callback_only: false,
        };
        t.passwords[1].0[..8].copy_from_slice(b"password");
        t
    }
    fn slot(id: u8) -> usize {
        usize::from(id - 1)
    }
}

impl UserStore for TestUsers {
    fn max_user_ids(&self) -> u8 {
        4
    }
    fn name(&self, id: u8) -> [u8; 16] {
        self.names[Self::slot(id)]
    }
    fn set_name(&mut self, id: u8, name: &[u8; 16]) -> Result<(), CompletionCode> {
        if id == 1 {
            return Err(Cc::InvalidDataField); // the null user's name is fixed
        }
        self.names[Self::slot(id)] = *name;
        Ok(())
    }
    fn access(&self, id: u8) -> UserAccess {
        self.access[Self::slot(id)]
    }
    fn set_access(&mut self, id: u8, access: UserAccess) -> Result<(), CompletionCode> {
        self.access[Self::slot(id)] = access;
        Ok(())
    }
    fn set_password(&mut self, id: u8, password: &[u8]) -> Result<(), CompletionCode> {
        let mut p = [0u8; 20];
        p.get_mut(..password.len())
            .ok_or(Cc::InvalidDataField)?
            .copy_from_slice(password);
        self.passwords[Self::slot(id)] = (p, password.len());
        Ok(())
    }
    fn test_password(&self, id: u8, password: &[u8]) -> PasswordTest {
        let (stored, size) = &self.passwords[Self::slot(id)];
        if password.len() != *size {
            return PasswordTest::WrongSize;
        }
        // Constant time: fold over every byte.
        let diff = stored
            .iter()
            .zip(password)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            PasswordTest::Match
        } else {
            PasswordTest::Mismatch
        }
    }
    fn fixed_name_user_ids(&self) -> u8 {
        1
    }
    fn active_sessions(&self) -> u8 {
        self.active
    }
}

/// The dispatcher plus a fake platform that answers every action.
struct Harness {
    bmc: Bmc,
    users: TestUsers,
    now: Instant,
    power: bool,
    /// Every action the dispatcher deferred, in order.
    actions: Vec<Action, 64>,
    /// When set, the platform fails the next action with this code.
    fail: Option<CompletionCode>,
    /// When set, every sensor reads this raw value (else number * 10).
    raw: Option<u8>,
}

/// A response: completion code and data.
type Rsp = (CompletionCode, Vec<u8, 64>);

impl Harness {
    fn new() -> Self {
        Harness {
            bmc: Bmc::new(DeviceIdentity::default(), ChannelConfig::default()),
            users: TestUsers::new(),
            now: Instant::from_millis(1_000),
            power: false,
            actions: Vec::new(),
            fail: None,
            raw: None,
        }
    }

    fn at(&mut self, privilege: Privilege, netfn: NetFn, cmd: u8, lun: u8, data: &[u8]) -> Rsp {
        let ctx = Context {
            now: self.now,
            privilege,
            user_id: 2,
            channel: 1,
        };
        let req = Request {
            netfn,
            cmd,
            lun,
            data,
        };
        let mut out = [0u8; 64];
        let reply = match self.bmc.handle(&ctx, &req, &mut self.users, &mut out) {
            Outcome::Reply(r) => r,
            Outcome::Defer(action) => {
                self.actions.push(action).unwrap();
                let result = match (self.fail.take(), action) {
                    (Some(cc), _) => ActionResult::Failed(cc),
                    (None, Action::PowerStatus) => ActionResult::Power { on: self.power },
                    (None, Action::Control { op, .. }) => {
                        self.power = match op {
                            ControlOp::PowerUp | ControlOp::PowerCycle | ControlOp::HardReset => {
                                true
                            }
                            ControlOp::PowerDown | ControlOp::SoftShutdown => false,
                            ControlOp::PulseDiagnosticInterrupt => self.power,
                        };
                        ActionResult::Done
                    }
                    (None, Action::ReadSensor { number, .. }) => ActionResult::Reading {
                        raw: Some(self.raw.unwrap_or(number * 10)),
                    },
                    (None, _) => ActionResult::Done,
                };
                self.bmc.complete(self.now, &action, result, &mut out)
            }
        };
        (
            reply.completion_code,
            Vec::from_slice(&out[..reply.len]).unwrap(),
        )
    }

    fn run(&mut self, privilege: Privilege, netfn: NetFn, cmd: u8, data: &[u8]) -> Rsp {
        self.at(privilege, netfn, cmd, 0, data)
    }

    fn admin(&mut self, netfn: NetFn, cmd: u8, data: &[u8]) -> Rsp {
        self.run(Privilege::Administrator, netfn, cmd, data)
    }

    /// Runs a command as Operator and expects a normal completion; returns the data.
    fn ok(&mut self, netfn: NetFn, cmd: u8, data: &[u8]) -> Vec<u8, 64> {
        let (cc, d) = self.run(Privilege::Operator, netfn, cmd, data);
        assert_eq!(
            cc,
            Cc::Normal,
            "netfn {netfn:?} cmd {cmd:#04x} data {data:02x?}"
        );
        d
    }

    fn chassis(&mut self, cmd: u8, data: &[u8]) -> Vec<u8, 64> {
        self.ok(NetFn::Chassis, cmd, data)
    }

    fn boot_param(&mut self, param: u8) -> Vec<u8, 64> {
        self.chassis(0x09, &[param, 0, 0])
    }

    fn advance(&mut self, ms: u64) {
        self.now = self.now.add_millis(ms);
        self.bmc.poll(self.now);
    }

    fn last_action(&self) -> Action {
        *self.actions.last().unwrap()
    }
}

fn code(h: &mut Harness, privilege: Privilege, netfn: NetFn, cmd: u8, data: &[u8]) -> Cc {
    h.run(privilege, netfn, cmd, data).0
}

// ---------------------------------------------------------------- completion codes

#[test]
fn unknown_netfns_and_commands_get_c1() {
    let mut h = Harness::new();
    // ipmitool's probes after Set Session Privilege (v15-password-ipmitool-4cmds.txt 11, 15, 17).
    for (netfn, cmd, data) in [
        (0x2C, 0x3E, &[0x00, 0x02][..]),
        (0x2C, 0x00, &[0x00][..]),
        (0x2C, 0x00, &[0x03][..]),
        (0x2C, 0x01, &[0x00][..]),             // not the DCMI group
        (0x2C, 0x03, &[0xDC, 0x00, 0x00][..]), // DCMI Get Power Limit (not served)
        (0x04, 0x2F, &[0x01][..]),             // Get Sensor Type (not served)
        (0x0A, 0x41, &[][..]),                 // Get SEL Allocation Info (not served)
        (0x0C, 0x04, &[0x01, 0x00][..]),
        (0x2E, 0x01, &[0x00, 0x00, 0x00][..]),
        (0x00, 0x05, &[][..]),
        (0x00, 0x0A, &[][..]),
        (0x06, 0x02, &[][..]),
        // Session commands are rmcp's.
        (0x06, 0x38, &[0x0E, 0x04][..]),
        (0x06, 0x3B, &[0x04][..]),
        (0x06, 0x3C, &[0, 0, 0, 0][..]),
        (0x06, 0x54, &[0x0E, 0x00, 0x80][..]),
    ] {
        for p in [
            Privilege::Administrator,
            Privilege::User,
            Privilege::Highest,
        ] {
            assert_eq!(
                code(&mut h, p, NetFn::from(netfn), cmd, data),
                Cc::InvalidCommand
            );
        }
    }
    assert!(h.actions.is_empty());
}

#[test]
fn nonzero_lun_gets_c2() {
    let mut h = Harness::new();
    for lun in 1..4 {
        assert_eq!(
            h.at(Privilege::Administrator, NetFn::App, 0x01, lun, &[]).0,
            Cc::InvalidForLun
        );
        assert_eq!(
            h.at(Privilege::Administrator, NetFn::Chassis, 0x02, lun, &[1])
                .0,
            Cc::InvalidForLun
        );
    }
    assert!(h.actions.is_empty());
}

#[test]
fn wrong_lengths_get_c7() {
    let mut h = Harness::new();
    for (netfn, cmd, data) in [
        (NetFn::Chassis, 0x00, &[0u8][..]),
        (NetFn::Chassis, 0x01, &[0][..]),
        (NetFn::Chassis, 0x02, &[][..]),
        (NetFn::Chassis, 0x02, &[1, 0][..]),
        (NetFn::Chassis, 0x03, &[0][..]),
        (NetFn::Chassis, 0x04, &[1, 2, 3][..]),
        (NetFn::Chassis, 0x06, &[][..]),
        (NetFn::Chassis, 0x07, &[0][..]),
        (NetFn::Chassis, 0x08, &[][..]),
        (NetFn::Chassis, 0x08, &[0x05, 0x80, 0x04, 0x00, 0x00][..]),
        (NetFn::Chassis, 0x08, &[0x00][..]),
        (NetFn::Chassis, 0x08, &[0x04, 0x01][..]),
        (NetFn::Chassis, 0x08, &[0x06, 1, 2][..]),
        (NetFn::Chassis, 0x09, &[0x05, 0x00][..]),
        (NetFn::Chassis, 0x0F, &[0][..]),
        (NetFn::App, 0x01, &[0][..]),
        (NetFn::App, 0x04, &[0][..]),
        (NetFn::App, 0x08, &[0][..]),
        (NetFn::App, 0x37, &[0][..]),
        (NetFn::App, 0x41, &[0x01][..]),
        (NetFn::App, 0x42, &[][..]),
        (NetFn::App, 0x44, &[0x01][..]),
        (NetFn::App, 0x46, &[][..]),
        (NetFn::App, 0x45, &[0x02, b'a'][..]),
        (NetFn::App, 0x47, &[0x02, 0x02, b'a'][..]),
    ] {
        assert_eq!(
            code(&mut h, Privilege::Administrator, netfn, cmd, data),
            Cc::RequestDataLengthInvalid,
            "{netfn:?} {cmd:#04x} {data:02x?}"
        );
    }
    assert!(h.actions.is_empty());
}

#[test]
fn invalid_fields_get_cc() {
    let mut h = Harness::new();
    for (netfn, cmd, data) in [
        (NetFn::Chassis, 0x02, &[0x06][..]),
        (NetFn::Chassis, 0x02, &[0x0F][..]),
        (NetFn::Chassis, 0x06, &[0x04][..]),
        (NetFn::Chassis, 0x08, &[0x00, 0x03][..]),
        (NetFn::App, 0x42, &[0x02][..]),
        (NetFn::App, 0x42, &[0x00][..]),
        (NetFn::App, 0x42, &[0x0F][..]),
        (NetFn::App, 0x41, &[0x02, 0x40][..]),
        (NetFn::App, 0x41, &[0x01, 0x00][..]),
        (NetFn::App, 0x44, &[0x03, 0x01][..]),
        (NetFn::App, 0x44, &[0x01, 0x00][..]),
        (NetFn::App, 0x43, &[0x91, 0x02, 0x07][..]),
        (NetFn::App, 0x40, &[0x01, 0x40, 0x40][..]),
        (NetFn::App, 0x40, &[0x01, 0x82, 0x80][..]),
    ] {
        assert_eq!(
            code(&mut h, Privilege::Administrator, netfn, cmd, data),
            Cc::InvalidDataField,
            "{netfn:?} {cmd:#04x} {data:02x?}"
        );
    }
}

#[test]
fn user_id_above_table_gets_c9() {
    let mut h = Harness::new();
    assert_eq!(
        code(
            &mut h,
            Privilege::Administrator,
            NetFn::App,
            0x44,
            &[0x01, 0x05]
        ),
        Cc::ParameterOutOfRange
    );
    assert_eq!(
        code(&mut h, Privilege::Administrator, NetFn::App, 0x46, &[0x3F]),
        Cc::ParameterOutOfRange
    );
    let mut set = [0u8; 18];
    set[0] = 0x05;
    set[1] = 0x02;
    assert_eq!(
        code(&mut h, Privilege::Administrator, NetFn::App, 0x47, &set),
        Cc::ParameterOutOfRange
    );
}

#[test]
fn platform_failures_become_the_completion_code() {
    let mut h = Harness::new();
    h.fail = Some(Cc::NodeBusy);
    assert_eq!(
        h.run(Privilege::User, NetFn::Chassis, 0x01, &[]),
        (Cc::NodeBusy, Vec::new())
    );
    h.fail = Some(Cc::NotSupportedInPresentState);
    assert_eq!(
        code(&mut h, Privilege::Operator, NetFn::Chassis, 0x02, &[0x05]),
        Cc::NotSupportedInPresentState
    );
    h.fail = Some(Cc::Timeout);
    assert_eq!(
        code(&mut h, Privilege::Operator, NetFn::Chassis, 0x04, &[]),
        Cc::Timeout
    );
    // A platform that "fails" with Normal still fails.
    h.fail = Some(Cc::Normal);
    assert_eq!(
        code(&mut h, Privilege::Operator, NetFn::Chassis, 0x02, &[0x01]),
        Cc::Unspecified
    );
}

#[test]
fn failed_power_up_leaves_boot_flags_and_restart_cause() {
    let mut h = Harness::new();
    h.chassis(0x08, &[0x05, 0x80, 0x04, 0x00, 0x00, 0x00]);
    h.fail = Some(Cc::NodeBusy);
    assert_eq!(
        code(&mut h, Privilege::Operator, NetFn::Chassis, 0x02, &[0x01]),
        Cc::NodeBusy
    );
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x80, 0x04, 0x00, 0x00, 0x00]
    );
    assert_eq!(&h.chassis(0x07, &[])[..], &[0x00, 0x00]);
}

// ---------------------------------------------------------------- privilege

/// (netfn, cmd, data, lowest privilege that may run it)
const PRIVILEGE_TABLE: [(NetFn, u8, &[u8], Privilege); 21] = [
    (NetFn::Chassis, 0x00, &[], Privilege::User),
    (NetFn::Chassis, 0x01, &[], Privilege::User),
    (NetFn::Chassis, 0x02, &[0x01], Privilege::Operator),
    (NetFn::Chassis, 0x03, &[], Privilege::Operator),
    (NetFn::Chassis, 0x04, &[], Privilege::Operator),
    (NetFn::Chassis, 0x06, &[0x03], Privilege::Operator),
    (NetFn::Chassis, 0x07, &[], Privilege::User),
    (NetFn::Chassis, 0x08, &[0x03, 0x08], Privilege::Operator),
    (
        NetFn::Chassis,
        0x09,
        &[0x05, 0x00, 0x00],
        Privilege::Operator,
    ),
    (NetFn::Chassis, 0x0F, &[], Privilege::User),
    (NetFn::App, 0x01, &[], Privilege::User),
    (NetFn::App, 0x04, &[], Privilege::User),
    (NetFn::App, 0x08, &[], Privilege::User),
    (NetFn::App, 0x41, &[0x0E, 0x80], Privilege::User),
    (NetFn::App, 0x42, &[0x0E], Privilege::User),
    (NetFn::App, 0x44, &[0x01, 0x02], Privilege::Operator),
    (NetFn::App, 0x46, &[0x02], Privilege::Operator),
    (
        NetFn::App,
        0x43,
        &[0x91, 0x02, 0x03],
        Privilege::Administrator,
    ),
    (
        NetFn::App,
        0x45,
        &[
            0x02, b'b', b'o', b'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
        Privilege::Administrator,
    ),
    (NetFn::App, 0x47, &[0x02, 0x01], Privilege::Administrator),
    (
        NetFn::App,
        0x40,
        &[0x01, 0x00, 0x00],
        Privilege::Administrator,
    ),
];

#[test]
fn privilege_refused_below_each_level() {
    let levels = [
        Privilege::Highest,
        Privilege::Callback,
        Privilege::User,
        Privilege::Operator,
        Privilege::Administrator,
        Privilege::Oem,
        Privilege::NoAccess,
    ];
    for (netfn, cmd, data, needed) in PRIVILEGE_TABLE {
        assert_eq!(required_privilege(netfn, cmd), Some(needed));
        for level in levels {
            let mut h = Harness::new();
            let cc = code(&mut h, level, netfn, cmd, data);
            if level.allows(needed) {
                assert_eq!(cc, Cc::Normal, "{level:?} {netfn:?} {cmd:#04x}");
            } else {
                assert_eq!(
                    cc,
                    Cc::InsufficientPrivilege,
                    "{level:?} {netfn:?} {cmd:#04x}"
                );
                assert!(h.actions.is_empty(), "refused request still acted");
            }
        }
    }
}

#[test]
fn system_guid_needs_no_session() {
    let mut h = Harness::new();
    h.bmc = Bmc::new(
        DeviceIdentity {
            system_guid: [7; 16],
            ..Default::default()
        },
        ChannelConfig::default(),
    );
    let (cc, data) = h.run(Privilege::Highest, NetFn::App, 0x37, &[]);
    assert_eq!(cc, Cc::Normal);
    assert_eq!(&data[..], &[7; 16]);
    assert_eq!(
        required_privilege(NetFn::App, 0x37),
        Some(Privilege::Highest)
    );
}

#[test]
fn user_reads_status_but_cannot_act() {
    let mut h = Harness::new();
    assert_eq!(
        h.run(Privilege::User, NetFn::Chassis, 0x01, &[]).0,
        Cc::Normal
    );
    for (cmd, data) in [
        (0x02, &[0x00][..]),
        (0x03, &[][..]),
        (0x04, &[][..]),
        (0x08, &[0x00, 0x01][..]),
    ] {
        assert_eq!(
            code(&mut h, Privilege::User, NetFn::Chassis, cmd, data),
            Cc::InsufficientPrivilege
        );
    }
    assert_eq!(h.actions.len(), 1);
    assert_eq!(h.actions[0], Action::PowerStatus);
}

// ---------------------------------------------------------------- chassis

#[test]
fn chassis_status_reports_power_policy_identify_and_last_event() {
    let mut h = Harness::new();
    // Off, policy always-off, identify supported and off.
    assert_eq!(&h.chassis(0x01, &[])[..], &[0x00, 0x00, 0x40]);
    assert_eq!(h.last_action(), Action::PowerStatus);
    h.power = true;
    assert_eq!(&h.chassis(0x01, &[])[..], &[0x01, 0x00, 0x40]);
    assert_eq!(&h.chassis(0x06, &[0x02])[..], &[0x07]);
    assert_eq!(&h.chassis(0x01, &[])[..], &[0x41, 0x00, 0x40]);
    assert_eq!(&h.chassis(0x06, &[0x03])[..], &[0x07]); // no change
    assert_eq!(&h.chassis(0x01, &[])[..], &[0x41, 0x00, 0x40]);
    assert_eq!(&h.chassis(0x06, &[0x01])[..], &[0x07]);
    h.chassis(0x02, &[0x00]);
    h.chassis(0x02, &[0x01]);
    // On, policy previous; last event: powered on by IPMI command.
    assert_eq!(&h.chassis(0x01, &[])[..], &[0x21, 0x10, 0x40]);
    assert_eq!(
        h.bmc.power_restore_policy(),
        crate::cmd::chassis::power_restore_policy::PowerRestorePolicy::Previous
    );
}

#[test]
fn power_status_without_a_reading_uses_the_last_known_state() {
    let mut h = Harness::new();
    h.chassis(0x02, &[0x01]);
    let mut out = [0u8; 8];
    let r = h
        .bmc
        .complete(h.now, &Action::PowerStatus, ActionResult::Done, &mut out);
    assert_eq!(
        r,
        Reply {
            completion_code: Cc::Normal,
            len: 3
        }
    );
    assert_eq!(out[0] & 1, 1);
}

#[test]
fn chassis_control_defers_every_operation() {
    let mut h = Harness::new();
    for (code, op) in [
        (0u8, ControlOp::PowerDown),
        (1, ControlOp::PowerUp),
        (2, ControlOp::PowerCycle),
        (3, ControlOp::HardReset),
        (4, ControlOp::PulseDiagnosticInterrupt),
        (5, ControlOp::SoftShutdown),
        (0xF1, ControlOp::PowerUp), // reserved bits 7:4 ignored
    ] {
        assert!(h.chassis(0x02, &[code]).is_empty());
        assert_eq!(h.last_action(), Action::Control { op, boot: None });
    }
    assert!(h.chassis(0x03, &[]).is_empty());
    assert_eq!(
        h.last_action(),
        Action::Control {
            op: ControlOp::HardReset,
            boot: None
        }
    );
}

#[test]
fn power_on_while_on_succeeds() {
    let mut h = Harness::new();
    h.power = true;
    assert!(h.chassis(0x02, &[0x01]).is_empty());
    assert!(h.chassis(0x02, &[0x01]).is_empty());
}

#[test]
fn identify_timed_forced_and_off() {
    let mut h = Harness::new();
    h.chassis(0x04, &[]);
    assert_eq!(
        h.last_action(),
        Action::Identify {
            seconds: 15,
            force: false
        }
    );
    assert_eq!(h.chassis(0x01, &[])[2], 0x50); // supported + timed on
    h.advance(14_999);
    assert_eq!(h.chassis(0x01, &[])[2], 0x50);
    h.advance(1);
    assert_eq!(h.chassis(0x01, &[])[2], 0x40);
    h.chassis(0x04, &[0x00, 0x01]);
    assert_eq!(
        h.last_action(),
        Action::Identify {
            seconds: 0,
            force: true
        }
    );
    h.advance(3_600_000);
    assert_eq!(h.chassis(0x01, &[])[2], 0x60); // indefinite
    h.chassis(0x04, &[0x00]);
    assert_eq!(
        h.last_action(),
        Action::Identify {
            seconds: 0,
            force: false
        }
    );
    assert_eq!(h.chassis(0x01, &[])[2], 0x40);
    h.chassis(0x04, &[0x05]);
    assert_eq!(
        h.last_action(),
        Action::Identify {
            seconds: 5,
            force: false
        }
    );
}

#[test]
fn capabilities_restart_cause_and_poh() {
    let mut h = Harness::new();
    assert_eq!(&h.chassis(0x00, &[])[..], &[0x00, 0x20, 0x20, 0x20, 0x20]);
    assert_eq!(&h.chassis(0x07, &[])[..], &[0x00, 0x00]);
    assert_eq!(&h.chassis(0x0F, &[])[..], &[0x01, 0, 0, 0, 0]);
    h.chassis(0x02, &[0x01]); // on at t
    assert_eq!(&h.chassis(0x07, &[])[..], &[0x01, 0x01]); // chassis control, channel 1
    h.advance(125 * 60_000 + 59_999);
    assert_eq!(&h.chassis(0x0F, &[])[..], &[0x01, 125, 0, 0, 0]);
    h.chassis(0x02, &[0x00]); // off: the counter stops
    h.advance(10 * 60_000);
    assert_eq!(&h.chassis(0x0F, &[])[..], &[0x01, 125, 0, 0, 0]);
    h.power = true; // someone pressed the button; a status read notices
    h.chassis(0x01, &[]);
    h.advance(300 * 60_000);
    assert_eq!(&h.chassis(0x0F, &[])[..], &[0x01, 0xA9, 0x01, 0, 0]); // 425 minutes
    h.chassis(0x02, &[0x05]); // soft off: still on until the platform says otherwise
    h.advance(60_000);
    assert_eq!(&h.chassis(0x0F, &[])[..], &[0x01, 0xAA, 0x01, 0, 0]);
}

// ---------------------------------------------------------------- boot options

/// `ipmitool chassis bootdev pxe`, exactly as ipmitool 1.8.19 sent it and fakebmc answered
/// (../shared/vectors/txt/cs17-ipmitool-4cmds.txt, rqSeq 8..12).
const BOOTDEV_PXE: [&[u8]; 5] = [
    &[0x00, 0x01],
    &[0x04, 0x01, 0x01],
    &[0x05, 0x80, 0x04, 0x00, 0x00, 0x00],
    &[0x00, 0x02],
    &[0x00, 0x00],
];

#[test]
fn ipmitool_bootdev_pxe_sequence() {
    let mut h = Harness::new();
    for data in BOOTDEV_PXE {
        let (cc, rsp) = h.run(Privilege::Operator, NetFn::Chassis, 0x08, data);
        assert_eq!((cc, rsp.len()), (Cc::Normal, 0), "{data:02x?}");
    }
    let flags = BootFlags::from_data([0x80, 0x04, 0x00, 0x00, 0x00]);
    assert_eq!(&h.actions[..], &[Action::SetBootFlags(flags)]);
    assert_eq!(h.bmc.boot_flags(), flags);
    assert_eq!(&h.boot_param(0)[..], &[0x01, 0x00, 0x00]);
    assert_eq!(&h.boot_param(4)[..], &[0x01, 0x04, 0x00, 0x01]);
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x80, 0x04, 0x00, 0x00, 0x00]
    );
    // The next power-up carries the flags, then the one-shot flags are used up.
    h.chassis(0x02, &[0x01]);
    assert_eq!(
        h.last_action(),
        Action::Control {
            op: ControlOp::PowerUp,
            boot: Some(flags)
        }
    );
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x00, 0x04, 0x00, 0x00, 0x00]
    );
    h.chassis(0x02, &[0x03]);
    assert_eq!(
        h.last_action(),
        Action::Control {
            op: ControlOp::HardReset,
            boot: None
        }
    );
    // Running the sequence again works (the lock was released by "set complete").
    for data in BOOTDEV_PXE {
        assert_eq!(
            code(&mut h, Privilege::Operator, NetFn::Chassis, 0x08, data),
            Cc::Normal
        );
    }
}

#[test]
fn ironic_raw_sequence_keeps_persistent_efi_flags() {
    let mut h = Harness::new();
    // ipmitool raw 0x00 0x08 0x03 0x08; raw 0x00 0x08 0x05 0xe0 0x04 0x00 0x00 0x00
    assert!(h.chassis(0x08, &[0x03, 0x08]).is_empty());
    assert!(h
        .chassis(0x08, &[0x05, 0xE0, 0x04, 0x00, 0x00, 0x00])
        .is_empty());
    assert_eq!(&h.boot_param(3)[..], &[0x01, 0x03, 0x08]);
    let flags = h.bmc.boot_flags();
    assert!(flags.valid && flags.persistent && flags.efi);
    assert_eq!(flags.device, 1);
    h.advance(120_000); // no 60 s clearing
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0xE0, 0x04, 0x00, 0x00, 0x00]
    );
    // ironic polls power, then powers on (while on: must succeed) and polls again.
    h.chassis(0x01, &[]);
    h.chassis(0x02, &[0x02]);
    assert_eq!(
        h.last_action(),
        Action::Control {
            op: ControlOp::PowerCycle,
            boot: Some(flags)
        }
    );
    assert_eq!(h.chassis(0x01, &[])[0] & 1, 1);
    // Persistent: still valid after the boot, and for the next one.
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0xE0, 0x04, 0x00, 0x00, 0x00]
    );
    h.chassis(0x02, &[0x03]);
    assert_eq!(
        h.last_action(),
        Action::Control {
            op: ControlOp::HardReset,
            boot: Some(flags)
        }
    );
    // One-shot EFI disk (A0 08): cleared after the boot, EFI and the device stay as set.
    h.chassis(0x08, &[0x05, 0xA0, 0x08, 0x00, 0x00, 0x00]);
    h.chassis(0x02, &[0x01]);
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x20, 0x08, 0x00, 0x00, 0x00]
    );
    // Legacy one-shot (80) and persistent legacy (C0).
    h.chassis(0x08, &[0x05, 0x80, 0x14, 0x00, 0x00, 0x00]);
    h.chassis(0x02, &[0x02]);
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x00, 0x14, 0x00, 0x00, 0x00]
    );
    h.chassis(0x08, &[0x05, 0xC0, 0x18, 0x00, 0x00, 0x00]);
    h.chassis(0x02, &[0x02]);
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0xC0, 0x18, 0x00, 0x00, 0x00]
    );
}

#[test]
fn boot_flags_valid_cleared_after_60_seconds() {
    let mut h = Harness::new();
    h.chassis(0x08, &[0x05, 0xC0, 0x04, 0x00, 0x00, 0x00]);
    h.advance(59_999);
    assert!(h.bmc.boot_flags().valid);
    h.advance(1);
    // Cleared even though persistent: no boot came within 60 s (IPMI v2.0 28.12).
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x40, 0x04, 0x00, 0x00, 0x00]
    );
    h.chassis(0x02, &[0x01]);
    assert_eq!(
        h.last_action(),
        Action::Control {
            op: ControlOp::PowerUp,
            boot: None
        }
    );
    // Without poll: handle runs the timer itself.
    h.chassis(0x08, &[0x05, 0x80, 0x04, 0x00, 0x00, 0x00]);
    h.now = h.now.add_millis(60_000);
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x00, 0x04, 0x00, 0x00, 0x00]
    );
}

#[test]
fn persistent_flags_survive_the_timer_once_a_boot_used_them() {
    let mut h = Harness::new();
    h.chassis(0x08, &[0x05, 0xC0, 0x04, 0x00, 0x00, 0x00]);
    h.advance(10_000);
    h.chassis(0x02, &[0x01]);
    h.advance(600_000);
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0xC0, 0x04, 0x00, 0x00, 0x00]
    );
}

#[test]
fn flags_not_valid_or_power_off_carry_no_boot() {
    let mut h = Harness::new();
    h.chassis(0x08, &[0x05, 0x00, 0x04, 0x00, 0x00, 0x00]);
    h.chassis(0x02, &[0x01]);
    assert_eq!(
        h.last_action(),
        Action::Control {
            op: ControlOp::PowerUp,
            boot: None
        }
    );
    h.chassis(0x08, &[0x05, 0x80, 0x04, 0x00, 0x00, 0x00]);
    for op in [0u8, 4, 5] {
        h.chassis(0x02, &[op]);
        let Action::Control { boot, .. } = h.last_action() else {
            panic!()
        };
        assert_eq!(boot, None);
    }
    assert!(h.bmc.boot_flags().valid);
}

#[test]
fn flags_changed_while_booting_are_kept() {
    let mut h = Harness::new();
    h.chassis(0x08, &[0x05, 0x80, 0x04, 0x00, 0x00, 0x00]);
    let ctx = Context {
        now: h.now,
        privilege: Privilege::Operator,
        user_id: 2,
        channel: 1,
    };
    let mut out = [0u8; 32];
    let req = Request {
        netfn: NetFn::Chassis,
        cmd: 0x02,
        lun: 0,
        data: &[0x01],
    };
    let Outcome::Defer(action) = h.bmc.handle(&ctx, &req, &mut h.users, &mut out) else {
        panic!()
    };
    // While the platform powers on, another console sets new flags.
    h.chassis(0x08, &[0x05, 0x80, 0x08, 0x00, 0x00, 0x00]);
    let r = h.bmc.complete(h.now, &action, ActionResult::Done, &mut out);
    assert_eq!(r, Reply::code(Cc::Normal));
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x05, 0x80, 0x08, 0x00, 0x00, 0x00]
    );
}

#[test]
fn set_in_progress_lock() {
    let mut h = Harness::new();
    assert!(h.chassis(0x08, &[0x00, 0x01]).is_empty());
    assert_eq!(&h.boot_param(0)[..], &[0x01, 0x00, 0x01]);
    assert_eq!(
        code(
            &mut h,
            Privilege::Operator,
            NetFn::Chassis,
            0x08,
            &[0x00, 0x01]
        ),
        Cc::CommandSpecific81
    );
    h.chassis(0x08, &[0x00, 0x02]); // commit: the lock stays until "set complete"
    assert_eq!(&h.boot_param(0)[..], &[0x01, 0x00, 0x01]);
    h.chassis(0x08, &[0x00, 0x00]);
    h.chassis(0x08, &[0x00, 0x01]);
    // A lock nobody releases expires.
    h.advance(59_999);
    assert_eq!(
        code(
            &mut h,
            Privilege::Operator,
            NetFn::Chassis,
            0x08,
            &[0x00, 0x01]
        ),
        Cc::CommandSpecific81
    );
    h.advance(1);
    assert_eq!(&h.boot_param(0)[..], &[0x01, 0x00, 0x00]);
    assert!(h.chassis(0x08, &[0x00, 0x01]).is_empty());
}

#[test]
fn other_boot_parameters() {
    let mut h = Harness::new();
    // Stored raw and returned exactly: 1, 2 (1 byte), 6 (9 bytes); bit 7 marks invalid.
    h.chassis(0x08, &[0x01, 0x42]);
    h.chassis(0x08, &[0x02, 0x03]);
    h.chassis(0x08, &[0x86, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(&h.boot_param(1)[..], &[0x01, 0x01, 0x42]);
    assert_eq!(&h.boot_param(2)[..], &[0x01, 0x02, 0x03]);
    assert_eq!(
        &h.boot_param(6)[..],
        &[0x01, 0x86, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    h.chassis(0x08, &[0x06, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(
        &h.boot_param(6)[..],
        &[0x01, 0x06, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    );
    // Parameter 4 writes through its mask.
    h.chassis(0x08, &[0x04, 0x1F, 0x15]);
    h.chassis(0x08, &[0x04, 0x01, 0x00]);
    assert_eq!(&h.boot_param(4)[..], &[0x01, 0x04, 0x00, 0x14]);
    // Unsupported: mailbox, OEM, reserved -> 0x80 both ways.
    for p in [7u8, 8, 0x60, 0x7F] {
        assert_eq!(
            code(&mut h, Privilege::Operator, NetFn::Chassis, 0x08, &[p, 0]),
            Cc::CommandSpecific80
        );
        assert_eq!(
            code(
                &mut h,
                Privilege::Operator,
                NetFn::Chassis,
                0x09,
                &[p, 0, 0]
            ),
            Cc::CommandSpecific80
        );
    }
    // Marking the boot flags invalid is reported back.
    h.chassis(0x08, &[0x85, 0x80, 0x04, 0x00, 0x00, 0x00]);
    assert_eq!(
        &h.boot_param(5)[..],
        &[0x01, 0x85, 0x80, 0x04, 0x00, 0x00, 0x00]
    );
}

// ---------------------------------------------------------------- app

#[test]
fn device_id_guids_and_self_test() {
    let mut h = Harness::new();
    let (cc, d) = h.run(Privilege::User, NetFn::App, 0x01, &[]);
    assert_eq!(cc, Cc::Normal);
    // 32473 = 0x7ED9.
    assert_eq!(
        &d[..],
        &[
            0x20,
            0x01,
            0x00,
            0x01,
            IPMI_VERSION_2_0,
            0x87, // chassis, SEL, SDR repository, sensor device (no FRU set)
            0xD9,
            0x7E,
            0x00,
            0x01,
            0x00
        ]
    );
    h.bmc = Bmc::new(
        DeviceIdentity {
            aux_firmware_revision: Some([1, 2, 3, 4]),
            device_guid: [0xAB; 16],
            firmware_major: 3,
            firmware_minor: 0x21,
            ..Default::default()
        },
        ChannelConfig::default(),
    );
    let (_, d) = h.run(Privilege::User, NetFn::App, 0x01, &[]);
    assert_eq!(d.len(), 15);
    assert_eq!(&d[2..4], &[0x03, 0x21]);
    assert_eq!(&d[11..], &[1, 2, 3, 4]);
    assert_eq!(&h.ok(NetFn::App, 0x04, &[])[..], &[0x55, 0x00]);
    assert_eq!(&h.ok(NetFn::App, 0x08, &[])[..], &[0xAB; 16]);
    assert_eq!(&h.ok(NetFn::App, 0x37, &[])[..], &[0; 16]);
    assert_eq!(h.bmc.identity().device_guid, [0xAB; 16]);
}

#[test]
fn channel_info_and_access() {
    let mut h = Harness::new();
    for ch in [0x01, 0x0E, 0x81, 0x8E] {
        // 802.3 LAN, IPMB 1.0, multi-session with 2 active, IPMI forum IANA 7154.
        assert_eq!(
            &h.ok(NetFn::App, 0x42, &[ch])[..],
            &[0x01, 0x04, 0x01, 0x82, 0xF2, 0x1B, 0x00, 0x00, 0x00]
        );
    }
    // ipmitool channel info: volatile (0x80) and non-volatile (0x40).
    for sel in [0x80, 0x40] {
        assert_eq!(&h.ok(NetFn::App, 0x41, &[0x0E, sel])[..], &[0x22, 0x04]);
    }
    // Set Channel Access: privilege limit to Operator, access unchanged.
    assert!(h.admin(NetFn::App, 0x40, &[0x01, 0x00, 0x83]).1.is_empty());
    assert_eq!(h.bmc.channel().privilege_limit, Privilege::Operator);
    assert_eq!(&h.ok(NetFn::App, 0x41, &[0x01, 0x80])[..], &[0x22, 0x03]);
    // Always available, per-message auth off.
    h.admin(NetFn::App, 0x40, &[0x01, 0x92, 0x00]);
    assert_eq!(&h.ok(NetFn::App, 0x41, &[0x01, 0x80])[..], &[0x32, 0x03]);
}

#[test]
fn user_access_commands() {
    let mut h = Harness::new();
    // Get User Access, channel 1 user 2: 4 ids, enabled, 1 enabled, 1 fixed, admin + messaging.
    assert_eq!(
        &h.ok(NetFn::App, 0x44, &[0x01, 0x02])[..],
        &[0x04, 0x41, 0x01, 0x14]
    );
    assert_eq!(
        &h.ok(NetFn::App, 0x44, &[0x0E, 0x03])[..],
        &[0x04, 0x81, 0x01, 0x0F]
    );
    // ipmitool user priv 3 3 1: change bits, messaging + link auth, Operator.
    assert_eq!(h.admin(NetFn::App, 0x43, &[0xB1, 0x03, 0x03]).0, Cc::Normal);
    let a = h.users.access(3);
    assert_eq!(a.privilege_limit, Privilege::Operator);
    assert!(a.ipmi_messaging && a.link_auth && !a.callback_only && !a.enabled);
    // Without the change bit only the privilege changes (session limit byte accepted).
    h.admin(NetFn::App, 0x43, &[0x01, 0x03, 0x02, 0x00]);
    let a = h.users.access(3);
    assert_eq!(a.privilege_limit, Privilege::User);
    assert!(a.ipmi_messaging && a.link_auth);
    // Enable user 3 through Set User Password op 1; the count goes up.
    h.admin(NetFn::App, 0x47, &[0x03, 0x01]);
    assert_eq!(
        &h.ok(NetFn::App, 0x44, &[0x01, 0x03])[..],
        &[0x04, 0x42, 0x01, 0x32]
    );
    h.admin(NetFn::App, 0x47, &[0x03, 0x00]);
    assert!(!h.users.access(3).enabled);
}

#[test]
fn user_name_commands() {
    let mut h = Harness::new();
    let mut admin = [0u8; 16];
    admin[..5].copy_from_slice(b"admin");
    assert_eq!(&h.ok(NetFn::App, 0x46, &[0x02])[..], &admin);
    let mut set = [0u8; 17];
    set[0] = 0x03;
    set[1..4].copy_from_slice(b"bob");
    assert_eq!(h.admin(NetFn::App, 0x45, &set).0, Cc::Normal);
    assert_eq!(&h.ok(NetFn::App, 0x46, &[0x03])[..], &set[1..]);
    // The store refuses the fixed null user's name; its code goes out.
    set[0] = 0x01;
    assert_eq!(h.admin(NetFn::App, 0x45, &set).0, Cc::InvalidDataField);
    set[0] = 0x00;
    assert_eq!(h.admin(NetFn::App, 0x45, &set).0, Cc::InvalidDataField);
}

#[test]
fn user_password_commands() {
    let mut h = Harness::new();
    let mut test16 = [0u8; 18];
    test16[0] = 0x02;
    test16[1] = 0x03;
    test16[2..10].copy_from_slice(b"password");
    assert_eq!(h.admin(NetFn::App, 0x47, &test16).0, Cc::Normal);
    test16[2] = b'P';
    assert_eq!(h.admin(NetFn::App, 0x47, &test16).0, Cc::CommandSpecific80);
    // 20-byte test against a 16-byte password: wrong size.
    let mut test20 = [0u8; 22];
    test20[0] = 0x82;
    test20[1] = 0x03;
    test20[2..10].copy_from_slice(b"password");
    assert_eq!(h.admin(NetFn::App, 0x47, &test20).0, Cc::CommandSpecific81);
    // Set a 20-byte password, then it tests fine at 20 and wrong-size at 16.
    let mut set20 = test20;
    set20[1] = 0x02;
    set20[2..12].copy_from_slice(b"s3cretpass");
    assert_eq!(h.admin(NetFn::App, 0x47, &set20).0, Cc::Normal);
    let mut t = set20;
    t[1] = 0x03;
    assert_eq!(h.admin(NetFn::App, 0x47, &t).0, Cc::Normal);
    assert_eq!(h.users.passwords[1].1, 20);
    test16[2..12].copy_from_slice(b"s3cretpass");
    assert_eq!(h.admin(NetFn::App, 0x47, &test16).0, Cc::CommandSpecific81);
    // Operators may not.
    assert_eq!(
        code(&mut h, Privilege::Operator, NetFn::App, 0x47, &t),
        Cc::InsufficientPrivilege
    );
}

#[test]
fn small_output_buffer_is_an_error_not_a_panic() {
    let mut h = Harness::new();
    let ctx = Context {
        now: h.now,
        privilege: Privilege::Administrator,
        user_id: 2,
        channel: 1,
    };
    let req = Request {
        netfn: NetFn::App,
        cmd: 0x01,
        lun: 0,
        data: &[],
    };
    let mut out = [0u8; 4];
    assert_eq!(
        h.bmc.handle(&ctx, &req, &mut h.users, &mut out),
        Outcome::Reply(Reply::code(Cc::Unspecified))
    );
    let r = h.bmc.complete(
        h.now,
        &Action::PowerStatus,
        ActionResult::Power { on: true },
        &mut out[..2],
    );
    assert_eq!(r, Reply::code(Cc::Unspecified));
}

// ---------------------------------------------------------------- no panics

proptest::proptest! {
    #[test]
    fn no_request_panics(
        requests in proptest::collection::vec(
            (0u8..64, proptest::num::u8::ANY, 0u8..4, proptest::num::u8::ANY,
             proptest::collection::vec(proptest::num::u8::ANY, 0..40), 0u64..100_000,
             0u8..5),
            1..24,
        )
    ) {
        let mut h = Harness::new();
        for (netfn, cmd, lun, privilege, data, dt, result) in requests {
            h.now = h.now.add_millis(dt);
            let ctx = Context { now: h.now, privilege: Privilege::from(privilege), user_id: 1, channel: 1 };
            let req = Request { netfn: NetFn::from(netfn), cmd, lun, data: &data };
            let mut out = [0u8; 32];
            let outcome = h.bmc.handle(&ctx, &req, &mut h.users, &mut out);
            let reply = match outcome {
                Outcome::Reply(r) => r,
                Outcome::Defer(action) => {
                    let result = match result {
                        0 => ActionResult::Done,
                        1 => ActionResult::Power { on: true },
                        2 => ActionResult::Power { on: false },
                        3 => ActionResult::Failed(Cc::NodeBusy),
                        _ => ActionResult::Failed(Cc::from(cmd)),
                    };
                    h.bmc.complete(h.now, &action, result, &mut out)
                }
            };
            proptest::prop_assert!(reply.len <= out.len());
            if reply.completion_code != Cc::Normal {
                proptest::prop_assert_eq!(reply.len, 0);
            }
            if required_privilege(NetFn::from(netfn), cmd).is_none() {
                proptest::prop_assert_eq!(reply.completion_code, Cc::InvalidCommand);
            }
        }
    }
}

#[test]
fn restored_state_is_reported() {
    use crate::cmd::chassis::power_restore_policy::PowerRestorePolicy;
    let mut h = Harness::new();
    h.bmc
        .restore_boot_flags(BootFlags::from_data([0xC0, 0x08, 0, 0, 0]));
    h.bmc
        .restore_power_restore_policy(PowerRestorePolicy::AlwaysOn);
    h.bmc
        .restore_power_restore_policy(PowerRestorePolicy::NoChange);
    h.advance(120_000); // restored flags start no timer
    assert_eq!(&h.boot_param(5)[..], &[0x01, 0x05, 0xC0, 0x08, 0, 0, 0]);
    assert_eq!(h.chassis(0x01, &[])[0], 0x40);
}

#[test]
fn lan_parameters_get_set_and_privileges() {
    let mut h = Harness::new();
    h.bmc.lan_mut().set_suites([
        (3, Privilege::Administrator),
        (17, Privilege::Administrator),
    ]);
    // ipmitool `lan print 1`: IP address, then the cipher suite entries.
    let (cc, d) = h.run(
        Privilege::Operator,
        NetFn::Transport,
        0x02,
        &[0x01, 0x03, 0, 0],
    );
    assert_eq!((cc, &d[..]), (Cc::Normal, &[0x11, 0, 0, 0, 0][..]));
    let (cc, d) = h.run(
        Privilege::Operator,
        NetFn::Transport,
        0x02,
        &[0x01, 23, 0, 0],
    );
    assert_eq!((cc, &d[..]), (Cc::Normal, &[0x11, 0, 3, 17][..]));
    // Revision only.
    let (cc, d) = h.run(
        Privilege::Operator,
        NetFn::Transport,
        0x02,
        &[0x81, 0x03, 0, 0],
    );
    assert_eq!((cc, &d[..]), (Cc::Normal, &[0x11][..]));
    // Set as Administrator: changed; as Operator or User: D4, nothing changed.
    assert!(!h.bmc.take_changed());
    let set_ip = [0x01, 0x03, 10, 0, 0, 5];
    for p in [Privilege::Operator, Privilege::User] {
        assert_eq!(
            h.run(p, NetFn::Transport, 0x01, &set_ip).0,
            Cc::InsufficientPrivilege
        );
    }
    assert!(!h.bmc.take_changed());
    assert_eq!(h.admin(NetFn::Transport, 0x01, &set_ip).0, Cc::Normal);
    assert!(h.bmc.take_changed());
    assert!(!h.bmc.take_changed());
    let (_, d) = h.run(
        Privilege::Operator,
        NetFn::Transport,
        0x02,
        &[0x0E, 0x03, 0, 0],
    );
    assert_eq!(&d[..], &[0x11, 10, 0, 0, 5]);
    // Read-only, unknown, other channel, User reading.
    assert_eq!(
        h.admin(NetFn::Transport, 0x01, &[0x01, 23, 0, 3]).0,
        Cc::CommandSpecific82
    );
    assert_eq!(
        h.admin(NetFn::Transport, 0x01, &[0x01, 0x60, 0]).0,
        Cc::CommandSpecific80
    );
    assert_eq!(
        h.admin(NetFn::Transport, 0x02, &[0x01, 0x60, 0, 0]).0,
        Cc::CommandSpecific80
    );
    assert_eq!(
        h.admin(NetFn::Transport, 0x02, &[0x05, 0x03, 0, 0]).0,
        Cc::InvalidDataField
    );
    assert_eq!(
        h.run(Privilege::User, NetFn::Transport, 0x02, &[0x01, 0x03, 0, 0])
            .0,
        Cc::InsufficientPrivilege
    );
    assert!(!h.bmc.take_changed());
    // Parameter 24: suite 3 capped at User.
    let privs = [0x01, 24, 0, 0, 0x20, 0, 0, 0, 0, 0, 0];
    assert_eq!(h.admin(NetFn::Transport, 0x01, &privs).0, Cc::Normal);
    assert_eq!(h.bmc.lan().suite_cap(3), Privilege::User);
    assert_eq!(h.bmc.lan().suite_cap(17), Privilege::Administrator);
}

#[test]
fn acpi_power_state() {
    let mut h = Harness::new();
    let (cc, d) = h.run(Privilege::User, NetFn::App, 0x07, &[]);
    assert_eq!((cc, &d[..]), (Cc::Normal, &[0x2A, 0x2A][..]));
    assert_eq!(
        h.run(Privilege::Operator, NetFn::App, 0x06, &[0x80, 0x80])
            .0,
        Cc::InsufficientPrivilege
    );
    assert_eq!(h.admin(NetFn::App, 0x06, &[0x80, 0x05]).0, Cc::Normal);
    assert!(h.bmc.take_changed());
    let (_, d) = h.run(Privilege::User, NetFn::App, 0x07, &[]);
    assert_eq!(&d[..], &[0x00, 0x2A]);
    assert_eq!(
        h.admin(NetFn::App, 0x06, &[0x80]).0,
        Cc::RequestDataLengthInvalid
    );
}

#[test]
fn user_changes_raise_the_changed_flag_but_a_password_test_does_not() {
    let mut h = Harness::new();
    let mut name = [0u8; 17];
    name[0] = 3;
    name[1..5].copy_from_slice(b"maas");
    assert_eq!(h.admin(NetFn::App, 0x45, &name).0, Cc::Normal);
    assert!(h.bmc.take_changed());
    let mut pw = [0u8; 18];
    pw[0] = 2;
    pw[1] = 3; // test password: mismatch
    assert_eq!(h.admin(NetFn::App, 0x47, &pw).0, Cc::CommandSpecific80);
    assert!(!h.bmc.take_changed());
    pw[1] = 2; // set password
    assert_eq!(h.admin(NetFn::App, 0x47, &pw).0, Cc::Normal);
    assert!(h.bmc.take_changed());
    assert_eq!(h.admin(NetFn::Chassis, 0x06, &[0x02]).0, Cc::Normal);
    assert!(h.bmc.take_changed());
}

// ---------------------------------------------------------------- sensors and SDR

fn two_sensors() -> [crate::bmc::SensorDef; 2] {
    use crate::bmc::{SensorDef, SensorKind};
    let mut name = heapless::String::new();
    name.push_str("A Long Sensor Na").unwrap();
    let temp = SensorDef {
        number: 9,
        kind: SensorKind::Temperature,
        name,
        m: 1,
        b: 0,
        r_exp: 0,
        b_exp: 0,
        upper_non_critical: Some(80),
        upper_critical: Some(95),
    };
    let mut intr = temp.clone();
    intr.number = 3;
    intr.kind = SensorKind::Intrusion;
    [temp, intr]
}

#[test]
fn sdr_repository_reads_in_chunks_with_reservations() {
    let mut h = Harness::new();
    h.bmc.set_sensors(&two_sensors());
    let info = h.ok(NetFn::Storage, 0x20, &[]);
    // The locator, two sensors, the BMC's power unit and restart sensors.
    assert_eq!((info[0], info[1], info[2]), (0x51, 5, 0));
    let res = h.ok(NetFn::Storage, 0x22, &[]);
    // Header of the first record (the MC locator), next id 2.
    let hdr = h.ok(NetFn::Storage, 0x23, &[res[0], res[1], 0, 0, 0, 5]);
    assert_eq!(&hdr[..], &[2, 0, 1, 0, 0x51, 0x12, 14]);
    // The full record (48 + 16 bytes) is too long in one read; chunks work.
    let (cc, _) = h.admin(NetFn::Storage, 0x23, &[res[0], res[1], 2, 0, 0, 0xFF]);
    assert_eq!(cc, Cc::CannotReturnBytes);
    let mut rec = Vec::<u8, 80>::new();
    let mut next = 0;
    while rec.len() < 64 {
        let d = h.ok(
            NetFn::Storage,
            0x23,
            &[res[0], res[1], 2, 0, rec.len() as u8, 16],
        );
        next = u16::from_le_bytes([d[0], d[1]]);
        rec.extend_from_slice(&d[2..]).unwrap();
    }
    assert_eq!(next, 3);
    assert_eq!((rec[3], rec[4], rec[7], rec[12]), (0x01, 59, 9, 0x01));
    assert_eq!(&rec[48..], b"A Long Sensor Na");
    // A partial read with a stale reservation is refused; a new reservation cancels the old.
    let res2 = h.ok(NetFn::Storage, 0x22, &[]);
    let (cc, _) = h.admin(NetFn::Storage, 0x23, &[res[0], res[1], 2, 0, 5, 8]);
    assert_eq!(cc, Cc::InvalidReservation);
    let intr = h.ok(NetFn::Storage, 0x23, &[res2[0], res2[1], 3, 0, 0, 0xFF]);
    assert_eq!((intr[0], intr[1], intr[2 + 3]), (4, 0, 0x02));
    let pu = h.ok(NetFn::Storage, 0x23, &[res2[0], res2[1], 4, 0, 0, 0xFF]);
    assert_eq!(
        (pu[0], pu[2 + 3], pu[2 + 7], pu[2 + 12]),
        (5, 0x02, 0xF0, 0x09)
    );
    assert_eq!(&pu[2 + 32..], b"Pwr Unit Status");
    let last = h.ok(NetFn::Storage, 0x23, &[res2[0], res2[1], 5, 0, 0, 0xFF]);
    assert_eq!((last[0], last[1], last[2 + 3]), (0xFF, 0xFF, 0x02));
    assert_eq!((last[2 + 7], last[2 + 12]), (0xF1, 0x1D));
    let (cc, _) = h.admin(NetFn::Storage, 0x23, &[0, 0, 6, 0, 0, 5]);
    assert_eq!(cc, Cc::NotPresent);
}

#[test]
fn sensor_readings_come_from_the_platform() {
    let mut h = Harness::new();
    h.bmc.set_sensors(&two_sensors());
    // Raw 90 (the harness reads number * 10): above upper non-critical 80, below critical 95.
    let (cc, d) = h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[9]);
    assert_eq!((cc, &d[..3]), (Cc::Normal, &[90, 0x40, 0x08][..]));
    assert_eq!(
        h.last_action(),
        Action::ReadSensor {
            number: 9,
            reply: crate::bmc::SensorReply::Reading
        }
    );
    let t = h.ok(NetFn::SensorEvent, 0x27, &[9]);
    assert_eq!(&t[..], &[0x18, 0, 0, 0, 80, 95, 0]);
    let (cc, _) = h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[4]);
    assert_eq!(cc, Cc::NotPresent);
    let (cc, _) = h.run(Privilege::Callback, NetFn::SensorEvent, 0x2D, &[9]);
    assert_eq!(cc, Cc::InsufficientPrivilege);
    let (cc, _) = h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[]);
    assert_eq!(cc, Cc::RequestDataLengthInvalid);
}

// ---------------------------------------------------------------- SEL

/// Walks the SEL with Get SEL Entry (as `ipmitool sel list` does); returns the records.
fn sel_records(h: &mut Harness) -> Vec<[u8; 16], 80> {
    let mut out = Vec::new();
    let mut id = 0u16;
    loop {
        let [lo, hi] = id.to_le_bytes();
        let (cc, d) = h.run(
            Privilege::User,
            NetFn::Storage,
            0x43,
            &[0, 0, lo, hi, 0, 0xFF],
        );
        if cc == Cc::NotPresent && out.is_empty() {
            return out;
        }
        assert_eq!(cc, Cc::Normal);
        out.push(<[u8; 16]>::try_from(&d[2..]).unwrap()).unwrap();
        id = u16::from_le_bytes([d[0], d[1]]);
        if id == 0xFFFF {
            return out;
        }
    }
}

#[test]
fn power_actions_are_logged_as_power_unit_and_restart_events() {
    let mut h = Harness::new();
    h.bmc.set_sel_time(h.now, 1_700_000_000);
    let info = h.ok(NetFn::Storage, 0x40, &[]);
    assert_eq!(&info[..5], &[0x51, 0, 0, 0x00, 0x04]); // empty, 64 * 16 bytes free
    assert_eq!(&info[5..9], &[0xFF; 4]);
    assert_eq!(info[13], 0x0A); // reserve, delete
    assert_eq!(
        h.run(
            Privilege::User,
            NetFn::Storage,
            0x43,
            &[0, 0, 0, 0, 0, 0xFF]
        )
        .0,
        Cc::NotPresent
    );

    h.ok(NetFn::Chassis, 0x02, &[0x01]); // on
    h.now = h.now.add_millis(5_000);
    h.ok(NetFn::Chassis, 0x02, &[0x01]); // on while on: nothing new
    h.ok(NetFn::Chassis, 0x02, &[0x02]); // cycle
    h.ok(NetFn::Chassis, 0x02, &[0x03]); // hard reset
    h.ok(NetFn::Chassis, 0x02, &[0x00]); // off
    assert!(h.bmc.take_changed());
    let r = sel_records(&mut h);
    assert_eq!(r.len(), 4);
    // Record 1: Power Unit F0h, power off/down deasserted (on), at SEL time.
    assert_eq!(&r[0][..3], &[1, 0, 0x02]);
    assert_eq!(
        u32::from_le_bytes([r[0][3], r[0][4], r[0][5], r[0][6]]),
        1_700_000_000
    );
    assert_eq!(
        &r[0][7..],
        &[0x20, 0, 0x04, 0x09, 0xF0, 0xEF, 0x00, 0xFF, 0xFF]
    );
    assert_eq!(&r[1][10..14], &[0x09, 0xF0, 0x6F, 0x01]); // power cycle asserted
    assert_eq!(&r[2][10..14], &[0x1D, 0xF1, 0x6F, 0x01]); // initiated by hard reset
    assert_eq!(&r[3][10..14], &[0x09, 0xF0, 0x6F, 0x00]); // power off asserted
    assert_eq!(
        u32::from_le_bytes([r[3][3], r[3][4], r[3][5], r[3][6]]),
        1_700_000_005
    );
    // The power unit reads "off" now.
    let (cc, d) = h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[0xF0]);
    assert_eq!((cc, d[2]), (Cc::Normal, 0x01));
    // A change seen by a status read (someone pressed the button) is logged too.
    h.power = true;
    h.ok(NetFn::Chassis, 0x01, &[]);
    assert_eq!(sel_records(&mut h).len(), 5);
    let last = h.ok(NetFn::Storage, 0x43, &[0, 0, 0xFF, 0xFF, 0, 0xFF]);
    assert_eq!(&last[..4], &[0xFF, 0xFF, 5, 0]);
    // Partial reads need the reservation.
    let (cc, _) = h.admin(NetFn::Storage, 0x43, &[9, 9, 5, 0, 3, 4]);
    assert_eq!(cc, Cc::InvalidReservation);
    let res = h.ok(NetFn::Storage, 0x42, &[]);
    let part = h.ok(NetFn::Storage, 0x43, &[res[0], res[1], 5, 0, 10, 4]);
    assert_eq!(&part[2..], &[0x09, 0xF0, 0xEF, 0x00]);
}

#[test]
fn clear_needs_operator_and_the_reservation() {
    let mut h = Harness::new();
    h.ok(NetFn::Chassis, 0x02, &[0x01]);
    let res = h.run(Privilege::User, NetFn::Storage, 0x42, &[]).1;
    let clr = [res[0], res[1], b'C', b'L', b'R', 0xAA];
    assert_eq!(
        h.run(Privilege::User, NetFn::Storage, 0x47, &clr).0,
        Cc::InsufficientPrivilege
    );
    assert_eq!(
        h.run(Privilege::User, NetFn::Storage, 0x44, &[0; 16]).0,
        Cc::InsufficientPrivilege
    );
    assert_eq!(
        h.run(Privilege::User, NetFn::Storage, 0x49, &[0; 4]).0,
        Cc::InsufficientPrivilege
    );
    let stale = [res[0].wrapping_add(1), res[1], b'C', b'L', b'R', 0xAA];
    assert_eq!(
        h.admin(NetFn::Storage, 0x47, &stale).0,
        Cc::InvalidReservation
    );
    let bad = [res[0], res[1], b'C', b'L', b'X', 0xAA];
    assert_eq!(h.admin(NetFn::Storage, 0x47, &bad).0, Cc::InvalidDataField);
    let _ = h.bmc.take_changed();
    h.now = h.now.add_millis(3_000);
    let d = h.run(Privilege::Operator, NetFn::Storage, 0x47, &clr);
    assert_eq!((d.0, &d.1[..]), (Cc::Normal, &[0x01][..]));
    assert!(h.bmc.take_changed());
    // Status polls with the same reservation work; the log is empty, the erase time set.
    let st = [res[0], res[1], b'C', b'L', b'R', 0x00];
    assert_eq!(h.ok(NetFn::Storage, 0x47, &st)[..], [0x01]);
    let info = h.ok(NetFn::Storage, 0x40, &[]);
    assert_eq!((info[1], info[2]), (0, 0));
    assert_eq!(
        u32::from_le_bytes([info[9], info[10], info[11], info[12]]),
        4
    );
    assert!(sel_records(&mut h).is_empty());
    // Set SEL Time moves the clock.
    h.ok(NetFn::Storage, 0x49, &1_800_000_000u32.to_le_bytes());
    h.now = h.now.add_millis(2_000);
    let t = h.ok(NetFn::Storage, 0x48, &[]);
    assert_eq!(u32::from_le_bytes([t[0], t[1], t[2], t[3]]), 1_800_000_002);
}

#[test]
fn add_sel_entry_fills_the_log_then_overflows() {
    let mut h = Harness::new();
    let mut rec = [0u8; 16];
    rec[2] = 0x02;
    rec[3..7].copy_from_slice(&[1, 2, 3, 4]); // replaced by the BMC's time
    rec[7] = 0x41; // software id
    for i in 1..=crate::bmc::SEL_CAPACITY as u16 {
        let id = h.ok(NetFn::Storage, 0x44, &rec);
        assert_eq!(u16::from_le_bytes([id[0], id[1]]), i);
    }
    assert_eq!(h.admin(NetFn::Storage, 0x44, &rec).0, Cc::OutOfSpace);
    let info = h.ok(NetFn::Storage, 0x40, &[]);
    assert_eq!((info[1], info[3], info[4], info[13]), (64, 0, 0, 0x8A));
    let r = sel_records(&mut h);
    assert_eq!(r.len(), 64);
    assert_eq!(&r[63][3..8], &[1, 0, 0, 0, 0x41]);
    // An OEM record without time stamp is stored as given.
    let meta = h.bmc.sel_meta();
    assert!(meta.overflow);
    let kept: Vec<_, 64> = Vec::from_slice(h.bmc.sel_records()).unwrap();
    let mut again = Harness::new();
    again.bmc.restore_sel(meta, &kept);
    assert_eq!(sel_records(&mut again), r);
    assert_eq!(again.ok(NetFn::Storage, 0x40, &[])[13], 0x8A);
    assert_eq!(
        again.admin(NetFn::Storage, 0x44, &[0; 15]).0,
        Cc::RequestDataLengthInvalid
    );
}

#[test]
fn threshold_crossings_from_readings_are_logged() {
    let mut h = Harness::new();
    h.bmc.set_sensors(&two_sensors());
    h.raw = Some(70);
    h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[9]);
    assert!(sel_records(&mut h).is_empty());
    h.raw = Some(96); // above both: two assertions
    h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[9]);
    h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[9]); // no change, no event
    h.raw = Some(85); // back below critical: deassertion
    h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[9]);
    let r = sel_records(&mut h);
    assert_eq!(r.len(), 3);
    assert_eq!(&r[0][10..16], &[0x01, 9, 0x01, 0x57, 96, 80]); // upper NC going high
    assert_eq!(&r[1][10..16], &[0x01, 9, 0x01, 0x59, 96, 95]); // upper C going high
    assert_eq!(&r[2][10..16], &[0x01, 9, 0x81, 0x59, 85, 95]); // deasserted
                                                               // Intrusion (discrete): 0 -> 1 asserts offset 0.
    h.raw = Some(1);
    h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[3]);
    let r = sel_records(&mut h);
    assert_eq!(&r[3][10..14], &[0x05, 3, 0x6F, 0x00]);
}

// ---------------------------------------------------------------- FRU

#[test]
fn fru_reads_in_chunks_writes_need_operator_and_the_sdr_points_at_it() {
    let mut h = Harness::new();
    // No image: not present, and Get Device ID does not claim a FRU device.
    assert_eq!(h.admin(NetFn::Storage, 0x10, &[0]).0, Cc::NotPresent);
    let info = crate::bmc::FruInfo {
        chassis_type: 0x17,
        board_serial: "B123",
        product_name: "Virtual",
        ..Default::default()
    };
    let mut img = [0u8; 256];
    let n = crate::bmc::build_fru(&info, &mut img).unwrap();
    assert!(h.bmc.set_fru(&img[..n]));
    assert!(!h.bmc.set_fru(&[0u8; 257]));
    assert_eq!(h.bmc.fru(), &img[..n]);
    let (_, d) = h.run(Privilege::User, NetFn::App, 0x01, &[]);
    assert_eq!(d[5], 0x8F);
    let (cc, d) = h.run(Privilege::User, NetFn::Storage, 0x10, &[0]);
    assert_eq!((cc, &d[..]), (Cc::Normal, &[n as u8, 0, 0][..]));
    assert_eq!(h.admin(NetFn::Storage, 0x10, &[1]).0, Cc::NotPresent);
    // Read it back 20 bytes at a time, as ipmitool does; the last chunk is short.
    let mut back = Vec::<u8, 256>::new();
    while back.len() < n {
        let off = (back.len() as u16).to_le_bytes();
        let (cc, d) = h.run(
            Privilege::User,
            NetFn::Storage,
            0x11,
            &[0, off[0], off[1], 20],
        );
        assert_eq!(cc, Cc::Normal);
        assert_eq!(usize::from(d[0]), d.len() - 1);
        back.extend_from_slice(&d[1..]).unwrap();
    }
    assert_eq!(&back[..], &img[..n]);
    assert_eq!(
        h.admin(NetFn::Storage, 0x11, &[0, n as u8, 0, 1]).0,
        Cc::ParameterOutOfRange
    );
    assert_eq!(
        h.admin(NetFn::Storage, 0x11, &[0, 0, 0, 33]).0,
        Cc::CannotReturnBytes
    );
    // Writing needs Operator and changes the image.
    let w = [0, 8, 0, 0xAA, 0xBB];
    assert_eq!(
        h.run(Privilege::User, NetFn::Storage, 0x12, &w).0,
        Cc::InsufficientPrivilege
    );
    let _ = h.bmc.take_changed();
    let (cc, d) = h.run(Privilege::Operator, NetFn::Storage, 0x12, &w);
    assert_eq!((cc, &d[..]), (Cc::Normal, &[2][..]));
    assert!(h.bmc.take_changed());
    assert_eq!(&h.bmc.fru()[8..10], &[0xAA, 0xBB]);
    assert_eq!(
        h.admin(NetFn::Storage, 0x12, &[0, n as u8, 0, 1]).0,
        Cc::ParameterOutOfRange
    );
    // The SDR ends with a FRU device locator for device 0, and the MC locator says FRU.
    let info = h.ok(NetFn::Storage, 0x20, &[]);
    assert_eq!(info[1], 4);
    let mc = h.ok(NetFn::Storage, 0x23, &[0, 0, 1, 0, 0, 0xFF]);
    assert_eq!(mc[2 + 8], 0x0F);
    let loc = h.ok(NetFn::Storage, 0x23, &[0, 0, 4, 0, 0, 0xFF]);
    assert_eq!((loc[0], loc[1]), (0xFF, 0xFF));
    assert_eq!(&loc[2 + 3..2 + 8], &[0x11, 21, 0x20, 0x00, 0x80]);
    assert_eq!(loc[2 + 10], 0x10);
}

// ---------------------------------------------------------------- DCMI

#[test]
fn dcmi_capabilities_and_power_reading_from_the_power_sensor() {
    use crate::bmc::{SensorDef, SensorKind};
    let mut h = Harness::new();
    // Without a power sensor: no power management.
    let d = h
        .run(Privilege::User, NetFn::GroupExtension, 0x01, &[0xDC, 0x01])
        .1;
    assert_eq!(&d[..], &[0xDC, 1, 5, 2, 0x0F, 0x00, 0x00]);
    assert_eq!(
        h.run(
            Privilege::User,
            NetFn::GroupExtension,
            0x02,
            &[0xDC, 1, 0, 0]
        )
        .0,
        Cc::CommandSpecific80
    );
    let mut power = two_sensors()[0].clone();
    power.number = 5;
    power.kind = SensorKind::Power;
    power.m = 4;
    let sensors: [SensorDef; 2] = [two_sensors()[0].clone(), power];
    h.bmc.set_sensors(&sensors);
    let d = h
        .run(Privilege::User, NetFn::GroupExtension, 0x01, &[0xDC, 0x01])
        .1;
    assert_eq!(d[5], 0x01);
    let d = h
        .run(Privilege::User, NetFn::GroupExtension, 0x01, &[0xDC, 0x02])
        .1;
    assert_eq!(&d[4..], &[64, 0, 0, 0, 0]);
    let d = h
        .run(Privilege::User, NetFn::GroupExtension, 0x01, &[0xDC, 0x04])
        .1;
    assert_eq!(&d[4..], &[1, 0xFF, 0xFF]);
    let d = h
        .run(Privilege::User, NetFn::GroupExtension, 0x01, &[0xDC, 0x05])
        .1;
    assert_eq!(&d[4..], &[0]);
    assert_eq!(
        h.run(Privilege::User, NetFn::GroupExtension, 0x01, &[0xDC, 0x09])
            .0,
        Cc::CommandSpecific80
    );
    // Readings 45 (180 W), then 50 (200 W) a minute later, one through Get Sensor Reading.
    h.raw = Some(45);
    let (cc, d) = h.run(
        Privilege::User,
        NetFn::GroupExtension,
        0x02,
        &[0xDC, 1, 0, 0],
    );
    assert_eq!((cc, d.len()), (Cc::Normal, 18));
    assert_eq!(&d[..9], &[0xDC, 180, 0, 180, 0, 180, 0, 180, 0]);
    assert_eq!(d[17], 0x40);
    assert_eq!(
        h.last_action(),
        Action::ReadSensor {
            number: 5,
            reply: crate::bmc::SensorReply::PowerReading
        }
    );
    h.now = h.now.add_millis(60_000);
    h.raw = Some(50);
    h.run(Privilege::User, NetFn::SensorEvent, 0x2D, &[5]);
    h.raw = Some(40);
    let d = h
        .run(
            Privilege::User,
            NetFn::GroupExtension,
            0x02,
            &[0xDC, 1, 0, 0],
        )
        .1;
    // Now 160, min 160, max 200, average (180 + 200 + 160) / 3.
    assert_eq!(&d[1..9], &[160, 0, 160, 0, 200, 0, 180, 0]);
    assert_eq!(u32::from_le_bytes([d[13], d[14], d[15], d[16]]), 60_000);
    assert_eq!(
        h.run(
            Privilege::User,
            NetFn::GroupExtension,
            0x02,
            &[0xDC, 2, 1, 0]
        )
        .0,
        Cc::InvalidDataField
    );
    assert_eq!(
        h.run(
            Privilege::Callback,
            NetFn::GroupExtension,
            0x02,
            &[0xDC, 1, 0, 0]
        )
        .0,
        Cc::InsufficientPrivilege
    );
}

#[test]
fn sensor_event_enables_match_the_events_logged() {
    let mut h = Harness::new();
    h.bmc.set_sensors(&two_sensors());
    let (cc, d) = h.run(Privilege::User, NetFn::SensorEvent, 0x29, &[9]);
    assert_eq!(
        (cc, &d[..]),
        (Cc::Normal, &[0xC0, 0x80, 0x02, 0x80, 0x02][..])
    );
    let d = h.ok(NetFn::SensorEvent, 0x29, &[3]);
    assert_eq!(&d[..], &[0xC0, 0x01, 0x00, 0x01, 0x00]);
    let d = h.ok(NetFn::SensorEvent, 0x29, &[0xF0]);
    assert_eq!(&d[..], &[0xC0, 0x03, 0x00, 0x03, 0x00]);
    assert_eq!(h.admin(NetFn::SensorEvent, 0x29, &[0x44]).0, Cc::NotPresent);
    // The full record says the same: assertion and deassertion masks, UNC/UC readable.
    let rec = h.ok(NetFn::Storage, 0x23, &[0, 0, 2, 0, 0, 20]);
    assert_eq!(&rec[2 + 14..2 + 19], &[0x80, 0x02, 0x80, 0x32, 0x18]);
}

#[test]
fn platform_events_are_logged_and_a_full_sel_drops_them() {
    let mut h = Harness::new();
    // ipmitool `event 1` over LAN.
    let ev = [0x04, 0x01, 0x30, 0x01, 0x09, 0xFF, 0xFF];
    assert_eq!(
        h.run(Privilege::User, NetFn::SensorEvent, 0x02, &ev).0,
        Cc::InsufficientPrivilege
    );
    assert_eq!(
        h.run(Privilege::Operator, NetFn::SensorEvent, 0x02, &ev).0,
        Cc::Normal
    );
    let r = sel_records(&mut h);
    assert_eq!(
        &r[0][7..16],
        &[0x81, 0x10, 0x04, 0x01, 0x30, 0x01, 0x09, 0xFF, 0xFF]
    );
    for _ in 1..crate::bmc::SEL_CAPACITY {
        assert_eq!(
            h.run(Privilege::Operator, NetFn::SensorEvent, 0x02, &ev).0,
            Cc::Normal
        );
    }
    assert_eq!(h.ok(NetFn::Storage, 0x40, &[])[13], 0x0A);
    // Full: received, dropped, overflow set.
    assert_eq!(
        h.run(Privilege::Operator, NetFn::SensorEvent, 0x02, &ev).0,
        Cc::Normal
    );
    let info = h.ok(NetFn::Storage, 0x40, &[]);
    assert_eq!((info[1], info[13]), (64, 0x8A));
    assert_eq!(
        h.admin(NetFn::SensorEvent, 0x02, &ev[..6]).0,
        Cc::RequestDataLengthInvalid
    );
}

#[test]
fn delete_sel_entry_needs_operator_and_the_reservation() {
    let mut h = Harness::new();
    for op in [0x01, 0x02, 0x00] {
        h.ok(NetFn::Chassis, 0x02, &[op]);
    }
    let res = h.ok(NetFn::Storage, 0x42, &[]);
    let del = |id: u16| {
        let [lo, hi] = id.to_le_bytes();
        [res[0], res[1], lo, hi]
    };
    assert_eq!(
        h.run(Privilege::User, NetFn::Storage, 0x46, &del(2)).0,
        Cc::InsufficientPrivilege
    );
    assert_eq!(
        h.admin(NetFn::Storage, 0x46, &[9, 9, 2, 0]).0,
        Cc::InvalidReservation
    );
    let _ = h.bmc.take_changed();
    let (cc, d) = h.run(Privilege::Operator, NetFn::Storage, 0x46, &del(2));
    assert_eq!((cc, &d[..]), (Cc::Normal, &[2, 0][..]));
    assert!(h.bmc.take_changed());
    // The same reservation deletes the last one too (ipmitool deletes a list with one).
    let d = h.ok(NetFn::Storage, 0x46, &del(0xFFFF));
    assert_eq!(&d[..], &[3, 0]);
    assert_eq!(h.admin(NetFn::Storage, 0x46, &del(2)).0, Cc::NotPresent);
    let r = sel_records(&mut h);
    assert_eq!((r.len(), r[0][0]), (1, 1));
}

// ---------------------------------------------------------------- SOL configuration persistence

#[test]
fn set_sol_configuration_parameters_is_a_change_a_shell_saves() {
    // The firmware's store saves the SOL parameters when take_changed() says so.
    let mut h = Harness::new();
    let _ = h.bmc.take_changed();
    // Get SOL Configuration Parameters (channel 1, retry parameter 4) changes nothing.
    let (cc, _) = h.admin(NetFn::Transport, 0x22, &[1, 4, 0, 0]);
    assert_eq!(cc, Cc::Normal);
    assert!(!h.bmc.take_changed());
    // Set (retry count 5, interval 30): a change.
    let (cc, _) = h.admin(NetFn::Transport, 0x21, &[1, 4, 5, 30]);
    assert_eq!(cc, Cc::Normal);
    assert!(h.bmc.take_changed());
    assert_eq!(h.bmc.sol().retry_count(), 5);
    // A refused set (the read-only port) is none.
    let (cc, _) = h.admin(NetFn::Transport, 0x21, &[1, 8, 1, 2]);
    assert_ne!(cc, Cc::Normal);
    assert!(!h.bmc.take_changed());
}
