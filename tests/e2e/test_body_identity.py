"""One byte stream: for the same SEED, slot, key, created_at and SPELLING, the k6 library's live
path, `ves presign` and `ves signer` content batches write byte-identical ingest bodies, for every
PAYLOAD shape and both spellings (tests/e2e/k6/body_identity.js compares whole bodies by SHA-256
and names the first that differs).

Sizes (issue 19), in each spelling: 100,000 events each of order, small, unicode, floats and
nested; 1,000 of medium; 200 of large and of mixed. Each case writes its two corpora, compares,
and removes them (the largest hold about 100 MB each).
"""
import re
import shutil

import pytest

SEED = 19
CREATED_AT = "2025-06-01T12:00:00.000Z"
AGENT_KEY_ID = 7
# A test key (not a secret): presign, the signer and k6's own Ed25519 all sign with it.
AGENT_SEED = "5e" * 32

# shape -> (events, batch size)
SIZES = {
    "order": (100_000, 100),
    "small": (100_000, 100),
    "unicode": (100_000, 100),
    "floats": (100_000, 100),
    "nested": (100_000, 100),
    "medium": (1_000, 100),
    "large": (200, 10),
    "mixed": (200, 100),
}


@pytest.mark.parametrize("shape", list(SIZES))
def test_bodies_are_byte_identical(shape, presign, signer, k6, out):
    events, batch = SIZES[shape]
    key = out / "agent.seed"
    key.write_text(AGENT_SEED + "\n")
    key.chmod(0o600)
    corpora = [presign(f"corpus-{spelling}", "--vus", "1", "--batches-per-vu", str(events // batch), "--batch-size", str(batch),
                       "--shape", shape, "--seed", str(SEED), "--created-at", CREATED_AT, "--agent-key-id", str(AGENT_KEY_ID),
                       "--agent-seed-file", str(key), "--spelling", spelling)
               for spelling in ("canonical", "varied")]
    s = signer("--seed-file", str(key))
    try:
        run = k6("tests/e2e/k6/body_identity.js", env={
            "CORPUS": str(out / "corpus"), "SHAPE": shape, "EVENTS": str(events), "BATCH": str(batch), "VUS": "2",
            "SEED": str(SEED), "CREATED_AT": CREATED_AT, "AGENT_KEY_ID": str(AGENT_KEY_ID), "AGENT_SEED": AGENT_SEED,
            "SIGNER_URL": s.url,
        }, timeout=3600)
        lines = [l for l in run.output.splitlines() if "body-identity:" in l]
        assert run.rc == 0, "\n".join(lines) or run
        assert len(lines) == 2 and all("first_difference=none" in l for l in lines), "\n".join(lines)
        bodies = [int(re.search(r" bodies=(\d+) ", l).group(1)) for l in lines]
        identical = [int(re.search(r" identical=(\d+) ", l).group(1)) for l in lines]
        assert sum(bodies) == events // batch and identical == [2 * b for b in bodies], "\n".join(lines)
    finally:
        for c in corpora:
            shutil.rmtree(c, ignore_errors=True)
