// End-of-test reports for handleSummary(): the usual text summary on stdout, the full summary
// as JSON, thresholds as JUnit XML, and the one-line verdict. Own code: nothing is imported
// from a URL (k6's jslib summary is not vendored).
//
//   export function handleSummary(data) { return summary(data, 'sequencer_ingest'); }
import { executionSegment, segmentTag } from './segment.js';
import { LARGE_BODY_BYTES } from './body_size.js';
import { serverLines, serverRecord } from './server_view.js';

/**
 * The trend statistics the scenarios' summaries show: k6's default plus p(99), so that the
 * client-side ingest percentiles stand beside the server's p50/p95/p99 (server_view.js).
 */
export const SUMMARY_TREND_STATS = Object.freeze(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']);

/** Counters whose total must be zero in a correct run, shown in the verdict's reasoning. */
const MUST_BE_ZERO = [
  'ves_events_rejected',
  'ves_receipts_invalid',
  'ves_proofs_failed',
  'ves_sequence_anomalies',
  'ves_invalid_accepted',
  'ves_replay_violations',
  'ves_entity_read_violations',
];

/** The counters that must be zero in this run: MUST_BE_ZERO, and ves_spec_failures where the spec catalogue ran. */
function mustBeZero(data) {
  return data.metrics.ves_spec_failures ? MUST_BE_ZERO.concat(['ves_spec_failures']) : MUST_BE_ZERO;
}

/**
 * A counter's non-zero tagged sub-metrics in the summary data (thresholds.js BREAKDOWNS puts
 * them there): ": respelled=3, refused=1", or '' when there are none.
 */
export function breakdown(data, name) {
  const parts = [];
  for (const key of Object.keys(data.metrics).sort()) {
    const m = /^([^{]+)\{([^:}]+):([^}]+)\}$/.exec(key);
    if (m === null || m[1] !== name) continue;
    const n = count(data, key);
    if (n > 0) parts.push(`${m[3]}=${n}`);
  }
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}

function count(data, name) {
  const m = data.metrics[name];
  return m && m.values && typeof m.values.count === 'number' ? m.values.count : 0;
}

/** Every threshold of the run as { metric, expression, ok }. */
export function thresholdResults(data) {
  const out = [];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expression, t] of Object.entries(m.thresholds || {})) {
      out.push({ metric, expression, ok: t.ok });
    }
  }
  return out.sort((a, b) => (a.metric + a.expression).localeCompare(b.metric + b.expression));
}

/**
 * The run's verdict: FAIL when a threshold failed, a check failed or any correctness counter is
 * non-zero, whether or not the profile set a threshold on it, and when no check ran at all
 * (nothing was verified, e.g. the VUs never started).
 */
export function verdict(data) {
  const failedThresholds = thresholdResults(data).filter((t) => !t.ok);
  const nonZero = mustBeZero(data).filter((name) => count(data, name) > 0);
  const checks = data.metrics.checks ? data.metrics.checks.values : { passes: 0, fails: 0 };
  const failedChecks = checks.fails || 0;
  const nothingChecked = (checks.passes || 0) + failedChecks === 0;
  const pass = failedThresholds.length === 0 && nonZero.length === 0 && failedChecks === 0 && !nothingChecked;
  return { pass, failedThresholds, nonZero, failedChecks, nothingChecked };
}

/**
 * `ves-verdict: accepted=N rejected=N receipts_invalid=N proofs_verified=N proofs_failed=N
 * signatures_checked=N receipts_checked=N result=PASS|FAIL`: the first five fields keep their place, fields added
 * later go before `result=`, which stays last.
 */
export function verdictLine(data) {
  const fields = [
    ['accepted', 'ves_events_accepted'],
    ['rejected', 'ves_events_rejected'],
    ['receipts_invalid', 'ves_receipts_invalid'],
    ['proofs_verified', 'ves_proofs_verified'],
    ['proofs_failed', 'ves_proofs_failed'],
    ['signatures_checked', 'ves_receipt_signatures_checked'],
    ['receipts_checked', 'ves_receipts_checked'],
  ].map(([label, name]) => `${label}=${count(data, name)}`);
  // Where the spec catalogue ran (sequencer_spec, SPEC_RATE): its failures.
  if (data.metrics.ves_spec_failures) fields.push(`spec_failures=${count(data, 'ves_spec_failures')}`);
  return `ves-verdict: ${fields.join(' ')} result=${verdict(data).pass ? 'PASS' : 'FAIL'}`;
}

/**
 * How many receipt signatures were checked, of how many receipts: "12 of 1200 receipts (1.00 %)",
 * or why none were.
 */
export function signatureLine(data, info) {
  const checked = count(data, 'ves_receipt_signatures_checked');
  const receipts = count(data, 'ves_receipts_checked');
  const share = receipts > 0 ? ` (${((100 * checked) / receipts).toFixed(2)} %)` : '';
  const why = checked === 0 && info && info.sequencerPublicKey === false ? ': SEQUENCER_PUBLIC_KEY is not set' : '';
  return `receipt signatures checked: ${checked} of ${receipts} receipts${share}${why}`;
}

/**
 * How many receipts were checked during the run, of how many answered events (accepted and
 * replayed: a replay counts as checked once its whole receipt was compared with the original),
 * and by whom: "receipts checked in k6: 1200 of 1200 (100.0 %)", or with `ves signer` checking
 * the answers "receipts checked: 1200 of 1200 (100.0 %), 1200 by ves signer (…)". With
 * RECEIPT_CHECK < 1 (no checking signer) it says what covers the others.
 */
export function receiptCheckLine(data, info) {
  const checked = count(data, 'ves_receipts_checked');
  const bySigner = count(data, 'ves_receipts_checked_by_signer');
  const answered = count(data, 'ves_events_accepted') + count(data, 'ves_events_replayed');
  const share = answered > 0 ? ` (${((100 * checked) / answered).toFixed(1)} %)` : '';
  const sampled = info && typeof info.receiptCheck === 'number' && info.receiptCheck < 1 && !info.signerCheck;
  const rest = sampled
    ? `; RECEIPT_CHECK=${info.receiptCheck}: the other answers were checked at batch level only (counts, numbering); check every receipt with ves audit --receipts (RECEIPTS_LOG=1)`
    : '';
  if (bySigner > 0 || (info && info.signerCheck)) {
    const inK6 = checked - bySigner;
    return `receipts checked: ${checked} of ${answered}${share}, ${bySigner} by ves signer (every receipt hash from the event's own signing hash, event ids, numbering, rejections, replays against their whole original receipts, sequencer signatures on the RECEIPT_SIG_SAMPLE share)${inK6 > 0 ? `, ${inK6} in k6` : ''}${rest}`;
  }
  return `receipts checked in k6: ${checked} of ${answered}${share}${rest}`;
}

const UNKNOWN_K6 = 'unknown (a userAgent option hides it; pass -e K6_VERSION="$(k6 version)")';

/**
 * Whether setup() completed (its data reached handleSummary) or the VUs ran at all. When k6 stops
 * in setup() (`exec.test.abort`, an exception), k6 1.1 still calls handleSummary, with no
 * setup_data and no iteration, and prints its own error after it.
 */
export function loadRan(data) {
  return (data.setup_data !== undefined && data.setup_data !== null) || count(data, 'iterations') > 0;
}

/**
 * What the summary JSON records about the run (its `ves` block), so that it can be repeated:
 * the seed (setup()'s, from setup_data), CREATED_AT, the profile, the k6 version (K6_VERSION, or
 * what setup() read from k6's User-Agent), the stream mode and gap check, signatures.
 * @param {object} data handleSummary data
 * @param {object} [info] the scenario's run info (setup.js runInfo)
 */
export function runRecord(data, info = {}) {
  const setup = data.setup_data && typeof data.setup_data === 'object' ? data.setup_data : {};
  const version = info && 'k6Version' in info ? { k6Version: info.k6Version || setup.k6Version || UNKNOWN_K6 } : {};
  return Object.assign({}, info, version, {
    seed: Number.isSafeInteger(setup.seed) ? setup.seed : info.seed === undefined ? null : info.seed,
    receiptSignaturesChecked: count(data, 'ves_receipt_signatures_checked'),
    receiptsChecked: count(data, 'ves_receipts_checked'),
    largeBodiesExcluded: largeBodiesExcluded(data),
    // The server's own view (server_view.js): null when the scenario does not read it.
    server: serverRecord(data),
  });
}

/**
 * Whether the latency thresholds left out large request bodies (PAYLOAD, body_size.js): a
 * threshold filtered on body:normal.
 */
export function largeBodiesExcluded(data) {
  return thresholdResults(data).some((t) => /[{,]body:normal[,}]/.test(t.metric));
}

function formatDuration(ms) {
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)}ns`;
  if (ms < 1) return `${(ms * 1000).toFixed(2)}µs`;
  if (ms < 1000) return `${ms.toFixed(2)}ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60000);
  return `${m}m${((ms - m * 60000) / 1000).toFixed(1)}s`;
}

function formatNumber(x) {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(4).replace(/\.?0+$/, '');
}

function formatValues(m, trendStats) {
  const v = m.values;
  switch (m.type) {
    case 'trend': {
      const fmt = m.contains === 'time' ? formatDuration : formatNumber;
      return trendStats.filter((s) => s in v).map((s) => `${s}=${fmt(v[s])}`).join(' ');
    }
    case 'counter':
      return `${formatNumber(v.count)}  ${formatNumber(v.rate)}/s`;
    case 'rate':
      return `${(v.rate * 100).toFixed(2)}%  ${v.passes} out of ${v.passes + v.fails}`;
    case 'gauge':
      return `${formatNumber(v.value)}  min=${formatNumber(v.min)} max=${formatNumber(v.max)}`;
    default:
      return JSON.stringify(v);
  }
}

function checkLines(group, indent, out) {
  for (const c of group.checks || []) {
    const total = c.passes + c.fails;
    const mark = c.fails === 0 ? '✓' : '✗';
    out.push(`${indent}${mark} ${c.name}${c.fails ? `  ↳ ${((100 * c.passes) / total).toFixed(0)}% — ✓ ${c.passes} / ✗ ${c.fails}` : ''}`);
  }
  for (const g of group.groups || []) {
    out.push(`${indent}█ ${g.name}`);
    checkLines(g, indent + '  ', out);
  }
}

/** A text summary in the spirit of k6's own: checks, thresholds, then every metric. */
export function textSummary(data, scenario, info) {
  // Stopped in setup(): k6's own error line says why; a table of empty metrics would only bury it.
  if (!loadRan(data)) return `\n  █ ${scenario}: no load ran: setup() did not complete (the error k6 prints says why)\n${verdictLine(data)}\n`;
  const trendStats = (data.options && data.options.summaryTrendStats) || ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const out = [];
  out.push('', `  █ ${scenario}: ${formatDuration(data.state.testRunDurationMs)}`, '');
  const checks = [];
  checkLines(data.root_group, '    ', checks);
  if (checks.length) out.push('  CHECKS', ...checks, '');
  const thresholds = thresholdResults(data);
  if (thresholds.length) {
    out.push('  THRESHOLDS');
    for (const t of thresholds) out.push(`    ${t.ok ? '✓' : '✗'} ${t.metric} ${t.expression}`);
    out.push('');
  }
  out.push('  METRICS');
  const names = Object.keys(data.metrics).sort();
  const width = Math.max(...names.map((n) => n.length)) + 2;
  for (const name of names) {
    out.push(`    ${(name + ' ').padEnd(width, '.')}: ${formatValues(data.metrics[name], trendStats)}`);
  }
  const v = verdict(data);
  out.push('');
  if (info) {
    const r = runRecord(data, info);
    out.push(`  run: SEED=${r.seed} CREATED_AT=${r.createdAt === null ? '(time of each batch)' : r.createdAt} profile=${r.profile} k6=${r.k6Version}`);
    if (r.interBatchGaps) out.push(`  gaps between batches: ${r.interBatchGaps}`);
  }
  out.push(`  ${receiptCheckLine(data, info)}`);
  if (largeBodiesExcluded(data)) out.push(`  latency thresholds: only requests whose body is at most ${LARGE_BODY_BYTES} bytes (body:normal); larger ones (PAYLOAD) are tagged body:large and left out`);
  out.push(`  ${signatureLine(data, info)}`);
  for (const line of serverLines(data)) out.push(`  ${line}`);
  if (!v.pass) {
    for (const t of v.failedThresholds) out.push(`  ✗ threshold failed: ${t.metric} ${t.expression}`);
    for (const n of v.nonZero) out.push(`  ✗ ${n} = ${count(data, n)} (must be 0)${breakdown(data, n)}`);
    if (v.failedChecks > 0) out.push(`  ✗ ${v.failedChecks} checks failed`);
    if (v.nothingChecked) out.push('  ✗ no check ran: nothing was verified');
  }
  out.push(verdictLine(data), '');
  return out.join('\n');
}

function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

/** Thresholds and correctness counters as JUnit test cases, for CI test reporters. */
export function junitXml(data, scenario) {
  const cases = thresholdResults(data).map((t) => ({
    name: `${t.metric} ${t.expression}`,
    failure: t.ok ? null : `threshold ${t.expression} on ${t.metric} failed`,
  }));
  for (const name of mustBeZero(data)) {
    const n = count(data, name);
    cases.push({ name: `${name} == 0`, failure: n > 0 ? `${name} = ${n}` : null });
  }
  const v = verdict(data);
  cases.push({ name: 'setup() completed', failure: loadRan(data) ? null : 'the run stopped in setup(), before any load' });
  cases.push({
    name: 'checks ran and passed',
    failure: v.nothingChecked ? 'no check ran: nothing was verified' : v.failedChecks > 0 ? `${v.failedChecks} checks failed` : null,
  });
  const failures = cases.filter((c) => c.failure).length;
  const seconds = (data.state.testRunDurationMs / 1000).toFixed(3);
  const body = cases
    .map((c) => `    <testcase classname="ves-k6.${xmlEscape(scenario)}" name="${xmlEscape(c.name)}">${
      c.failure ? `<failure message="${xmlEscape(c.failure)}"/>` : ''
    }</testcase>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="${cases.length}" failures="${failures}" time="${seconds}">
  <testsuite name="${xmlEscape(scenario)}" tests="${cases.length}" failures="${failures}" time="${seconds}">
${body}
  </testsuite>
</testsuites>
`;
}

/**
 * The handleSummary() result: text on stdout, `<dir>/<scenario>-summary.json` (k6's data plus a
 * `ves` block: runRecord) and `<dir>/<scenario>-junit.xml`; with an execution segment the names
 * carry it: `<scenario>-<segment>-…` (segment.js). k6 does not create folders: the directory must exist and be
 * writable (the repository keeps an empty `results/`).
 */
export function summary(data, scenario, resultsDir = (typeof __ENV !== 'undefined' && __ENV.RESULTS_DIR) || 'results', info = undefined) {
  const dir = resultsDir.replace(/\/+$/, '');
  const record = Object.assign({}, data, { ves: runRecord(data, info) });
  // One process of several (execution segments): the same files, named after the segment.
  const tag = segmentTag();
  const base = tag === '' ? scenario : `${scenario}-${tag}`;
  const title = tag === '' ? scenario : `${scenario} (segment ${executionSegment()})`;
  return {
    stdout: textSummary(data, title, info),
    [`${dir}/${base}-summary.json`]: JSON.stringify(record, null, 2),
    [`${dir}/${base}-junit.xml`]: junitXml(data, scenario),
  };
}

