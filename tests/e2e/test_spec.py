"""`ves spec` and load/sequencer_spec.js against real devservers (docs/SPEC.md).

The expectations come from the docs: docs/DEVSERVER.md lists the SKIPs a clean devserver may
give (table spec-skips) and, for each test fault, the properties it makes FAIL (table
spec-faults); a test here fails when the runners disagree with a row.
"""
from __future__ import annotations

import concurrent.futures
import json
import re
import xml.etree.ElementTree as ET

import pytest

from harness import REPO, THRESHOLDS_FAILED

DEVSERVER_DOC = REPO / "docs" / "DEVSERVER.md"
CATALOGUE = json.loads((REPO / "spec" / "catalogue.json").read_text())
IDS = [p["id"] for p in CATALOGUE["properties"]]


def doc_table(name: str) -> list[list[str]]:
    """The rows (cells) of the table between <!-- NAME:begin --> and <!-- NAME:end --> in DEVSERVER.md."""
    text = DEVSERVER_DOC.read_text()
    block = text.split(f"<!-- {name}:begin -->")[1].split(f"<!-- {name}:end -->")[0]
    rows = []
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            rows.append(cells)
    assert rows, f"docs/DEVSERVER.md: table {name} is empty"
    return rows


def ids_in(cell: str) -> set[str]:
    return set(re.findall(r"`([a-z]+\.[a-z0-9.-]+)`", cell))


def key(cell: str) -> str:
    """The first `code` of a cell: a row's key."""
    return re.match(r"`([^`]+)`", cell).group(1)


ALLOWED_SKIPS = {key(row[0]): row[1] for row in doc_table("spec-skips")}
# fault -> (the properties it makes FAIL, the properties named as PASSing under it)
FAULT_ROWS = {key(row[0]): ids_in(row[1]) for row in doc_table("spec-faults")}
FAULT_PASSES = {key(row[0]): ids_in(row[2]) for row in doc_table("spec-faults")}
SHED_FAULTS = {f for f in FAULT_ROWS if f.startswith("shed_")}


def rust_report(ves, server, *args, name=None):
    """`ves spec --json` against a server: (exit code, report dict or None, output)."""
    done = ves("spec", "--target", server.url, "--json", *args, env={"SEQUENCER_PUBLIC_KEY": server.pubkey}, name=name)
    start = done.output.find("{")
    report = json.loads(done.output[start:]) if start >= 0 else None
    return done, report


def verdicts(report: dict) -> dict[str, str]:
    return {p["id"]: p["verdict"] for p in report["properties"]}


def k6_verdicts(run) -> dict[str, str]:
    """property -> verdict from the ves_spec_properties points of a k6 run (--out json)."""
    out = {}
    for point in run.points("ves_spec_properties"):
        tags = point["data"]["tags"]
        out[tags["property"]] = tags["verdict"]
    return out


def test_spec_passes_on_a_fresh_devserver(devserver, ves, out):
    server = devserver()
    junit = out / "spec.xml"
    html = out / "spec.html"
    done, report = rust_report(ves, server, "--junit", junit, "--html", html)
    assert done.rc == 0, done.output[-3000:]
    got = verdicts(report)
    assert len(got) == len(IDS) >= 60
    classes = {p["class"] for p in report["properties"]}
    assert len(classes) >= 8 and all(sum(1 for p in report["properties"] if p["class"] == c) >= 4 for c in classes)
    not_passed = {i: v for i, v in got.items() if v != "PASS"}
    assert all(v == "SKIP" and i in ALLOWED_SKIPS for i, v in not_passed.items()), \
        f"only the SKIPs docs/DEVSERVER.md lists may differ from PASS: {not_passed}"
    assert report["summary"]["failed"] == 0 and report["result"] == "PASS", report["summary"]
    # JUnit: one test case per property, the SKIPs as skipped, no failure.
    root = ET.parse(junit).getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == len(IDS), len(cases)
    assert root.get("failures") == "0" and int(root.get("skipped")) == len(not_passed), root.attrib
    assert {c.get("name") for c in cases if c.find("skipped") is not None} == set(not_passed)
    # HTML: a row per property with its verdict.
    page = html.read_text()
    rows = dict(re.findall(r'data-property="([^"]+)" data-verdict="([A-Z]+)"', page))
    assert rows == got
    assert "<script" not in page and "http://" not in page.replace(server.url, "")


def test_spec_prints_one_line_per_property(devserver, ves):
    server = devserver()
    done = ves("spec", "--target", server.url, env={"SEQUENCER_PUBLIC_KEY": server.pubkey})
    assert done.rc == 0, done.output[-2000:]
    lines = re.findall(r"^  (PASS|FAIL|SKIP|INFO)  (\S+) +(MUST|SHOULD|INFO) ", done.output, re.M)
    assert [i for _, i, _ in lines] == IDS
    assert re.search(r"^ves-spec: %d properties, \d+ passed, 0 failed, \d+ skipped, 0 info .* result=PASS$" % len(IDS), done.output, re.M), done.output[-500:]
    # A SKIP says why.
    assert re.search(r"^  SKIP  shedding.every-503-has-code .*\(skipped: no 503 answer", done.output, re.M)


def test_spec_only_runs_one_class_and_refuses_an_unknown_one(devserver, ves):
    server = devserver()
    done, report = rust_report(ves, server, "--only", "idempotency")
    assert done.rc == 0, done.output[-2000:]
    assert {p["class"] for p in report["properties"]} == {"idempotency"}
    assert len(report["properties"]) == sum(1 for p in CATALOGUE["properties"] if p["class"] == "idempotency")
    bad = ves("spec", "--target", server.url, "--only", "nonsense")
    assert bad.rc == 2 and "no such class" in bad.output, bad.output


def test_spec_exits_2_when_the_suite_cannot_run(ves, devserver):
    from harness import free_port
    done = ves("spec", "--target", f"http://127.0.0.1:{free_port()}")
    assert done.rc == 2 and "no answer to GET /health" in done.output, done.output
    server = devserver()
    wrong = ves("spec", "--target", server.url, env={"ADMIN_API_KEY": "ss_not_the_admin_key"})
    assert wrong.rc == 2 and "is ADMIN_API_KEY an admin key" in wrong.output, wrong.output


@pytest.mark.parametrize("fault", sorted(FAULT_ROWS))
def test_spec_fault_fails_the_properties_the_docs_name(fault, devserver, ves):
    server = devserver("--fault", fault)
    done, report = rust_report(ves, server)
    assert report is not None, done.output[-2000:]
    failed = {i for i, v in verdicts(report).items() if v == "FAIL"}
    if fault in SHED_FAULTS:
        # Load shedding is a correct answer: judged on its code, nothing fails.
        assert done.rc == 0 and failed == set(), (fault, failed)
        assert verdicts(report)["shedding.every-503-has-code"] == "PASS"
        assert FAULT_PASSES[fault] <= {i for i, v in verdicts(report).items() if v == "PASS"}, verdicts(report)
    else:
        assert done.rc == 1, done.output[-2000:]
        assert failed == FAULT_ROWS[fault], f"{fault}: docs/DEVSERVER.md names {sorted(FAULT_ROWS[fault])}, failed {sorted(failed)}"


def test_spec_accept_invalid_signature_exits_1(devserver, ves):
    server = devserver("--fault", "accept_invalid_signature")
    done = ves("spec", "--target", server.url, env={"SEQUENCER_PUBLIC_KEY": server.pubkey})
    assert done.rc == 1, done.output[-2000:]
    assert re.search(r"^  FAIL  validation.bad-signature-refused +MUST", done.output, re.M), done.output
    # The failure shows the request, the answer and the expectation.
    block = done.output.split("FAIL  validation.bad-signature-refused", 1)[1].split("\n  PASS", 1)[0]
    for part in ("request:  POST /api/v1/ves/events/ingest", "answer:   200 ", "expected: ", "event a: expected no receipt (refused)"):
        assert part in block, block


def test_spec_replay_spelling_fault_fails_the_respelled_replays(devserver, ves):
    server = devserver("--fault", "replay_spelling")
    done, report = rust_report(ves, server)
    failed = {i for i, v in verdicts(report).items() if v == "FAIL"}
    assert done.rc == 1 and failed == FAULT_ROWS_REPLAY_SPELLING, sorted(failed)


# What the real server's replay rule (LIVE_OBSERVED §10) refuses, as the docs list it.
FAULT_ROWS_REPLAY_SPELLING = ids_in(next(r[1] for r in doc_table("spec-real") if key(r[0]) == "replay_spelling"))


@pytest.mark.parametrize("fault", ["none"] + sorted(FAULT_ROWS) + ["replay_spelling"])
def test_spec_runners_agree(fault, devserver, ves, k6):
    flags = [] if fault == "none" else ["--fault", fault]
    rust_done, report = rust_report(ves, devserver(*flags), name="ves-spec")
    assert report is not None, rust_done.output[-2000:]
    rust = verdicts(report)
    run = k6("load/sequencer_spec.js", server=devserver(*flags), json_out=True)
    js = k6_verdicts(run)
    assert set(js) == set(rust), (sorted(set(rust) - set(js)), run)
    differ = {i: (rust[i], js[i]) for i in rust if rust[i] != js[i]}
    if fault.startswith("shed_above_rate"):
        # Which requests a rate gate sheds depends on timing: a property may be shed (SKIP) in one
        # run and pass in the other, never fail in either.
        assert all(set(v) == {"PASS", "SKIP"} for v in differ.values()), differ
        assert "FAIL" not in rust.values() and "FAIL" not in js.values()
    else:
        assert differ == {}, f"{fault}: verdicts differ (ves spec, k6): {differ}"
    expect_fail = "FAIL" in rust.values()
    assert (run.rc == THRESHOLDS_FAILED) == expect_fail and (run.rc == 0) == (not expect_fail), run
    assert run.verdict.get("spec_failures") == str(sum(1 for v in rust.values() if v == "FAIL")), run


def test_sequencer_spec_passes_beside_the_mixed_smoke(devserver, k6):
    server = devserver()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        mixed = pool.submit(k6, "load/mixed_workload.js", server=server, profile="smoke", name="mixed")
        spec = pool.submit(k6, "load/sequencer_spec.js", server=server, env={"SPEC_DURATION": "15s"}, name="spec")
        mixed, spec = mixed.result(), spec.result()
    assert mixed.passed, mixed
    assert spec.passed, spec
    assert spec.metric("ves_spec_failures") == 0, spec
    # At least one whole pass over the catalogue ran while the mixed workload did.
    assert spec.metric("ves_spec_properties") >= len(IDS), spec


def test_spec_rate_runs_properties_among_ingest_iterations(devserver, k6):
    server = devserver()
    run = k6("load/sequencer_ingest.js", server=server, profile="smoke", env={"SPEC_RATE": "0.3"})
    assert run.passed, run
    assert run.metric("ves_spec_properties") > 0, run
    assert run.verdict.get("spec_failures") == "0", run


def test_spec_rate_shows_a_broken_promise_as_a_failed_check_named_by_its_id(devserver, k6):
    # The ingest scenario reads no entity: only the spec's reads class can see this fault.
    server = devserver("--fault", "reorder_entity_reads")
    run = k6("load/sequencer_ingest.js", server=server, profile="smoke", env={"SPEC_RATE": "0.3", "SPEC_ONLY": "reads"})
    assert run.rc == THRESHOLDS_FAILED, run
    assert int(run.verdict["spec_failures"]) > 0, run
    checks = {c["name"]: c for c in run.summary["root_group"]["checks"]}
    assert checks["reads.entity-own-events"]["fails"] > 0, sorted(checks)
    assert checks["reads.events-in-order"]["fails"] == 0, checks["reads.events-in-order"]


def test_docs_name_known_real_server_failures_that_exist():
    rows = doc_table("spec-real")
    named = set().union(*(ids_in(r[1]) for r in rows))
    assert named and named <= set(IDS), sorted(named - set(IDS))
    levels = {p["id"]: p["level"] for p in CATALOGUE["properties"]}
    assert all(levels[i] in ("MUST", "SHOULD") for i in named), {i: levels[i] for i in named}
