//! Every App command in a real capture, end to end: IPMI 1.5 session header -> LAN message
//! ([`crate::wire`]) -> typed body, which must parse and re-emit byte for byte.
//!
//! `testdata/ipmi_sim-app-commands.txt`: ipmitool 1.8.19 and freeipmi 1.6.10 against OpenIPMI's
//! ipmi_sim (see its header). Responses with a completion code other than 0 carry no body.
extern crate std;

use super::*;
use crate::cmd::Command;
use crate::types::AppCmd;
use crate::wire::{RequestRepr, ResponseRepr};
use crate::{CompletionCode, NetFn};
use std::collections::BTreeMap;
use std::vec::Vec;

const CAPTURE: &str = include_str!("testdata/ipmi_sim-app-commands.txt");

/// The LAN message inside an IPMI 1.5 datagram (RMCP class 7), or `None` for ASF.
fn lan_message(datagram: &[u8]) -> Option<&[u8]> {
    if datagram.get(3) != Some(&0x07) {
        return None;
    }
    let auth_type = datagram[4];
    let len_at = 13 + if auth_type != 0 { 16 } else { 0 };
    let len = usize::from(datagram[len_at]);
    Some(&datagram[len_at + 1..len_at + 1 + len])
}

fn datagrams() -> Vec<Vec<u8>> {
    CAPTURE
        .lines()
        .filter_map(|l| l.strip_prefix("c2s ").or_else(|| l.strip_prefix("s2c ")))
        .map(|h| {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect()
}

fn check_request(cmd: u8, data: &[u8]) {
    match AppCmd::from(cmd) {
        AppCmd::GetDeviceId
        | AppCmd::GetSelfTestResults
        | AppCmd::GetDeviceGuid
        | AppCmd::GetSystemGuid
        | AppCmd::GetAcpiPowerState
        | AppCmd::GetMessageFlags
        | AppCmd::GetMessage => {
            check_exact!(Empty, data);
        }
        AppCmd::SendMessage => {
            check_exact!(SendMessageRequest<'_>, data);
        }
        AppCmd::MasterWriteRead => {
            check_exact!(MasterWriteReadRequest<'_>, data);
        }
        AppCmd::SetAcpiPowerState => {
            check_exact!(SetAcpiPowerStateRequest, data);
        }
        AppCmd::GetSystemInfo => {
            check_exact!(GetSystemInfoRequest, data);
        }
        AppCmd::SetSystemInfo => {
            check_exact!(SetSystemInfoRequest<'_>, data);
        }
        AppCmd::GetChannelAuthCapabilities => {
            check_exact!(GetChannelAuthCapabilitiesRequest, data);
        }
        AppCmd::GetSessionChallenge => {
            check_exact!(GetSessionChallengeRequest, data);
        }
        AppCmd::ActivateSession => {
            check_exact!(ActivateSessionRequest, data);
        }
        AppCmd::SetSessionPrivilegeLevel => {
            check_exact!(SetSessionPrivilegeLevelRequest, data);
        }
        AppCmd::CloseSession => {
            check_exact!(CloseSessionRequest, data);
        }
        AppCmd::GetSessionInfo => {
            check_exact!(GetSessionInfoRequest, data);
        }
        AppCmd::SetChannelAccess => {
            check_exact!(SetChannelAccessRequest, data);
        }
        AppCmd::GetChannelAccess => {
            check_exact!(GetChannelAccessRequest, data);
        }
        AppCmd::GetChannelInfo => {
            check_exact!(GetChannelInfoRequest, data);
        }
        AppCmd::SetUserAccess => {
            check_exact!(SetUserAccessRequest, data);
        }
        AppCmd::GetUserAccess => {
            check_exact!(GetUserAccessRequest, data);
        }
        AppCmd::SetUserName => {
            check_exact!(SetUserNameRequest, data);
        }
        AppCmd::GetUserName => {
            check_exact!(GetUserNameRequest, data);
        }
        AppCmd::SetUserPassword => {
            check_exact!(SetUserPasswordRequest, data);
        }
        AppCmd::GetChannelCipherSuites => {
            check_exact!(GetChannelCipherSuitesRequest, data);
        }
        AppCmd::Unknown(_) => {}
    }
}

fn check_response(cmd: u8, data: &[u8]) {
    match AppCmd::from(cmd) {
        AppCmd::GetDeviceId => {
            check_exact!(GetDeviceIdResponse, data);
        }
        AppCmd::GetSelfTestResults => {
            check_exact!(GetSelfTestResultsResponse, data);
        }
        AppCmd::GetDeviceGuid | AppCmd::GetSystemGuid => {
            check_exact!(GuidResponse, data);
        }
        AppCmd::GetAcpiPowerState => {
            check_exact!(AcpiPowerState, data);
        }
        AppCmd::GetSystemInfo => {
            check_exact!(GetSystemInfoResponse<'_>, data);
        }
        AppCmd::GetChannelAuthCapabilities => {
            check_exact!(GetChannelAuthCapabilitiesResponse, data);
        }
        AppCmd::GetSessionChallenge => {
            check_exact!(GetSessionChallengeResponse, data);
        }
        AppCmd::ActivateSession => {
            check_exact!(ActivateSessionResponse, data);
        }
        AppCmd::SetSessionPrivilegeLevel => {
            check_exact!(SetSessionPrivilegeLevelResponse, data);
        }
        AppCmd::GetSessionInfo => {
            check_exact!(GetSessionInfoResponse, data);
        }
        AppCmd::GetChannelAccess => {
            check_exact!(GetChannelAccessResponse, data);
        }
        AppCmd::GetChannelInfo => {
            check_exact!(GetChannelInfoResponse, data);
        }
        AppCmd::GetUserAccess => {
            check_exact!(GetUserAccessResponse, data);
        }
        AppCmd::GetUserName => {
            check_exact!(GetUserNameResponse, data);
        }
        AppCmd::GetChannelCipherSuites => {
            check_exact!(GetChannelCipherSuitesResponse, data);
        }
        AppCmd::GetMessageFlags => {
            check_exact!(GetMessageFlagsResponse, data);
        }
        AppCmd::GetMessage => {
            check_exact!(GetMessageResponse<'_>, data);
        }
        AppCmd::SendMessage => {
            check_exact!(SendMessageResponse<'_>, data);
        }
        AppCmd::MasterWriteRead => {
            check_exact!(MasterWriteReadResponse<'_>, data);
        }
        AppCmd::CloseSession
        | AppCmd::SetChannelAccess
        | AppCmd::SetUserAccess
        | AppCmd::SetUserName
        | AppCmd::SetUserPassword
        | AppCmd::SetAcpiPowerState
        | AppCmd::SetSystemInfo => {
            check_exact!(Empty, data);
        }
        AppCmd::Unknown(_) => {}
    }
}

#[test]
fn every_app_message_in_the_capture_round_trips() {
    let mut requests: BTreeMap<u8, usize> = BTreeMap::new();
    let mut responses: BTreeMap<u8, usize> = BTreeMap::new();
    for d in datagrams() {
        let Some(msg) = lan_message(&d) else { continue };
        match NetFn::from(msg[1] >> 2) {
            NetFn::App => {
                let r = RequestRepr::parse_bytes(msg).unwrap();
                check_request(r.cmd, r.data);
                *requests.entry(r.cmd).or_default() += 1;
            }
            NetFn::AppResponse => {
                let r = ResponseRepr::parse_bytes(msg).unwrap();
                if r.completion_code == CompletionCode::Normal {
                    check_response(r.cmd, r.data);
                    *responses.entry(r.cmd).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    // The capture exercises these commands (request, and a normal response where listed).
    for cmd in [
        0x01, 0x04, 0x08, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x40, 0x41, 0x42, 0x43, 0x44,
        0x45, 0x46, 0x47, 0x54,
    ] {
        assert!(requests.contains_key(&cmd), "request {cmd:#04x} missing");
    }
    for cmd in [
        0x01, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
        0x47, 0x54,
    ] {
        assert!(responses.contains_key(&cmd), "response {cmd:#04x} missing");
    }
    assert!(requests.values().sum::<usize>() > 150);
}

#[test]
fn cipher_suite_list_reassembles_like_ipmitool() {
    // Walk the Get Channel Cipher Suites replies of the first `channel getciphers ipmi 1` the way
    // ipmitool does: append each chunk, stop after one that is shorter than 16 bytes.
    let mut list = Vec::new();
    let mut index = 0u8;
    let mut pending: Option<u8> = None;
    for d in datagrams() {
        let Some(msg) = lan_message(&d) else { continue };
        if msg[5] != GetChannelCipherSuites::CMD {
            continue;
        }
        if NetFn::from(msg[1] >> 2) == NetFn::App {
            let r = RequestRepr::parse_bytes(msg).unwrap();
            let q = <GetChannelCipherSuitesRequest as crate::cmd::Body>::parse(r.data).unwrap();
            assert!(q.list_by_cipher_suite);
            pending = Some(q.list_index);
            continue;
        }
        let r = ResponseRepr::parse_bytes(msg).unwrap();
        let rsp = <GetChannelCipherSuitesResponse as crate::cmd::Body>::parse(r.data).unwrap();
        assert_eq!(pending.take(), Some(index));
        list.extend_from_slice(rsp.record_data);
        index += 1;
        if rsp.is_last() {
            break;
        }
    }
    // ipmi_sim offers suites 0-14: 15 records of 5 bytes in 5 chunks (16+16+16+16+11).
    assert_eq!(index, 5);
    assert_eq!(list.len(), 75);
    let records: Vec<_> = CipherSuiteRecord::iter(&list).map(Result::unwrap).collect();
    assert_eq!(records.len(), 15);
    assert_eq!(records[0], CipherSuiteRecord::new(0, 0, 0, 0));
    assert_eq!(records[3], CipherSuiteRecord::new(3, 1, 1, 1));
    assert_eq!(records[11], CipherSuiteRecord::new(11, 2, 3, 0));
    assert_eq!(records[14], CipherSuiteRecord::new(14, 2, 3, 3));
    // And the BMC side rebuilds exactly ipmi_sim's list and chunks.
    let mut written = [0u8; 80];
    let n = CipherSuiteRecord::write_all(&records, &mut written).unwrap();
    assert_eq!(&written[..n], &list[..]);
    for i in 0..5u8 {
        let start = usize::from(i) * 16;
        let chunk = GetChannelCipherSuitesResponse::chunk(1, &written[..n], i);
        assert_eq!(chunk.record_data, &list[start..(start + 16).min(75)]);
    }
}

#[test]
fn markers_match_the_command_table() {
    fn app<C: Command>(cmd: AppCmd) {
        assert_eq!(C::NETFN, NetFn::App);
        assert_eq!(C::CMD, u8::from(cmd));
    }
    app::<GetDeviceId>(AppCmd::GetDeviceId);
    app::<GetSelfTestResults>(AppCmd::GetSelfTestResults);
    app::<GetDeviceGuid>(AppCmd::GetDeviceGuid);
    app::<GetSystemGuid>(AppCmd::GetSystemGuid);
    app::<GetChannelAuthCapabilities>(AppCmd::GetChannelAuthCapabilities);
    app::<GetSessionChallenge>(AppCmd::GetSessionChallenge);
    app::<ActivateSession>(AppCmd::ActivateSession);
    app::<SetSessionPrivilegeLevel>(AppCmd::SetSessionPrivilegeLevel);
    app::<CloseSession>(AppCmd::CloseSession);
    app::<GetSessionInfo>(AppCmd::GetSessionInfo);
    app::<SetChannelAccess>(AppCmd::SetChannelAccess);
    app::<GetChannelAccess>(AppCmd::GetChannelAccess);
    app::<GetChannelInfo>(AppCmd::GetChannelInfo);
    app::<SetUserAccess>(AppCmd::SetUserAccess);
    app::<GetUserAccess>(AppCmd::GetUserAccess);
    app::<SetUserName>(AppCmd::SetUserName);
    app::<GetUserName>(AppCmd::GetUserName);
    app::<SetUserPassword>(AppCmd::SetUserPassword);
    app::<GetChannelCipherSuites>(AppCmd::GetChannelCipherSuites);
}
