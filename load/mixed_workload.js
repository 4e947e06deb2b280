// The production mix as an open model: a fixed arrival rate of iterations, 70% ingest, 20%
// queries, 10% proofs, plus exactly one committer (commitments of a stream must be contiguous).
// Proof checks run in the VUs that ingest (every 8th iteration of the ingest scenario in each k6 process), because a VU can only
// rebuild the Merkle leaves of its own events: it fetches the inclusion proof of one of its
// committed events and verifies it client-side (ves_proofs_verified, ves_time_to_proof).
// dropped_iterations must stay 0: otherwise an overloaded load generator looks like a healthy
// server.
//
//   k6 run load/mixed_workload.js                  (10 iterations/s for 30 s)
//   k6 run -e PROFILE=smoke load/mixed_workload.js
//   k6 run -e RATE=50 -e DURATION=2m load/mixed_workload.js
//
// With --config FILE -e PROFILE=none, or --vus/--duration flags, k6 runs `default` instead: the
// same mix as a closed model, with VU 1 doubling as the committer.
import exec from 'k6/execution';
import { commitStream, config, guard, ingestBatch, loadProfile, maybeProbe, maybeSpec, noteEntityReads, pause, precomputeBaseTable, probeRate, profileEnv, proveOwnEvent, queryOnce, runInfo, scenarioThresholds, SUMMARY_TREND_STATS, serverViewAtEnd, serverViewAtStart, setupRun, setupSpec, specCatalogueFor, summary, touchMetrics, vuStateFor } from '../js/ves.js';

// The signer's base-point table (~130 ms) is built while the VU initializes, not inside its
// first iteration, where it would delay requests and drop arrival-rate iterations.
precomputeBaseTable();

const profile = loadProfile(__ENV, (path) => open(path));
const env = profileEnv(profile, __ENV);
const mix = mixSettings(profile, env);
const cfg = config(sharedStreams(env, mix));
const PROBES = probeRate(env, 0.02);
// SPEC_RATE: that share of ingest iterations runs one property of the ves spec catalogue (docs/SPEC.md).
const SPEC = specCatalogueFor(cfg, () => open('../spec/catalogue.json'));

// Latency here; correctness (proofs verified, nothing dropped, …) from the one table,
// js/thresholds.js. Under PROFILE=none, load/config/mixed_workload.json carries them.
const LATENCY = {
  'http_req_duration{endpoint:ingest}': ['p(50)<20', 'p(95)<50', 'p(99)<100'],
  'http_req_duration{endpoint:proof}': ['p(95)<100'],
  'http_req_duration{endpoint:commit}': ['p(95)<500'],
};

export const options = profile.name === 'none' ? {} : {
  scenarios: mixScenarios(mix),
  thresholds: scenarioThresholds('mixed_workload', LATENCY, profile, { probes: PROBES, replayRate: cfg.replayRate, invalidRate: cfg.invalidRate, specRate: cfg.specRate, warmupMs: cfg.warmupMs, largeBodies: cfg.largeBodies, serverAgrees: cfg.serverAgrees }),
  summaryTrendStats: SUMMARY_TREND_STATS.slice(),
};

export function setup() {
  touchMetrics();
  const data = Object.assign(setupRun(cfg), { spec: setupSpec(cfg, SPEC) });
  noteEntityReads(cfg, false);
  // The server's own counts, read last: what it does from here on is the run's (server_view.js).
  data.server = serverViewAtStart(cfg);
  return data;
}

export const ingestAndProve = guard('ingest', (data) => {
  const state = vuStateFor(cfg, data);
  state.iteration++;
  // Every 8th iteration of this k6 process's ingest scenario checks a proof, in whichever VU runs
  // it; a VU with nothing committed yet ingests and owes the proof to its next iteration. Counted
  // per process, not per VU: on a slow machine the arrival rate spreads iterations over more VUs,
  // and a VU's own 8th iteration may never come (a 15 s smoke run then verified no proof at all).
  // Not iterationInTest either: with execution segments one process gets only even numbers of it.
  if (state.proofOwed || exec.scenario.iterationInInstance % 8 === 7) {
    state.proofOwed = proveOwnEvent(cfg, data, state) === null;
    if (!state.proofOwed) return;
  }
  if (maybeSpec(cfg, data, state, SPEC)) return;
  ingestBatch(cfg, data, state);
  maybeProbe(cfg, data, state, PROBES);
});

export const query = guard('query', (data) => {
  const state = vuStateFor(cfg, data);
  state.iteration++;
  queryOnce(cfg, state);
});

export const commit = guard('commit', (data) => {
  const state = vuStateFor(cfg, data);
  for (let s = 0; s < cfg.streams; s++) commitStream(cfg, data, state, s);
  pause(mix.commitInterval);
});

export default guard('mix', (data) => {
  const state = vuStateFor(cfg, data);
  if (exec.vu.idInTest === 1 && Date.now() >= (state.nextCommitAt || 0)) {
    for (let s = 0; s < cfg.streams; s++) commitStream(cfg, data, state, s);
    state.nextCommitAt = Date.now() + mix.commitInterval * 1000;
  }
  const slot = state.iteration++ % 10;
  if (slot < 7) {
    if (maybeSpec(cfg, data, state, SPEC)) return;
    ingestBatch(cfg, data, state);
    maybeProbe(cfg, data, state, PROBES);
  } else if (slot < 9) {
    queryOnce(cfg, state);
  } else if (proveOwnEvent(cfg, data, state) === null) {
    ingestBatch(cfg, data, state);
  }
});

export function teardown(data) {
  serverViewAtEnd(cfg, data);
}

export function handleSummary(data) {
  return summary(data, 'mixed_workload', cfg.resultsDir, runInfo(cfg, profile, { committer: true }));
}

// The committer writes a heartbeat into every stream, so no stream here has a single writer:
// STREAMS=per-vu from a profile (smoke) becomes the profile's ves.mixed.streams shared streams;
// asked for explicitly, it is an error.
function sharedStreams(e, m) {
  if (e.STREAMS !== 'per-vu') return e;
  if (__ENV.STREAMS === 'per-vu') {
    throw new Error('STREAMS=per-vu: the mixed workload cannot give each VU a stream of its own (its committer writes heartbeats into every stream, so gaps between batches are checked by the committer); use STREAMS=<n>');
  }
  return Object.assign({}, e, { STREAMS: String(m.streams || 1) });
}

// Rates per 10 s keep the 80/20 split integral: 8 of every 10 iterations ingest or prove, 2 query.
// With `stages`, the rates ramp (ramping-arrival-rate); the committer runs for the whole time.
function mixScenarios(m) {
  const share = (n) => (m.stages
    ? { executor: 'ramping-arrival-rate', startRate: n * m.startRate, stages: m.stages.map((st) => ({ duration: st.duration, target: n * st.target })) }
    : { executor: 'constant-arrival-rate', rate: n * m.rate, duration: m.duration });
  return {
    ingest: Object.assign(share(8), { exec: 'ingestAndProve', timeUnit: '10s', preAllocatedVUs: m.preAllocatedVUs, maxVUs: m.maxVUs }),
    query: Object.assign(share(2), { exec: 'query', timeUnit: '10s', preAllocatedVUs: Math.max(1, Math.ceil(m.preAllocatedVUs / 4)), maxVUs: Math.max(2, Math.ceil(m.maxVUs / 4)) }),
    committer: { executor: 'constant-vus', exec: 'commit', vus: 1, duration: m.stages ? `${m.stages.reduce((t, st) => t + seconds(st.duration), 0)}s` : m.duration },
  };
}

function seconds(duration) {
  const match = /^(\d+)(ms|s|m|h)$/.exec(String(duration));
  if (match === null) throw new Error(`ves.mixed.stages: expected durations such as 30s or 2m, found ${JSON.stringify(duration)}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2]];
}

// Arrival rates: the profile's `ves.mixed` block, overridden by RATE, DURATION, COMMIT_INTERVAL.
function mixSettings(p, e) {
  const m = Object.assign({ rate: 10, duration: '30s', preAllocatedVUs: 5, maxVUs: 20, commitInterval: 2 }, p.ves.mixed || {});
  if (e.RATE !== undefined || e.DURATION !== undefined) delete m.stages; // an explicit constant rate wins
  if (e.RATE !== undefined) m.rate = Number(e.RATE);
  if (e.DURATION !== undefined) m.duration = e.DURATION;
  if (m.stages) {
    if (!Array.isArray(m.stages) || m.stages.length === 0 || !Number.isInteger(m.startRate) || m.startRate < 0) {
      throw new Error('ves.mixed: stages must be a non-empty list of {duration, target} with an integer startRate >= 0');
    }
    return m;
  }
  if (e.COMMIT_INTERVAL !== undefined) m.commitInterval = Number(e.COMMIT_INTERVAL);
  if (!Number.isInteger(m.rate) || m.rate < 1) throw new Error(`RATE: expected a whole number of iterations per second (>= 1), found ${JSON.stringify(e.RATE !== undefined ? e.RATE : m.rate)}`);
  if (!/^\d+(ms|s|m|h)$/.test(String(m.duration))) throw new Error(`DURATION: expected a k6 duration such as 30s or 5m, found ${JSON.stringify(m.duration)}`);
  if (!(m.commitInterval > 0)) throw new Error(`COMMIT_INTERVAL: expected seconds between commit rounds (> 0), found ${JSON.stringify(e.COMMIT_INTERVAL)}`);
  return m;
}
