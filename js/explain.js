/**
 * Explanations in the log: the first failure of each kind, once per VU, with what it means
 * (HTTP statuses, pool exhaustion), so that a red threshold comes with a reason.
 *
 * @module explain
 */
import exec from 'k6/execution';

/** The start of a log line that reports a failure found by `ves signer` (SIGNER_CHECK). */
export const FROM_SIGNER = "ves signer's verdict: ";

export const SHEDDING_HINT = 'the sequencer is shedding load (503 pool_exhausted): its database pool was saturated at its last 15 s sample, so it refuses every API request until the next one; raise MAX_DB_CONNECTIONS (and PostgreSQL max_connections) or lower the load';

/** Logs a failure the first time this VU sees its kind, so a red threshold comes with a reason. */
export function explainOnce(state, kind, message) {
  if (state.explained.has(kind)) return;
  state.explained.add(kind);
  console.warn(`ves-k6 [VU ${exec.vu.idInTest}] ${message}`);
}

/** Logs what a non-200 answer means (pool exhaustion, auth, limits), once per status. */
export function explainHttp(state, endpoint, r) {
  const code = r.json && typeof r.json.code === 'string' ? r.json.code : '';
  let why = '';
  if (r.status === 0) why = `no answer (${r.res.error}): the sequencer stopped or the network failed`;
  else if (r.status === 503 && code === 'pool_exhausted') why = SHEDDING_HINT;
  else if (r.status === 429) why = 'rate limited (429): raise or unset RATE_LIMIT_PER_MINUTE on the sequencer, or the key\'s rateLimit';
  else if (r.status === 401) why = 'authentication refused (401): API_KEY must be a valid key starting with ss_';
  else if (r.status === 403) why = 'permission denied (403): the key cannot write this tenant/store/agent';
  else if (r.status === 413) why = 'too large (413): at most 1000 events, 10 MiB per request, 1 MiB per payload';
  else why = excerpt(r.res.body);
  explainOnce(state, `${endpoint}:${r.status}`, `${endpoint}: HTTP ${r.status}: ${why}`);
}

/** The first 200 characters of a response body, for logs. */
export function excerpt(body) {
  if (typeof body !== 'string' || body.length === 0) return '(empty body)';
  return body.length > 200 ? `${body.slice(0, 200)}…` : body;
}
