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
// sequencer answers (per-vu-iterations). REPLAY_DIR is relative to where k6 runs. PROFILE gives
// only thresholds here (and a rate target): the profile's load settings and env do not apply.
// Several k6 processes (--execution-segment) split the VUs, and VU n (exec.vu.idInTest, unique
// across processes) sends shard n, read lazily (js/shard_reader.js): each shard is sent once.
// With SIGNER_URL (and SIGNER_CHECK, the default), `ves signer` opens the corpus in setup and
// checks every answer natively by its line (it reads the signing hashes itself; docs/SIGNER.md).
import exec from 'k6/execution';
import { check } from 'k6';
import { open as fsOpen } from 'k6/experimental/fs';
import {
  clientFor, config, corpusCheckerForRun, excerpt, explainOnce, guardAsync, ingestPresigned, loadProfile, presignedLine, RemoteSigner,
  requireHealthy, runInfo, scenarioThresholds, serverViewAtEnd, serverViewAtStart, ShardReader, SUMMARY_TREND_STATS, summary, touchMetrics, userPath, vuStateFor, warnUnverifiedSignatures,
} from '../js/ves.js';

const cfg = config();
const profile = corpusProfile(loadProfile(__ENV, (path) => open(path)));
const DIR = userPath(__ENV.REPLAY_DIR || 'results/corpus', __ENV);
const manifest = readManifest(DIR);
// A canonical corpus is ASCII; a varied one (ves presign --spelling varied) may hold raw UTF-8,
// and its envelopes are found by parsing each line (their keys are in another order).
const ascii = manifest.spelling !== 'varied' && manifest.body_encoding !== 'utf-8';
// k6/experimental/fs keeps one copy of each opened file per process, shared by its VUs; which
// shard a VU reads is only known at run time (exec.vu.idInTest), and k6 lets VUs open only files
// that the first init pass (__VU 0) opened, so every pass opens every shard present. A shard
// file that is absent is skipped: a machine that runs one segment needs only its own shards
// (docs/SCALE.md, "Replay at scale"), and holds only those in memory.
const present = (path) => fsOpen(path).catch(() => null);
const files = await Promise.all(manifest.shards.map((s) => present(`${DIR}/${s.file}`)));
const hashFiles = await Promise.all(manifest.shards.map((s) => present(`${DIR}/${s.hashes_file}`)));
let reader = null;
let hashReader = null;
let corpus = null; // {signer, id, shard}: the signer that checks this VU's answers

export const options = {
  scenarios: {
    replay: { executor: 'per-vu-iterations', vus: manifest.vus, iterations: manifest.batches_per_vu, maxDuration: __ENV.MAX_DURATION || '30m' },
  },
  thresholds: scenarioThresholds('sequencer_replay', { 'http_req_duration{endpoint:ingest}': ['p(50)<20', 'p(95)<50', 'p(99)<100'] }, profile, { warmupMs: cfg.warmupMs, serverAgrees: cfg.serverAgrees }),
  summaryTrendStats: SUMMARY_TREND_STATS.slice(),
};

export function setup() {
  touchMetrics();
  warnUnverifiedSignatures(cfg);
  const k6Version = requireHealthy(cfg, clientFor(cfg, '5s'));
  const r = clientFor(cfg).request('POST', '/api/v1/agents/keys', JSON.stringify(manifest.register_key_body), 'register_key', { expectedStatuses: [409, 500] }, cfg.adminApiKey);
  if (r.status === 500) {
    console.warn(`ves-k6: registering the corpus key answered 500: assuming it is already registered (the real server answers 500 to a repeated registration); if not, ingest will report agent_key_invalid`);
  } else if (r.status !== 200 && r.status !== 409) {
    exec.test.abort(`registering the corpus key (manifest.register_key_body) failed: HTTP ${r.status} ${excerpt(r.res.body)}; ADMIN_API_KEY must be an admin key`);
  }
  let corpusChecker = null;
  if (cfg.signerUrl !== null && cfg.signerCheck) {
    // The signer opens the corpus itself: a path it can open (absolute when k6 knows its PWD).
    try {
      corpusChecker = corpusCheckerForRun(cfg, __ENV.PWD ? DIR : (__ENV.REPLAY_DIR || 'results/corpus'));
    } catch (e) {
      exec.test.abort(e.message);
    }
  }
  // The server's own counts, read last: what it does from here on is the run's (server_view.js).
  return { seed: manifest.seed, k6Version, corpusChecker, server: serverViewAtStart(cfg) };
}

export function teardown(data) {
  serverViewAtEnd(cfg, data);
}

export default guardAsync('replay', async (data) => {
  const state = vuStateFor(cfg, data);
  const entry = manifest.shards[exec.vu.idInTest - 1];
  if (reader === null) {
    const file = files[exec.vu.idInTest - 1];
    if (!file) {
      exec.test.abort(`VU ${exec.vu.idInTest} sends shard ${entry.file}, which is not in ${DIR} on this machine: with N processes of equal segments (--execution-segment-sequence 0,1/N,...,1), process k (from 0) sends shards k+1, k+1+N, k+1+2N, ...`);
      return;
    }
    reader = new ShardReader(file);
    if (data.corpusChecker) {
      corpus = { signer: new RemoteSigner({ url: data.corpusChecker.url, publicKeyHex: '0'.repeat(64) }, cfg.signerToken), id: data.corpusChecker.corpus, shard: exec.vu.idInTest - 1 };
    } else {
      hashReader = hashFiles[exec.vu.idInTest - 1] ? new ShardReader(hashFiles[exec.vu.idInTest - 1], 1 << 16) : null;
    }
  }
  const line = await reader.nextLine();
  const hashes = hashReader === null ? null : await hashReader.nextLine();
  // A shard shorter than the manifest says: this VU ends here, and the run says why.
  const complete = check(null, { 'replay: the shard holds every line of the manifest': () => line !== null });
  if (!complete) {
    explainOnce(state, 'shard-short', `${DIR}/${entry.file} ended after ${reader.read} lines, the manifest says ${manifest.batches_per_vu}`);
    return;
  }
  // The signing hashes come from the corpus (computed natively by ves presign), event ids and
  // signatures from the line: no JSON parse of the body and no signing hash in JavaScript.
  const stream = { tenantId: manifest.tenant_id, storeId: entry.store_id, agentId: manifest.agent_id };
  // A varied corpus (ves presign --spelling varied) is not laid out as presignedEvents reads a
  // line: its events are parsed when they are needed.
  const lineHashes = ascii ? hashes : null;
  const light = lineHashes === null && corpus === null ? null : presignedLine(line, lineHashes, stream, reader.read - 1);
  ingestPresigned(cfg, state, line, entry.stream, light, corpus, ascii);
});

export function handleSummary(data) {
  return summary(data, 'sequencer_replay', cfg.resultsDir, Object.assign(runInfo(cfg, profile), { createdAt: manifest.created_at, corpus: DIR }));
}

// PROFILE here: the profile's thresholds and rate target, nothing of its load or env (the corpus
// is the load); without PROFILE the run is recorded as profile "corpus".
function corpusProfile(p) {
  if (p.name === 'default') return { name: 'corpus', options: null, ves: {} };
  const { thresholds, ...rest } = p.options || {};
  const unused = Object.keys(rest).concat(p.ves && p.ves.env ? ['ves.env'] : []);
  if (unused.length > 0 && __VU === 0) {
    console.log(`ves-k6: PROFILE=${p.name}: the replay scenario takes only its thresholds and rate target; the corpus sets the load (${unused.join(', ')} not applied)`);
  }
  return Object.assign({}, p, { options: thresholds === undefined ? {} : { thresholds } });
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
