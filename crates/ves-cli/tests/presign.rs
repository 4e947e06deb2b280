//! `ves presign`: shards parse, every event verifies under the manifest's public key and
//! carries its VU's store id, the manifest never holds the agent seed, the output is
//! deterministic, and bad arguments are refused clearly.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::Value;
use ves_core::{sign, stream_store_id, IngestRequest};

fn presign(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "presign",
        "--out",
        path_str(dir),
        "--vus",
        "3",
        "--batches-per-vu",
        "4",
        "--batch-size",
        "25",
        "--streams",
        "2",
        "--store-id",
        "7d1f3c0e-2b4a-4c7e-9a55-0f1e2d3c4b5a",
        "--tenant-id",
        "11111111-2222-4333-8444-555555555555",
    ];
    args.extend_from_slice(extra);
    ves(&args)
}

#[test]
fn corpus_verifies_under_the_manifest_key_with_per_vu_store_ids() {
    let dir = scratch("presign");
    let out = presign(&dir, &["--seed", "5", "--shape", "mixed"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(stdout(&out).contains("events/s"), "{}", all(&out));

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "ves-presign/1");
    assert_eq!(manifest["total_events"], 3 * 4 * 25);
    let seed_hex = std::fs::read_to_string(dir.join("agent.seed")).unwrap();
    let manifest_text = manifest.to_string();
    assert!(
        !manifest_text.contains(seed_hex.trim()),
        "the manifest holds the agent seed"
    );
    assert!(!stdout(&out).contains(seed_hex.trim()) && !stderr(&out).contains(seed_hex.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("agent.seed"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }

    let public =
        sign::verifying_key_from_hex(manifest["public_key_hex"].as_str().unwrap()).unwrap();
    let seed: [u8; 32] = ves_core::hexfmt::decode_fixed(seed_hex.trim(), "seed").unwrap();
    assert_eq!(sign::signing_key_from_seed(&seed).verifying_key(), public);
    let key_id = manifest["agent_key_id"].as_u64().unwrap();
    assert!((1..1 << 31).contains(&key_id));
    assert_eq!(manifest["register_key_body"]["keyId"], key_id);
    let base: uuid::Uuid = "7d1f3c0e-2b4a-4c7e-9a55-0f1e2d3c4b5a".parse().unwrap();
    let mut ids = HashSet::new();
    for vu in 1..=3u32 {
        let text = std::fs::read_to_string(dir.join(format!("vu-{vu:04}.ndjson"))).unwrap();
        assert!(text.is_ascii(), "shards are ASCII (the canonical spelling)");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        let hashes_text =
            std::fs::read_to_string(dir.join(format!("vu-{vu:04}.hashes.ndjson"))).unwrap();
        let hashes: Vec<Vec<String>> = hashes_text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(hashes.len(), 4);
        let want_store = stream_store_id(&base, (vu - 1) % 2);
        assert_eq!(
            manifest["shards"][(vu - 1) as usize]["store_id"],
            want_store.to_string()
        );
        for (line, line_hashes) in lines.iter().zip(&hashes) {
            let body: IngestRequest = serde_json::from_str(line).unwrap();
            body.check_size().unwrap();
            assert_eq!(body.events.len(), 25);
            for (e, h) in body.events.iter().zip(line_hashes) {
                assert_eq!(&ves_core::hexfmt::encode(&e.signing_hash()), h);
                e.verify_signature(&public).unwrap();
                assert_eq!(
                    e.compute_payload_plain_hash().unwrap(),
                    e.payload_plain_hash
                );
                e.check_field_lengths().unwrap();
                e.check_created_at().unwrap();
                e.check_no_nul().unwrap();
                assert_eq!(e.store_id, want_store);
                assert_eq!(e.source_agent_id, body.agent_id);
                assert_eq!(u64::from(e.agent_key_id), key_id);
                assert_eq!(
                    e.tenant_id.to_string(),
                    "11111111-2222-4333-8444-555555555555"
                );
                assert!(ids.insert(e.event_id), "duplicate event id");
            }
        }
    }
}

#[test]
fn varied_spelling_writes_the_same_events_spelled_otherwise() {
    let (a, b) = (scratch("presign-canonical"), scratch("presign-varied"));
    let common = [
        "--seed",
        "4",
        "--shape",
        "floats",
        "--created-at",
        "2025-06-01T12:00:00Z",
    ];
    let seed_file = a.join("key.seed");
    assert_eq!(
        ves(&["keygen", "--seed-out", path_str(&seed_file)])
            .status
            .code(),
        Some(0)
    );
    let mut with_key = common.to_vec();
    with_key.extend(["--agent-seed-file", path_str(&seed_file)]);
    let out_a = presign(&a.join("c"), &with_key);
    assert_eq!(out_a.status.code(), Some(0), "{}", all(&out_a));
    let mut varied = with_key.clone();
    varied.extend(["--spelling", "varied"]);
    let out_b = presign(&b.join("c"), &varied);
    assert_eq!(out_b.status.code(), Some(0), "{}", all(&out_b));
    let canonical = std::fs::read_to_string(a.join("c/vu-0001.ndjson")).unwrap();
    let respelled = std::fs::read_to_string(b.join("c/vu-0001.ndjson")).unwrap();
    assert_eq!(
        std::fs::read(a.join("c/vu-0001.hashes.ndjson")).unwrap(),
        std::fs::read(b.join("c/vu-0001.hashes.ndjson")).unwrap(),
        "the same signed events"
    );
    assert!(canonical.is_ascii());
    for (x, y) in canonical.lines().zip(respelled.lines()) {
        assert_ne!(x, y);
        let x: IngestRequest = serde_json::from_str(x).unwrap();
        let y: IngestRequest = serde_json::from_str(y).unwrap();
        for (e, f) in x.events.iter().zip(&y.events) {
            assert_eq!(e.signing_hash(), f.signing_hash());
            assert_eq!(e.agent_signature, f.agent_signature);
            assert_eq!(e.payload_jcs().unwrap(), f.payload_jcs().unwrap());
        }
    }
    let manifest = std::fs::read_to_string(b.join("c/manifest.json")).unwrap();
    assert!(manifest.contains(r#""spelling": "varied""#), "{manifest}");
    let mut utf8 = with_key.clone();
    utf8.push("--utf8");
    let refused = presign(&b.join("d"), &utf8);
    assert_ne!(refused.status.code(), Some(0));
    assert!(
        all(&refused).contains("--utf8 is gone"),
        "{}",
        all(&refused)
    );
}

#[test]
fn same_inputs_same_bytes() {
    let (a, b) = (scratch("presign-a"), scratch("presign-b"));
    let key_dir = scratch("presign-key");
    let seed_file = key_dir.join("agent.seed");
    let out = ves(&["keygen", "--seed-out", path_str(&seed_file)]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    for dir in [&a, &b] {
        let out = presign(
            dir,
            &[
                "--seed",
                "9",
                "--agent-seed-file",
                path_str(&seed_file),
                "--created-at",
                "2025-06-01T12:00:00.000Z",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", all(&out));
        assert!(
            !dir.join("agent.seed").exists(),
            "a given seed is not copied"
        );
    }
    for name in [
        "manifest.json",
        "vu-0001.ndjson",
        "vu-0002.ndjson",
        "vu-0003.ndjson",
    ] {
        assert!(
            std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(),
            "{name} differs"
        );
    }
}

#[test]
fn an_existing_corpus_is_kept_unless_forced() {
    let dir = scratch("presign-force");
    assert_eq!(presign(&dir, &["--seed", "1"]).status.code(), Some(0));
    let out = presign(&dir, &["--seed", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("already holds a corpus"),
        "{}",
        all(&out)
    );
    let out = presign(&dir, &["--seed", "2", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
}

#[test]
fn bad_arguments_are_clear() {
    let dir = scratch("presign-bad");
    let d = path_str(&dir);
    for (args, needle) in [
        (vec!["--batch-size", "0"], "--batch-size"),
        (vec!["--batch-size", "5000"], "--batch-size"),
        (vec!["--vus", "0"], "--vus"),
        (vec!["--tenant-id", "not-a-uuid"], "--tenant-id"),
        (
            vec!["--shape", "pizza"],
            "expected one of order, small, medium, large, unicode, floats, nested, mixed",
        ),
        (
            vec!["--shape", "edge"],
            "`edge` is now `unicode` and `floats`",
        ),
        (
            vec!["--shape", "large", "--batch-size", "20"],
            "above the server's 10485760 byte limit; lower --batch-size",
        ),
        (
            vec!["--created-at", "yesterday"],
            "expected an RFC 3339 timestamp",
        ),
        (
            vec!["--agent-seed-file", "/nonexistent/seed"],
            "cannot read seed file",
        ),
        (vec!["--payload-bytes", "2000000"], "--payload-bytes"),
    ] {
        let mut full = vec!["presign", "--out", d];
        full.extend(args.iter());
        let out = ves(&full);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", all(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", all(&out));
    }
}

#[test]
fn a_long_presign_shows_a_progress_line() {
    // One worker, ~100,000 events: a few seconds, past the 2 s after which progress shows.
    let dir = scratch("presign-progress");
    let out = ves(&[
        "presign",
        "--out",
        path_str(&dir),
        "--vus",
        "1",
        "--batches-per-vu",
        "1000",
        "--batch-size",
        "100",
        "--jobs",
        "1",
        "--seed",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let err = stderr(&out);
    // The speed line: "presign: N events, N bytes in S s: …".
    let secs: f64 = all(&out)
        .split("bytes in ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0);
    if secs >= 2.5 {
        assert!(err.contains("presign: events: "), "{err}");
        assert!(err.contains("/100000 ("), "{err}");
    } else if secs < 1.9 {
        // A fast machine: nothing shown for a short run, as documented.
        assert!(!err.contains("presign: events: "), "{err}");
    }
}
