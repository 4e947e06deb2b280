//! `ves bench` runs briefly and ends with the machine-readable line.

mod common;

use common::*;

#[test]
fn last_line_is_machine_readable() {
    let out = ves(&["bench", "--seconds", "0.2"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    let rest = last.strip_prefix("ves-bench: events_per_s=").expect(last);
    let (events, proofs) = rest.split_once(" proofs_per_s=").expect(last);
    assert!(events.parse::<u64>().unwrap() > 0, "{last}");
    assert!(proofs.parse::<u64>().unwrap() > 0, "{last}");
    assert!(text.contains("Ed25519 signature"), "{text}");
}

#[test]
fn bad_seconds_are_refused() {
    for bad in ["0", "-1", "abc", "NaN"] {
        let out = ves(&["bench", &format!("--seconds={bad}")]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", all(&out));
        assert!(
            stderr(&out).contains("expected a number of seconds"),
            "{}",
            all(&out)
        );
    }
}
