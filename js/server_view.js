/**
 * The sequencer's own view of a run (docs/OBSERVE.md). Its `GET /metrics` (LIVE_OBSERVED.md
 * section 11: Prometheus text behind the API's authentication, admin keys only) is read at the
 * end of setup() and again in teardown(); the difference is what the server did during the run:
 *
 * - `sequencer_events_sequenced`, the events it stored, beside the events k6 saw accepted
 *   (`eventsAccepted` of every ingest answer);
 * - `sequencer_events_rejected`;
 * - `sequencer_ingest_latency_seconds`, whose buckets' delta gives the server-side ingest latency
 *   percentiles of the run, beside k6's client-side ones (the gap: queueing, network, generator).
 *
 * teardown() cannot read k6's metrics, and handleSummary() cannot fail a threshold, so the
 * comparison is a balance kept in one counter, `ves_server_gap`: every VU adds the events the
 * server said it accepted, teardown() subtracts what the server counted. A run where they agree
 * ends at 0; SERVER_AGREES=exact puts the threshold `ves_server_gap count==0` on it. Only
 * meaningful when the kit is the server's only client during the run, and when one process runs
 * the whole test: with an execution segment, each runner sees the others' events too, so a runner
 * of a part reports the server's count without keeping the balance (compare in Prometheus).
 *
 * | SERVER_AGREES | what happens |
 * |---|---|
 * | report (default) | read /metrics when the run's admin key may; report the comparison, fail nothing |
 * | exact | as report, plus the threshold; a /metrics that cannot be read aborts the run at setup() |
 * | off | never read /metrics |
 *
 * @module server_view
 */
import exec from 'k6/execution';
import { Counter, Gauge } from 'k6/metrics';
import { clientFor } from './setup.js';
import { histogram, histogramDelta, packHistogram, parseSamples, quantile, total, unpackHistogram } from './prom_text.js';
import { executionSegment, segmentTag } from './segment.js';

/** The real server's family names (LIVE_OBSERVED.md section 11), which the devserver serves too. */
export const SERVER_METRICS = Object.freeze({
  sequenced: 'sequencer_events_sequenced',
  rejected: 'sequencer_events_rejected',
  ingestLatency: 'sequencer_ingest_latency_seconds',
});

/** What the server sequenced during the run (teardown's reading minus setup's). */
export const serverSequenced = new Counter('ves_server_events_sequenced');
/** What the server counted as rejected during the run. */
export const serverRejected = new Counter('ves_server_events_rejected');
/** k6's accepted events minus the server's sequenced ones: 0 when they agree (see above). */
export const serverGap = new Counter('ves_server_gap');
/** Server-side ingest latency percentiles over the run (ms), from its histogram's delta. */
export const serverIngestP50 = new Gauge('ves_server_ingest_p50', true);
export const serverIngestP95 = new Gauge('ves_server_ingest_p95', true);
export const serverIngestP99 = new Gauge('ves_server_ingest_p99', true);

const QUANTILES = [['p50', 0.5, serverIngestP50], ['p95', 0.95, serverIngestP95], ['p99', 0.99, serverIngestP99]];
const METRICS_TIMEOUT = '10s';

/**
 * One reading of /metrics: {ok: true, sequenced, rejected, latency} or {ok: false, why}.
 * @param {import('./config.js').VesConfig} cfg
 */
export function readServer(cfg) {
  const r = clientFor(cfg, METRICS_TIMEOUT).metrics({ expectedStatuses: [401, 403, 404] });
  if (r.status !== 200) return { ok: false, why: refusal(r) };
  const samples = parseSamples(r.res.body);
  return {
    ok: true,
    sequenced: total(samples, SERVER_METRICS.sequenced),
    rejected: total(samples, SERVER_METRICS.rejected),
    // Packed: setup()'s data reaches teardown() as JSON, where +Inf would become null.
    latency: packHistogram(histogram(samples, SERVER_METRICS.ingestLatency)),
  };
}

function refusal(r) {
  if (r.status === 0) return `GET /metrics failed: ${r.res.error || 'no answer'}`;
  if (r.status === 401) return 'GET /metrics answered 401: it needs the admin key (ADMIN_API_KEY)';
  if (r.status === 403) return 'GET /metrics answered 403: the key is not an admin key; pass one in ADMIN_API_KEY';
  if (r.status === 404) return 'GET /metrics answered 404: this sequencer serves no metrics';
  return `GET /metrics answered HTTP ${r.status}`;
}

/**
 * The reading at the end of setup(), for setup's data (`data.server`). With SERVER_AGREES=exact,
 * a server that cannot be read, or a run split over execution segments, aborts the test.
 * @param {import('./config.js').VesConfig} cfg
 * @returns {{ok: boolean, why?: string, mode: string, segment: string, balance: boolean, sequenced?: number, rejected?: number, latency?: object}}
 *   balance: whether the VUs and teardown() keep ves_server_gap (read, and one process runs the whole test)
 */
export function serverViewAtStart(cfg) {
  const segment = executionSegment();
  if (cfg.serverAgrees === 'off') return { ok: false, why: 'SERVER_AGREES=off', mode: cfg.serverAgrees, segment, balance: false };
  if (cfg.serverAgrees === 'exact' && segmentTag(segment) !== '') {
    abort(`SERVER_AGREES=exact: this process runs execution segment ${segment} only, and the server counts the events of every runner; compare the sum of the runners' ves_events_accepted with the server's count in Prometheus instead (docs/OBSERVE.md)`);
  }
  const reading = readServer(cfg);
  if (!reading.ok) {
    if (cfg.serverAgrees === 'exact') abort(`SERVER_AGREES=exact, but the server's metrics cannot be read: ${reading.why}`);
    console.log(`ves-k6: the server's own view is not compared (${reading.why})`);
  }
  return Object.assign(reading, { mode: cfg.serverAgrees, segment, balance: reading.ok && segmentTag(segment) === '' });
}

/**
 * teardown(): reads /metrics again and records the run's deltas (ves_server_* metrics) for the
 * summary and for `ves capacity`. Does nothing when setup() could not read it.
 * @param {import('./config.js').VesConfig} cfg
 * @param {{server?: ReturnType<typeof serverViewAtStart>}} data setup()'s data
 */
export function serverViewAtEnd(cfg, data) {
  const start = data && data.server;
  if (!start || !start.ok) return null;
  const end = readServer(cfg);
  if (!end.ok) {
    console.error(`ves-k6: teardown: the server's metrics cannot be read any more (${end.why}): no comparison${start.mode === 'exact' ? '; SERVER_AGREES=exact fails the run' : ''}`);
    return null;
  }
  const sequenced = end.sequenced - start.sequenced;
  if (sequenced < 0) {
    console.error(`ves-k6: teardown: ${SERVER_METRICS.sequenced} went down during the run (${start.sequenced} -> ${end.sequenced}): the server restarted; no comparison`);
    return null;
  }
  serverSequenced.add(sequenced);
  serverRejected.add(Math.max(0, end.rejected - start.rejected));
  if (start.balance) serverGap.add(-sequenced);
  const delta = histogramDelta(unpackHistogram(start.latency), unpackHistogram(end.latency));
  const latency = {};
  for (const [name, q, gauge] of QUANTILES) {
    const seconds = quantile(delta, q);
    if (seconds !== null) {
      latency[name] = seconds * 1000;
      gauge.add(seconds * 1000);
    }
  }
  return { sequenced, latency };
}

/**
 * Adds the events the server said it accepted (one answer's eventsAccepted) to the balance, in
 * VUs whose setup() data keeps it (vu_state.js `serverView`: data.server.balance).
 * @param {number} accepted
 */
export function countAccepted(accepted) {
  if (accepted > 0) serverGap.add(accepted);
}

function count(data, name) {
  const m = data.metrics[name];
  return m && m.values && typeof m.values.count === 'number' ? m.values.count : null;
}

function gauge(data, name) {
  const m = data.metrics[name];
  return m && m.values && typeof m.values.value === 'number' ? m.values.value : null;
}

// k6's own ingest percentiles: the endpoint's submetric where a threshold made one, else the
// whole http_req_duration (said in `of`).
function clientLatency(data) {
  for (const key of ['http_req_duration{endpoint:ingest}', 'http_req_duration']) {
    const m = data.metrics[key];
    if (m && m.values) {
      const v = m.values;
      return { of: key, p50: numberOr(v.med, v['p(50)']), p95: numberOr(v['p(95)']), p99: numberOr(v['p(99)']) };
    }
  }
  return null;
}

function numberOr(...xs) {
  for (const x of xs) if (typeof x === 'number') return x;
  return null;
}

/**
 * The summary's record of the server's view (summary JSON `ves.server`), from handleSummary's
 * data: setup()'s reading (setup_data.server) and teardown()'s metrics.
 * @param {object} data handleSummary data
 * @returns {object|null} null when the scenario does not read the server
 */
export function serverRecord(data) {
  const setup = data.setup_data && typeof data.setup_data === 'object' ? data.setup_data.server : undefined;
  if (setup === undefined || setup === null) return null;
  if (!setup.ok) return { read: false, mode: setup.mode, why: setup.why };
  const sequenced = count(data, 'ves_server_events_sequenced');
  if (sequenced === null) return { read: false, mode: setup.mode, why: 'teardown() could not read /metrics (see the log)' };
  const accepted = count(data, 'ves_events_accepted') || 0;
  const latency = {};
  for (const [name] of QUANTILES) latency[name] = gauge(data, `ves_server_ingest_${name}`);
  return {
    read: true,
    mode: setup.mode,
    segment: setup.segment || '',
    sequenced,
    rejected: count(data, 'ves_server_events_rejected') || 0,
    acceptedByK6: accepted,
    // null for a runner of a part of the test: no balance is kept there.
    gap: setup.balance === false ? null : count(data, 'ves_server_gap') || 0,
    serverLatencyMs: latency,
    clientLatencyMs: clientLatency(data),
  };
}

function ms(x) {
  return x === null || x === undefined ? 'n/a' : x.toFixed(2);
}

/**
 * The summary's lines about the server's view (empty when the scenario does not read it).
 * @param {object} data handleSummary data
 * @returns {string[]}
 */
export function serverLines(data) {
  const r = serverRecord(data);
  if (r === null) return [];
  if (!r.read) return [`server's own view: not compared (${r.why})`];
  if (r.gap === null) {
    return [`server's own view (GET /metrics): events sequenced during this runner's run ${r.sequenced} (every runner's), this runner (segment ${r.segment}) saw ${r.acceptedByK6} accepted; compare the runners' sum per testid in Prometheus (docs/OBSERVE.md); server rejected ${r.rejected}`, latencyLine(r)];
  }
  const verdict = r.gap === 0 ? 'they agree' : `difference ${r.gap > 0 ? '+' : ''}${r.gap} (k6 minus server)${r.mode === 'exact' ? ': SERVER_AGREES=exact fails the run' : ': reported only (SERVER_AGREES=exact fails on it)'}`;
  return [`server's own view (GET /metrics): events sequenced during the run ${r.sequenced}, k6 saw ${r.acceptedByK6} accepted: ${verdict}; server rejected ${r.rejected}`, latencyLine(r)];
}

function latencyLine(r) {
  const c = r.clientLatencyMs;
  const s = r.serverLatencyMs;
  const client = c === null ? 'n/a' : `${ms(c.p50)}/${ms(c.p95)}/${ms(c.p99)} ms (${c.of})`;
  return `ingest latency p50/p95/p99: k6 ${client}; server ${ms(s.p50)}/${ms(s.p95)}/${ms(s.p99)} ms (${SERVER_METRICS.ingestLatency} buckets; the difference is queueing, network and generator time)`;
}

function abort(message) {
  console.error(`ves-k6: ${message}`);
  exec.test.abort(message);
}
