#!/usr/bin/env bash
# End-to-end tests of running beyond one process, and of `ves audit` (docs/SCALE.md): the real
# k6 binary, real ves and ves-devserver over HTTP.
#  1. an ingest run logs its receipts (RECEIPTS_LOG=1, --log-output=file; text and JSON log
#     formats) and `ves audit --commit --receipts` proves every acknowledged event present once;
#  2. a devserver that loses an acknowledged event (--fault lose_event) makes `ves audit` fail,
#     naming the event;
#  3. two k6 processes with execution segments (0:1/2 and 1/2:1) against one devserver, for
#     ingest (SEED set), the mixed workload, queries and a replayed corpus: summaries named by segment, totals add up, no
#     event id repeats, exactly one committer ran, merged summaries, and `ves audit` passes;
#  4. RECEIPT_CHECK < 1: k6 checks a sample of answers receipt by receipt and the rest at batch
#     level, logs those receipts as v2 lines, and `ves audit` checks every one: with `ves signer`
#     and with a replayed corpus it passes; a devserver that corrupts a receipt hash, unseen by
#     k6 at RECEIPT_CHECK=0, fails the audit, which names the event.
# Last line: "scale tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

K6=$(scripts/install-k6.sh) || exit 1
VES=${VES:-target/release/ves}
DEVSERVER=${DEVSERVER:-target/release/ves-devserver}
for b in "$VES" "$DEVSERVER"; do
  [ -x "$b" ] || { echo "scale tests: $b not built (cargo build --release -p ves-cli -p ves-devserver)"; exit 1; }
done
OUT=results/scale-tests
rm -rf "$OUT" && mkdir -p "$OUT"
passed=0 failed=0
export API_KEY=ss_local_devserver_admin_key  # the devserver's default admin key, for ves audit
# shellcheck source=scripts/lib/devserver.sh
. scripts/lib/devserver.sh  # free_port, start_devserver (URL, PUBKEY, PID), stop_devserver

# Two k6 processes and the devserver share this machine's cores: each process is paced
# (--rps, SCALE_RPS requests/s; 0: no cap) so that the production latency thresholds, which stay on, judge
# the server at a load a small machine can carry; these tests are about correctness across
# processes, not throughput.
SCALE_RPS=${SCALE_RPS:-15}
k6go() { # NAME SCRIPT ARGS... : k6 against $URL with the receipts log on, results in $OUT/NAME/
  local name=$1 script=$2; shift 2
  mkdir -p "$OUT/$name"
  "$K6" run -a 127.0.0.1:0 --no-usage-report --rps "$SCALE_RPS" -e SEQUENCER_BASE_URL="$URL" -e SEQUENCER_PUBLIC_KEY="$PUBKEY" \
    -e RESULTS_DIR="$OUT/$name" -e RECEIPTS_LOG=1 "$@" "$script"
}

result() { # NAME OK DETAIL
  if [ "$2" = true ]; then passed=$((passed + 1)); printf 'PASS  %-34s %s\n' "$1" "$3"
  else failed=$((failed + 1)); printf 'FAIL  %-34s %s (logs: %s)\n' "$1" "$3" "$OUT/$1*"; fi
}

audit() { # NAME ARGS... : runs ves audit against $URL; output in $OUT/NAME.audit, exit code echoed
  local name=$1; shift
  "$VES" audit --url "$URL" "$@" >"$OUT/$name.audit" 2>&1
  echo $?
}
audit_line() { grep '^audit:' "$OUT/$1.audit" | tail -n 1; }

# counter FILE METRIC : a counter's count from a summary JSON (or "missing")
counter() {
  python3 -c 'import json,sys
try: print(int(json.load(open(sys.argv[1]))["metrics"][sys.argv[2]]["values"]["count"]))
except Exception: print("missing")' "$1" "$2"
}

# receipts_stats FILE... : "events unique_ids" over the receipts lines of k6 log files
receipts_stats() {
  python3 - "$@" <<'PY'
import json, sys
ids = []
for path in sys.argv[1:]:
    for line in open(path):
        if "ves-receipts " not in line:
            continue
        if line.lstrip().startswith("{"):
            msg = json.loads(line)["msg"]
        else:
            start = line.index('msg="') + 4
            msg, _ = json.JSONDecoder().raw_decode(line[start:])
        d = json.loads(msg[len("ves-receipts "):])
        ids += [e[0] for e in d["events"]] if d["v"] == 1 else [r["eventId"] for r in d["receipts"]]
print(len(ids), len(set(ids)))
PY
}

SHORT=(-e PROFILE=tests/scenarios/short.json -e PROBES=0)

# 1. One process: receipts in k6's text log format and in its JSON format, audited together.
start_devserver
k6go audit-text load/sequencer_ingest.js "${SHORT[@]}" --log-output="file=$OUT/audit-text.receipts" >"$OUT/audit-text.log" 2>&1
rc1=$?
k6go audit-json load/sequencer_ingest.js "${SHORT[@]}" --log-format=json --log-output="file=$OUT/audit-json.receipts" >"$OUT/audit-json.log" 2>&1
rc2=$?
a1=$(counter "$OUT/audit-text/sequencer_ingest-summary.json" ves_events_accepted)
a2=$(counter "$OUT/audit-json/sequencer_ingest-summary.json" ves_events_accepted)
read -r logged unique < <(receipts_stats "$OUT/audit-text.receipts" "$OUT/audit-json.receipts")
rc=$(audit audit-ingest --commit --receipts "$OUT/audit-text.receipts" "$OUT/audit-json.receipts")
line=$(audit_line audit-ingest)
want=$((a1 + a2))
ok=false
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && [ "$rc" = 0 ] && [ "$logged" = "$want" ] && [ "$unique" = "$want" ] \
  && [[ "$line" == *" $want/$want acknowledged events proven once"*result=PASS ]] && ok=true
result audit-ingest "$ok" "k6 exit $rc1/$rc2, accepted $a1+$a2, logged $logged ($unique ids); audit exit $rc: $line"
# The JSON output says the same.
"$VES" audit --url "$URL" --json --receipts "$OUT/audit-text.receipts" >"$OUT/audit-ingest-json.audit" 2>&1
jr=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["streams"][0]["membership"]; print(d["result"], m["proven"], m["acknowledged"])' "$OUT/audit-ingest-json.audit" 2>&1)
ok=false; [ "$jr" = "PASS $a1 $a1" ] && ok=true
result audit-json-output "$ok" "$jr (want PASS $a1 $a1)"
stop_devserver

# 2. A lost write: the devserver acknowledges the event numbered 150 and stores the next one there.
start_devserver --fault lose_event=150
k6go audit-fault load/sequencer_ingest.js "${SHORT[@]}" --log-output="file=$OUT/audit-fault.receipts" >"$OUT/audit-fault.log" 2>&1
lost=$(python3 - "$OUT/audit-fault.receipts" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if "ves-receipts " in line:
        msg, _ = json.JSONDecoder().raw_decode(line[line.index('msg="') + 4:])
        for e in json.loads(msg[len("ves-receipts "):])["events"]:
            if e[1] == 150:
                print(e[0]); sys.exit()
PY
)
rc=$(audit audit-fault --commit --receipts "$OUT/audit-fault.receipts")
ok=false
[ -n "$lost" ] && [ "$rc" = 1 ] && grep -q "MISSING event $lost (acknowledged at sequence 150)" "$OUT/audit-fault.audit" \
  && [[ "$(audit_line audit-fault)" == *missing=1*result=FAIL ]] && ok=true
result audit-lost-event "$ok" "audit exit $rc, names ${lost:-nothing}: $(grep -m1 MISSING "$OUT/audit-fault.audit")"
stop_devserver

# 3. Two processes with execution segments against one devserver.
SEGS=(0:1/2 1/2:1)
tag() { echo "$1" | sed 's/:/-/g; s#/#_#g'; }
segments() { # NAME SCRIPT ARGS... : both segments at once; logs $OUT/NAME-<tag>.{log,receipts,csv}
  local name=$1 script=$2; shift 2
  local pids=() s
  for s in "${SEGS[@]}"; do
    k6go "$name" "$script" --execution-segment "$s" --execution-segment-sequence 0,1/2,1 \
      --log-output="file=$OUT/$name-$(tag "$s").receipts" --out "csv=$OUT/$name-$(tag "$s").csv" "$@" \
      >"$OUT/$name-$(tag "$s").log" 2>&1 &
    pids+=($!)
  done
  SEG_RC=""
  for p in "${pids[@]}"; do wait "$p"; SEG_RC="$SEG_RC$?"; done
}
start_devserver
segments seg-ingest load/sequencer_ingest.js "${SHORT[@]}" -e SEED=42
s0="$OUT/seg-ingest/sequencer_ingest-0-1_2-summary.json" s1="$OUT/seg-ingest/sequencer_ingest-1_2-1-summary.json"
a0=$(counter "$s0" ves_events_accepted) a1=$(counter "$s1" ves_events_accepted)
read -r logged unique < <(receipts_stats "$OUT"/seg-ingest-*.receipts)
python3 scripts/merge-summaries.py --out "$OUT/seg-ingest/merged.json" "$s0" "$s1" --csv "$OUT"/seg-ingest-*.csv >"$OUT/seg-ingest-merge.log" 2>&1
merged=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counters"]["ves_events_accepted"])' "$OUT/seg-ingest/merged.json" 2>/dev/null)
# Percentiles come from every raw sample: one http_req_duration sample per request of both processes.
samples=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("ok" if m["trends"]["http_req_duration"]["count"] == m["counters"]["http_reqs"] > 0 and "p(95)" in m["trends"]["http_req_duration{endpoint:ingest}"] else "bad")' "$OUT/seg-ingest/merged.json" 2>/dev/null)
rc=$(audit seg-ingest --commit --receipts "$OUT"/seg-ingest-*.receipts)
want=$((a0 + a1))
ok=false
[ "$SEG_RC" = 00 ] && [ "$a0" -gt 0 ] && [ "$a1" -gt 0 ] && [ "$logged" = "$want" ] && [ "$unique" = "$want" ] \
  && [ "$merged" = "$want" ] && [ "$samples" = ok ] && [ "$rc" = 0 ] && [[ "$(audit_line seg-ingest)" == *" $want/$want acknowledged"*result=PASS ]] && ok=true
result segments-ingest "$ok" "k6 exits $SEG_RC, accepted $a0+$a1 (merged $merged, samples $samples), logged $logged ($unique ids); audit exit $rc"

# An open model paces itself (arrival rate): no --rps cap, which would only drop iterations.
# short_segments.json: enough pre-allocated VUs that each segment of each scenario has one; 15 s
# so that each of those VUs reaches its proof iterations (every 8th) and both processes verify.
SCALE_RPS=0 segments seg-mixed load/mixed_workload.js -e PROFILE=tests/scenarios/short_segments.json -e PROBES=0 -e DURATION=15s
committers=$(for s in "${SEGS[@]}"; do
  python3 -c 'import csv,sys; r=csv.DictReader(open(sys.argv[1])); print(1 if any(x["scenario"]=="committer" and x["metric_name"]=="iterations" for x in r) else 0)' "$OUT/seg-mixed-$(tag "$s").csv"
done | awk '{ n += $1 } END { print n + 0 }')
m0=$(counter "$OUT/seg-mixed/mixed_workload-0-1_2-summary.json" ves_events_accepted)
m1=$(counter "$OUT/seg-mixed/mixed_workload-1_2-1-summary.json" ves_events_accepted)
read -r logged unique < <(receipts_stats "$OUT"/seg-mixed-*.receipts)
rc=$(audit seg-mixed --commit --receipts "$OUT"/seg-mixed-*.receipts)
want=$((m0 + m1))
ok=false
[ "$SEG_RC" = 00 ] && [ "$committers" = 1 ] && [ "$logged" = "$want" ] && [ "$unique" = "$want" ] && [ "$rc" = 0 ] \
  && [[ "$(audit_line seg-mixed)" == *" $want/$want acknowledged"*result=PASS ]] && ok=true
result segments-mixed "$ok" "k6 exits $SEG_RC, committer processes $committers, accepted $m0+$m1, logged $logged ($unique ids); audit exit $rc"

# Queries: each process seeds the streams in setup(); only the first segment commits the seed.
segments seg-query load/sequencer_query.js "${SHORT[@]}"
commits=$(for s in "${SEGS[@]}"; do
  python3 -c 'import csv,sys; print(sum(1 for x in csv.DictReader(open(sys.argv[1])) if x["metric_name"]=="http_reqs" and x["method"]=="POST" and x["url"].endswith("/api/v1/ves/commitments")))' "$OUT/seg-query-$(tag "$s").csv"
done | paste -sd' ')
ok=false; [ "$SEG_RC" = 00 ] && [ "$commits" = "1 0" ] && ok=true
result segments-query "$ok" "k6 exits $SEG_RC, seed commits per process: $commits (want 1 0)"

# A replayed corpus: 4 shards over 2 processes, each shard sent once; signatures from --corpus.
"$VES" presign --out "$OUT/corpus" --vus 4 --batches-per-vu 5 --batch-size 50 --streams 2 --seed 11 >"$OUT/presign.log" 2>&1
segments seg-replay load/sequencer_replay.js -e REPLAY_DIR="$OUT/corpus"
r0=$(counter "$OUT/seg-replay/sequencer_replay-0-1_2-summary.json" ves_events_accepted)
r1=$(counter "$OUT/seg-replay/sequencer_replay-1_2-1-summary.json" ves_events_accepted)
read -r logged unique < <(receipts_stats "$OUT"/seg-replay-*.receipts)
# Replay lines may leave out signing hash and signature: strip them to make --corpus do the work.
python3 - "$OUT"/seg-replay-*.receipts <<'PY'
import json, sys
for path in sys.argv[1:]:
    out = []
    for line in open(path):
        if "ves-receipts " in line:
            msg, _ = json.JSONDecoder().raw_decode(line[line.index('msg="') + 4:])
            d = json.loads(msg[len("ves-receipts "):])
            d["events"] = [e[:3] for e in d["events"]]
            line = json.dumps({"level": "info", "msg": "ves-receipts " + json.dumps(d, separators=(",", ":"))}) + "\n"
        out.append(line)
    open(path + ".short", "w").writelines(out)
PY
rc=$(audit seg-replay --commit --corpus "$OUT/corpus" --receipts "$OUT"/seg-replay-*.receipts.short)
ok=false
[ "$SEG_RC" = 00 ] && [ "$r0" = 500 ] && [ "$r1" = 500 ] && [ "$logged" = 1000 ] && [ "$unique" = 1000 ] && [ "$rc" = 0 ] \
  && grep -q '1000 signatures from the corpus' "$OUT/seg-replay.audit" \
  && [[ "$(audit_line seg-replay)" == *" 1000/1000 acknowledged"*result=PASS ]] && ok=true
result segments-replay "$ok" "k6 exits $SEG_RC, accepted $r0+$r1 (want 500+500), logged $logged ($unique ids); audit exit $rc"
# Without the corpus, receipts that lack signatures cannot be proven: the audit says so.
rc=$(audit seg-replay-nocorpus --receipts "$OUT"/seg-replay-*.receipts.short)
ok=false; [ "$rc" = 1 ] && grep -q 'UNSIGNED event' "$OUT/seg-replay-nocorpus.audit" && ok=true
result audit-needs-corpus "$ok" "audit exit $rc without --corpus"

# Each machine holds only its own shards: process k of 2 gets shards k+1 and k+3.
"$VES" presign --out "$OUT/corpus2" --vus 4 --batches-per-vu 4 --batch-size 50 --seed 12 >"$OUT/presign2.log" 2>&1
pids=()
for k in 0 1; do
  dir="$OUT/corpus2-part$k"; mkdir -p "$dir"; cp "$OUT/corpus2/manifest.json" "$dir/"
  for v in $((k + 1)) $((k + 3)); do cp "$OUT/corpus2"/vu-000$v.* "$dir/"; done
  k6go seg-split load/sequencer_replay.js -e REPLAY_DIR="$dir" --execution-segment "${SEGS[$k]}" \
    --execution-segment-sequence 0,1/2,1 --log-output="file=$OUT/seg-split-$k.receipts" >"$OUT/seg-split-$k.log" 2>&1 &
  pids+=($!)
done
SEG_RC=""; for p in "${pids[@]}"; do wait "$p"; SEG_RC="$SEG_RC$?"; done
p0=$(counter "$OUT/seg-split/sequencer_replay-0-1_2-summary.json" ves_events_accepted)
p1=$(counter "$OUT/seg-split/sequencer_replay-1_2-1-summary.json" ves_events_accepted)
rc=$(audit seg-split --commit --corpus "$OUT/corpus2" --receipts "$OUT"/seg-split-*.receipts)
ok=false
[ "$SEG_RC" = 00 ] && [ "$p0" = 400 ] && [ "$p1" = 400 ] && [ "$rc" = 0 ] && [[ "$(audit_line seg-split)" == *" 800/800 acknowledged"*result=PASS ]] && ok=true
result segments-replay-own-shards "$ok" "k6 exits $SEG_RC, accepted $p0+$p1 (want 400+400) with half the shards on each; audit exit $rc"
stop_devserver

# 4. RECEIPT_CHECK sampling, audited afterwards.
v2_lines() { grep -c 'ves-receipts {\\"v\\":2' "$1"; }
start_devserver
sport=$(free_port)
"$VES" signer --listen "127.0.0.1:$sport" --log-interval 0 >"$OUT/signer.log" 2>&1 &
SIGNER_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$sport/health" >/dev/null 2>&1 && break; sleep 0.1; done
# SIGNER_CHECK=0: the signer signs, k6 checks (and samples with RECEIPT_CHECK); with the default
# the signer checks every answer natively and RECEIPT_CHECK does not apply (docs/SIGNER.md).
k6go sampled-signer load/sequencer_ingest.js "${SHORT[@]}" -e SIGNER_URL="http://127.0.0.1:$sport" -e SIGNER_CHECK=0 -e RECEIPT_CHECK=0.2 \
  --log-output="file=$OUT/sampled-signer.receipts" >"$OUT/sampled-signer.log" 2>&1
k6rc=$?
kill "$SIGNER_PID" 2>/dev/null
a=$(counter "$OUT/sampled-signer/sequencer_ingest-summary.json" ves_events_accepted)
c=$(counter "$OUT/sampled-signer/sequencer_ingest-summary.json" ves_receipts_checked)
v2=$(v2_lines "$OUT/sampled-signer.receipts")
rc=$(audit sampled-signer --commit --receipts "$OUT/sampled-signer.receipts")
ok=false
[ "$k6rc" = 0 ] && [ "$a" -gt 0 ] && [ "$c" -gt 0 ] && [ "$c" -lt "$a" ] && [ "$v2" -gt 0 ] && [ "$rc" = 0 ] \
  && grep -q "receipts checked in k6: $c of $a .*RECEIPT_CHECK=0.2" "$OUT/sampled-signer.log" \
  && [[ "$(audit_line sampled-signer)" == *" $a/$a acknowledged"*result=PASS ]] && ok=true
result receipt-check-sampled-signer "$ok" "k6 exit $k6rc, $c of $a receipts checked in k6, $v2 v2 lines; audit exit $rc: $(audit_line sampled-signer)"
# A replayed corpus, half its answers unchecked in k6: the audit takes signatures from --corpus.
"$VES" presign --out "$OUT/corpus3" --vus 2 --batches-per-vu 10 --batch-size 50 --seed 13 >"$OUT/presign3.log" 2>&1
k6go sampled-replay load/sequencer_replay.js -e REPLAY_DIR="$OUT/corpus3" -e RECEIPT_CHECK=0.5 --log-output="file=$OUT/sampled-replay.receipts" >"$OUT/sampled-replay.log" 2>&1
k6rc=$?
c=$(counter "$OUT/sampled-replay/sequencer_replay-summary.json" ves_receipts_checked)
v2=$(v2_lines "$OUT/sampled-replay.receipts")
rc=$(audit sampled-replay --commit --corpus "$OUT/corpus3" --receipts "$OUT/sampled-replay.receipts")
ok=false
[ "$k6rc" = 0 ] && [ "$c" -lt 1000 ] && [ "$v2" -gt 0 ] && [ "$rc" = 0 ] && [[ "$(audit_line sampled-replay)" == *" 1000/1000 acknowledged"*result=PASS ]] && ok=true
result receipt-check-sampled-replay "$ok" "k6 exit $k6rc, $c of 1000 receipts checked in k6, $v2 v2 lines; audit exit $rc"
stop_devserver
# Every 50th receipt hash corrupted, RECEIPT_CHECK=0: k6 sees clean batches only, the audit fails.
start_devserver --fault bad_receipt_hash=50
k6go sampled-fault load/sequencer_ingest.js "${SHORT[@]}" -e RECEIPT_CHECK=0 --log-output="file=$OUT/sampled-fault.receipts" >"$OUT/sampled-fault.log" 2>&1
k6rc=$?
c=$(counter "$OUT/sampled-fault/sequencer_ingest-summary.json" ves_receipts_checked)
rc=$(audit sampled-fault --commit --receipts "$OUT/sampled-fault.receipts")
ok=false
[ "$k6rc" = 0 ] && [ "$c" = 0 ] && [ "$rc" = 1 ] && grep -q 'BAD RECEIPT event .* (sequence 50)' "$OUT/sampled-fault.audit" \
  && [[ "$(audit_line sampled-fault)" == *result=FAIL ]] && ok=true
result receipt-check-fault-audited "$ok" "k6 exit $k6rc with $c receipts checked in k6; audit exit $rc: $(grep -m1 'BAD RECEIPT' "$OUT/sampled-fault.audit")"
stop_devserver

echo "scale tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
