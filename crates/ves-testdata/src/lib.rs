//! The one lookup of the conformance data for every Rust test layer (and, with the same rule,
//! `scripts/vectors-dir.sh` for the shell and k6 layers).
//!
//! The folder is `$VES_VECTORS_DIR` (a relative path is taken from the repository root), else
//! the repository's own `tests/vectors/`. It is *present* when every file listed in
//! `tests/vectors/MANIFEST` is there with the listed sha256. Anything else is a test failure
//! whose message names the file: never a skip, never an early return.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use thiserror::Error;

/// The list of required files, compiled in: the repository's copy is the definition, whichever
/// folder the data is read from.
pub const MANIFEST: &str = include_str!("../../../tests/vectors/MANIFEST");

/// The variable that points the tests at another folder.
pub const ENV: &str = "VES_VECTORS_DIR";

/// One required file and its sha256 (bare lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: &'static str,
    pub sha256: &'static str,
}

/// Why a folder does not hold the conformance data.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Missing {
    #[error("conformance data: {path} is missing (every file in tests/vectors/MANIFEST is required; restore it with `git checkout tests/vectors`, or point {ENV} at a complete copy)")]
    File { path: String },
    #[error("conformance data: {path} has sha256 {found}, expected {expected} (tests/vectors/MANIFEST): the file is partial or another version")]
    Digest {
        path: String,
        expected: String,
        found: String,
    },
    #[error("conformance data: cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
}

/// The entries of [`MANIFEST`]: `SHA256  FILE` lines, `#` comments.
pub fn manifest() -> Vec<Entry> {
    MANIFEST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (sha256, name) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("tests/vectors/MANIFEST: bad line {l:?}"));
            Entry {
                name: name.trim(),
                sha256,
            }
        })
        .collect()
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// `$VES_VECTORS_DIR` (relative paths from the repository root), else `tests/vectors`.
pub fn configured_dir() -> PathBuf {
    match std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        Some(v) => repo_root().join(PathBuf::from(v)),
        None => repo_root().join("tests/vectors"),
    }
}

/// Checks that `dir` holds every file of the manifest with its sha256; the first problem, in
/// manifest order, names the file.
pub fn check(dir: &Path) -> Result<(), Missing> {
    for entry in manifest() {
        let path = dir.join(entry.name);
        let shown = path.display().to_string();
        if !path.is_file() {
            return Err(Missing::File { path: shown });
        }
        let bytes = std::fs::read(&path).map_err(|e| Missing::Unreadable {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let found = hex::encode(Sha256::digest(&bytes));
        if found != entry.sha256 {
            return Err(Missing::Digest {
                path: shown,
                expected: entry.sha256.to_string(),
                found,
            });
        }
    }
    Ok(())
}

/// The checked folder. Panics (the test fails) with [`Missing`]'s message when data is absent.
pub fn dir() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, Missing>> = OnceLock::new();
    let checked = DIR.get_or_init(|| {
        let dir = configured_dir();
        check(&dir).map(|()| dir)
    });
    match checked {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

/// The path of a required file. Panics for a name the manifest does not list, so that a test
/// cannot read data that the presence check does not cover.
pub fn path(name: &str) -> PathBuf {
    assert!(
        manifest().iter().any(|e| e.name == name),
        "{name} is not listed in tests/vectors/MANIFEST: add it there first"
    );
    dir().join(name)
}

/// Every required file, in manifest order.
pub fn files() -> Vec<PathBuf> {
    manifest().iter().map(|e| dir().join(e.name)).collect()
}

/// A required file parsed as JSON.
pub fn load(name: &str) -> serde_json::Value {
    let path = path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("conformance data: cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("conformance data: {} is not JSON: {e}", path.display()))
}
