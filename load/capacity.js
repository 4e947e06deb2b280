// One stage of a capacity search (docs/CAPACITY.md): a constant arrival rate of RATE events/s
// for STAGE_DURATION, as batches of the batch size, every answer checked as in the other
// scenarios (HTTP 200, every event accepted, every receipt verifies, sequence numbers
// consecutive and new). `ves capacity` runs this script once per stage and reads its raw output;
// run alone it is one stage with the latency targets as thresholds.
//
//   k6 run -e RATE=2000 -e STAGE_DURATION=10s -e REPLAY_DIR=results/corpus load/capacity.js
//   k6 run -e RATE=500 -e STAGE_DURATION=10s load/capacity.js          (live signing)
//
// REPLAY_DIR set: a `ves presign` corpus is replayed (the default of `ves capacity` when given
// one, since live signing saturates the generator first). Iteration k of the stage sends corpus
// line CORPUS_OFFSET + k (see stageLines), so that consecutive stages
// (CORPUS_OFFSET advanced by the driver) send fresh events; a corpus too short wraps around and
// its events come back as idempotent replays (allowed, and their receipts checked).
// Without REPLAY_DIR, each iteration signs BATCH_SIZE fresh events in k6 (live signing).
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import {
  clientFor,
  config,
  excerpt,
  guard,
  ingestBatch,
  ingestPresigned,
  precomputeBaseTable,
  requireHealthy,
  serverAgreesThresholds,
  serverViewAtEnd,
  serverViewAtStart,
  setupRun,
  summary,
  touchMetrics,
  userPath,
  vuStateFor,
} from '../js/ves.js';

// Events of requests that passed the whole pass rule: the stage's achieved events/s.
const eventsOk = new Counter('ves_capacity_events_ok');
// How late each iteration starts after its place in the arrival schedule (ms): a k6 without CPU
// to spare starts them late while VUs are free. exec.scenario.iterationInTest counts started
// iterations only, so once k6 drops one the lag grows by the drop: `ves capacity` reads it only
// for stages without dropped iterations.
const startLag = new Trend('ves_capacity_start_lag', true);
const cfg = config();
const REPLAY_DIR = __ENV.REPLAY_DIR ? userPath(__ENV.REPLAY_DIR, __ENV) : '';
const RATE = positiveInt('RATE', __ENV.RATE || '100');
const DURATION = __ENV.STAGE_DURATION || '10s';
const VUS = positiveInt('VUS', __ENV.VUS || '10');
const MAX_VUS = positiveInt('MAX_VUS', __ENV.MAX_VUS || String(VUS));
const OFFSET = nonNegativeInt('CORPUS_OFFSET', __ENV.CORPUS_OFFSET || '0');
const TARGETS = { p50: Number(__ENV.P50_MS || 20), p95: Number(__ENV.P95_MS || 50), p99: Number(__ENV.P99_MS || 100) };

const manifest = REPLAY_DIR ? readManifest(REPLAY_DIR) : null;
const BATCH = manifest ? manifest.batch_size : cfg.batchSize;
// Iterations this stage can start at most: the lines it needs from the corpus.
const PLANNED = Math.ceil((RATE * durationSeconds(DURATION)) / BATCH);
// The stage's lines, read once and shared by every VU (a corpus can be larger than memory per VU).
const lines = manifest ? new SharedArray('capacity-corpus', () => stageLines(manifest, OFFSET, PLANNED)) : null;
if (!manifest) precomputeBaseTable(); // the signer's table is built at init, not in a first iteration

export const options = {
  scenarios: {
    // RATE events per BATCH seconds = RATE / BATCH batches per second, exactly, in integers.
    capacity: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: `${BATCH}s`,
      duration: DURATION,
      preAllocatedVUs: VUS,
      maxVUs: MAX_VUS,
      gracefulStop: '5s',
    },
  },
  // Every sample carries its stage and offered rate, so that merged outputs stay separable.
  tags: { stage: __ENV.STAGE || '0', offered_eps: String(RATE) },
  thresholds: {
    'http_req_duration{endpoint:ingest}': [`p(50)<${TARGETS.p50}`, `p(95)<${TARGETS.p95}`, `p(99)<${TARGETS.p99}`],
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
    ves_events_rejected: ['count==0'],
    ves_receipts_invalid: ['count==0'],
    ves_sequence_anomalies: ['count==0'],
    ...serverAgreesThresholds(cfg.serverAgrees),
  },
};

// The server's own view of the stage (server_view.js): `ves capacity` reads ves_server_* from
// the raw output and shows the server's sequenced events/s and ingest percentiles per stage.
export function setup() {
  touchMetrics();
  const data = registerStage();
  data.server = serverViewAtStart(cfg);
  return data;
}

export function teardown(data) {
  serverViewAtEnd(cfg, data);
}

function registerStage() {
  if (!manifest) return setupRun(cfg);
  requireHealthy(cfg, clientFor(cfg, '5s'));
  const r = clientFor(cfg).request('POST', '/api/v1/agents/keys', JSON.stringify(manifest.register_key_body), 'register_key', { expectedStatuses: [409, 500] }, cfg.adminApiKey);
  if (r.status !== 200 && r.status !== 409 && r.status !== 500) {
    exec.test.abort(`registering the corpus key (manifest.register_key_body) failed: HTTP ${r.status} ${excerpt(r.res.body)}; ADMIN_API_KEY must be an admin key`);
  }
  return {};
}

const INTERVAL_MS = (1000 * BATCH) / RATE;

export default guard('capacity', (data) => {
  startLag.add(Math.max(0, Date.now() - (exec.scenario.startTime + exec.scenario.iterationInTest * INTERVAL_MS)));
  const state = vuStateFor(cfg, data);
  let outcome;
  if (lines) {
    const line = lines[exec.scenario.iterationInTest % lines.length];
    outcome = ingestPresigned(cfg, state, line.body, line.stream);
  } else {
    outcome = ingestBatch(cfg, data, state);
  }
  if (outcome.passed) eventsOk.add(outcome.accepted + outcome.replayed);
});

export function handleSummary(data) {
  return summary(data, `capacity-stage-${__ENV.STAGE || '0'}`, cfg.resultsDir);
}

// Corpus line k of the whole search: shards are taken in groups of STREAMS consecutive ones (one
// per stream, as `ves presign` assigns VU v to stream (v-1) % streams), round-robin inside a
// group, so that every moment of a stage spreads over all streams while a stage opens only the
// groups it sends (a large corpus is not read whole at every stage).
function stageLines(m, offset, count) {
  const group = Math.max(1, Math.min(m.streams || 1, m.shards.length));
  const perGroup = group * m.batches_per_vu;
  const total = Math.floor(m.shards.length / group) * perGroup;
  if (total === 0) throw new Error(`${REPLAY_DIR}: the corpus holds no lines`);
  if (offset + count > total) {
    console.warn(`ves-k6: the corpus holds ${total} batches, this stage needs lines ${offset}..${offset + count}: it wraps around, and events sent before come back as idempotent replays; pre-sign a larger corpus for fresh events`);
  }
  const opened = new Map();
  const shardLines = (i) => {
    if (!opened.has(i)) {
      const lines = open(`${REPLAY_DIR}/${m.shards[i].file}`).split('\n').filter((l) => l.length > 0);
      if (lines.length !== m.batches_per_vu) throw new Error(`${REPLAY_DIR}/${m.shards[i].file}: ${lines.length} lines, the manifest says ${m.batches_per_vu}`);
      opened.set(i, lines);
    }
    return opened.get(i);
  };
  const out = [];
  for (let n = 0; n < Math.min(count, total); n++) {
    const k = (offset + n) % total;
    const r = k % perGroup;
    const shard = Math.floor(k / perGroup) * group + (r % group);
    out.push({ body: shardLines(shard)[Math.floor(r / group)], stream: m.shards[shard].stream });
  }
  return out;
}

function readManifest(dir) {
  let m;
  try {
    m = JSON.parse(open(`${dir}/manifest.json`));
  } catch (e) {
    throw new Error(`REPLAY_DIR=${dir}: no readable manifest.json (${e.message}); make a corpus with 'ves presign --out DIR', docs/REPLAY.md`);
  }
  if (m.format !== 'ves-presign/1' || !Array.isArray(m.shards) || !(m.batch_size > 0)) {
    throw new Error(`REPLAY_DIR=${dir}: manifest.json is not a ves-presign/1 corpus`);
  }
  return m;
}

function positiveInt(name, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${v}: expected a positive integer`);
  return n;
}

function nonNegativeInt(name, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative integer`);
  return n;
}

// Seconds of a k6 duration such as 10s, 1m30s or 500ms.
function durationSeconds(d) {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (let m = re.exec(d); m !== null; m = re.exec(d)) {
    total += Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
    matched += m[0];
  }
  if (matched !== d || total <= 0) throw new Error(`STAGE_DURATION=${d}: expected a k6 duration such as 10s or 1m`);
  return total;
}
