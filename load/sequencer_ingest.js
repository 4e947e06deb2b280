// VES ingest under load: batches of BATCH_SIZE valid signed events, spread over STREAMS store
// ids (one stream is serialized by the sequencer). A request passes only if it is HTTP 200,
// every event is accepted, every receipt verifies and the sequence numbers are consecutive and
// new; with STREAMS=per-vu (the smoke profile) each VU is the only writer of its stream and each
// batch must start right after its previous one. Content (ids, payloads, probe choices) follows
// SEED. Default: 10 VUs for 30 s; PROFILE=smoke|sustained|stress|<file>|none (README).
//
//   k6 run load/sequencer_ingest.js
//   k6 run -e PROFILE=smoke -e BATCH_SIZE=500 -e STREAMS=4 load/sequencer_ingest.js
import { closedModelOptions, config, guard, ingestBatch, loadProfile, maybeProbe, maybeSpec, precomputeBaseTable, probeRate, profileEnv, runInfo, scenarioThresholds, serverViewAtEnd, serverViewAtStart, setupRun, setupSpec, specCatalogueFor, summary, touchMetrics, vuStateFor } from '../js/ves.js';

// The signer's base-point table (~130 ms) is built while the VU initializes, not inside its
// first iteration, where it would delay requests and drop arrival-rate iterations.
precomputeBaseTable();

const profile = loadProfile(__ENV, (path) => open(path));
const env = profileEnv(profile, __ENV);
const cfg = config(env);
const PROBES = probeRate(env, 0);
// SPEC_RATE: that share of iterations runs one property of the ves spec catalogue (docs/SPEC.md).
const SPEC = specCatalogueFor(cfg, () => open('../spec/catalogue.json'));

// Latency here; correctness from the one table (js/thresholds.js), only where it can fire.
export const options = closedModelOptions(profile, {
  load: { vus: 10, duration: '30s' },
  thresholds: scenarioThresholds('sequencer_ingest', {
    'http_req_duration{endpoint:ingest}': ['p(50)<20', 'p(95)<50', 'p(99)<100'],
  }, profile, { probes: PROBES, replayRate: cfg.replayRate, invalidRate: cfg.invalidRate, specRate: cfg.specRate, warmupMs: cfg.warmupMs, largeBodies: cfg.largeBodies, serverAgrees: cfg.serverAgrees }),
  merged: true,
});

export function setup() {
  touchMetrics();
  const data = Object.assign(setupRun(cfg), { spec: setupSpec(cfg, SPEC) });
  // The server's own counts, read last: what it does from here on is the run's (server_view.js).
  data.server = serverViewAtStart(cfg);
  return data;
}

export default guard('ingest', (data) => {
  const state = vuStateFor(cfg, data);
  state.iteration++;
  if (maybeSpec(cfg, data, state, SPEC)) return;
  ingestBatch(cfg, data, state);
  maybeProbe(cfg, data, state, PROBES);
});

export function teardown(data) {
  serverViewAtEnd(cfg, data);
}

export function handleSummary(data) {
  return summary(data, 'sequencer_ingest', cfg.resultsDir, runInfo(cfg, profile));
}
