//! `ves vectors`: the same seed writes the same bytes, and `ves conformance` passes on them
//! (and fails on a damaged copy).

mod common;

use common::*;
use serde_json::Value;

#[test]
fn same_seed_same_bytes_and_conformance_passes() {
    let dir = scratch("vectors");
    let (a, b, c) = (dir.join("a.json"), dir.join("b.json"), dir.join("c.json"));
    for (path, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let out = ves(&[
            "vectors",
            "--seed",
            seed,
            "--count",
            "200",
            "--out",
            path_str(path),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    }
    let (a_bytes, b_bytes, c_bytes) = (
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        std::fs::read(&c).unwrap(),
    );
    assert!(a_bytes == b_bytes, "same seed, different bytes");
    assert!(a_bytes != c_bytes, "different seeds, same bytes");

    let v: Value = serde_json::from_slice(&a_bytes).unwrap();
    assert_eq!(v["format"], "ves-vectors/1");
    assert_eq!(v["jcs"].as_array().unwrap().len(), 200);
    assert_eq!(v["events"].as_array().unwrap().len(), 200);
    let sizes: Vec<u64> = v["merkle"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["leaf_count"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, (1..=300).collect::<Vec<_>>());
    // Envelopes carry 0x hex; everything else is bare.
    let e = &v["events"][0];
    assert!(e["envelope"]["agent_signature"]
        .as_str()
        .unwrap()
        .starts_with("0x"));
    assert!(!e["agent_signature"].as_str().unwrap().starts_with("0x"));
    assert!(e["sequence_number"].as_u64().unwrap() < 1 << 53);
    // Text forms the format promises somewhere in the JCS inputs.
    let inputs: String = v["jcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["input_json"].as_str().unwrap().to_string())
        .collect();
    for form in ["\\u", "E", "\n"] {
        assert!(inputs.contains(form), "no {form:?} in the JCS inputs");
    }

    let out = ves(&["conformance", path_str(&a)]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let text = stdout(&out);
    assert!(text.contains("mutations "), "{text}");
    assert!(
        text.lines().last().unwrap().ends_with("result=PASS"),
        "{text}"
    );
}

#[test]
fn a_damaged_vectors_file_fails_and_names_the_value() {
    let dir = scratch("vectors-damaged");
    let path = dir.join("v.json");
    let out = ves(&[
        "vectors",
        "--seed",
        "3",
        "--count",
        "20",
        "--out",
        path_str(&path),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let h = v["events"][5]["event_signing_hash"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = format!("{}{}", if h.starts_with('0') { "1" } else { "0" }, &h[1..]);
    v["events"][5]["event_signing_hash"] = Value::String(flipped);
    // A mutation that is not a mutation at all: the valid proof, which must then be caught.
    v["merkle"][9]["mutations"][0]["leaf_hash"] = v["merkle"][9]["leaves"][0].clone();
    let idx = v["merkle"][9]["mutations"][0]["proof"]["leaf_index"].clone();
    v["merkle"][9]["mutations"][0]["leaf_hash"] =
        v["merkle"][9]["leaves"][idx.as_u64().unwrap() as usize].clone();
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let out = ves(&["conformance", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    let text = stdout(&out);
    assert!(
        text.contains("events[5].event_signing_hash: expected"),
        "{text}"
    );
    assert!(
        text.contains("merkle[9].mutations[0]: accepted against the"),
        "{text}"
    );
}

#[test]
fn bad_arguments_are_clear() {
    let out = ves(&[
        "vectors",
        "--seed",
        "1",
        "--count",
        "0",
        "--out",
        "/tmp/x.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--count"), "{}", all(&out));
    let out = ves(&["vectors", "--seed", "x", "--out", "/tmp/x.json"]);
    assert_eq!(out.status.code(), Some(2));
    let out = ves(&[
        "vectors",
        "--seed",
        "1",
        "--count",
        "2",
        "--out",
        "/nonexistent/dir/v.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot create /nonexistent/dir/v.json"),
        "{}",
        all(&out)
    );
}
