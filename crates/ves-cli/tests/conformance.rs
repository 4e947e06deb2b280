//! What the checker itself must do: cover every case of the conformance data (the counts), find
//! and name a flipped hex digit in a damaged copy (exit code 1), stand the KAT in for upstream
//! placeholders, and refuse unreadable input. That every file of the data passes is the
//! `conformance` suite of scripts/test.sh (the same command on the same files), not repeated here.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn all_files_together_with_counts() {
    let paths: Vec<String> = ves_testdata::files()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["conformance"];
    args.extend(paths.iter().map(String::as_str));
    let out = ves(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    for line in [
        "live_ves_v1_dev.json  payload_hash          37/37 ok",
        "live_ves_v1_dev.json  inclusion_proofs      37/37 ok",
        "live_ves_v1_dev.json  receipt_signature     37/37 ok",
        "live_ves_v1_dev.json  rejection_cases       7/7 ok",
        "live_ves_v1_dev.json  proof_verify_calls    3/3 ok",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // Placeholders are stood in for by the KAT, and the output says so.
    assert!(
        text.contains("compared with ves_v1_computed_kat.json"),
        "{text}"
    );
    assert!(text.contains("skipped: "), "{text}");
}

/// Copies `name` into a scratch folder after `edit` changes its JSON.
fn damaged_copy(
    test: &str,
    name: &str,
    edit: impl FnOnce(&mut Value),
) -> (Scratch, std::path::PathBuf) {
    let mut v = ves_testdata::load(name);
    edit(&mut v);
    let folder = scratch(test);
    let out = folder.join(name);
    std::fs::write(&out, serde_json::to_string(&v).unwrap()).unwrap();
    (folder, out)
}

fn flip_hex_digit(s: &str, at: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    b[at] = if b[at] == b'0' { b'1' } else { b'0' };
    String::from_utf8(b).unwrap()
}

#[test]
fn a_flipped_digit_in_the_live_capture_is_named_and_fails() {
    let (_folder, path) = damaged_copy("live-flip", "live_ves_v1_dev.json", |v| {
        let h = v["events"][3]["intermediates"]["payload_plain_hash"]
            .as_str()
            .unwrap()
            .to_string();
        v["events"][3]["intermediates"]["payload_plain_hash"] =
            Value::String(flip_hex_digit(&h, 10));
    });
    let out = ves(&["conformance", path_str(&path)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    assert!(
        text.contains("payload_hash          36/37 FAILED"),
        "{text}"
    );
    assert!(
        text.contains("events[3].intermediates.payload_plain_hash: expected"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .ends_with("result=FAIL (mismatches in live_ves_v1_dev.json)"),
        "{text}"
    );
}

#[test]
fn a_flipped_digit_in_a_server_proof_body_fails() {
    let (_folder, path) = damaged_copy("live-proof", "live_ves_v1_dev.json", |v| {
        let raw = v["inclusion_proofs"][5]["response"]["body_raw"]
            .as_str()
            .unwrap()
            .to_string();
        let at = raw.find("\"proof_path\":[\"").unwrap() + 20;
        v["inclusion_proofs"][5]["response"]["body_raw"] = Value::String(flip_hex_digit(&raw, at));
    });
    let out = ves(&["conformance", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    let text = stdout(&out);
    assert!(
        text.contains("inclusion_proofs      36/37 FAILED"),
        "{text}"
    );
    assert!(text.contains("proof_path[0]: expected"), "{text}");
}

#[test]
fn a_flipped_digit_in_the_kat_worked_example_fails() {
    let (_folder, path) = damaged_copy("kat-flip", "ves_v1_computed_kat.json", |v| {
        let h = v["worked_example"]["commitment"]["new_state_root"]
            .as_str()
            .unwrap()
            .to_string();
        v["worked_example"]["commitment"]["new_state_root"] = Value::String(flip_hex_digit(&h, 63));
    });
    let out = ves(&["conformance", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    assert!(
        stdout(&out).contains("worked_example.commitment.new_state_root: expected"),
        "{}",
        all(&out)
    );
}

#[test]
fn a_changed_rejection_expectation_fails() {
    let (_folder, path) = damaged_copy("live-reject", "live_ves_v1_dev.json", |v| {
        v["rejection_cases"][0]["expected"]["reason"] =
            Value::String("invalid_payload_hash".into());
    });
    let out = ves(&["conformance", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "expected \"invalid_signature\" (recomputed), found \"invalid_payload_hash\""
        ),
        "{text}"
    );
}

#[test]
fn upstream_files_alone_skip_placeholders_and_report_known_errors() {
    let dir = ves_testdata::dir();
    // ves_enc_1 alone in the data folder: the KAT beside it stands in, and everything passes.
    let out = ves(&[
        "conformance",
        path_str(&ves_testdata::path("ves_enc_1_test_vectors.json")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(
        stdout(&out).contains("replaced by the corrections in ves_v1_computed_kat.json"),
        "{}",
        all(&out)
    );
    // ves_sig_1 alone: placeholders are skipped with the reason, the rest passes.
    let scratch_dir = scratch("upstream-alone");
    for name in ["ves_sig_1_test_vectors.json", "ves_enc_1_test_vectors.json"] {
        std::fs::copy(dir.join(name), scratch_dir.join(name)).unwrap();
    }
    let out = ves(&[
        "conformance",
        path_str(&scratch_dir.join("ves_sig_1_test_vectors.json")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(
        stdout(&out).contains("COMPUTE_FROM_IMPLEMENTATION placeholders"),
        "{}",
        all(&out)
    );
    // ves_enc_1 alone: its two wrong prefix lengths are real errors, and the hint says how to
    // apply the KAT's corrections.
    let out = ves(&[
        "conformance",
        path_str(&scratch_dir.join("ves_enc_1_test_vectors.json")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    assert!(
        stdout(&out).contains("known upstream error"),
        "{}",
        all(&out)
    );
    // With the KAT on the command line, its corrections stand in and everything passes.
    let kat = dir.join("ves_v1_computed_kat.json");
    let out = ves(&[
        "conformance",
        path_str(&scratch_dir.join("ves_enc_1_test_vectors.json")),
        path_str(&kat),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
}

#[test]
fn missing_and_unrecognized_files_are_clear_errors() {
    let out = ves(&["conformance", "/nonexistent/vectors.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot read /nonexistent/vectors.json"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let dir = scratch("unrecognized");
    let p = dir.join("other.json");
    std::fs::write(&p, r#"{"hello":"world"}"#).unwrap();
    let out = ves(&["conformance", path_str(&p)]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(
        stderr(&out).contains("not a VES vectors file"),
        "{}",
        all(&out)
    );

    std::fs::write(&p, "{not json").unwrap();
    let out = ves(&["conformance", path_str(&p)]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(stderr(&out).contains("is not valid JSON"), "{}", all(&out));

    let out = ves(&["conformance"]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
}
