/**
 * The one table of correctness thresholds, and of which scenario moves which metric, from which
 * the scenarios, the profiles and the config files (load/config/<scenario>.json) take theirs.
 *
 * A threshold belongs only where its metric can move: `ves_proofs_verified count>0` on a
 * scenario that never proves would always fail, `ves_proofs_failed count==0` there would always
 * pass and claim a check that never ran. Profiles carry load and latency settings; their rate
 * target (`ves.targets.events_per_second`) applies only to scenarios that ingest in their main
 * loop. runner.json keeps only the thresholds that every scenario can meet and fire
 * (UNIVERSAL).
 *
 * @module thresholds
 */
import { afterWarmup } from './warmup.js';
import { LARGE_BODY_BYTES, normalBodiesOnly } from './body_size.js';
import { REPLAY_VIOLATION_KINDS } from './metrics.js';

/** Correctness thresholds: metric -> expressions. */
export const CORRECTNESS = Object.freeze({
  checks: ['rate==1'],
  http_req_failed: ['rate==0'],
  ves_events_rejected: ['count==0'],
  ves_receipts_invalid: ['count==0'],
  ves_sequence_anomalies: ['count==0'],
  ves_proofs_verified: ['count>0'],
  ves_proofs_failed: ['count==0'],
  ves_invalid_accepted: ['count==0'],
  ves_replay_violations: ['count==0'],
  ves_entity_read_violations: ['count==0'],
  dropped_iterations: ['count==0'],
  ves_spec_failures: ['count==0'],
});

/**
 * Counters the summary breaks down by a tag: wherever the counter has its threshold, each tag
 * value gets the same one, so that handleSummary sees the count of each (k6 gives a script
 * only the sub-metrics that thresholds name) and the summary says which kind failed.
 */
export const BREAKDOWNS = Object.freeze({ ves_replay_violations: { tag: 'kind', values: REPLAY_VIOLATION_KINDS } });

/** Adds the per-tag thresholds of BREAKDOWNS to thresholds that hold the counter's own. */
export function withBreakdowns(thresholds) {
  const out = Object.assign({}, thresholds);
  for (const [metric, { tag, values }] of Object.entries(BREAKDOWNS)) {
    if (out[metric] === undefined) continue;
    for (const v of values) {
      const key = `${metric}{${tag}:${v}}`;
      if (out[key] === undefined) out[key] = out[metric].slice();
    }
  }
  return out;
}

/**
 * What each scenario does: the endpoints of its main loop (setup() excluded), whether it
 * ingests (anywhere: the query scenario's setup() writes the data it reads), proves, can send
 * probes, and runs arrival-rate executors (where k6 can drop iterations).
 */
export const SCENARIOS = Object.freeze({
  sequencer_ingest: { endpoints: ['ingest'], ingests: true, proofs: false, probes: true, openModel: false },
  sequencer_query: { endpoints: ['head', 'events', 'entity', 'commitments'], ingests: true, proofs: false, probes: false, openModel: false },
  sequencer_replay: { endpoints: ['ingest'], ingests: true, proofs: false, probes: false, replays: true, openModel: false },
  mixed_workload: { endpoints: ['ingest', 'commit', 'commitments', 'proof', 'head', 'events', 'entity'], ingests: true, proofs: true, probes: true, openModel: true },
  // The `ves spec` catalogue (spec_run.js): its own requests (endpoint:spec), no kit ingest.
  sequencer_spec: { endpoints: ['spec'], ingests: false, proofs: false, probes: false, spec: true, openModel: false },
});

/** Metrics every scenario moves: runner.json's thresholds. */
export const UNIVERSAL = Object.freeze(['checks', 'http_req_failed', 'ves_events_rejected', 'ves_receipts_invalid', 'ves_sequence_anomalies']);

const INGEST_METRICS = ['ves_events_accepted', 'ves_events_rejected', 'ves_receipts_invalid', 'ves_sequence_anomalies', 'ves_events_replayed', 'ves_receipts_checked', 'ves_receipt_signatures_checked'];
const PROOF_METRICS = ['ves_proofs_verified', 'ves_proofs_failed', 'ves_time_to_proof'];
const PROBE_METRICS = ['ves_invalid_accepted', 'ves_invalid_rejected', 'ves_replay_violations'];
const ENTITY_METRICS = ['ves_entity_read_violations', 'ves_entity_reads_checked'];

function scenarioOf(name) {
  const s = SCENARIOS[name];
  if (s === undefined) throw new Error(`thresholds: unknown scenario ${JSON.stringify(name)}; expected one of ${Object.keys(SCENARIOS).join(', ')}`);
  return s;
}

/**
 * Whether a threshold (metric key, with an optional {tag:value} filter, and expression) can
 * move in a scenario. Metrics the table does not know (a user's own) are assumed to move.
 * @param {string} scenario e.g. sequencer_ingest
 * @param {string} key e.g. `http_req_duration{endpoint:proof}`
 * @param {string} expression e.g. `rate>=1000`
 * @param {{probes?: number, openModel?: boolean, specRate?: number}} [ctx] PROBES of the run; openModel overrides the table; specRate: SPEC_RATE
 * @returns {string|null} null when it can move, else why not
 */
export function cannotMove(scenario, key, expression, ctx = {}) {
  const s = scenarioOf(scenario);
  const m = /^([^{]+)(\{(.*)\})?$/.exec(key);
  const metric = m ? m[1] : key;
  const endpoint = m && m[3] ? (/(?:^|,)\s*endpoint\s*:\s*([^,}]+)/.exec(m[3]) || [])[1] : undefined;
  if (endpoint !== undefined && !s.endpoints.includes(endpoint.trim())) return `${scenario} sends no ${endpoint.trim()} request in its main loop`;
  if (INGEST_METRICS.includes(metric)) {
    if (!s.ingests) return `${scenario} ingests nothing`;
    if (metric === 'ves_events_accepted' && /^rate/.test(expression) && !s.endpoints.includes('ingest')) return `${scenario} ingests only in setup(): a rate target cannot hold`;
  }
  if (PROOF_METRICS.includes(metric) && !s.proofs) return `${scenario} verifies no proof`;
  if (ENTITY_METRICS.includes(metric) && !s.endpoints.includes('entity')) return `${scenario} reads no entity`;
  // Replays re-sent on purpose (REPLAY_RATE, or the replay scenario's corpus) move ves_replay_violations.
  if (metric === 'ves_replay_violations' && (s.replays || (s.endpoints.includes('ingest') && ctx.replayRate > 0))) return null;
  // Invalid events inside batches (INVALID_RATE) move the invalid-event counters.
  if ((metric === 'ves_invalid_accepted' || metric === 'ves_invalid_rejected') && s.endpoints.includes('ingest') && !s.replays && ctx.invalidRate > 0) return null;
  if (PROBE_METRICS.includes(metric) && !(s.probes && ctx.probes > 0)) return s.probes ? `probes are off (PROBES=0) in this run of ${scenario}` : `${scenario} sends no probe`;
  // The spec scenario expects every status and judges each answer itself (ves_spec_failures); a
  // transport error there is a property's verdict (a lost early answer of a too-large body: SKIP).
  if (metric === 'http_req_failed' && s.spec) return `${scenario} judges every answer itself (ves_spec_failures)`;
  // The spec catalogue's failures: in its own scenario, or where SPEC_RATE runs it (spec_hook.js).
  if (metric === 'ves_spec_failures') return s.spec || (s.endpoints.includes('ingest') && ctx.specRate > 0) ? null : `${scenario} runs no property of the spec catalogue (SPEC_RATE=0)`;
  const open = ctx.openModel === undefined ? s.openModel : ctx.openModel;
  if (metric === 'dropped_iterations' && !open) return `${scenario} runs no arrival-rate executor here: k6 drops no iteration`;
  return null;
}

/**
 * The correctness thresholds of a scenario (those of CORRECTNESS that can move there).
 * @param {string} scenario
 * @param {{probes?: number, openModel?: boolean}} [ctx]
 */
export function correctnessThresholds(scenario, ctx = {}) {
  const out = {};
  for (const [metric, exprs] of Object.entries(CORRECTNESS)) {
    if (exprs.every((e) => cannotMove(scenario, metric, e, ctx) === null)) out[metric] = exprs.slice();
  }
  return out;
}

/**
 * Keeps the thresholds whose metric can move in the scenario; the others are returned as
 * `dropped` ({key, reason}) so that the script can say so.
 * @param {string} scenario
 * @param {Record<string, string[]>} thresholds
 * @param {{probes?: number, openModel?: boolean}} [ctx]
 */
export function applicable(scenario, thresholds, ctx = {}) {
  const kept = {};
  const dropped = [];
  for (const [key, exprs] of Object.entries(thresholds || {})) {
    const list = Array.isArray(exprs) ? exprs : [exprs];
    const keep = [];
    for (const e of list) {
      const text = typeof e === 'string' ? e : e && e.threshold;
      const why = cannotMove(scenario, key, String(text), ctx);
      if (why === null) keep.push(e);
      else dropped.push({ key: `${key} ${text}`, reason: why });
    }
    if (keep.length > 0) kept[key] = keep;
  }
  return { kept, dropped };
}

/**
 * The rate target of a profile (`ves.targets.events_per_second`) as a threshold, for scenarios
 * that ingest in their main loop; {} elsewhere or without a target.
 * @param {string} scenario
 * @param {{ves?: object}} profile
 */
export function rateThresholds(scenario, profile) {
  const target = profile && profile.ves && profile.ves.targets ? profile.ves.targets.events_per_second : undefined;
  if (target === undefined) return {};
  if (!(Number.isFinite(target) && target > 0)) throw new Error(`profile ${profile.name}: ves.targets.events_per_second: expected a number > 0, found ${JSON.stringify(target)}`);
  return scenarioOf(scenario).endpoints.includes('ingest') ? { ves_events_accepted: [`rate>=${target}`] } : {};
}

/**
 * The threshold of SERVER_AGREES=exact (server_view.js): the balance of events k6 saw accepted
 * and events the server counted must end at 0. {} in the other modes.
 * @param {'report'|'exact'|'off'|undefined} mode
 */
export function serverAgreesThresholds(mode) {
  return mode === 'exact' ? { ves_server_gap: ['count==0'] } : {};
}

/**
 * A scenario's thresholds: its own (latency per endpoint), the correctness table, the profile's
 * thresholds (they replace the script's for the same key) and rate target, SERVER_AGREES=exact's,
 * then only those that can move. Dropped ones are logged once (in the options pass) with the reason.
 * @param {string} scenario
 * @param {Record<string, string[]>} own
 * @param {{name: string, options: object|null, ves: object}} profile
 * @param {{probes?: number, openModel?: boolean, warmupMs?: number, largeBodies?: 'none'|'some'|'all', serverAgrees?: string}} [ctx] largeBodies: cfg.largeBodies (body_size.js); serverAgrees: cfg.serverAgrees
 */
export function scenarioThresholds(scenario, own, profile, ctx = {}) {
  const merged = Object.assign({}, own, correctnessThresholds(scenario, ctx), (profile.options && profile.options.thresholds) || {}, rateThresholds(scenario, profile), serverAgreesThresholds(ctx.serverAgrees));
  if (ctx.serverAgrees === 'exact' && profile.name === 'none' && typeof __VU !== 'undefined' && __VU === 0) {
    console.warn('ves-k6: SERVER_AGREES=exact with PROFILE=none: the config file\'s thresholds apply; add "ves_server_gap": ["count==0"] to them for the check to fail the run');
  }
  const { kept: found, dropped } = applicable(scenario, merged, ctx);
  // WARMUP: latency thresholds leave out the warm-up's requests (warmup.js).
  const warm = afterWarmup(found, ctx.warmupMs || 0);
  if (ctx.warmupMs > 0 && profile.name === 'none' && typeof __VU !== 'undefined' && __VU === 0) {
    console.warn('ves-k6: WARMUP has no effect on thresholds with PROFILE=none: the config file\'s latency thresholds count every request; filter them on {warmup:false} yourself');
  }
  // PAYLOAD with large bodies: latency thresholds leave out requests above 256 KiB (body_size.js).
  const large = ctx.largeBodies === 'some' || ctx.largeBodies === 'all';
  const kept = withBreakdowns(large ? normalBodiesOnly(warm) : warm);
  if (large && typeof __VU !== 'undefined' && __VU === 0) {
    if (profile.name === 'none') console.warn(`ves-k6: PAYLOAD makes request bodies above ${LARGE_BODY_BYTES} bytes (tagged body:large); with PROFILE=none the config file's latency thresholds count them too; filter them on {body:normal} yourself`);
    else console.log(`ves-k6: PAYLOAD makes request bodies above ${LARGE_BODY_BYTES} bytes: they are tagged body:large and the latency thresholds count only body:normal requests (their latency: http_req_duration{body:large} in --out json)`);
    if (ctx.largeBodies === 'all') console.warn('ves-k6: PAYLOAD makes every live ingest request large: the ingest latency thresholds count only the small ones (probes, heartbeats); lower BATCH_SIZE or PAYLOAD_BYTES to measure normal-size requests');
  }
  if (dropped.length > 0 && typeof __VU !== 'undefined' && __VU === 0) {
    const byReason = {};
    for (const d of dropped) (byReason[d.reason] = byReason[d.reason] || []).push(d.key);
    for (const [reason, keys] of Object.entries(byReason)) console.log(`ves-k6: thresholds not applied (${reason}): ${keys.join(', ')}`);
  }
  return kept;
}
