//! Set Channel Access at run time: a lowered channel privilege limit holds every new session, over
//! RMCP+ and IPMI 1.5, and raising it again lets Administrator sessions back in.
mod support;

use std::time::Duration;

use ipmi_core::cmd::app::channel_access::{
    ChannelAccessMode, ChannelAccessSelector, SetChannelAccess, SetChannelAccessRequest,
};
use ipmi_core::{CompletionCode, Privilege};
use rmcp::client::blocking::{Client, DriverError, Options};
use rmcp::client::{ClientConfig, Failure, Stage};
use rmcp::wire::rakp::RmcpPlusStatus;
use support::{config, UdpBmc};

fn opts() -> Options {
    Options {
        timeout: Duration::from_millis(500),
        tries: 3,
    }
}

fn admin(privilege: Privilege, ipmi15: bool) -> ClientConfig {
    let c = ClientConfig::new(b"admin", b"password", privilege).unwrap();
    if ipmi15 {
        c.with_ipmi15_md5().unwrap()
    } else {
        c.with_suite(17).unwrap()
    }
}

/// Set Channel Access (volatile privilege limit only) through an open session.
fn set_limit_request(limit: Privilege) -> SetChannelAccessRequest {
    SetChannelAccessRequest {
        channel: 0x0E,
        access_selector: ChannelAccessSelector::DontChange,
        alerting_disabled: false,
        per_message_auth_disabled: false,
        user_level_auth_disabled: false,
        access_mode: ChannelAccessMode::AlwaysAvailable,
        privilege_selector: ChannelAccessSelector::Volatile,
        privilege_limit: limit,
    }
}

fn set_limit(port: u16, limit: Privilege) {
    let mut c = Client::connect(
        ("127.0.0.1", port),
        admin(Privilege::Administrator, false),
        opts(),
    )
    .unwrap();
    let reply = c
        .call::<SetChannelAccess>(&set_limit_request(limit))
        .unwrap();
    assert_eq!(reply.completion_code, CompletionCode::Normal);
    c.close().unwrap();
}

#[test]
fn lowered_channel_limit_holds_new_sessions() {
    let bmc = UdpBmc::start(config());
    let port = bmc.port;
    set_limit(port, Privilege::Operator);

    // RMCP+: asking for Administrator is refused at Open Session (the channel's limit is known
    // before the user is) with the reason ...
    match Client::connect(
        ("127.0.0.1", port),
        admin(Privilege::Administrator, false),
        opts(),
    ) {
        Err(DriverError::Failed(Failure::Status {
            stage: Stage::OpenSession,
            status: RmcpPlusStatus::UnauthorizedRole,
        })) => {}
        other => panic!("admin session above the channel limit: {other:?}"),
    }
    // ... IPMI 1.5 Activate Session too ...
    match Client::connect(
        ("127.0.0.1", port),
        admin(Privilege::Administrator, true),
        opts(),
    ) {
        Err(DriverError::Failed(Failure::CompletionCode {
            stage: Stage::ActivateSession,
            ..
        })) => {}
        other => panic!("1.5 admin session above the channel limit: {other:?}"),
    }
    // ... and Operator works on both.
    for ipmi15 in [false, true] {
        let c = Client::connect(
            ("127.0.0.1", port),
            admin(Privilege::Operator, ipmi15),
            opts(),
        )
        .unwrap_or_else(|e| panic!("operator session (1.5: {ipmi15}): {e}"));
        c.close().unwrap();
    }

    // Raising the limit again needs an Administrator session, which the channel now forbids:
    // an Operator's Set Channel Access is refused (the limit is volatile; a restart restores it).
    let mut c = Client::connect(
        ("127.0.0.1", port),
        admin(Privilege::Operator, false),
        opts(),
    )
    .unwrap();
    let reply = c
        .call::<SetChannelAccess>(&set_limit_request(Privilege::Administrator))
        .unwrap();
    assert_eq!(reply.completion_code, CompletionCode::InsufficientPrivilege);
    c.close().unwrap();
}
