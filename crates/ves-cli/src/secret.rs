//! Seeds: read, parsed and written without ever echoing them. Error messages describe a bad
//! seed by its length and the position of a bad character, never by its content.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rand_core::{OsRng, RngCore};

/// 32 bytes from the operating system's random source.
pub fn os_random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    seed
}

/// A random u64 from the operating system (default `--seed` values).
pub fn os_random_u64() -> u64 {
    OsRng.next_u64()
}

/// Parses a 32-byte seed written as 64 hex digits (optional `0x`, surrounding whitespace
/// ignored). `source` names where it came from, for the error message.
pub fn parse_seed_hex(text: &str, source: &str) -> Result<[u8; 32]> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if let Some(pos) = digits.chars().position(|c| !c.is_ascii_hexdigit()) {
        bail!(
            "{source}: expected a seed of 64 hex digits (32 bytes, optional 0x), found a non-hex character at position {pos} (the seed is not shown); check the file or value"
        );
    }
    if digits.len() != 64 {
        bail!(
            "{source}: expected a seed of 64 hex digits (32 bytes, optional 0x), found {} hex digits (the seed is not shown)",
            digits.len()
        );
    }
    // Checked above: 64 hex digits, so decoding cannot fail.
    ves_core::hexfmt::decode_fixed::<32>(digits, source)
        .map_err(|_| anyhow::anyhow!("{source}: not a valid seed"))
}

/// Reads a seed file written by `ves keygen --seed-out` (or any file holding 64 hex digits).
pub fn read_seed_file(path: &Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read seed file {}", path.display()))?;
    warn_if_readable_by_others(path);
    parse_seed_hex(&text, &format!("seed file {}", path.display()))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "ves: warning: seed file {} has mode {mode:o}; other users may read it (chmod 600 it)",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Writes a seed as hex plus a newline to a new file with mode 0600. Refuses to replace an
/// existing file unless `replace` is set: a key file is never overwritten by accident.
pub fn write_seed_file(path: &Path, seed: &[u8; 32], replace: bool) -> Result<()> {
    if replace && path.exists() {
        std::fs::remove_file(path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{} already exists; refusing to overwrite a key file (remove it or choose another path)",
            path.display()
        ),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot create seed file {}", path.display()))
        }
    };
    writeln!(file, "{}", ves_core::hexfmt::encode(seed))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write seed file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_never_echo_the_seed() {
        let secret = "ab".repeat(31) + "zz";
        let e = parse_seed_hex(&secret, "--seed").unwrap_err().to_string();
        assert!(!e.contains("abab"), "{e}");
        assert!(e.contains("position 62"), "{e}");
        let e = parse_seed_hex("abcd", "--seed").unwrap_err().to_string();
        assert!(e.contains("found 4 hex digits"), "{e}");
    }

    #[test]
    fn accepts_prefix_case_and_whitespace() {
        let a = parse_seed_hex(&format!("0x{}\n", "AB".repeat(32)), "x").unwrap();
        assert_eq!(a, [0xab; 32]);
    }
}
