//! Writes the seed corpus `fuzz/corpus/<target>/` from captured traffic: the shared vectors
//! (`../shared/vectors/txt/*.txt`) and the recorded interop traffic (`fuzz/seeds/interop/*.txt`),
//! both as `c2s <hex>` / `s2c <hex>` lines. Each datagram is split by layer: whole datagrams for
//! `datagram` and `wire_rmcp`, session bodies for `wire_v15`/`wire_v20`, Open Session and RAKP
//! payloads, LAN messages (in the clear, or with integrity only), and command bodies filed under
//! their command file's target with its selector byte. `session` gets the harness's scripts.
//!
//! Usage (from fuzz/): cargo run --release --example seed -- OUT_DIR CAPTURE_DIR...
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use ipmi_core::wire::{RequestRepr, ResponseRepr};
use ipmi_core::CompletionCode;
use ipmi_fuzz::harness::{command_files, session};
use rmcp::wire::v20::{self, PayloadType};
use rmcp::wire::Datagram;

/// At most this many seeds per target (the corpus stays small; the fuzzer grows its own).
const MAX_PER_TARGET: usize = 200;

#[derive(Default)]
struct Corpus {
    seeds: BTreeMap<String, Vec<Vec<u8>>>,
    seen: HashSet<(String, Vec<u8>)>,
}

impl Corpus {
    fn add(&mut self, target: &str, bytes: Vec<u8>) {
        if self.seen.insert((target.to_owned(), bytes.clone())) {
            self.seeds.entry(target.to_owned()).or_default().push(bytes);
        }
    }

    fn lan(&mut self, files: &[(&'static str, Vec<(u8, u8)>)], from_console: bool, msg: &[u8]) {
        self.add(
            "wire_lan_message",
            [&[u8::from(!from_console)], msg].concat(),
        );
        let (netfn, cmd, data, dir) = if from_console {
            let Ok(r) = RequestRepr::parse_bytes(msg) else {
                return;
            };
            (u8::from(r.netfn), r.cmd, r.data, 0)
        } else {
            let Ok(r) = ResponseRepr::parse_bytes(msg) else {
                return;
            };
            if r.completion_code != CompletionCode::Normal {
                return;
            }
            (u8::from(r.netfn) & !1, r.cmd, r.data, 1)
        };
        for (name, cmds) in files {
            if let Some(i) = cmds.iter().position(|&c| c == (netfn, cmd)) {
                self.add(name, [&[(2 * i + dir) as u8], data].concat());
            }
        }
        if from_console {
            // Padding: this message sealed under every suite (keys from zeros).
            for suite in 0..12u8 {
                let mut seed = vec![suite];
                seed.extend_from_slice(&[0u8; 32 + 16 + 8]);
                seed.extend_from_slice(msg);
                self.add("padding", seed);
            }
        }
    }

    fn datagram(&mut self, files: &[(&'static str, Vec<(u8, u8)>)], from_console: bool, d: &[u8]) {
        self.add("wire_rmcp", d.to_vec());
        if from_console {
            self.add("datagram", d.to_vec());
        }
        match Datagram::parse(d) {
            Ok(Datagram::Asf { .. }) => self.add("wire_asf", d[4..].to_vec()),
            Ok(Datagram::V15 { session, .. }) => {
                self.add("wire_v15", d[4..].to_vec());
                self.lan(files, from_console, session.message);
            }
            Ok(Datagram::V20 { body, .. }) => {
                self.add("wire_v20", body.to_vec());
                let mut scratch = [0u8; 128];
                if let Ok(o) = rmcp::session::v20::open(body, None, &mut scratch) {
                    let t = u8::from(o.payload_type());
                    match o.payload_type() {
                        PayloadType::OpenSessionRequest | PayloadType::OpenSessionResponse => {
                            self.add("wire_open_session", [&[t - 0x10], o.payload].concat())
                        }
                        PayloadType::Ipmi => self.lan(files, from_console, o.payload),
                        _ if (0x12..=0x15).contains(&t) => {
                            self.add("wire_rakp", [&[t - 0x12], o.payload].concat())
                        }
                        _ => {}
                    }
                } else if let Ok(p) = v20::Packet::new_checked(body) {
                    if p.encrypted() {
                        // IV + ciphertext for the AES unpadding checks (suite 3's slot).
                        let mut seed = vec![3u8];
                        seed.extend_from_slice(&[0u8; 32 + 16 + 8]);
                        seed.extend_from_slice(p.payload());
                        self.add("padding", seed);
                    } else if p.payload_type() == PayloadType::Ipmi {
                        // Integrity only: the LAN message is in the clear.
                        self.lan(files, from_console, p.payload());
                    }
                }
            }
            Err(_) => {}
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, inputs) = args
        .split_first()
        .expect("usage: seed OUT_DIR CAPTURE_DIR...");
    let files = command_files();
    let mut corpus = Corpus::default();
    for dir in inputs {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        paths.sort();
        for path in paths {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let Some((dir, hex)) = line.split_once(' ') else {
                    continue;
                };
                if dir != "c2s" && dir != "s2c" {
                    continue;
                }
                let Some(bytes) = (0..hex.len())
                    .step_by(2)
                    .map(|i| {
                        hex.get(i..i + 2)
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                    })
                    .collect::<Option<Vec<u8>>>()
                else {
                    continue;
                };
                corpus.datagram(&files, dir == "c2s", &bytes);
            }
        }
    }
    // Every body of every command file, empty: the smallest seed per selector.
    for (name, cmds) in &files {
        for sel in 0..2 * cmds.len() {
            corpus.add(name, vec![sel as u8]);
        }
    }
    for (_, script) in session::seed_scripts() {
        corpus.add("session", script);
    }
    for (name, _) in ipmi_fuzz::harness::TARGETS {
        let dir = Path::new(out).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let seeds = corpus.seeds.get(*name).map(Vec::as_slice).unwrap_or(&[]);
        for seed in seeds.iter().take(MAX_PER_TARGET) {
            let h = seed.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            std::fs::write(dir.join(format!("{h:016x}")), seed).unwrap();
        }
        println!("{name:36} {:4} seeds", seeds.len().min(MAX_PER_TARGET));
    }
}
