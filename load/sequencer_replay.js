// Replay mode: ingest at rates beyond what live signing in k6 can sustain. `ves presign` signs a
// corpus natively ahead of time, one shard per VU (docs/REPLAY.md); each VU POSTs its own shard,
// a line per iteration, and every answer is checked as in live ingest: HTTP 200, every event
// answered, every receipt hash right (sequencer signatures on a sample), sequence numbers
// consecutive and new. Sending a corpus a second time gives idempotent replays: the original
// receipts come back, and they must verify too.
//
//   make presign VUS=4 BATCHES=200 BATCH_SIZE=100        (writes results/corpus)
//   k6 run -e REPLAY_DIR=results/corpus load/sequencer_replay.js
//
// The load is the corpus: manifest.vus VUs, each sending its batches_per_vu lines as fast as the
// sequencer answers (per-vu-iterations). REPLAY_DIR is relative to where k6 runs.
import exec from 'k6/execution';
import { clientFor, config, excerpt, guard, ingestPresigned, requireHealthy, runInfo, scenarioThresholds, summary, touchMetrics, userPath, vuStateFor, warnUnverifiedSignatures } from '../js/ves.js';

const cfg = config();
const DIR = userPath(__ENV.REPLAY_DIR || 'results/corpus', __ENV);
const manifest = readManifest(DIR);
// k6 lets a VU open() only files that the first init pass (__VU == 0, which reads the options)
// opened too: that pass opens every shard, and each VU then keeps only its own.
if (__VU === 0) for (const entry of manifest.shards) open(`${DIR}/${entry.file}`);
const shard = __VU > 0 && __VU <= manifest.vus ? readShard(manifest.shards[__VU - 1]) : null;

export const options = {
  scenarios: {
    replay: { executor: 'per-vu-iterations', vus: manifest.vus, iterations: manifest.batches_per_vu, maxDuration: __ENV.MAX_DURATION || '30m' },
  },
  thresholds: scenarioThresholds('sequencer_replay', { 'http_req_duration{endpoint:ingest}': ['p(50)<20', 'p(95)<50', 'p(99)<100'] }, { name: 'corpus', options: null, ves: {} }, { warmupMs: cfg.warmupMs }),
};

export function setup() {
  touchMetrics();
  warnUnverifiedSignatures(cfg);
  requireHealthy(cfg, clientFor(cfg, '5s'));
  const r = clientFor(cfg).request('POST', '/api/v1/agents/keys', JSON.stringify(manifest.register_key_body), 'register_key', { expectedStatuses: [409, 500] }, cfg.adminApiKey);
  if (r.status === 500) {
    console.warn(`ves-k6: registering the corpus key answered 500: assuming it is already registered (the real server answers 500 to a repeated registration); if not, ingest will report agent_key_invalid`);
  } else if (r.status !== 200 && r.status !== 409) {
    exec.test.abort(`registering the corpus key (manifest.register_key_body) failed: HTTP ${r.status} ${excerpt(r.res.body)}; ADMIN_API_KEY must be an admin key`);
  }
  return { seed: manifest.seed };
}

export default guard('replay', (data) => {
  const state = vuStateFor(cfg, data);
  const line = shard.lines[exec.vu.iterationInScenario];
  ingestPresigned(cfg, state, line, shard.stream);
});

export function handleSummary(data) {
  return summary(data, 'sequencer_replay', cfg.resultsDir, Object.assign(runInfo(cfg, { name: 'corpus' }), { createdAt: manifest.created_at, corpus: DIR }));
}

function readManifest(dir) {
  let m;
  try {
    m = JSON.parse(open(`${dir}/manifest.json`));
  } catch (e) {
    throw new Error(`REPLAY_DIR=${dir}: no readable manifest.json (${e.message}); make a corpus with 'make presign' or 'ves presign --out DIR', docs/REPLAY.md`);
  }
  if (m.format !== 'ves-presign/1' || !Array.isArray(m.shards) || m.shards.length !== m.vus) {
    throw new Error(`REPLAY_DIR=${dir}: manifest.json is not a ves-presign/1 corpus with one shard per VU`);
  }
  return m;
}

function readShard(entry) {
  const lines = open(`${DIR}/${entry.file}`).split('\n').filter((l) => l.length > 0);
  if (lines.length !== manifest.batches_per_vu) {
    throw new Error(`${DIR}/${entry.file}: ${lines.length} lines, the manifest says ${manifest.batches_per_vu}`);
  }
  return { lines, stream: entry.stream };
}
