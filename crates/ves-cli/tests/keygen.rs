//! `ves keygen` / `ves pubkey`: the seed is printed only when asked, written with mode 0600,
//! never overwritten, and never echoed in errors.

mod common;

use common::*;

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

#[test]
fn keygen_prints_only_the_public_key_without_the_flag() {
    let out = ves(&["keygen"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(is_hex64(lines[0]), "{text}");
    assert!(
        stderr(&out).contains("the seed was not saved"),
        "{}",
        all(&out)
    );
}

#[test]
fn show_seed_prints_a_seed_that_derives_the_public_key() {
    let out = ves(&["keygen", "--show-seed"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(is_hex64(lines[1]));
    let again = ves(&["pubkey", "--seed", lines[1]]);
    assert_eq!(stdout(&again).trim(), lines[0]);
}

#[test]
fn seed_out_writes_mode_0600_and_never_overwrites() {
    let dir = scratch("keygen");
    let seed_file = dir.join("agent.seed");
    let out = ves(&["keygen", "--seed-out", path_str(&seed_file)]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let public = stdout(&out).trim().to_string();
    assert!(is_hex64(&public));
    let seed = std::fs::read_to_string(&seed_file).unwrap();
    assert!(!stdout(&out).contains(seed.trim()) && !stderr(&out).contains(seed.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&seed_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let derived = ves(&["pubkey", "--seed-file", path_str(&seed_file)]);
    assert_eq!(derived.status.code(), Some(0), "{}", all(&derived));
    assert_eq!(stdout(&derived).trim(), public);

    let again = ves(&["keygen", "--seed-out", path_str(&seed_file)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists; refusing to overwrite"),
        "{}",
        all(&again)
    );
    assert_eq!(std::fs::read_to_string(&seed_file).unwrap(), seed);
}

#[test]
fn rfc8032_key_1() {
    let out = ves(&[
        "pubkey",
        "--seed",
        "0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    ]);
    assert_eq!(
        stdout(&out).trim(),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
}

#[test]
fn malformed_seeds_are_refused_without_echoing_them() {
    let secret = format!("{}zz", "ab".repeat(31));
    let out = ves(&["pubkey", "--seed", &secret]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("expected a seed of 64 hex digits"), "{err}");
    assert!(!err.contains("abab"), "the seed was echoed: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = ves(&["pubkey", "--seed", "abcd"]);
    assert!(stderr(&out).contains("found 4 hex digits"), "{}", all(&out));

    let out = ves(&["pubkey", "--seed-file", "/nonexistent/seed"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read seed file /nonexistent/seed"),
        "{}",
        all(&out)
    );

    let out = ves(&["pubkey"]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
}
