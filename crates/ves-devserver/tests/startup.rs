//! Start-up, identity and shutdown of the real binary.

mod common;

use std::process::{Command, Stdio};

use common::{Agent, DevServer, TempDir, ADMIN};
use uuid::Uuid;

/// RFC 8032 test key 1.
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

#[test]
fn an_admin_key_without_ss_prefix_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_ves-devserver"))
        .args([
            "--memory",
            "--listen",
            "127.0.0.1:0",
            "--admin-key",
            "dev_admin_key",
        ])
        .stdout(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("must start with `ss_`"), "{stderr}");
    assert!(
        !stderr.contains("dev_admin_key"),
        "the key is not echoed: {stderr}"
    );
}

#[test]
fn identity_is_kept_in_the_data_folder_across_restarts() {
    let dir = TempDir::new("identity");
    let agent = Agent::new(41);
    let store = Uuid::new_v4();
    let (public, id) = {
        let server = DevServer::start(&["--data", dir.path()]);
        agent.register(&server);
        let v = agent.ingest(&server, ADMIN, &agent.events(store, 1)).json();
        assert_eq!(
            v["receipts"][0]["sequencerId"],
            server.sequencer_id.as_str()
        );
        (server.public_key.clone(), server.sequencer_id.clone())
    };
    let pub_file = std::fs::read_to_string(dir.0.join("sequencer.pub")).unwrap();
    assert_eq!(pub_file, format!("{public}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.0.join("sequencer.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let server = DevServer::start(&["--data", dir.path()]);
    assert_eq!(
        (server.public_key.as_str(), server.sequencer_id.as_str()),
        (public.as_str(), id.as_str())
    );
    let v = agent.ingest(&server, ADMIN, &agent.events(store, 1)).json();
    assert_eq!(
        v["sequenceStart"], 2,
        "the stream continues after a restart"
    );
    assert_eq!(v["receipts"][0]["sequencerId"], id.as_str());
}

#[test]
fn seed_id_and_admin_key_can_be_given_like_the_real_server() {
    let id = Uuid::new_v4().to_string();
    let server = DevServer::start_with(
        &[],
        &[
            ("VES_DEVSERVER_MEMORY", "true"),
            ("VES_SEQUENCER_SIGNING_KEY", &format!("0x{SEED}")),
            ("VES_SEQUENCER_ID", &id),
            ("VES_DEVSERVER_ADMIN_KEY", "ss_test_admin"),
        ],
    );
    assert_eq!(server.public_key, PUBLIC);
    assert_eq!(server.sequencer_id, id);
    common::get(&server, "/api/v1/head?tenant_id=00000000-0000-0000-0000-000000000000&store_id=00000000-0000-0000-0000-000000000000", "ss_test_admin").expect(200);
    common::get(&server, "/api/v1/head?tenant_id=00000000-0000-0000-0000-000000000000&store_id=00000000-0000-0000-0000-000000000000", ADMIN).expect(401);

    let flags = DevServer::start(&["--memory", "--sequencer-seed", SEED]);
    assert_eq!(flags.public_key, PUBLIC);
}

#[test]
fn sigterm_finishes_gracefully_and_checkpoints() {
    let dir = TempDir::new("sigterm");
    let mut server = DevServer::start(&["--data", dir.path()]);
    let agent = Agent::new(42);
    agent.register(&server);
    agent
        .ingest(&server, ADMIN, &agent.events(Uuid::new_v4(), 50))
        .expect(200);
    let status = server.terminate();
    assert!(status.success(), "{status}");
    let wal = dir.0.join("devserver.sqlite3-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the WAL was checkpointed into the database");
}
