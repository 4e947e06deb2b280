//! Helpers for the CLI tests: the real binary, scratch folders, the shared vectors.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `ves ARGS...` and returns its output.
pub fn ves(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ves"))
        .args(args)
        .output()
        .expect("the ves binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Both streams, for assertion messages.
pub fn all(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// A fresh, empty scratch folder for one test, removed when the test passes (kept, for a
/// look, when it fails).
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("ves-cli-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// `$VES_VECTORS_DIR`, else `../shared/vectors` beside the repository; `None` (with a message
/// saying that the test did not run) when absent.
pub fn vectors_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VES_VECTORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
        });
    if dir.join("ves_v1_computed_kat.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: shared vectors not found at {} (set VES_VECTORS_DIR); this test did not run",
            dir.display()
        );
        None
    }
}

pub const SHARED_FILES: [&str; 4] = [
    "live_ves_v1_dev.json",
    "ves_v1_computed_kat.json",
    "ves_sig_1_test_vectors.json",
    "ves_enc_1_test_vectors.json",
];
