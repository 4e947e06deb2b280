"""Invalid events inside valid batches (INVALID_RATE, INVALID_KINDS): each comes back as its own
rejection (ves_invalid_rejected{kind}) and every valid event of the batch is accepted, with
replays, payload shapes, hot entities and WARMUP too; ingest requests above 256 KiB are tagged
body:large and left out of the latency thresholds, which still fire on the normal ones; a
devserver that accepts a bad signature fails the run on ves_invalid_accepted."""
import json

from harness import THRESHOLDS_FAILED

KINDS = {"bad_signature", "payload_hash_mismatch", "unknown_key", "created_at_reformatted", "unsupported_version",
         "cipher_hash_nonzero", "duplicate_in_batch", "known_id_other_contents"}
BATCH = 20  # profiles/short.json BATCH_SIZE
REQUEST_LIMIT = 10 * 1024 * 1024


def test_invalid_clean(devserver, k6):
    """INVALID_RATE=0.1 REPLAY_RATE=0.1 PAYLOAD=mixed HOT_ENTITIES=0.2 WARMUP=3s against a clean
    devserver (mixed: small, medium, unicode, floats, nested and at most one ~1 MB large payload
    per batch): every invalid kind refused, every valid event accepted, nothing else counted."""
    run = k6("load/sequencer_ingest.js", server=devserver(), profile="short", json_out=True, name="invalid-clean",
             env={"PROBES": "0", "INVALID_RATE": "0.1", "REPLAY_RATE": "0.1", "PAYLOAD": "mixed", "HOT_ENTITIES": "0.2",
                  "WARMUP": "3s"})
    assert run.rc == 0 and run.has("result=PASS"), run
    kinds, sums, warm, bodies, normal_max, sent_max = {}, {}, {}, {}, 0, 0
    for p in run.points():
        m, v = p["metric"], p["data"]["value"]
        sums[m] = sums.get(m, 0) + v
        tags = p["data"].get("tags") or {}
        if m == "http_req_duration":
            w = tags.get("warmup", "none")
            warm[w] = warm.get(w, 0) + 1
            if tags.get("endpoint") == "ingest":
                b = tags.get("body", "none")
                bodies[b] = bodies.get(b, 0) + 1
                if b == "normal" and w == "false":
                    normal_max = max(normal_max, v)
        if m == "data_sent":
            sent_max = max(sent_max, v)
        if m == "ves_invalid_rejected" and v > 0:
            kinds[tags.get("kind")] = kinds.get(tags.get("kind"), 0) + v
    detail = (f"accepted={sums.get('ves_events_accepted', 0):.0f} invalid_refused={sums.get('ves_invalid_rejected', 0):.0f} "
              f"largest data_sent={sent_max:.0f} by kind={json.dumps(kinds, sort_keys=True)} "
              f"replayed={sums.get('ves_events_replayed', 0):.0f} requests by warmup tag={json.dumps(warm, sort_keys=True)} "
              f"ingest requests by body tag={json.dumps(bodies, sort_keys=True)}\n{run}")
    iters = run.metric("iterations")
    acc, rej = sums.get("ves_events_accepted", 0), sums.get("ves_invalid_rejected", 0)
    assert acc + rej == iters * BATCH, f"accepted {acc} + invalid refused {rej} != {iters} batches x {BATCH}; {detail}"
    for k in ("ves_invalid_accepted", "ves_replay_violations", "ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies"):
        assert sums.get(k, 0) == 0, f"{k}={sums[k]}; {detail}"
    assert sums.get("ves_events_replayed", 0) > 0, f"no replay; {detail}"
    assert set(kinds) == KINDS, f"kinds refused: {sorted(kinds)}; {detail}"
    # PAYLOAD=mixed: some iteration sent a large (~1 MB) payload, none went over the request limit.
    assert 1_000_000 < sent_max < REQUEST_LIMIT * 2, f"largest data_sent sample {sent_max:.0f} bytes: no large payload sent; {detail}"
    # WARMUP=3s: iterations tag their requests warmup:true before 3 s, warmup:false after.
    assert warm.get("true", 0) > 0 and warm.get("false", 0) > 0, f"requests by warmup tag: {warm}; {detail}"
    # PAYLOAD=mixed: ingest requests above 256 KiB are tagged body:large, and the latency thresholds
    # (after WARMUP) are computed from exactly the body:normal ones: the same maximum.
    metrics = run.summary["metrics"]
    key = "http_req_duration{endpoint:ingest,warmup:false,body:normal}"
    assert key in metrics, f"no latency threshold restricted to warmup:false and body:normal: {sorted(k for k in metrics if k.startswith('http_req'))}"
    assert abs(metrics[key]["values"]["max"] - normal_max) < 1e-6, f"{key} max {metrics[key]['values']['max']} is not that of the body:normal requests ({normal_max})"
    assert bodies.get("large", 0) > 0 and bodies.get("normal", 0) > 0, f"ingest requests by body tag: {bodies}; {detail}"


def test_large_bodies_threshold_fires(devserver, k6, out):
    """A latency threshold on the normal-size requests still fires: a profile whose ingest threshold
    no request can meet (p(95)<0.001 ms) fails the PAYLOAD=mixed run on
    http_req_duration{endpoint:ingest,body:normal}."""
    impossible = out / "impossible_latency.json"
    impossible.write_text(json.dumps({"thresholds": {"http_req_duration{endpoint:ingest}": ["p(95)<0.001"]},
                                      "ves": {"extends": "tests/e2e/profiles/short.json"}}))
    run = k6("load/sequencer_ingest.js", server=devserver(), profile=str(impossible), env={"PROBES": "0", "PAYLOAD": "mixed"},
             latency_guard=False)
    assert run.rc == THRESHOLDS_FAILED, run
    assert run.has(r"threshold failed: http_req_duration\{endpoint:ingest,body:normal\} p\(95\)<0.001"), run
    assert run.has("latency thresholds: only requests whose body is at most 262144 bytes"), run
    others = run.counters("ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies", "ves_invalid_accepted")
    assert all(v == 0 for v in others.values()), f"{others}\n{run}"


def test_invalid_accepted_fails_run(devserver, k6):
    run = k6("load/sequencer_ingest.js", server=devserver("--fault", "accept_invalid_signature=1"), profile="short",
             env={"PROBES": "0", "INVALID_RATE": "0.1", "INVALID_KINDS": "bad_signature"})
    accepted = run.metric("ves_invalid_accepted")
    assert run.rc == THRESHOLDS_FAILED, run
    assert accepted and accepted > 0, f"ves_invalid_accepted={accepted}\n{run}"
    others = run.counters("ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies")
    assert all(v == 0 for v in others.values()), f"{others}\n{run}"
    assert run.has(r"invalid event [0-9a-f-]* \(bad_signature\) was not refused with its reason: accepted"), run
