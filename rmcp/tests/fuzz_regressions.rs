//! The fuzz targets' own checks (`fuzz/src/harness`, compiled here without libFuzzer) over every
//! saved crash input in `fuzz/regressions/<target>/` and the committed corpus `fuzz/corpus/`,
//! so a bug the fuzzer once found stays fixed in the normal `cargo test`.
//!
//! Built without `--cfg fuzzing`, the `session` target runs without the integrity bypass and
//! without the table view: its outside-view invariants still hold (`fuzz/smoke.sh` replays the
//! same inputs with the full checks).
use std::path::{Path, PathBuf};

#[allow(dead_code, unused_imports)]
#[path = "../../fuzz/src/harness/mod.rs"]
mod harness;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Runs every file under `root/<target>/` through that target's check; returns the count.
fn replay_tree(root: &Path) -> usize {
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for dir in dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let check = harness::target(&name)
            .unwrap_or_else(|| panic!("{}: no fuzz target {name}", dir.display()));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            count += 1;
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "failing fuzz inputs: {failures:#?}");
    count
}

#[test]
fn saved_crash_inputs_stay_fixed() {
    let n = replay_tree(&fuzz_dir().join("regressions"));
    assert!(n > 0, "fuzz/regressions holds no input");
}

#[test]
fn committed_corpus_passes_every_check() {
    let n = replay_tree(&fuzz_dir().join("corpus"));
    assert!(n >= harness::TARGETS.len(), "only {n} corpus files");
}

/// The session harness is not vacuous: its seed scripts log in on every suite and over IPMI
/// 1.5, and a wrong password never does.
#[test]
fn session_seed_scripts_establish_sessions() {
    for (name, script) in harness::session::seed_scripts() {
        let activations = harness::session::run(&script);
        if name == "wrong-password" {
            assert_eq!(activations, 0, "{name}");
        } else {
            assert!(activations >= 1, "{name}: no session became active");
        }
        if name.starts_with("sol") {
            // ... and the SOL ones activate SOL and move characters both ways.
            let (_, sol) = harness::session::run_sol(&script);
            eprintln!("{name}: {sol:?}");
            assert!(sol.activations >= 2, "{name}: {sol:?}");
            assert!(sol.datagrams >= 5, "{name}: {sol:?}");
            assert!(sol.delivered >= 9, "{name}: {sol:?}");
        }
    }
}
