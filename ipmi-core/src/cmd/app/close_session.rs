//! Close Session (App 0x3C): ends a session (every client sends it at exit). The reply goes out
//! in-session, protected by the session's keys, before the BMC forgets the session.
//!
//! Request: session id (4, LE) · session handle (1, only when the id is 0).
//! Response: no data. Completion codes: 0x87 invalid session id, 0x88 invalid session handle.
use super::Empty;
use crate::cmd::Body;
use crate::Error;

app_command! {
    /// Close Session (App 0x3C).
    CloseSession, 0x3C, CloseSessionRequest, Empty
}

/// The Close Session request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CloseSessionRequest {
    /// Bytes 1-4: the session id (LE) to close; 0 selects the session by handle.
    pub session_id: u32,
    /// Byte 5: the session handle, present only when `session_id` is 0.
    pub session_handle: Option<u8>,
}

impl CloseSessionRequest {
    /// Closing a session by its id.
    pub const fn by_id(session_id: u32) -> Self {
        CloseSessionRequest {
            session_id,
            session_handle: None,
        }
    }
}

impl<'a> Body<'a> for CloseSessionRequest {
    fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match *data {
            [a, b, c, d] => Ok(CloseSessionRequest {
                session_id: u32::from_le_bytes([a, b, c, d]),
                session_handle: None,
            }),
            [a, b, c, d, handle] => Ok(CloseSessionRequest {
                session_id: u32::from_le_bytes([a, b, c, d]),
                session_handle: Some(handle),
            }),
            _ if data.len() < 4 => Err(Error::Truncated),
            _ => Err(Error::TooLong),
        }
    }

    fn buffer_len(&self) -> usize {
        if self.session_handle.is_some() {
            5
        } else {
            4
        }
    }

    fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        out[..4].copy_from_slice(&self.session_id.to_le_bytes());
        if let Some(handle) = self.session_handle {
            out[4] = handle;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_requests() {
        // ipmitool lanplus against ipmi_sim (cs03-ipmitool-4cmds.txt): the BMC's session id.
        let r = check_exact!(CloseSessionRequest, &[0x82, 0x03, 0x00, 0x00]);
        assert_eq!(r, CloseSessionRequest::by_id(0x0000_0382));
        // ipmitool lanplus against fakebmc.py (cs03-ipmitool-power-status-vs-fakebmc.txt).
        let r = check_exact!(CloseSessionRequest, &[0x0f, 0x1b, 0x1a, 0x0b]);
        assert_eq!(r.session_id, 0x0b1a_1b0f);
        assert_eq!(r.session_handle, None);
        // IPMI 1.5 (v15-password-ipmitool-4cmds.txt): the id from Activate Session.
        let r = check_exact!(CloseSessionRequest, &[0x8a, 0x0c, 0x00, 0x00]);
        assert_eq!(r.session_id, 0x0c8a);
    }

    #[test]
    fn by_handle() {
        let r = check_exact!(CloseSessionRequest, &[0, 0, 0, 0, 0x03]);
        assert_eq!(r.session_id, 0);
        assert_eq!(r.session_handle, Some(3));
    }

    #[test]
    fn lengths() {
        for n in 0..4 {
            assert_eq!(
                CloseSessionRequest::parse(&[0; 4][..n]),
                Err(Error::Truncated)
            );
        }
        assert_eq!(CloseSessionRequest::parse(&[0; 6]), Err(Error::TooLong));
        assert_eq!(Empty::parse(&[0]), Err(Error::TooLong));
    }

    no_input_panics!(CloseSessionRequest, Empty);
}
