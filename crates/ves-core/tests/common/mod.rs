//! Shared helpers for the integration tests: where the shared vectors are, and JSON access.

use std::path::PathBuf;

use serde_json::Value;

/// `$VES_VECTORS_DIR`, else `../shared/vectors` beside the repository. `None` (with a message
/// that says the tests were skipped) when the folder is absent, as in a bare clone.
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
            "SKIPPED: shared vectors not found at {} (set VES_VECTORS_DIR); these tests did not run",
            dir.display()
        );
        None
    }
}

pub fn load(name: &str) -> Option<Value> {
    let path = vectors_dir()?.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

pub fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {v}"))
}

pub fn h32(v: &Value) -> [u8; 32] {
    ves_core::hexfmt::decode_fixed(s(v), "vector").unwrap()
}

pub fn hex(bytes: &[u8]) -> String {
    ves_core::hexfmt::encode(bytes)
}

/// Bare lowercase hex of a value that may carry `0x`.
pub fn bare(v: &Value) -> String {
    s(v).trim_start_matches("0x").to_ascii_lowercase()
}
