/**
 * The receipts log: with RECEIPTS_LOG=1, one console line per ingest answer that acknowledged
 * new events, so that `ves audit --receipts FILE` can prove afterwards that every acknowledged
 * event is in the committed log exactly once (docs/SCALE.md). k6 writes the lines where its log
 * goes; `--log-output=file=PATH` keeps them in a file (text or `--log-format=json`).
 *
 * A line's message is `ves-receipts ` + compact JSON, format v1:
 * `{"v":1,"tenant":"<uuid>","store":"<uuid>","events":[["<event id>",<seq>,"<receipt hash>","<signing hash>","<agent signature>"],…]}`
 * (hex bare lowercase; the last two may be left out, as a replay's corpus has them). The values
 * are the ones the ledger already computed for the receipt check: nothing is hashed again here.
 *
 * @module receipts_log
 */

export const RECEIPTS_MARKER = 'ves-receipts ';

/**
 * Whether RECEIPTS_LOG asks for the log ("1" or "true").
 * @param {Record<string, string|undefined>} [env] defaults to k6's __ENV
 */
export function receiptsLogEnabled(env) {
  const source = env === undefined ? (typeof __ENV === 'undefined' ? {} : __ENV) : env;
  const v = String(source.RECEIPTS_LOG || '').toLowerCase();
  return v === '1' || v === 'true';
}

const ENABLED = receiptsLogEnabled();

/**
 * The `collect` option for Ledger.recordIngest: an array to fill when the log is on.
 * @returns {Array|undefined}
 */
export function receiptsCollector() {
  return ENABLED ? [] : undefined;
}

/**
 * The message for one answer's new receipts, or null when there are none.
 * @param {string} tenantId
 * @param {string} storeId
 * @param {Array<[string, number, string, string?, string?]>} rows
 */
export function receiptsLine(tenantId, storeId, rows) {
  if (!Array.isArray(rows) || rows.length === 0) return null;
  return RECEIPTS_MARKER + JSON.stringify({ v: 1, tenant: String(tenantId).toLowerCase(), store: String(storeId).toLowerCase(), events: rows });
}

/**
 * Writes the line for one ingest answer (the hook in ingest.js's pass rule).
 * @param {object[]} events the envelopes sent (one stream)
 * @param {{collected?: Array}} outcome Ledger.recordIngest's outcome
 */
export function logReceipts(events, outcome) {
  if (!ENABLED || !outcome || !events || events.length === 0) return;
  const line = receiptsLine(events[0].tenant_id, events[0].store_id, outcome.collected);
  if (line !== null) console.log(line);
}
