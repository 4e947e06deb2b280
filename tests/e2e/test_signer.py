"""`ves signer` (docs/SIGNER.md): the scenarios with SIGNER_URL, signing done by a real signer
process; its /metrics must show that it signed what the sequencer accepted.

Closed-model runs get --rps: without the JS signing time a VU no longer paces itself, and an
unpaced run saturates the devserver on a small shared machine; --rps keeps the request rate near
the in-k6 smoke's (the latency bounds are in seconds either way)."""
import pytest

from harness import DEVSERVER_ADMIN_KEY, binary, free_port, run as run_command

TOKEN = "signer-test-token"


@pytest.mark.parametrize("script", ["sequencer_ingest", "mixed_workload"])
def test_signer_signs_smoke(script, devserver, signer, k6):
    """Ingest smoke and the mixed workload (proofs): every threshold and the verdict pass."""
    server, s = devserver(), signer()
    pace = ["--rps", "200"] if script == "sequencer_ingest" else []
    run = k6(f"load/{script}.js", *pace, server=server, profile="smoke", env={"SIGNER_URL": s.url}, name=f"signer-{script}")
    signed = s.metric("ves_signer_events_signed_total")
    accepted = run.metric("ves_events_accepted")
    assert run.rc == 0 and run.has("result=PASS"), run
    assert accepted and accepted > 0, run
    assert signed is not None and signed >= accepted, f"signed by the signer {signed}, accepted {accepted}\n{run}"
    if script == "mixed_workload":
        proofs = run.metric("ves_proofs_verified")
        assert proofs and proofs > 0, f"proofs_verified={proofs}\n{run}"


@pytest.fixture
def token_signer(signer, out):
    token_file = out / "signer.token"
    token_file.write_text(TOKEN + "\n")
    return signer("--token-file", token_file)


def test_signer_invalid_events_with_token(devserver, token_signer, k6):
    """Invalid events inside batches, through a signer that requires a token: the kinds that are
    re-signed (unknown key, unsupported version, cipher hash, known id) go through
    POST /v1/sign-hashes, and every invalid event must be refused with its reason."""
    run = k6("load/sequencer_ingest.js", "--rps", "200", server=devserver(), profile="short", name="signer-invalid",
             env={"PROBES": "0", "INVALID_RATE": "0.3", "SIGNER_URL": token_signer.url, "SIGNER_TOKEN": TOKEN})
    hashes = token_signer.metric("ves_signer_hashes_signed_total", TOKEN)
    invalid = run.metric("ves_invalid_rejected")
    assert run.rc == 0, run
    assert invalid and invalid > 0, f"ves_invalid_rejected={invalid}\n{run}"
    assert hashes and hashes > 0, f"hashes signed by the signer: {hashes}\n{run}"


def test_signer_without_token_fails_fast(devserver, token_signer, k6):
    run = k6("load/sequencer_ingest.js", server=devserver(), profile="smoke", env={"SIGNER_URL": token_signer.url},
             name="signer-no-token")
    assert run.rc != 0, run
    assert run.has("Set SIGNER_TOKEN"), run


def test_signer_shared_by_segments(devserver, signer, k6):
    """Execution segments: two k6 processes share one signer; each setup() gets its own key there."""
    server, s = devserver(), signer()
    pending = [k6.start("load/sequencer_ingest.js", "--rps", "100", "--execution-segment", seg,
                        "--execution-segment-sequence", "0,1/2,1", server=server, profile="short",
                        env={"SIGNER_URL": s.url}, name=f"signer-segment-{seg.replace(':', '_').replace('/', '_')}")
               for seg in ("0:1/2", "1/2:1")]
    runs = [p.wait() for p in pending]
    keys = s.metric("ves_signer_keys")
    for r in runs:
        assert r.rc == 0 and r.has("result=PASS"), r
    assert keys == 2, f"keys held by the signer: {keys} (want 2)"


@pytest.fixture
def registered_seed(devserver, ves, out):
    """A devserver with an agent key registered under id 77, and that key's seed file."""
    server = devserver()
    seed_file = out / "agent.seed"
    assert ves("keygen", "--seed-out", seed_file, name="keygen").rc == 0
    done = ves("register-key", "--url", server.url, "--seed-file", seed_file, "--key-id", "77",
               env={"ADMIN_API_KEY": DEVSERVER_ADMIN_KEY}, name="register-key")
    assert done.rc == 0, done
    return server, seed_file, {"AGENT_KEY_ID": "77", "AGENT_SEED": seed_file.read_text().strip()}


def test_signer_missing_key(registered_seed, signer, k6):
    """A registered key (AGENT_SEED, AGENT_KEY_ID) signs only through a signer holding its seed."""
    server, _, seed_env = registered_seed
    s = signer()
    run = k6("load/sequencer_ingest.js", server=server, profile="smoke", env={"SIGNER_URL": s.url, **seed_env},
             name="signer-missing-key")
    assert run.rc != 0, run
    assert run.has("does not hold the key of AGENT_SEED"), run


def test_signer_seed_file(registered_seed, signer, k6, out):
    server, seed_file, seed_env = registered_seed
    s = signer("--seed-file", seed_file, "--no-generate")
    run = k6("load/sequencer_ingest.js", "--rps", "200", server=server, profile="short", env={"SIGNER_URL": s.url, **seed_env},
             name="signer-seed-file")
    signed = s.metric("ves_signer_events_signed_total")
    assert run.rc == 0, run
    assert signed and signed > 0, f"signed by the signer: {signed}\n{run}"
    seed = seed_env["AGENT_SEED"]
    leaks = [p.name for p in [*out.glob("signer-*.log"), run.log] if seed in p.read_text(errors="replace")]
    assert not leaks, f"the agent seed is in {leaks}"


def test_signer_unreachable_fails_fast(devserver, k6):
    run = k6("load/sequencer_ingest.js", server=devserver(), profile="smoke",
             env={"SIGNER_URL": f"http://127.0.0.1:{free_port()}"}, name="signer-unreachable")
    assert run.rc != 0, run
    assert run.seconds <= 20, f"took {run.seconds:.1f} s\n{run}"
    assert run.has("cannot reach ves signer"), run


def test_signer_remote_bind_refused(out):
    """A non-loopback bind: refused without --allow-remote, and with it, without a token."""
    bare = run_command([binary("ves"), "signer", "--listen", "0.0.0.0:0"], out / "signer-remote-bind.log", timeout=20)
    allow = run_command([binary("ves"), "signer", "--listen", "0.0.0.0:0", "--allow-remote"], out / "signer-remote-allow.log", timeout=20)
    assert bare.rc == 2 and bare.has("loopback only unless you pass --allow-remote"), bare
    assert allow.rc == 2 and allow.has("needs a token"), allow
