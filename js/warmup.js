/**
 * WARMUP (a duration such as `3s`, `500ms`, `1m`): requests made before it are tagged
 * `warmup:true` (later ones `warmup:false`), and the scenarios' latency thresholds
 * (`http_req_duration{…}`) filter on `warmup:false`, so a cold start (connection set-up, JIT,
 * the sequencer's caches) does not fail them. The correctness counters, `http_req_failed` and
 * `checks` keep every request: a wrong answer during warm-up is still wrong.
 *
 * The tag is a VU tag set at the start of each iteration (`guard`), so it also marks the custom
 * metrics of the iteration. With `PROFILE=none` the thresholds come from a config file that the
 * kit does not rewrite: the scripts say so at start.
 *
 * @module warmup
 */
import exec from 'k6/execution';
import { latencyOnly } from './latency_tags.js';

const UNITS = { ms: 1, s: 1000, m: 60000, h: 3600000 };

/**
 * WARMUP in ms (0 when unset).
 * @param {string|undefined} raw
 * @returns {number}
 */
export function parseWarmup(raw) {
  if (raw === undefined || raw === null || String(raw).trim() === '') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(raw).trim());
  if (m === null) throw new Error(`WARMUP: expected a duration such as 3s, 500ms or 1m (requests before it are left out of the latency thresholds), found ${JSON.stringify(raw)}`);
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}

/**
 * Latency thresholds restricted to requests after the warm-up: `http_req_duration{endpoint:x}`
 * becomes `http_req_duration{endpoint:x,warmup:false}`, `http_req_duration` becomes
 * `http_req_duration{warmup:false}`. Other keys are kept as they are.
 * @param {Record<string, unknown>} thresholds
 * @param {number} warmupMs
 */
export function afterWarmup(thresholds, warmupMs) {
  return warmupMs > 0 ? latencyOnly(thresholds, 'warmup', 'false') : thresholds;
}

/**
 * Tags what this VU sends from now on as warm-up or not (called at each iteration's start).
 * @param {number} warmupMs
 */
export function tagWarmup(warmupMs) {
  if (!(warmupMs > 0)) return;
  exec.vu.metrics.tags.warmup = exec.instance.currentTestRunDuration < warmupMs ? 'true' : 'false';
}
