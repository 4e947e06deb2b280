// The read endpoints under load: GET /api/v1/head, /api/v1/events, /api/v1/entities/{type}/{id}
// and /api/v1/ves/commitments, in turn, each tagged (endpoint:head, …) with its own threshold.
// setup() writes one batch into every stream and commits it, so that there is something to read.
// (The real sequencer serves head/events/entities from its legacy table: empty for VES streams.)
// Entity reads are checked (ves_entity_read_violations); with HOT_ENTITIES, setup()'s batches and
// that share of the reads go to the hot entity ids.
//
//   k6 run load/sequencer_query.js
import { closedModelOptions, config, guard, loadProfile, noteEntityReads, profileEnv, queryOnce, runInfo, scenarioThresholds, seedStreams, serverViewAtEnd, serverViewAtStart, setupRun, summary, touchMetrics, vuStateFor } from '../js/ves.js';

const profile = loadProfile(__ENV, (path) => open(path));
const cfg = config(profileEnv(profile, __ENV));

export const options = closedModelOptions(profile, {
  load: { vus: 10, duration: '30s' },
  // Latency here; correctness from the one table (js/thresholds.js), only where it can fire:
  // a profile's ingest latency and rate target do not apply (ingest happens only in setup()).
  thresholds: scenarioThresholds('sequencer_query', {
    'http_req_duration{endpoint:head}': ['p(95)<50'],
    'http_req_duration{endpoint:events}': ['p(95)<100'],
    'http_req_duration{endpoint:entity}': ['p(95)<100'],
    'http_req_duration{endpoint:commitments}': ['p(95)<100'],
  }, profile, { warmupMs: cfg.warmupMs, serverAgrees: cfg.serverAgrees }),
  merged: true,
});

export function setup() {
  touchMetrics();
  const data = setupRun(cfg);
  noteEntityReads(cfg, true);
  seedStreams(cfg, data);
  // Read after the seed batches: the run itself should sequence nothing (server_view.js).
  data.server = serverViewAtStart(cfg);
  return data;
}

export default guard('query', (data) => {
  const state = vuStateFor(cfg, data);
  state.iteration++;
  queryOnce(cfg, state);
});

export function teardown(data) {
  serverViewAtEnd(cfg, data);
}

export function handleSummary(data) {
  return summary(data, 'sequencer_query', cfg.resultsDir, runInfo(cfg, profile, { ingests: false }));
}
