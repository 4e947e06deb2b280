// Unit tests of the server's own view (js/prom_text.js, js/server_view.js), run by k6 itself (no
// server): reading the real server's /metrics text (LIVE_OBSERVED.md section 11: a # TYPE line
// repeated per label set, counters absent before their first increment, bounds printed as Rust
// prints floats), histogram deltas and quantiles computed as PromQL's histogram_quantile does,
// SERVER_AGREES, and the summary's record and lines. The behaviour against a real devserver and a
// real Prometheus is tested by tests/e2e/test_observe.py.
//
//   k6 run --quiet --no-usage-report tests/k6/server_view.test.js
import {
  config,
  histogram,
  histogramDelta,
  packHistogram,
  parseSamples,
  quantile,
  scenarioThresholds,
  serverAgreesThresholds,
  serverLines,
  serverRecord,
  total,
  unpackHistogram,
} from '../../js/ves.js';
import { Harness, testOptions } from './lib/harness.js';

export const options = testOptions(null, 5);

// The shape of the real server's output (v0.2.7): no HELP, TYPE repeated for each label set,
// `le` first, bounds as Rust's f64 Display.
const REAL = `# HELP sequencer_uptime_seconds Time since service start
# TYPE sequencer_uptime_seconds gauge
sequencer_uptime_seconds 86400

# TYPE sequencer_events_sequenced counter
sequencer_events_sequenced 82534
# TYPE sequencer_http_requests_total counter
sequencer_http_requests_total{method="POST",path="/api/v1/ves/events/ingest",status="200"} 4727
sequencer_http_requests_total{method="GET",path="/api/v1/ves/proofs/:sequence_number",status="200"} 12
# TYPE sequencer_ingest_latency_seconds histogram
sequencer_ingest_latency_seconds_bucket{le="0.001"} 0
sequencer_ingest_latency_seconds_bucket{le="0.005"} 10
sequencer_ingest_latency_seconds_bucket{le="0.01"} 50
sequencer_ingest_latency_seconds_bucket{le="0.025"} 90
sequencer_ingest_latency_seconds_bucket{le="0.05"} 100
sequencer_ingest_latency_seconds_bucket{le="0.1"} 100
sequencer_ingest_latency_seconds_bucket{le="0.25"} 100
sequencer_ingest_latency_seconds_bucket{le="0.5"} 100
sequencer_ingest_latency_seconds_bucket{le="1"} 100
sequencer_ingest_latency_seconds_bucket{le="2.5"} 100
sequencer_ingest_latency_seconds_bucket{le="5"} 100
sequencer_ingest_latency_seconds_bucket{le="10"} 100
sequencer_ingest_latency_seconds_bucket{le="+Inf"} 100
sequencer_ingest_latency_seconds_sum 1.234
sequencer_ingest_latency_seconds_count 100
# TYPE sequencer_http_request_latency_seconds histogram
sequencer_http_request_latency_seconds_bucket{le="0.001",method="GET",path="/health",status="200"} 3
sequencer_http_request_latency_seconds_bucket{le="+Inf",method="GET",path="/health",status="200"} 3
# TYPE sequencer_http_request_latency_seconds histogram
sequencer_http_request_latency_seconds_bucket{le="0.001",method="GET",path="/a\\"b",status="404"} 1
sequencer_http_request_latency_seconds_bucket{le="+Inf",method="GET",path="/a\\"b",status="404"} 1
`;

export default function () {
  const h = new Harness('server_view');

  // --- parsing the real server's text
  h.case('parse');
  const samples = parseSamples(REAL);
  h.eq('parse', total(samples, 'sequencer_events_sequenced'), 82534, 'an unlabelled counter');
  h.eq('parse', total(samples, 'sequencer_events_rejected'), 0, 'a counter the real server has not created yet reads 0');
  h.eq('parse', total(samples, 'sequencer_http_requests_total'), 4739, 'a labelled family sums over its label sets');
  const quoted = samples.find((s) => s.labels.path === '/a"b');
  h.ok('parse', quoted !== undefined && quoted.labels.status === '404', 'an escaped quote inside a label value, after a repeated TYPE line');
  h.eq('parse', parseSamples('garbage line\nx{a="1" 2\nok 3 1700000000000\n').length, 1, 'malformed lines are skipped; a timestamp is allowed');

  // --- histograms, deltas, quantiles
  h.case('histogram');
  const before = histogram(samples, 'sequencer_ingest_latency_seconds');
  h.eq('histogram', before.buckets.length, 13, 'the real server\'s 12 bounds and +Inf');
  h.eq('histogram', before.buckets[8][0], 1, 'le="1" is the bound 1');
  h.eq('histogram', before.buckets[12][0], Infinity, '+Inf last');
  h.eq('histogram', before.count, 100, 'count');
  // PromQL: rank 50 of 100 lies in (0.005, 0.01] holding 10..50: 0.005 + 0.005 × (50-10)/(50-10) = 0.01.
  h.eq('histogram', quantile(before, 0.5), 0.01, 'p50 by histogram_quantile\'s interpolation');
  // rank 95 in (0.025, 0.05] holding 90..100: 0.025 + 0.025 × 5/10 = 0.0375.
  h.ok('histogram', Math.abs(quantile(before, 0.95) - 0.0375) < 1e-12, `p95 ${quantile(before, 0.95)}`);
  const later = histogram(parseSamples(REAL.replace('le="+Inf"} 100', 'le="+Inf"} 110').replace('_count 100', '_count 110').replace(/le="(10|5|2\.5|1|0\.5|0\.25|0\.1|0\.05)"\} 100/g, 'le="$1"} 100')), 'sequencer_ingest_latency_seconds');
  const delta = histogramDelta(before, later);
  h.eq('histogram', delta.count, 10, 'the delta counts only the new observations');
  h.eq('histogram', quantile(delta, 0.5), 10, 'new observations above the highest bound: the highest finite bound, as PromQL');
  h.eq('histogram', quantile(histogramDelta(before, before), 0.5), null, 'no observation in the delta: no quantile');
  h.eq('histogram', quantile({ buckets: [] }, 0.5), null, 'an absent histogram: no quantile');
  const packed = JSON.parse(JSON.stringify(packHistogram(before)));
  h.eq('histogram', unpackHistogram(packed).buckets[12][0], Infinity, '+Inf survives the JSON of setup() data');
  h.eq('histogram', quantile(unpackHistogram(packed), 0.5), 0.01, 'and the quantiles with it');

  // --- SERVER_AGREES
  h.case('config');
  h.eq('config', config({}).serverAgrees, 'report', 'report by default');
  h.eq('config', config({ SERVER_AGREES: 'EXACT' }).serverAgrees, 'exact', 'exact, any case');
  h.eq('config', config({ SERVER_AGREES: 'off' }).serverAgrees, 'off', 'off');
  h.throws('config', () => config({ SERVER_AGREES: 'strict' }), /SERVER_AGREES: expected one of report, exact, off/, 'anything else is a problem');

  h.case('thresholds');
  h.eq('thresholds', JSON.stringify(serverAgreesThresholds('exact')), '{"ves_server_gap":["count==0"]}', 'exact: the balance must end at 0');
  h.eq('thresholds', JSON.stringify(serverAgreesThresholds('report')), '{}', 'report: no threshold');
  const smoke = { name: 'smoke', options: { vus: 1, duration: '1s' }, ves: {} };
  h.eq('thresholds', JSON.stringify(scenarioThresholds('sequencer_ingest', {}, smoke, { serverAgrees: 'exact' }).ves_server_gap), '["count==0"]', 'a scenario run with exact carries it');
  h.eq('thresholds', scenarioThresholds('mixed_workload', {}, smoke, {}).ves_server_gap, undefined, 'without it, none');

  // --- the summary's record and lines
  h.case('summary');
  const data = (metrics, server) => ({ setup_data: { server }, metrics, state: { testRunDurationMs: 1000 } });
  const c = (count) => ({ type: 'counter', values: { count } });
  const g = (value) => ({ type: 'gauge', values: { value } });
  const agreeing = data({
    ves_events_accepted: c(1200),
    ves_server_events_sequenced: c(1200),
    ves_server_events_rejected: c(0),
    ves_server_gap: c(0),
    ves_server_ingest_p50: g(2.5),
    ves_server_ingest_p95: g(7.5),
    ves_server_ingest_p99: g(9.75),
    'http_req_duration{endpoint:ingest}': { type: 'trend', values: { med: 4, 'p(95)': 9, 'p(99)': 12 } },
  }, { ok: true, mode: 'report', segment: '', balance: true });
  const rec = serverRecord(agreeing);
  h.eq('summary', `${rec.read} ${rec.sequenced} ${rec.acceptedByK6} ${rec.gap}`, 'true 1200 1200 0', 'the record');
  h.eq('summary', `${rec.serverLatencyMs.p50} ${rec.serverLatencyMs.p99} ${rec.clientLatencyMs.p50} ${rec.clientLatencyMs.p99}`, '2.5 9.75 4 12', 'server and client percentiles');
  const lines = serverLines(agreeing);
  h.ok('summary', lines[0].includes('events sequenced during the run 1200, k6 saw 1200 accepted: they agree'), lines[0]);
  h.ok('summary', lines[1].includes('k6 4.00/9.00/12.00 ms') && lines[1].includes('server 2.50/7.50/9.75 ms'), lines[1]);
  const losing = data({ ves_events_accepted: c(1200), ves_server_events_sequenced: c(1199), ves_server_gap: c(1) }, { ok: true, mode: 'exact', segment: '' });
  h.ok('summary', serverLines(losing)[0].includes('difference +1 (k6 minus server): SERVER_AGREES=exact fails the run'), serverLines(losing)[0]);
  const reportOnly = data({ ves_events_accepted: c(10), ves_server_events_sequenced: c(9), ves_server_gap: c(1) }, { ok: true, mode: 'report', segment: '' });
  h.ok('summary', serverLines(reportOnly)[0].includes('reported only'), serverLines(reportOnly)[0]);
  const refused = data({}, { ok: false, mode: 'report', why: 'GET /metrics answered 403: the key is not an admin key; pass one in ADMIN_API_KEY' });
  h.ok('summary', serverLines(refused)[0].includes('not compared (GET /metrics answered 403'), serverLines(refused)[0]);
  const runner = data({ ves_events_accepted: c(600), ves_server_events_sequenced: c(1200), ves_server_gap: c(0) }, { ok: true, mode: 'report', segment: '0:1/2', balance: false });
  h.eq('summary', serverRecord(runner).gap, null, 'a runner of a part keeps no balance');
  h.ok('summary', serverLines(runner)[0].includes("during this runner's run 1200 (every runner's), this runner (segment 0:1/2) saw 600 accepted; compare the runners' sum per testid in Prometheus"), serverLines(runner)[0]);
  const noTeardown = data({ ves_events_accepted: c(3) }, { ok: true, mode: 'report', segment: '' });
  h.eq('summary', serverRecord(noTeardown).read, false, 'setup read it, teardown did not: no comparison');
  h.eq('summary', serverRecord({ metrics: {}, setup_data: { seed: 1 } }), null, 'a scenario that does not read the server: no record');
  h.eq('summary', serverLines({ metrics: {} }).length, 0, 'and no line');

  h.finish();
}
