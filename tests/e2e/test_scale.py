"""Beyond one process, and `ves audit` (docs/SCALE.md): the real k6 binary, real ves and
ves-devserver over HTTP.
 - an ingest run logs its receipts (RECEIPTS_LOG=1, --log-output=file; text and JSON log formats)
   and `ves audit --commit --receipts` proves every acknowledged event present once; a devserver
   that loses an acknowledged event (--fault lose_event) makes the audit fail, naming the event;
 - two k6 processes with execution segments (0:1/2 and 1/2:1) against one devserver, for ingest
   (SEED set), the mixed workload, queries and a replayed corpus: summaries named by segment,
   totals add up, no event id repeats, exactly one committer ran, merged summaries, and the audit
   passes;
 - RECEIPT_CHECK < 1: k6 checks a sample of answers receipt by receipt and the rest at batch
   level, logs those receipts as v2 lines, and `ves audit` checks every one: with `ves signer`
   and with a replayed corpus it passes; a devserver that corrupts a receipt hash, unseen by k6
   at RECEIPT_CHECK=0, fails the audit, which names the event.

Each k6 process is paced (--rps 15) where the model is closed: these tests are about correctness
across processes, not throughput, and two k6 processes and the devserver share this machine."""
import csv
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from harness import DEVSERVER_ADMIN_KEY, REPO, run as run_command

SCALE_RPS = "15"
SHORT_ENV = {"PROBES": "0"}
SEGMENTS = ("0:1/2", "1/2:1")
AUDIT_ENV = {"API_KEY": DEVSERVER_ADMIN_KEY}  # the devserver's default admin key, for ves audit


def tag(segment: str) -> str:
    return segment.replace(":", "-").replace("/", "_")


def k6go(k6, out, name, script, server, *args, profile="short", env=None, rps=SCALE_RPS, receipts=None, start=False):
    """k6 against `server` with the receipts log on (RECEIPTS_LOG=1) into out/<receipts or name>.receipts."""
    receipts = out / f"{receipts or name}.receipts"
    pace = ["--rps", rps] if rps else []
    how = k6.start if start else k6
    r = how(script, *pace, f"--log-output=file={receipts}", *args, server=server, profile=profile,
            env={"RECEIPTS_LOG": "1", **(env or {})}, name=name)
    return r, receipts


def segments(k6, out, name, script, server, *args, **kw):
    """Both segments at once: [(run, receipts file, csv file)] in segment order."""
    pending = []
    for s in SEGMENTS:
        csv_file = out / f"{name}-{tag(s)}.csv"
        p, receipts = k6go(k6, out, f"{name}-{tag(s)}", script, server, "--execution-segment", s,
                           "--execution-segment-sequence", "0,1/2,1", "--out", f"csv={csv_file}", *args, start=True, **kw)
        pending.append((p, receipts, csv_file))
    return [(p.wait(), receipts, csv_file) for p, receipts, csv_file in pending]


def audit(ves, server, name, *args):
    return ves("audit", "--url", server.url, *args, env=AUDIT_ENV, name=f"audit-{name}")


def audit_line(done) -> str:
    lines = [l for l in done.output.splitlines() if l.startswith("audit:")]
    return lines[-1] if lines else ""


def assert_audit_passes(done, n):
    line = audit_line(done)
    assert done.rc == 0, done
    assert re.search(rf" {n}/{n} acknowledged events proven once.*result=PASS", line), f"{line}\n{done}"


def receipts_messages(path: Path):
    """The `ves-receipts {...}` objects of a k6 log file, in k6's text or JSON log format."""
    for line in open(path, encoding="utf-8"):
        if "ves-receipts " not in line:
            continue
        if line.lstrip().startswith("{"):
            msg = json.loads(line)["msg"]
        else:
            msg, _ = json.JSONDecoder().raw_decode(line[line.index('msg="') + 4:])
        yield json.loads(msg[len("ves-receipts "):])


def receipts_stats(*paths) -> tuple[int, int]:
    """(events, unique ids) over the receipts lines of k6 log files."""
    ids = []
    for path in paths:
        for d in receipts_messages(path):
            ids += [e[0] for e in d["events"]] if d["v"] == 1 else [r["eventId"] for r in d["receipts"]]
    return len(ids), len(set(ids))


def v2_lines(path: Path) -> int:
    return sum(1 for line in open(path, encoding="utf-8") if 'ves-receipts {\\"v\\":2' in line)


def accepted(run) -> int:
    return run.metric("ves_events_accepted")


# --- one process: receipts in k6's text and JSON log formats, audited together

@pytest.fixture(scope="module")
def audited_ingest(module_processes, module_k6, module_ves, module_out):
    server = module_processes.devserver()
    text, text_receipts = k6go(module_k6, module_out, "audit-text", "load/sequencer_ingest.js", server, env=SHORT_ENV)
    js, json_receipts = k6go(module_k6, module_out, "audit-json", "load/sequencer_ingest.js", server, "--log-format=json",
                             env=SHORT_ENV)
    commit = audit(module_ves, server, "ingest", "--commit", "--receipts", text_receipts, json_receipts)
    as_json = audit(module_ves, server, "ingest-json", "--json", "--receipts", text_receipts)
    return {"runs": (text, js), "receipts": (text_receipts, json_receipts), "audit": commit, "json": as_json}


@pytest.mark.xdist_group("scale-audit")
def test_audit_ingest(audited_ingest):
    text, js = audited_ingest["runs"]
    assert text.rc == 0, text
    assert js.rc == 0, js
    want = accepted(text) + accepted(js)
    logged, unique = receipts_stats(*audited_ingest["receipts"])
    assert (logged, unique) == (want, want), f"logged {logged} ({unique} ids), accepted {want}"
    assert_audit_passes(audited_ingest["audit"], want)


@pytest.mark.xdist_group("scale-audit")
def test_audit_json_output(audited_ingest):
    """`ves audit --json` says the same."""
    a1 = accepted(audited_ingest["runs"][0])
    done = audited_ingest["json"]
    d = json.loads(done.output)
    m = d["streams"][0]["membership"]
    assert (d["result"], m["proven"], m["acknowledged"]) == ("PASS", a1, a1), done


def test_audit_lost_event(devserver, k6, ves, out):
    """A lost write: the devserver acknowledges the event numbered 150 and stores the next one there."""
    server = devserver("--fault", "lose_event=150")
    run, receipts = k6go(k6, out, "audit-fault", "load/sequencer_ingest.js", server, env=SHORT_ENV)
    lost = next((e[0] for d in receipts_messages(receipts) for e in d["events"] if e[1] == 150), None)
    assert lost, f"no receipt at sequence 150 in {receipts}\n{run}"
    done = audit(ves, server, "fault", "--commit", "--receipts", receipts)
    assert done.rc == 1, done
    assert done.has(rf"MISSING event {lost} \(acknowledged at sequence 150\)"), done
    assert re.search(r"missing=1.*result=FAIL", audit_line(done)), done


# --- two processes with execution segments against one devserver

def test_segments_ingest(devserver, k6, ves, out):
    server = devserver()
    runs = segments(k6, out, "seg-ingest", "load/sequencer_ingest.js", server, env={**SHORT_ENV, "SEED": "42"})
    for r, _, _ in runs:
        assert r.rc == 0, r
    a0, a1 = (accepted(r) for r, _, _ in runs)
    assert a0 > 0 and a1 > 0, f"accepted {a0}+{a1}"
    want = a0 + a1
    logged, unique = receipts_stats(*(rec for _, rec, _ in runs))
    assert (logged, unique) == (want, want), f"logged {logged} ({unique} ids), accepted {want}"
    merged_file = out / "merged.json"
    merge = run_command([sys.executable, REPO / "scripts" / "merge-summaries.py", "--out", merged_file,
                         *(r.summary_path for r, _, _ in runs), "--csv", *(c for _, _, c in runs)], out / "seg-ingest-merge.log")
    assert merge.rc == 0, merge
    merged = json.loads(merged_file.read_text())
    assert merged["counters"]["ves_events_accepted"] == want, merged["counters"]
    # Percentiles come from every raw sample: one http_req_duration sample per request of both processes.
    trends = merged["trends"]
    assert trends["http_req_duration"]["count"] == merged["counters"]["http_reqs"] > 0, trends["http_req_duration"]
    assert "p(95)" in trends["http_req_duration{endpoint:ingest}"], trends
    assert_audit_passes(audit(ves, server, "seg-ingest", "--commit", "--receipts", *(rec for _, rec, _ in runs)), want)


def test_segments_mixed(devserver, k6, ves, out):
    """An open model paces itself (arrival rate): no --rps cap, which would only drop iterations.
    short_segments.json: enough pre-allocated VUs that each segment of each scenario has one; 20 s
    so that each process reaches its proof iterations (every 8th of its own) and both verify."""
    server = devserver()
    runs = segments(k6, out, "seg-mixed", "load/mixed_workload.js", server, profile="short_segments", rps=None, env=SHORT_ENV)
    for r, _, _ in runs:
        assert r.rc == 0, r
    committers = sum(any(x["scenario"] == "committer" and x["metric_name"] == "iterations" for x in csv.DictReader(open(c)))
                     for _, _, c in runs)
    assert committers == 1, f"committer processes: {committers}"
    want = sum(accepted(r) for r, _, _ in runs)
    logged, unique = receipts_stats(*(rec for _, rec, _ in runs))
    assert (logged, unique) == (want, want), f"logged {logged} ({unique} ids), accepted {want}"
    assert_audit_passes(audit(ves, server, "seg-mixed", "--commit", "--receipts", *(rec for _, rec, _ in runs)), want)


def test_segments_query(devserver, k6, out):
    """Queries: each process seeds the streams in setup(); only the first segment commits the seed."""
    runs = segments(k6, out, "seg-query", "load/sequencer_query.js", devserver(), env=SHORT_ENV)
    for r, _, _ in runs:
        assert r.rc == 0, r
    commits = [sum(1 for x in csv.DictReader(open(c)) if x["metric_name"] == "http_reqs" and x["method"] == "POST"
                   and x["url"].endswith("/api/v1/ves/commitments")) for _, _, c in runs]
    assert commits == [1, 0], f"seed commits per process: {commits} (want [1, 0])"


@pytest.fixture(scope="module")
def replayed_segments(module_processes, module_k6, module_presign, module_out):
    """A replayed corpus: 4 shards over 2 processes, each shard sent once; receipts lines stripped
    of signing hash and signature (replay lines may leave them out), so that --corpus does the work."""
    server = module_processes.devserver()
    corpus = module_presign("corpus", "--vus", "4", "--batches-per-vu", "5", "--batch-size", "50", "--streams", "2", "--seed", "11")
    runs = segments(module_k6, module_out, "seg-replay", "load/sequencer_replay.js", server, profile="seconds",
                    env={"REPLAY_DIR": corpus})
    stripped = []
    for _, receipts, _ in runs:
        lines = []
        for line in open(receipts, encoding="utf-8"):
            if "ves-receipts " in line:
                d = next(receipts_messages_of(line))
                d["events"] = [e[:3] for e in d["events"]]
                line = json.dumps({"level": "info", "msg": "ves-receipts " + json.dumps(d, separators=(",", ":"))}) + "\n"
            lines.append(line)
        short = receipts.with_suffix(".receipts.short")
        short.write_text("".join(lines))
        stripped.append(short)
    return {"server": server, "corpus": corpus, "runs": runs, "stripped": stripped}


def receipts_messages_of(line: str):
    msg, _ = json.JSONDecoder().raw_decode(line[line.index('msg="') + 4:])
    yield json.loads(msg[len("ves-receipts "):])


@pytest.mark.xdist_group("scale-replay")
def test_segments_replay(replayed_segments, module_ves):
    runs = replayed_segments["runs"]
    for r, _, _ in runs:
        assert r.rc == 0, r
    assert [accepted(r) for r, _, _ in runs] == [500, 500]
    assert receipts_stats(*(rec for _, rec, _ in runs)) == (1000, 1000)
    done = audit(module_ves, replayed_segments["server"], "seg-replay", "--commit", "--corpus", replayed_segments["corpus"],
                 "--receipts", *replayed_segments["stripped"])
    assert done.has("1000 signatures from the corpus"), done
    assert_audit_passes(done, 1000)


@pytest.mark.xdist_group("scale-replay")
def test_audit_needs_corpus(replayed_segments, module_ves):
    """Without the corpus, receipts that lack signatures cannot be proven: the audit says so."""
    done = audit(module_ves, replayed_segments["server"], "seg-replay-nocorpus", "--receipts", *replayed_segments["stripped"])
    assert done.rc == 1, done
    assert done.has("UNSIGNED event"), done


def test_segments_replay_own_shards(devserver, k6, ves, presign, out):
    """Each machine holds only its own shards: process k of 2 gets shards k+1 and k+3."""
    server = devserver()
    corpus = presign("corpus2", "--vus", "4", "--batches-per-vu", "4", "--batch-size", "50", "--seed", "12")
    pending = []
    for k, seg in enumerate(SEGMENTS):
        part = out / f"corpus2-part{k}"
        part.mkdir()
        shutil.copy(corpus / "manifest.json", part)
        for v in (k + 1, k + 3):
            for f in corpus.glob(f"vu-000{v}.*"):
                shutil.copy(f, part)
        p, receipts = k6go(k6, out, f"seg-split-{k}", "load/sequencer_replay.js", server, "--execution-segment", seg,
                           "--execution-segment-sequence", "0,1/2,1", profile="seconds", env={"REPLAY_DIR": part}, start=True)
        pending.append((p, receipts))
    runs = [(p.wait(), receipts) for p, receipts in pending]
    for r, _ in runs:
        assert r.rc == 0, r
    assert [accepted(r) for r, _ in runs] == [400, 400]
    assert_audit_passes(audit(ves, server, "seg-split", "--commit", "--corpus", corpus, "--receipts",
                              *(rec for _, rec in runs)), 800)


# --- RECEIPT_CHECK sampling, audited afterwards

def test_receipt_check_sampled_signer(devserver, signer, k6, ves, out):
    server, s = devserver(), signer()
    # SIGNER_CHECK=0: the signer signs, k6 checks (and samples with RECEIPT_CHECK); by default the
    # signer checks every answer natively and RECEIPT_CHECK does not apply (docs/SIGNER.md).
    run, receipts = k6go(k6, out, "sampled-signer", "load/sequencer_ingest.js", server,
                         env={**SHORT_ENV, "SIGNER_URL": s.url, "SIGNER_CHECK": "0", "RECEIPT_CHECK": "0.2"})
    a, c, v2 = accepted(run), run.metric("ves_receipts_checked"), v2_lines(receipts)
    assert run.rc == 0, run
    assert a > 0 and 0 < c < a and v2 > 0, f"{c} of {a} receipts checked in k6, {v2} v2 lines\n{run}"
    assert run.has(rf"receipts checked in k6: {c} of {a} .*RECEIPT_CHECK=0.2"), run
    assert_audit_passes(audit(ves, server, "sampled-signer", "--commit", "--receipts", receipts), a)


def test_receipt_check_sampled_replay(devserver, k6, ves, presign, out):
    """A replayed corpus, half its answers unchecked in k6: the audit takes signatures from --corpus."""
    server = devserver()
    corpus = presign("corpus3", "--vus", "2", "--batches-per-vu", "10", "--batch-size", "50", "--seed", "13")
    run, receipts = k6go(k6, out, "sampled-replay", "load/sequencer_replay.js", server, profile="seconds",
                         env={"REPLAY_DIR": corpus, "RECEIPT_CHECK": "0.5"})
    c, v2 = run.metric("ves_receipts_checked"), v2_lines(receipts)
    assert run.rc == 0, run
    assert c < 1000 and v2 > 0, f"{c} of 1000 receipts checked in k6, {v2} v2 lines\n{run}"
    assert_audit_passes(audit(ves, server, "sampled-replay", "--commit", "--corpus", corpus, "--receipts", receipts), 1000)


def test_receipt_check_fault_audited(devserver, k6, ves, out):
    """Every 50th receipt hash corrupted, RECEIPT_CHECK=0: k6 sees clean batches only, the audit fails."""
    server = devserver("--fault", "bad_receipt_hash=50")
    run, receipts = k6go(k6, out, "sampled-fault", "load/sequencer_ingest.js", server, env={**SHORT_ENV, "RECEIPT_CHECK": "0"})
    assert run.rc == 0, run
    assert run.metric("ves_receipts_checked") == 0, run
    done = audit(ves, server, "sampled-fault", "--commit", "--receipts", receipts)
    assert done.rc == 1, done
    assert done.has(r"BAD RECEIPT event .* \(sequence 50\)"), done
    assert audit_line(done).endswith("result=FAIL"), done
