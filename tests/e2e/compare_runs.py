"""Compares the ingest traffic of k6 runs logged with --http-debug=full (test_seed.py).

Each claim returns (holds, one line that says what was compared):
same(first, second):  the second run sent byte-identical ingest bodies (the same multiset; VUs
                      may interleave differently) and every event came back with the receipt the
                      first run got for it (sequenceNumber and receiptHash), none newly sequenced.
differ(first, second): no event id of the first run appears in the second.
corpus(dir, log):     every event of a `ves presign` corpus (ids, content, signature) is one the
                      k6 run sent."""
import glob
import json
import re

MSG = re.compile(r'msg="((?:[^"\\]|\\.)*)"')


GO_ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)')
SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def go_unquote(text):
    """A logfmt msg as Go quotes it (strconv.Quote: \\x01, \\u2028, \\U0010ffff, \\a …) back to text.
    Bytes of \\xNN are gathered and decoded as UTF-8 (Go escapes invalid UTF-8 that way)."""
    out = bytearray()
    pos = 0
    for m in GO_ESCAPE.finditer(text):
        out += text[pos:m.start()].encode("utf-8")
        e = m.group(1)
        if e[0] == "x":
            out.append(int(e[1:], 16))
        elif e[0] in "uU" and len(e) > 1:
            out += chr(int(e[1:], 16)).encode("utf-8", "surrogatepass")
        else:
            out += SIMPLE.get(e, e).encode("utf-8")
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return out.decode("utf-8", "replace")


def exchanges(path):
    """(request body, response JSON) of every POST to the VES ingest endpoint, in log order."""
    bodies, answers = [], []
    for line in open(path, encoding="utf-8", errors="replace"):
        if "source=http-debug" not in line:
            continue
        m = MSG.search(line)
        if not m:
            continue
        text = go_unquote(m.group(1))
        head, _, body = text.partition("\n\n")
        if head.startswith("Request:\nPOST /api/v1/ves/events/ingest"):
            bodies.append(body.rstrip("\n"))
        elif head.startswith("Response:") and '"receipts"' in body:
            answers.append(json.loads(body))
    return bodies, answers


def receipts(answers):
    out = {}
    for a in answers:
        for r in a.get("receipts") or []:
            out[r["eventId"]] = (r["sequenceNumber"], r["receiptHash"])
    return out


def parsed(bodies, **how):
    """The JSON bodies (the malformed_body probe sends half a body on purpose)."""
    for b in bodies:
        try:
            yield json.loads(b, **how)
        except ValueError:
            continue


def event_ids(bodies):
    ids = set()
    for b in parsed(bodies):
        for e in b["events"]:
            ids.add(e["event_id"])
    return ids


def number_value(v):
    """Numbers by value, as JCS writes them: 9007199254740992.0 (ves presign) is 9007199254740992
    (k6), -0.0 is 0 (integral doubles as ints, the same for both sides)."""
    if isinstance(v, dict):
        return {k: number_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [number_value(x) for x in v]
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
        return int(v)
    return v


def signed_events(bodies):
    out = {}
    # Every number as a double, as the sequencer reads it: ves presign writes a double's exact
    # digits (-863926350996074624.0), k6 its shortest form (-863926350996074600).
    for b in parsed(bodies, parse_int=float):
        for e in b["events"]:
            out.setdefault(e["event_id"], set()).add(json.dumps(number_value(e), sort_keys=True, ensure_ascii=False))
    return out


def corpus(directory, log):
    lines = []
    for shard in sorted(glob.glob(f"{directory}/vu-*[0-9].ndjson")):
        lines += [l for l in open(shard, encoding="utf-8").read().split("\n") if l]
    presigned = signed_events(lines)
    sent = signed_events(exchanges(log)[0])
    missing = [k for k, v in presigned.items() if not v <= sent.get(k, set())]
    detail = f"{len(presigned)} presigned events, {len(sent)} sent by k6, {len(missing)} presigned not sent as such"
    return bool(presigned) and not missing, detail


def _both(first, second):
    b1, a1 = exchanges(first)
    b2, a2 = exchanges(second)
    if not b1 or not b2:
        return None, f"no ingest bodies found ({len(b1)} and {len(b2)}): was --http-debug=full on?"
    return (b1, a1, b2, a2), ""


def differ(first, second):
    both, why = _both(first, second)
    if both is None:
        return False, why
    b1, _, b2, _ = both
    common = event_ids(b1) & event_ids(b2)
    return not common, f"{len(event_ids(b1))} and {len(event_ids(b2))} event ids, {len(common)} in common"


def same(first, second):
    both, why = _both(first, second)
    if both is None:
        return False, why
    b1, a1, b2, a2 = both
    same_bodies = sorted(b1) == sorted(b2)
    r1, r2 = receipts(a1), receipts(a2)
    new = sum(a.get("eventsAccepted", 0) for a in a2)
    changed = [k for k, v in r2.items() if r1.get(k) != v]
    ok = same_bodies and new == 0 and not changed and len(r2) > 0 and set(r1) == set(r2)
    return ok, (f"{len(b1)} and {len(b2)} ingest bodies, identical: {same_bodies}; second run: {new} newly sequenced, "
                f"{len(r2)} receipts, {len(changed)} differ from the first run's")
