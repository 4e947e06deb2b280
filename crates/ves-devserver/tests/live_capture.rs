//! The devserver against the capture of the real server (`live_ves_v1_dev.json`): the same
//! request bytes must give the same sequence numbers, receipt hashes, commitment and proofs,
//! and the same rejection outcomes. Only `sequencerSignature` differs (another key): it is
//! verified with the devserver's public key instead.

mod common;

use common::{post, request, DevServer, Resp, ADMIN};
use serde_json::Value;
use ves_core::sign::VerifyingKey;
use ves_core::Receipt;

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {v}"))
}

fn receipts(v: &Value) -> Vec<Receipt> {
    serde_json::from_value(v["receipts"].clone()).unwrap_or_default()
}

/// Same event, sequence number and receipt hash as the real server's receipt; the devserver's
/// own signature verifies under its public key.
#[track_caller]
fn same_receipt(ours: &Receipt, theirs: &Receipt, key: &VerifyingKey) {
    assert_eq!(ours.event_id, theirs.event_id);
    assert_eq!(
        ours.sequence_number, theirs.sequence_number,
        "{}",
        ours.event_id
    );
    assert_eq!(ours.receipt_hash, theirs.receipt_hash, "{}", ours.event_id);
    assert_eq!(
        (
            ours.signature_alg.as_str(),
            ours.sequencer_key_version,
            ours.receipt_signature_scheme
        ),
        ("ed25519", 0, Some(1))
    );
    let sig: [u8; 64] =
        ves_core::hexfmt::decode_fixed(&ours.sequencer_signature, "sequencerSignature").unwrap();
    ves_core::sign::verify_hash(key, &ours.receipt_hash, &sig)
        .unwrap_or_else(|_| panic!("sequencer signature of {} does not verify", ours.event_id));
}

#[test]
fn replays_the_live_capture_with_the_same_results() {
    let capture = ves_testdata::load("live_ves_v1_dev.json");
    let server = DevServer::memory();
    let sequencer_key =
        ves_core::sign::verifying_key_from_hex(&server.public_key).expect("public key");
    let tenant = s(&capture["tenant_id"]).to_string();
    let store = s(&capture["store_id"]).to_string();

    let registration = &capture["agent_key_registration"]["request"]["body"];
    assert!(registration["validFrom"].is_string());
    post(
        &server,
        "/api/v1/agents/keys",
        ADMIN,
        &registration.to_string(),
    )
    .expect(200);

    // The three ingest requests, byte for byte.
    assert_eq!(capture["ingest"].as_array().unwrap().len(), 3);
    assert_eq!(capture["inclusion_proofs"].as_array().unwrap().len(), 37);
    assert_eq!(capture["rejection_cases"].as_array().unwrap().len(), 7);
    for ingest in capture["ingest"].as_array().unwrap() {
        let body = s(&ingest["request"]["body_raw"]);
        let resp = post(&server, common::INGEST, ADMIN, body);
        resp.expect(200);
        let ours = resp.json();
        let theirs: Value = serde_json::from_str(s(&ingest["response"]["body_raw"])).unwrap();
        for field in [
            "eventsAccepted",
            "eventsRejected",
            "sequenceStart",
            "sequenceEnd",
            "headSequence",
        ] {
            assert_eq!(ours[field], theirs[field], "{field}");
        }
        assert!(
            ours.get("rejections").is_none(),
            "rejections omitted when empty"
        );
        let (a, b) = (receipts(&ours), receipts(&theirs));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            same_receipt(x, y, &sequencer_key);
            assert!(x.sequenced_at.ends_with("+00:00"), "{}", x.sequenced_at);
        }
    }

    // The commitment over [1, 37].
    let create = &capture["commitment"]["create"];
    let resp = post(
        &server,
        "/api/v1/ves/commitments",
        ADMIN,
        s(&create["request"]["body_raw"]),
    );
    resp.expect(200);
    let ours = resp.json();
    let theirs = &create["response"]["body"];
    for field in [
        "tenant_id",
        "store_id",
        "ves_version",
        "tree_depth",
        "leaf_count",
        "padded_leaf_count",
        "merkle_root",
        "prev_state_root",
        "new_state_root",
        "sequence_start",
        "sequence_end",
    ] {
        assert_eq!(ours[field], theirs[field], "{field}");
    }
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&ours), keys(theirs), "same fields in the same order");
    let batch_id = s(&ours["batch_id"]).to_string();

    // GET by id and the list, with the real shapes.
    let got = common::get(
        &server,
        &format!("/api/v1/ves/commitments/{batch_id}"),
        ADMIN,
    );
    got.expect(200);
    assert_eq!(
        keys(&got.json()),
        keys(&capture["commitment"]["get_by_batch_id"]["response"]["body"])
    );
    assert_eq!(got.json()["chain_id"], Value::Null);
    let list = common::get(
        &server,
        &format!("/api/v1/ves/commitments?tenant_id={tenant}&store_id={store}"),
        ADMIN,
    );
    list.expect(200);
    let list_theirs = &capture["commitment"]["list_after"]["response"]["body"];
    assert_eq!(list.json()["count"], list_theirs["count"]);
    assert_eq!(
        keys(&list.json()["commitments"][0]),
        keys(&list_theirs["commitments"][0])
    );

    // The same inclusion proof for every sequence number.
    for proof in capture["inclusion_proofs"].as_array().unwrap() {
        let seq = proof["sequence_number"].as_u64().unwrap();
        let resp = common::get(
            &server,
            &format!(
                "/api/v1/ves/proofs/{seq}?tenant_id={tenant}&store_id={store}&batch_id={batch_id}"
            ),
            ADMIN,
        );
        resp.expect(200);
        let ours = resp.json();
        let theirs = &proof["response"]["body"];
        for field in [
            "sequence_number",
            "leaf_index",
            "leaf_hash",
            "merkle_root",
            "proof_path",
            "directions",
        ] {
            assert_eq!(ours[field], theirs[field], "seq {seq} {field}");
        }
        assert_eq!(keys(&ours), keys(theirs));
    }

    // The server-side verifier, on the capture's valid and tampered proofs.
    for call in capture["proof_verify_calls"].as_array().unwrap() {
        let resp = post(
            &server,
            "/api/v1/ves/proofs/verify",
            ADMIN,
            s(&call["request"]["body_raw"]),
        );
        resp.expect(200);
        assert_eq!(
            resp.body,
            s(&call["response"]["body_raw"]),
            "{}",
            call["name"]
        );
    }

    // The rejection cases, each its own request, with the same outcomes.
    for case in capture["rejection_cases"].as_array().unwrap() {
        let name = s(&case["name"]);
        let resp: Resp = request(
            "POST",
            &server.at(common::INGEST),
            &[
                ("Authorization", &common::auth(ADMIN)),
                ("Content-Type", "application/json"),
            ],
            Some(s(&case["request"]["body_raw"])),
        );
        assert_eq!(
            resp.status as u64,
            case["response"]["status"].as_u64().unwrap(),
            "{name}"
        );
        let ours = resp.json();
        let theirs: Value = serde_json::from_str(s(&case["response"]["body_raw"])).unwrap();
        for field in [
            "eventsAccepted",
            "eventsRejected",
            "sequenceStart",
            "sequenceEnd",
            "headSequence",
            "rejections",
        ] {
            assert_eq!(ours.get(field), theirs.get(field), "{name}: {field}");
        }
        let (a, b) = (receipts(&ours), receipts(&theirs));
        assert_eq!(a.len(), b.len(), "{name}");
        for (x, y) in a.iter().zip(&b) {
            same_receipt(x, y, &sequencer_key);
        }
    }
}
