//! Get Session Info (App 0x3D): who holds which session (ipmitool `session info active|all|id|handle`).
//!
//! Request: session index (0 = the current session, 1..N = the N-th active session, 0xFE = by
//! handle, followed by the handle, 0xFF = by id, followed by the session id, 4 LE).
//! Response: session handle · number of possible active sessions (b5:0) · number of currently
//! active sessions (b5:0); then, when a session is reported: user id (b5:0) · operating privilege
//! (b3:0) · session protocol auxiliary data (b7:4) and channel (b3:0); then for an 802.3 LAN
//! channel: console IP address (4, MS byte first) · console MAC address (6, MS byte first) ·
//! console port (2, LS byte first).
//!
//! ipmitool decides from the length what it prints: 3 bytes = no session data, 18 = LAN data.
//! This codec accepts 3, 6 and 18 bytes; the serial/modem variants (12 and 14 bytes) are not
//! modelled (they parse as `Truncated`) because this stack only has a LAN channel.
use super::{fit, privilege_bits, privilege_of};
use crate::cmd::Body;
use crate::{Error, Privilege};

app_command! {
    /// Get Session Info (App 0x3D).
    GetSessionInfo, 0x3D, GetSessionInfoRequest, GetSessionInfoResponse
}

/// Which session Get Session Info asks about (request byte 1 and what follows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SessionIndex {
    /// 0x00: the session the request arrives in (`session info active`).
    Current,
    /// 0x01..=0xFD: the N-th active session in the table (`session info all` walks 1..=N).
    Index(u8),
    /// 0xFE: by session handle (byte 2).
    Handle(u8),
    /// 0xFF: by session id (bytes 2-5, LE).
    Id(u32),
}

/// The Get Session Info request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSessionInfoRequest {
    /// The session asked about.
    pub index: SessionIndex,
}

impl<'a> Body<'a> for GetSessionInfoRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&first, rest) = data.split_first().ok_or(Error::Truncated)?;
        let index = match (first, rest) {
            (0xFE, [handle]) => SessionIndex::Handle(*handle),
            (0xFE, []) => return Err(Error::Truncated),
            (0xFF, [a, b, c, d]) => SessionIndex::Id(u32::from_le_bytes([*a, *b, *c, *d])),
            (0xFF, r) if r.len() < 4 => return Err(Error::Truncated),
            (0x00, []) => SessionIndex::Current,
            (n, []) if n < 0xFE => SessionIndex::Index(n),
            _ => return Err(Error::TooLong),
        };
        Ok(GetSessionInfoRequest { index })
    }

    fn buffer_len(&self) -> usize {
        match self.index {
            SessionIndex::Current | SessionIndex::Index(_) => 1,
            SessionIndex::Handle(_) => 2,
            SessionIndex::Id(_) => 5,
        }
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        match self.index {
            SessionIndex::Current => out[0] = 0,
            SessionIndex::Index(n) if (1..0xFE).contains(&n) => out[0] = n,
            SessionIndex::Index(_) => return Err(Error::InvalidField),
            SessionIndex::Handle(h) => out.copy_from_slice(&[0xFE, h]),
            SessionIndex::Id(id) => {
                out[0] = 0xFF;
                out[1..].copy_from_slice(&id.to_le_bytes());
            }
        }
        Ok(len)
    }
}

/// The 802.3 LAN part of a session report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LanSessionData {
    /// Remote console IPv4 address, MS byte first (as in the IP header).
    pub console_ip: [u8; 4],
    /// Remote console MAC address, MS byte first (all zero when unknown, e.g. on loopback).
    pub console_mac: [u8; 6],
    /// Remote console UDP port (LS byte first on the wire).
    pub console_port: u16,
}

/// One session's details (response bytes 4-6 and the channel data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SessionDetails {
    /// Byte 5 bits 5:0: the session's user id.
    pub user_id: u8,
    /// Byte 6 bits 3:0: the session's operating privilege level.
    pub privilege: Privilege,
    /// Byte 7 bits 7:4: session protocol auxiliary data; on a LAN channel
    /// [`SessionDetails::PROTOCOL_IPMI_V15`] or [`SessionDetails::PROTOCOL_IPMI_V20`].
    pub protocol_aux: u8,
    /// Byte 7 bits 3:0: the channel the session was activated on.
    pub channel: u8,
    /// Bytes 8-19 for an 802.3 LAN channel.
    pub lan: Option<LanSessionData>,
}

impl SessionDetails {
    /// Protocol auxiliary data for an IPMI v1.5 session.
    pub const PROTOCOL_IPMI_V15: u8 = 0x0;
    /// Protocol auxiliary data for an IPMI v2.0/RMCP+ session.
    pub const PROTOCOL_IPMI_V20: u8 = 0x1;
}

/// The Get Session Info response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetSessionInfoResponse {
    /// Byte 1: the handle of the reported session (0 when none).
    pub session_handle: u8,
    /// Byte 2 bits 5:0: number of possible active sessions (the session table size).
    pub possible_active_sessions: u8,
    /// Byte 3 bits 5:0: number of currently active sessions.
    pub active_sessions: u8,
    /// The session reported, if the index selected one.
    pub session: Option<SessionDetails>,
}

impl GetSessionInfoResponse {
    /// Length when no session is reported.
    pub const LEN_NO_SESSION: usize = 3;
    /// Length with session details but no channel data.
    pub const LEN_SESSION: usize = 6;
    /// Length with 802.3 LAN channel data.
    pub const LEN_LAN: usize = 18;
}

impl<'a> Body<'a> for GetSessionInfoResponse {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match data.len() {
            Self::LEN_NO_SESSION | Self::LEN_SESSION | Self::LEN_LAN => {}
            n if n > Self::LEN_LAN => return Err(Error::TooLong),
            _ => return Err(Error::Truncated),
        }
        let session = match data.get(3..6) {
            Some(&[user, privilege, aux]) => Some(SessionDetails {
                user_id: user & 0x3F,
                privilege: privilege_of(privilege),
                protocol_aux: aux >> 4,
                channel: aux & 0x0F,
                lan: match data.get(6..18) {
                    Some(&[i0, i1, i2, i3, m0, m1, m2, m3, m4, m5, p0, p1]) => {
                        Some(LanSessionData {
                            console_ip: [i0, i1, i2, i3],
                            console_mac: [m0, m1, m2, m3, m4, m5],
                            console_port: u16::from_le_bytes([p0, p1]),
                        })
                    }
                    _ => None,
                },
            }),
            _ => None,
        };
        Ok(GetSessionInfoResponse {
            session_handle: data[0],
            possible_active_sessions: data[1] & 0x3F,
            active_sessions: data[2] & 0x3F,
            session,
        })
    }

    fn buffer_len(&self) -> usize {
        match self.session {
            None => Self::LEN_NO_SESSION,
            Some(SessionDetails { lan: None, .. }) => Self::LEN_SESSION,
            Some(SessionDetails { lan: Some(_), .. }) => Self::LEN_LAN,
        }
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        out[0] = self.session_handle;
        out[1] = fit(self.possible_active_sessions, 0x3F)?;
        out[2] = fit(self.active_sessions, 0x3F)?;
        if let Some(s) = self.session {
            out[3] = fit(s.user_id, 0x3F)?;
            out[4] = privilege_bits(s.privilege)?;
            out[5] = fit(s.protocol_aux, 0x0F)? << 4 | fit(s.channel, 0x0F)?;
            if let Some(lan) = s.lan {
                out[6..10].copy_from_slice(&lan.console_ip);
                out[10..16].copy_from_slice(&lan.console_mac);
                out[16..18].copy_from_slice(&lan.console_port.to_le_bytes());
            }
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::app::testutil::hex;

    // Requests and the 3- and 6-byte replies: ipmitool `session info active|all|handle|id`
    // against ipmi_sim (testdata/ipmi_sim-app-commands.txt). ipmi_sim sends no LAN data, so the
    // 18-byte form below is built from the specification's layout (what ipmitool prints from).
    #[test]
    fn ipmi_sim_replies() {
        let r = check_exact!(GetSessionInfoResponse, &hex::<6>("013f01020401"));
        assert_eq!(r.session_handle, 1);
        assert_eq!(r.possible_active_sessions, 63);
        assert_eq!(r.active_sessions, 1);
        let s = r.session.unwrap();
        assert_eq!(s.user_id, 2);
        assert_eq!(s.privilege, Privilege::Administrator);
        assert_eq!(s.protocol_aux, SessionDetails::PROTOCOL_IPMI_V15);
        assert_eq!(s.channel, 1);
        assert_eq!(s.lan, None);
        // `session info all` past the last session, and `session info id` of a closed session.
        let r = check_exact!(GetSessionInfoResponse, &hex::<3>("003f01"));
        assert_eq!(
            (
                r.session_handle,
                r.possible_active_sessions,
                r.active_sessions
            ),
            (0, 63, 1)
        );
        assert_eq!(r.session, None);
    }

    #[test]
    fn requests() {
        let r = check_exact!(GetSessionInfoRequest, &[0x00]);
        assert_eq!(r.index, SessionIndex::Current);
        let r = check_exact!(GetSessionInfoRequest, &[0x02]);
        assert_eq!(r.index, SessionIndex::Index(2));
        let r = check_exact!(GetSessionInfoRequest, &[0xFE, 0x07]);
        assert_eq!(r.index, SessionIndex::Handle(7));
        let r = check_exact!(GetSessionInfoRequest, &[0xFF, 0x82, 0x03, 0x00, 0x00]);
        assert_eq!(r.index, SessionIndex::Id(0x382));
    }

    #[test]
    fn request_lengths() {
        assert_eq!(GetSessionInfoRequest::parse(&[]), Err(Error::Truncated));
        assert_eq!(GetSessionInfoRequest::parse(&[0xFE]), Err(Error::Truncated));
        assert_eq!(
            GetSessionInfoRequest::parse(&[0xFF, 1, 2, 3]),
            Err(Error::Truncated)
        );
        assert_eq!(
            GetSessionInfoRequest::parse(&[0x00, 0]),
            Err(Error::TooLong)
        );
        assert_eq!(
            GetSessionInfoRequest::parse(&[0x01, 0]),
            Err(Error::TooLong)
        );
        assert_eq!(
            GetSessionInfoRequest::parse(&[0xFE, 1, 2]),
            Err(Error::TooLong)
        );
        assert_eq!(
            GetSessionInfoRequest::parse(&[0xFF, 1, 2, 3, 4, 5]),
            Err(Error::TooLong)
        );
        let bad = GetSessionInfoRequest {
            index: SessionIndex::Index(0xFE),
        };
        assert_eq!(bad.emit(&mut [0u8; 1]), Err(Error::InvalidField));
    }

    // Handle 1 of 4 possible, 1 active: user 2, ADMINISTRATOR, RMCP+ on channel 1, console
    // 127.0.0.1 port 49328 (0xC0B0), no MAC on loopback.
    const LAN: &str = "010401020411" /* header + user, priv, aux|chan */;
    const LAN_DATA: &str = "7f000001000000000000b0c0";

    fn lan_bytes() -> [u8; 18] {
        let a = hex::<6>(LAN);
        let b = hex::<12>(LAN_DATA);
        let mut out = [0u8; 18];
        out[..6].copy_from_slice(&a);
        out[6..].copy_from_slice(&b);
        out
    }

    #[test]
    fn lan_session() {
        let r = check_exact!(GetSessionInfoResponse, &lan_bytes());
        assert_eq!(r.session_handle, 1);
        assert_eq!(r.possible_active_sessions, 4);
        assert_eq!(r.active_sessions, 1);
        let s = r.session.unwrap();
        assert_eq!(s.user_id, 2);
        assert_eq!(s.privilege, Privilege::Administrator);
        assert_eq!(s.protocol_aux, SessionDetails::PROTOCOL_IPMI_V20);
        assert_eq!(s.channel, 1);
        let lan = s.lan.unwrap();
        assert_eq!(lan.console_ip, [127, 0, 0, 1]);
        assert_eq!(lan.console_mac, [0; 6]);
        assert_eq!(lan.console_port, 49328);
    }

    #[test]
    fn no_session_and_no_channel_data() {
        let r = check_exact!(GetSessionInfoResponse, &[0x00, 0x04, 0x01]);
        assert_eq!(r.session, None);
        let r = check_exact!(
            GetSessionInfoResponse,
            &[0x01, 0x04, 0x01, 0x02, 0x04, 0x01]
        );
        let s = r.session.unwrap();
        assert_eq!(s.protocol_aux, SessionDetails::PROTOCOL_IPMI_V15);
        assert_eq!(s.lan, None);
    }

    #[test]
    fn response_lengths() {
        let full = lan_bytes();
        let mut long = [0u8; 19];
        long[..18].copy_from_slice(&full);
        for n in 0..=19 {
            let r = GetSessionInfoResponse::parse(&long[..n]);
            match n {
                3 | 6 | 18 => assert!(r.is_ok()),
                19 => assert_eq!(r, Err(Error::TooLong)),
                _ => assert_eq!(r, Err(Error::Truncated), "len {n}"),
            }
        }
        let mut r = GetSessionInfoResponse::parse(&full).unwrap();
        r.active_sessions = 0x40;
        assert_eq!(r.emit(&mut [0u8; 18]), Err(Error::InvalidField));
    }

    no_input_panics!(GetSessionInfoRequest, GetSessionInfoResponse);
}
