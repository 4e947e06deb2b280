/**
 * Reading a sequencer's `GET /metrics` (the Prometheus text format) in k6: the few families the
 * kit compares with its own counts, and quantiles of a histogram's delta between two readings.
 *
 * The real server (v0.2.7, LIVE_OBSERVED.md section 11) repeats a family's `# TYPE` line for
 * each label set, creates a counter only at its first increment (a missing family reads as 0),
 * and prints bucket bounds as Rust prints floats (`le="1"`, `le="2.5"`); the parser accepts all
 * of that, and comments of any kind are skipped.
 *
 * @module prom_text
 */

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

/**
 * Parses the text format into samples. Lines that are not samples (comments, blank lines, a
 * malformed line) are skipped: a reading is compared only on the families it finds.
 * @param {string} text
 * @returns {{name: string, labels: Record<string, string>, value: number}[]}
 */
export function parseSamples(text) {
  const out = [];
  for (const raw of String(text).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.charCodeAt(0) === 35) continue; // '#': HELP, TYPE, comments
    const m = SAMPLE.exec(line);
    if (m === null) continue;
    const labels = m[3] === undefined ? {} : parseLabels(m[3]);
    if (labels === null) continue;
    const value = parseValue(m[4]);
    if (value === null) continue;
    out.push({ name: m[1], labels, value });
  }
  return out;
}

function parseLabels(s) {
  const labels = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < s.length) {
    const at = LABEL.lastIndex;
    const m = LABEL.exec(s);
    if (m === null) return s.slice(at).trim() === '' ? labels : null;
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function parseValue(s) {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/**
 * The sum of a family's samples over all label sets, or 0 when the family is absent (the real
 * server has no counter before its first increment).
 * @param {ReturnType<typeof parseSamples>} samples
 * @param {string} name
 */
export function total(samples, name) {
  let sum = 0;
  for (const s of samples) if (s.name === name && Number.isFinite(s.value)) sum += s.value;
  return sum;
}

/**
 * A histogram summed over its label sets: cumulative counts per upper bound (ascending, +Inf
 * last), sum and count. An absent histogram is empty.
 * @param {ReturnType<typeof parseSamples>} samples
 * @param {string} name the family name, without `_bucket`
 * @returns {{buckets: [number, number][], sum: number, count: number}}
 */
export function histogram(samples, name) {
  const byBound = new Map();
  let sum = 0;
  let count = 0;
  for (const s of samples) {
    if (s.name === `${name}_bucket` && s.labels.le !== undefined) {
      const le = parseValue(s.labels.le);
      if (le === null || Number.isNaN(le)) continue;
      byBound.set(le, (byBound.get(le) || 0) + s.value);
    } else if (s.name === `${name}_sum`) sum += s.value;
    else if (s.name === `${name}_count`) count += s.value;
  }
  const buckets = [...byBound.entries()].sort((a, b) => a[0] - b[0]);
  return { buckets, sum, count };
}

/**
 * What a histogram gained between two readings (`after` minus `before`, per bound). Bounds
 * missing from `before` count from 0 there.
 * @param {ReturnType<typeof histogram>} before
 * @param {ReturnType<typeof histogram>} after
 */
export function histogramDelta(before, after) {
  const was = new Map(before.buckets);
  return {
    buckets: after.buckets.map(([le, n]) => [le, n - (was.get(le) || 0)]),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * Quantile `q` (0..1) of a histogram, as PromQL's histogram_quantile computes it: linear
 * interpolation inside the bucket that holds rank q × count, from the bucket below's bound (0 for
 * the first); a rank in the +Inf bucket gives the highest finite bound. null when it holds no
 * observation.
 * @param {{buckets: [number, number][]}} h cumulative counts, ascending bounds, +Inf last
 * @param {number} q
 * @returns {number|null}
 */
export function quantile(h, q) {
  const buckets = h.buckets;
  if (buckets.length === 0) return null;
  const observed = buckets[buckets.length - 1][1];
  if (!(observed > 0)) return null;
  const rank = q * observed;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const [le, n] = buckets[i];
    if (n >= rank) {
      if (le === Infinity) return i > 0 ? buckets[i - 1][0] : null;
      if (n === below) return le;
      return lower + (le - lower) * ((rank - below) / (n - below));
    }
    lower = le;
    below = n;
  }
  return buckets[buckets.length - 1][0];
}

/**
 * A histogram as JSON can carry it (bounds as strings: JSON has no Infinity), for setup()'s data.
 * @param {ReturnType<typeof histogram>} h
 */
export function packHistogram(h) {
  return { buckets: h.buckets.map(([le, n]) => [le === Infinity ? '+Inf' : String(le), n]), sum: h.sum, count: h.count };
}

/**
 * The inverse of packHistogram.
 * @param {ReturnType<typeof packHistogram>} p
 * @returns {ReturnType<typeof histogram>}
 */
export function unpackHistogram(p) {
  return { buckets: p.buckets.map(([le, n]) => [parseValue(le), n]), sum: p.sum, count: p.count };
}
