//! The configuration console on a board's UART: provisioning without rebuilding, by hand.
//!
//! Line based, one setting a line, the same `key=value` lines as a provisioning blob (see
//! [`crate::provision`]): `user=NAME:PASSWORD:PRIVILEGE`, `kg=HEX` / `kg=none`,
//! `address=dhcp` / `address=A.B.C.D/N`, `gateway=A.B.C.D`, `suites=3,17`. Each line answers
//! `ok` or `error: ...`; settings collect until `save`, which writes them to the store and
//! restarts the board so that everything runs with them (`discard` drops them). `show` prints
//! the configuration in force (never a password or K_g). Nothing is echoed: a password typed
//! here does not stay on the screen.
//!
//! Who can reach the UART can reconfigure the BMC: that is physical access, as with the flash
//! blob (a serial console on a real BMC is the same).
use core::cell::RefCell;

use embassy_time::Timer;
use embedded_storage::nor_flash::NorFlash;
use heapless::Vec;

use crate::bmc::Persist;
use crate::provision::Changes;
use crate::store::Network;

/// A board's console UART.
pub trait ConsolePort {
    /// A received byte, if one is waiting (polled every few milliseconds).
    fn read_byte(&mut self) -> Option<u8>;
    /// Writes `bytes` (blocking is fine: the console writes little).
    fn write(&mut self, bytes: &[u8]);
    /// Restarts the board (after `save`), once what was written has left the UART.
    fn reset(&mut self) -> !;
}

/// For a board without a console.
pub struct NoConsole;

impl ConsolePort for NoConsole {
    fn read_byte(&mut self) -> Option<u8> {
        None
    }
    fn write(&mut self, _bytes: &[u8]) {}
    fn reset(&mut self) -> ! {
        unreachable!("a board without a console never saves from it")
    }
}

/// Longest line read; a longer one is refused as a whole.
const LINE: usize = 96;

const HELP: &[u8] = b"settings (one a line, applied by save):\r\n\
  user=NAME:PASSWORD:callback|user|operator|administrator  (up to 4, replace all users)\r\n\
  kg=HEX | kg=none        address=dhcp | address=A.B.C.D/N        gateway=A.B.C.D\r\n\
  suites=3,17             (cipher suites offered)\r\n\
commands: show  save (write to flash and restart)  discard  help\r\n";

fn dec(port: &mut impl ConsolePort, n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    port.write(&buf[i..]);
}

fn ipv4(port: &mut impl ConsolePort, a: [u8; 4]) {
    for (i, b) in a.iter().enumerate() {
        if i > 0 {
            port.write(b".");
        }
        dec(port, u32::from(*b));
    }
}

const PRIVILEGES: [&[u8]; 6] = [b"?", b"callback", b"user", b"operator", b"administrator", b"oem"];

fn show<F>(port: &mut impl ConsolePort, p: &Persist<F>, pending: &Changes) {
    let s = &p.saved;
    for (i, u) in s.users.iter().enumerate() {
        if let Some(u) = u.as_ref().filter(|u| !u.name.is_empty()) {
            port.write(b"user ");
            dec(port, i as u32 + 1);
            port.write(b" ");
            port.write(&u.name);
            port.write(b" ");
            port.write(PRIVILEGES.get(usize::from(u.privilege)).copied().unwrap_or(b"?"));
            port.write(if u.enabled { b" enabled\r\n" } else { b" disabled\r\n" });
        }
    }
    let (kind, ip): (&[u8], _) = match s.network {
        Network::Dhcp { fallback } => (b"address dhcp, fallback ", fallback),
        Network::Static(ip) => (b"address ", ip),
    };
    port.write(kind);
    ipv4(port, ip.address);
    port.write(b"/");
    dec(port, u32::from(ip.prefix));
    if let Some(gw) = ip.gateway {
        port.write(b" gateway ");
        ipv4(port, gw);
    }
    port.write(if s.kg.is_some() { b"\r\nkg set\r\nsuites" } else { b"\r\nkg not set\r\nsuites" });
    for id in 0..32 {
        if s.suites & (1 << id) != 0 {
            port.write(b" ");
            dec(port, id);
        }
    }
    port.write(if pending.is_empty() {
        b"\r\nno unsaved changes\r\n"
    } else {
        b"\r\nunsaved changes: save or discard\r\n"
    });
}

/// Serves the console on `port` for ever.
pub(crate) async fn run<C: ConsolePort, F: NorFlash>(mut port: C, persist: &RefCell<Persist<F>>) -> ! {
    port.write(b"\r\nBMC console: type help\r\n> ");
    let mut line: Vec<u8, LINE> = Vec::new();
    let mut too_long = false;
    let mut pending = Changes::default();
    loop {
        while let Some(b) = port.read_byte() {
            if b != b'\r' && b != b'\n' {
                too_long |= line.push(b).is_err();
                continue;
            }
            let text = line.trim_ascii();
            match text {
                _ if too_long => port.write(b"error: line too long\r\n"),
                b"" => {}
                b"help" => port.write(HELP),
                b"show" => show(&mut port, &persist.borrow(), &pending),
                b"discard" => {
                    pending = Changes::default();
                    port.write(b"ok\r\n");
                }
                b"save" if pending.is_empty() => port.write(b"nothing to save\r\n"),
                b"save" => {
                    let mut p = persist.borrow_mut();
                    let mut next = p.saved.clone();
                    core::mem::take(&mut pending).apply_to(&mut next);
                    match p.store.save(&next) {
                        Ok(()) => {
                            // Restart at once, with no await in between: a LAN change saved
                            // meanwhile would be captured from the endpoint's old users.
                            crate::info!("console: configuration saved, restarting");
                            port.write(b"saved: restarting\r\n");
                            port.reset();
                        }
                        Err(e) => {
                            crate::error!("console: saving failed: {:?}", e);
                            port.write(b"error: saving to flash failed\r\n");
                        }
                    }
                }
                _ => match pending.line(text) {
                    Ok(_) => port.write(b"ok\r\n"),
                    Err(()) => port.write(b"error: not a valid setting (type help)\r\n"),
                },
            }
            if !text.is_empty() || too_long {
                port.write(b"> ");
            }
            line.clear();
            too_long = false;
        }
        Timer::after_millis(5).await;
    }
}
