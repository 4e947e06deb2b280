//! Test helpers: a real devserver process on a real 127.0.0.1 socket, a blocking HTTP client,
//! signed events from ves-core. The conformance data comes from `ves_testdata`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::sign::{self, SigningKey};
use ves_core::{EventEnvelope, UnsignedEvent};

pub const ADMIN: &str = "ss_local_devserver_admin_key";

/// A running `ves-devserver` binary; killed when dropped.
pub struct DevServer {
    child: Child,
    pub url: String,
    pub public_key: String,
    pub sequencer_id: String,
}

impl DevServer {
    /// Starts the binary on a free port with `args` (e.g. `--memory`, or `--data DIR`).
    pub fn start(args: &[&str]) -> DevServer {
        Self::start_with(args, &[])
    }

    /// Same, with extra environment variables (the `VES_*` of the caller are cleared).
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> DevServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ves-devserver"));
        for (k, _) in std::env::vars() {
            if k.starts_with("VES_DEVSERVER_") || k.starts_with("VES_SEQUENCER_") {
                command.env_remove(k);
            }
        }
        let mut child = command
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn ves-devserver");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the start line");
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("no {name}= in start line {line:?}"))
                .to_string()
        };
        DevServer {
            url: field("url"),
            public_key: field("sequencer_public_key"),
            sequencer_id: field("sequencer_id"),
            child,
        }
    }

    pub fn memory() -> DevServer {
        Self::start(&["--memory"])
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// SIGKILL: no shutdown, no checkpoint.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a graceful exit; returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        self.child.wait().expect("wait")
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer, whatever its status.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    headers: Vec<(String, String)>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        self
    }

    /// A plain-text error with exactly this text.
    #[track_caller]
    pub fn expect_text(&self, status: u16, text: &str) {
        self.expect(status);
        assert_eq!(self.content_type, "text/plain; charset=utf-8");
        assert_eq!(self.body, text);
    }

    /// An `ApiError` body: `{"error":{"code","numeric_code","message"}}` + `x-error-code`.
    #[track_caller]
    pub fn expect_api_error(&self, status: u16, code: &str, numeric: u64, message: &str) {
        self.expect(status);
        assert_eq!(self.content_type, "application/json");
        assert_eq!(
            self.json(),
            json!({"error": {"code": code, "numeric_code": numeric, "message": message}})
        );
        assert_eq!(self.header("x-error-code"), Some(code));
    }

    /// The auth middleware's `{"code","error"}`.
    #[track_caller]
    pub fn expect_auth_error(&self, status: u16, code: &str, error: &str) {
        self.expect(status);
        assert_eq!(self.body, json!({"code": code, "error": error}).to_string());
    }
}

fn finish(result: Result<ureq::Response, ureq::Error>) -> Resp {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_string())))
        .collect();
    Resp {
        status: response.status(),
        content_type: response.header("content-type").unwrap_or("").to_string(),
        headers,
        body: response.into_string().expect("body"),
    }
}

pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
    let mut req = ureq::request(method, url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    finish(match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    })
}

pub fn auth(key: &str) -> String {
    format!("ApiKey {key}")
}

pub fn post(server: &DevServer, path: &str, key: &str, body: &str) -> Resp {
    request(
        "POST",
        &server.at(path),
        &[
            ("Authorization", &auth(key)),
            ("Content-Type", "application/json"),
        ],
        Some(body),
    )
}

pub fn get(server: &DevServer, path: &str, key: &str) -> Resp {
    request(
        "GET",
        &server.at(path),
        &[("Authorization", &auth(key))],
        None,
    )
}

/// An agent with its own tenant and Ed25519 key.
#[derive(Clone)]
pub struct Agent {
    pub tenant: Uuid,
    pub agent: Uuid,
    pub key_id: u32,
    pub key: SigningKey,
}

impl Agent {
    pub fn new(seed: u8) -> Agent {
        Agent {
            tenant: Uuid::new_v4(),
            agent: Uuid::new_v4(),
            key_id: 1,
            key: sign::signing_key_from_seed(&[seed; 32]),
        }
    }

    pub fn registration(&self) -> Value {
        json!({
            "tenantId": self.tenant,
            "agentId": self.agent,
            "keyId": self.key_id,
            "publicKey": format!("0x{}", hex::encode(self.key.verifying_key().as_bytes())),
        })
    }

    /// Registers the key with the admin key.
    pub fn register(&self, server: &DevServer) {
        post(
            server,
            "/api/v1/agents/keys",
            ADMIN,
            &self.registration().to_string(),
        )
        .expect(200);
    }

    pub fn unsigned(&self, store: Uuid, n: u64) -> UnsignedEvent {
        UnsignedEvent {
            event_id: Uuid::new_v4(),
            tenant_id: self.tenant,
            store_id: store,
            source_agent_id: self.agent,
            agent_key_id: self.key_id,
            entity_type: "order".into(),
            entity_id: format!("order-{}", n % 5),
            event_type: "order.updated".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            payload: json!({"n": n, "total": 99.99, "note": "café ✓"}),
        }
    }

    pub fn event(&self, store: Uuid, n: u64) -> EventEnvelope {
        self.unsigned(store, n).sign(&self.key).expect("sign")
    }

    pub fn events(&self, store: Uuid, count: u64) -> Vec<EventEnvelope> {
        (0..count).map(|n| self.event(store, n)).collect()
    }

    pub fn body(&self, events: &[EventEnvelope]) -> String {
        json!({"agentId": self.agent, "events": events}).to_string()
    }

    pub fn ingest(&self, server: &DevServer, key: &str, events: &[EventEnvelope]) -> Resp {
        post(server, INGEST, key, &self.body(events))
    }
}

pub const INGEST: &str = "/api/v1/ves/events/ingest";

/// A `payload_encrypted` of the real typed shape (VES-ENC-1): the real server deserializes it
/// into a struct, so only this shape reaches the per-event checks.
pub fn payload_encrypted() -> Value {
    json!({
        "enc_version": 1, "aead": "AES-256-GCM",
        "nonce_b64u": "AAAAAAAAAAAAAAAA", "ciphertext_b64u": "AQ", "tag_b64u": "AgICAgICAgICAgICAgICAg",
        "hpke": {"mode": "base", "kem": "X25519-HKDF-SHA256", "kdf": "HKDF-SHA256", "aead": "AES-256-GCM"},
        "recipients": [{"recipient_kid": 1, "enc_b64u": "AwMD", "ct_b64u": "BAQE"}]
    })
}

/// Re-signs an envelope after a test changed it (so that only the intended check fails).
pub fn resign(env: &mut EventEnvelope, key: &SigningKey) {
    env.agent_signature = sign::sign_hash(key, &env.signing_hash());
}

/// A fresh temporary data folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ves-devserver-{label}-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
