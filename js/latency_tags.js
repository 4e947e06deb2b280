/**
 * Latency thresholds narrowed to the requests that carry one tag value: the one rewrite that
 * WARMUP (warmup.js, `warmup:false`) and large bodies (body_size.js, `body:normal`) both apply.
 *
 * @module latency_tags
 */

/**
 * `http_req_duration{endpoint:x}` becomes `http_req_duration{endpoint:x,<tag>:<value>}`,
 * `http_req_duration` becomes `http_req_duration{<tag>:<value>}` (`http_req_waiting` the same).
 * Keys that already filter on `tag`, and every other key, are kept as they are.
 * @param {Record<string, unknown>} thresholds
 * @param {string} tag
 * @param {string} value
 */
export function latencyOnly(thresholds, tag, value) {
  const out = {};
  for (const [key, v] of Object.entries(thresholds)) {
    const m = /^(http_req_duration|http_req_waiting)(?:\{(.*)\})?$/.exec(key);
    if (m === null || (m[2] || '').includes(`${tag}:`)) out[key] = v;
    else out[`${m[1]}{${m[2] ? `${m[2]},` : ''}${tag}:${value}}`] = v;
  }
  return out;
}
