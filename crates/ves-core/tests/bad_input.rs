//! Bad input never panics and gets an error that says what was expected and what was found.

use ves_core::{EventEnvelope, InclusionProof, IngestRequest};

const GOOD: &str = r#"{"ves_version":1,"event_id":"11111111-1111-1111-1111-111111111111",
"tenant_id":"00000000-0000-0000-0000-000000000001","store_id":"00000000-0000-0000-0000-000000000002",
"source_agent_id":"22222222-2222-2222-2222-222222222222","agent_key_id":1,
"entity_type":"InventoryItem","entity_id":"WIDGET-001","event_type":"Adjusted",
"created_at":"2025-01-01T00:00:00Z","payload_kind":0,"payload":{"delta":100,"reason":"test"},
"payload_plain_hash":"0x815ab060b3f26dacf429ce062f8befb81f52938e692010255f86d12c3e4c2cda",
"payload_cipher_hash":"0x0000000000000000000000000000000000000000000000000000000000000000",
"agent_signature":"0xa0478a20df91042a3a3cf4388553875e6ef488aaae9726cffb9968e352cbd1214fd6b13d77b19fd29b4584743984aa96a90183a41f89e09ddfbfbcc837f9b00a"}"#;

fn parse_err(text: &str) -> String {
    serde_json::from_str::<EventEnvelope>(text)
        .unwrap_err()
        .to_string()
}

#[test]
fn hex_of_the_wrong_length() {
    let e = parse_err(&GOOD.replace("0x815ab060", "0x815a"));
    assert!(
        e.contains("expected 32 bytes as hex (64 hex digits, optional 0x), found 60 hex digits"),
        "{e}"
    );
    let e = parse_err(&GOOD.replace("0xa0478a20", "0xa047"));
    assert!(e.contains("expected 64 bytes"), "{e}");
    let e = parse_err(&GOOD.replace("0x815ab060", "0xg15ab060"));
    assert!(e.contains("non-hex character 'g'"), "{e}");
}

#[test]
fn a_bad_uuid() {
    let e = parse_err(&GOOD.replace("11111111-1111-1111-1111-111111111111", "not-a-uuid"));
    assert!(
        e.to_lowercase().contains("invalid character") || e.contains("UUID"),
        "{e}"
    );
}

#[test]
fn created_at_that_is_not_rfc3339() {
    let env: EventEnvelope =
        serde_json::from_str(&GOOD.replace("2025-01-01T00:00:00Z", "01/01/2025")).unwrap();
    let e = env.check_created_at().unwrap_err().to_string();
    assert!(
        e.contains("expected an RFC 3339 timestamp") && e.contains("01/01/2025"),
        "{e}"
    );
}

#[test]
fn nul_in_a_string() {
    let env: EventEnvelope =
        serde_json::from_str(&GOOD.replace("\"test\"", "\"te\\u0000st\"")).unwrap();
    let e = env.check_no_nul().unwrap_err().to_string();
    assert!(e.contains("payload.reason") && e.contains("U+0000"), "{e}");
    let env: EventEnvelope = serde_json::from_str(&GOOD.replace("WIDGET-001", "W\\u0000")).unwrap();
    assert!(env
        .check_no_nul()
        .unwrap_err()
        .to_string()
        .contains("entity_id"));
}

#[test]
fn an_empty_batch() {
    let req: IngestRequest =
        serde_json::from_str(r#"{"agentId":"22222222-2222-2222-2222-222222222222","events":[]}"#)
            .unwrap();
    assert_eq!(
        req.check_size().unwrap_err().to_string(),
        "events: expected at least one event, found an empty batch"
    );
}

#[test]
fn a_proof_with_a_missing_field() {
    for (text, field) in [
        (r#"{"proof_path":[],"directions":[]}"#, "leaf_index"),
        (r#"{"leaf_index":0,"directions":[]}"#, "proof_path"),
    ] {
        let e = serde_json::from_str::<InclusionProof>(text)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("missing field `{field}`")), "{e}");
    }
    let e = serde_json::from_str::<InclusionProof>(
        r#"{"leaf_index":0,"proof_path":["abc"],"directions":[true]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("[0]: expected 32 bytes"), "{e}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap fuzz: every prefix and a few corruptions of a valid event either parse or error.
    for cut in 0..GOOD.len() {
        if GOOD.is_char_boundary(cut) {
            let _ = serde_json::from_str::<EventEnvelope>(&GOOD[..cut]);
        }
    }
    for (i, _) in GOOD.char_indices().step_by(7) {
        let mut s = GOOD.to_string();
        s.replace_range(i..i + 1, "\u{0}");
        if let Ok(env) = serde_json::from_str::<EventEnvelope>(&s) {
            let _ = (
                env.check_created_at(),
                env.check_no_nul(),
                env.check_field_lengths(),
                env.compute_payload_plain_hash(),
            );
        }
    }
}
