//! `ves register-key` and `ves verify-chain` against a small fake sequencer on a local port
//! (canned answers built with ves-core): what is sent, that the API key never shows, and that
//! a broken chain or a bad proof fails.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::api::ProofResponse;
use ves_core::commitment::{compute, ComputedCommitment};
use ves_core::Commitment;

#[derive(Clone, Debug)]
struct Request {
    method: String,
    target: String,
    authorization: String,
    body: String,
}

type Handler = dyn Fn(&Request) -> (u16, String) + Send + Sync;

/// Serves `handler` on 127.0.0.1; returns the base URL and the requests seen.
fn serve(handler: Box<Handler>) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (method, target) = (
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
            );
            let (mut length, mut authorization) = (0usize, String::new());
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (name, value) = h.split_once(':').unwrap_or((h, ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "authorization" => authorization = value.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let req = Request {
                method,
                target,
                authorization,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let (status, text) = handler(&req);
            log.lock().unwrap().push(req);
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (url, seen)
}

fn ves_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ves"));
    cmd.args(args)
        .env_remove("API_KEY")
        .env_remove("ADMIN_API_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

const SECRET: &str = "ss_test_secret_admin_key_9f3e";

#[test]
fn register_key_posts_the_manifest_body_with_the_admin_key_from_the_environment() {
    let dir = scratch("register");
    let out = ves(&[
        "presign",
        "--out",
        path_str(&dir),
        "--batches-per-vu",
        "1",
        "--batch-size",
        "1",
        "--seed",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let (url, seen) = serve(Box::new(|_| (200, r#"{"success":true}"#.into())));
    let manifest = dir.join("manifest.json");
    let out = ves_env(
        &[
            "register-key",
            "--url",
            &url,
            "--admin-key-env",
            "TEST_ADMIN",
            "--manifest",
            path_str(&manifest),
        ],
        &[("TEST_ADMIN", SECRET)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(stdout(&out).starts_with("registered key "), "{}", all(&out));
    assert!(!all(&out).contains(SECRET), "the API key was printed");
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        ("POST", "/api/v1/agents/keys")
    );
    assert_eq!(req.authorization, format!("ApiKey {SECRET}"));
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let sent: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(sent, m["register_key_body"]);
}

#[test]
fn register_key_errors_are_clear() {
    let (url, _) = serve(Box::new(|_| (500, "Internal server error".into())));
    let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let out = ves_env(
        &["register-key", "--url", &url, "--public-key", key],
        &[("ADMIN_API_KEY", SECRET)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(stderr(&out).contains("already registered"), "{}", all(&out));

    let (url, _) = serve(Box::new(|_| (403, "Admin permission required".into())));
    let out = ves_env(
        &["register-key", "--url", &url, "--public-key", key],
        &[("ADMIN_API_KEY", SECRET)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(stderr(&out).contains("needs an admin key"), "{}", all(&out));
    assert!(!all(&out).contains(SECRET));

    let out = ves_env(&["register-key", "--url", &url, "--public-key", key], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ADMIN_API_KEY is not set"),
        "{}",
        all(&out)
    );

    let out = ves_env(
        &["register-key", "--url", &url, "--public-key", "abcd"],
        &[("ADMIN_API_KEY", SECRET)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--public-key"), "{}", all(&out));
}

/// Two commitments of one stream over random leaves, the second chained to the first.
fn chain(tamper_prev: bool) -> Vec<(Commitment, ComputedCommitment)> {
    let (tenant, store) = (Uuid::nil(), Uuid::from_u128(7));
    let leaves = |n: u8, salt: u8| (0..n).map(|i| [i ^ salt; 32]).collect::<Vec<_>>();
    let first = compute(&tenant, &store, 1, leaves(5, 1), [0; 32]).unwrap();
    let prev = if tamper_prev {
        [9; 32]
    } else {
        first.new_state_root
    };
    let second = compute(&tenant, &store, 6, leaves(11, 2), prev).unwrap();
    [first, second]
        .into_iter()
        .map(|c| {
            let json = Commitment {
                batch_id: Uuid::from_u128(c.sequence_start as u128),
                tenant_id: tenant,
                store_id: store,
                ves_version: 1,
                tree_depth: c.tree.depth(),
                leaf_count: c.tree.leaf_count(),
                padded_leaf_count: c.tree.padded_leaf_count(),
                merkle_root: c.tree.root(),
                prev_state_root: c.prev_state_root,
                new_state_root: c.new_state_root,
                sequence_start: c.sequence_start,
                sequence_end: c.sequence_end,
                committed_at: "2026-01-01T00:00:00Z".into(),
            };
            (json, c)
        })
        .collect()
}

fn fake_sequencer(
    commitments: Vec<(Commitment, ComputedCommitment)>,
    corrupt_proofs: bool,
) -> String {
    let (url, _) = serve(Box::new(move |req| {
        if req.authorization != format!("ApiKey {SECRET}") {
            return (
                401,
                r#"{"code":"invalid_api_key","error":"Invalid API key"}"#.into(),
            );
        }
        if req.target.starts_with("/api/v1/ves/commitments?") {
            let list: Vec<&Commitment> = commitments.iter().map(|(c, _)| c).collect();
            return (
                200,
                json!({"commitments": list, "count": list.len()}).to_string(),
            );
        }
        if let Some(rest) = req.target.strip_prefix("/api/v1/ves/proofs/") {
            let seq: u64 = rest.split('?').next().unwrap().parse().unwrap();
            let (c, computed) = commitments
                .iter()
                .find(|(c, _)| (c.sequence_start..=c.sequence_end).contains(&seq))
                .unwrap();
            let i = seq - c.sequence_start;
            let mut proof = computed.tree.proof(i).unwrap();
            if corrupt_proofs {
                proof.proof_path[0][0] ^= 1;
            }
            let resp = ProofResponse {
                sequence_number: seq,
                batch_id: c.batch_id,
                merkle_root: c.merkle_root,
                leaf_hash: computed.tree.levels()[0][i as usize],
                proof,
            };
            return (200, serde_json::to_string(&resp).unwrap());
        }
        (404, "not found".into())
    }));
    url
}

fn verify(url: &str) -> std::process::Output {
    ves_env(
        &[
            "verify-chain",
            "--url",
            url,
            "--store-id",
            &Uuid::from_u128(7).to_string(),
            "--samples",
            "3",
        ],
        &[("API_KEY", SECRET)],
    )
}

#[test]
fn verify_chain_passes_on_a_good_chain() {
    let out = verify(&fake_sequencer(chain(false), false));
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let text = stdout(&out);
    assert!(
        text.contains("chain ok (from genesis), 6/6 sampled proofs verified, result=PASS"),
        "{text}"
    );
    assert!(!all(&out).contains(SECRET));
}

#[test]
fn verify_chain_fails_on_a_broken_chain_and_on_bad_proofs() {
    let out = verify(&fake_sequencer(chain(true), false));
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    assert!(
        stdout(&out).contains("prev_state_root is not the previous new_state_root"),
        "{}",
        all(&out)
    );
    assert!(stdout(&out).contains("chain BROKEN"), "{}", all(&out));

    let out = verify(&fake_sequencer(chain(false), true));
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    assert!(
        stdout(&out).contains("0/6 sampled proofs verified, result=FAIL"),
        "{}",
        all(&out)
    );
    assert!(
        stdout(&out).contains("the path does not lead to the root"),
        "{}",
        all(&out)
    );
}

#[test]
fn verify_chain_reports_a_refused_key_and_an_unreachable_server() {
    let url = fake_sequencer(chain(false), false);
    let out = ves_env(&["verify-chain", "--url", &url], &[("API_KEY", "ss_wrong")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("found 401"), "{}", all(&out));
    let out = ves_env(
        &["verify-chain", "--url", "http://127.0.0.1:9"],
        &[("API_KEY", SECRET)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot reach the sequencer"),
        "{}",
        all(&out)
    );
}
