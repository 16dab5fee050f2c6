//! THE place that says which NUCLEO-F767ZI pins drive the managed machine. Change them here
//! and in the README's wiring table together.
//!
//! | Signal       | Pin  | Nucleo header  | Direction                     | Active |
//! |--------------|------|----------------|-------------------------------|--------|
//! | POWER_BUTTON | PE9  | CN10 D6        | output, open drain            | low    |
//! | RESET        | PE11 | CN10 D5        | output, open drain            | low    |
//! | POWER_GOOD   | PF14 | CN10 D4        | input, pull-down              | high   |
//! | IDENTIFY     | PB7  | on-board LD2   | output, push-pull (blue LED)  | high   |
//! | SOL TX       | PG14 | CN10 D1        | USART6 TX to the machine's RX | 3.3 V  |
//! | SOL RX       | PG9  | CN10 D0        | USART6 RX from the machine's TX | 3.3 V |
//!
//! POWER_BUTTON and RESET go to the host's front-panel switch pins through an opto-coupler or a
//! transistor (they "press" by pulling low). POWER_GOOD reads a 3.3 V-safe power indication
//! (e.g. the front-panel power LED through an opto-coupler). The Ethernet RMII pins (PA1, PA2,
//! PA7, PB13, PC1, PC4, PC5, PG11, PG13) are fixed by the board and not free for other use.
//! SOL TX/RX are the machine's serial console (Serial over LAN), 3.3 V logic levels: a PC's
//! RS-232 COM port needs a level shifter (MAX3232) in between, a mainboard's TTL console
//! header does not. USART3 (PD8/PD9) is the ST-LINK's virtual COM port, not used for SOL.

/// Pin names, for the board's `main`.
macro_rules! chassis_pins {
    ($p:ident) => {
        ($p.PE9, $p.PE11, $p.PF14, $p.PB7)
    };
}
pub(crate) use chassis_pins;

/// Front-panel timings: ATX (200 ms press, 5 s forced off, 200 ms reset, 2 s between off and
/// on in a cycle, 20 ms power-good debounce). Change them here for a mainboard that differs.
pub const TIMINGS: bmc_fw::Timings = bmc_fw::Timings::ATX;

/// The Serial over LAN UART and its pins (TX, RX), for the board's `main`.
macro_rules! sol_pins {
    ($p:ident) => {
        ($p.USART6, $p.PG14, $p.PG9)
    };
}
pub(crate) use sol_pins;
