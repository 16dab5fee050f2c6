//! Get Message Flags (App 0x31): what waits in the BMC's queues, so a console knows when a Get
//! Message will find something (a bridged response sent without tracking).
//!
//! Response: one flags byte: b0 receive message available, b1 event message buffer full,
//! b3 watchdog pre-timeout interrupt, b5..b7 OEM 0..2 (b2 and b4 reserved).
use super::Empty;
use crate::Error;

app_command! {
    /// Get Message Flags (App 0x31).
    GetMessageFlags, 0x31, Empty, GetMessageFlagsResponse
}

/// The Get Message Flags response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetMessageFlagsResponse {
    /// b0: the receive message queue holds a message (Get Message returns it).
    pub receive_message_available: bool,
    /// b1: the event message buffer is full.
    pub event_buffer_full: bool,
    /// b3: the watchdog pre-timeout interrupt occurred.
    pub watchdog_pretimeout: bool,
    /// b5..b7: OEM 0, 1, 2 data available.
    pub oem: [bool; 3],
}

impl GetMessageFlagsResponse {
    fn decode(b: &[u8; 1]) -> Result<Self, Error> {
        let f = b[0];
        Ok(GetMessageFlagsResponse {
            receive_message_available: super::bit(f, 0),
            event_buffer_full: super::bit(f, 1),
            watchdog_pretimeout: super::bit(f, 3),
            oem: [super::bit(f, 5), super::bit(f, 6), super::bit(f, 7)],
        })
    }
    fn encode(&self) -> Result<[u8; 1], Error> {
        Ok([super::flag(self.receive_message_available, 0)
            | super::flag(self.event_buffer_full, 1)
            | super::flag(self.watchdog_pretimeout, 3)
            | super::flag(self.oem[0], 5)
            | super::flag(self.oem[1], 6)
            | super::flag(self.oem[2], 7)])
    }
}

fixed_body!(GetMessageFlagsResponse, 1);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;

    #[test]
    fn round_trips() {
        let r = check_exact!(GetMessageFlagsResponse, &[0x01]);
        assert!(r.receive_message_available && !r.event_buffer_full);
        let r = check_exact!(GetMessageFlagsResponse, &[0xEA]);
        assert!(r.event_buffer_full && r.watchdog_pretimeout && r.oem == [true; 3]);
        assert_eq!(GetMessageFlags::CMD, 0x31);
        check_lengths!(GetMessageFlagsResponse, &[0x00]);
    }

    no_input_panics!(GetMessageFlagsResponse);
}
