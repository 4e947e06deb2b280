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
 * An answer whose receipts were not checked one by one (RECEIPT_CHECK < 1, ledger.js
 * recordClean) is logged as format v2, with the answer's `receipts` array as the sequencer sent
 * it (a slice of the response text: no per-event work in k6) and, for live events, what
 * `ves audit` needs to check each receipt hash and rebuild each leaf, as concatenated bare hex:
 * `{"v":2,"tenant":…,"store":…,"ids":"<36 chars per event>","hashes":"<64 per event>","sigs":"<128 per event>","receipts":[…]}`
 * (`ids`, `hashes`, `sigs` in the order the events were sent; left out for a replay).
 *
 * @module receipts_log
 */

import { strip0x } from './bytes.js';
import { signingHash } from './hash.js';

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
 * The `receipts` array of an ingest answer as text (a slice of `text`), or null when it cannot
 * be cut out safely. Receipts hold no arrays, so the first `]` after `"receipts":[` ends it.
 * @param {string} text the answer's body
 */
export function rawReceipts(text) {
  if (typeof text !== 'string') return null;
  const at = text.indexOf('"receipts":[');
  if (at < 0 || text.indexOf('"receipts":[', at + 1) >= 0) return null;
  const end = text.indexOf(']', at);
  if (end < 0 || text.lastIndexOf('[', end) !== at + 11) return null;
  return text.substring(at + 11, end + 1);
}

/**
 * The v2 message for an answer recorded without one-by-one checks, or null.
 * @param {object[]} events the envelopes sent, in order (one stream)
 * @param {string} receipts the answer's receipts array as text (rawReceipts)
 */
export function receiptsLineV2(events, receipts) {
  if (typeof receipts !== 'string' || !Array.isArray(events) || events.length === 0) return null;
  const head = `{"v":2,"tenant":"${String(events[0].tenant_id).toLowerCase()}","store":"${String(events[0].store_id).toLowerCase()}"`;
  const signed = signedColumns(events);
  const middle = signed === null ? '' : `,"ids":"${signed.ids}","hashes":"${signed.hashes}","sigs":"${signed.sigs}"`;
  return `${RECEIPTS_MARKER}${head}${middle},"receipts":${receipts}}`;
}

// Event ids, signing hashes and signatures as concatenated bare hex: from the signer's batch
// strings when the events came from `ves signer` (no per-event work), else event by event;
// null for replayed corpus events (the audit reads those from --corpus).
function signedColumns(events) {
  const b = events[0].batch;
  if (b && typeof b.ids === 'string' && b.count === events.length) return { ids: b.ids.toLowerCase(), hashes: b.hashes, sigs: b.signatures };
  if (typeof events[0].$signingHash === 'string') return null;
  const ids = new Array(events.length);
  const hashes = new Array(events.length);
  const sigs = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    ids[i] = String(e.event_id).toLowerCase();
    hashes[i] = typeof e.signingHashHex === 'string' ? e.signingHashHex : signingHash(e);
    sigs[i] = typeof e.signatureHex === 'string' ? e.signatureHex : strip0x(String(e.agent_signature)).toLowerCase();
  }
  return { ids: ids.join(''), hashes: hashes.join(''), sigs: sigs.join('') };
}

/**
 * Writes the line for one ingest answer (the hook in the ingest pass rule).
 * @param {object[]} events the envelopes sent (one stream)
 * @param {{collected?: Array, unchecked?: number, newReceipts?: number}} outcome the verdict
 * @param {string} [text] the answer's body (for an answer recorded without one-by-one checks)
 * @param {boolean} [raw] the answer was not parsed in k6 (`ves signer` checked it): always v2
 */
export function logReceipts(events, outcome, text, raw = false) {
  if (!ENABLED || !outcome || !events || events.length === 0) return;
  if (raw && !(outcome.newReceipts > 0)) return;
  const line = raw || outcome.unchecked > 0 ? receiptsLineV2(events, rawReceipts(text)) : receiptsLine(events[0].tenant_id, events[0].store_id, outcome.collected);
  if (line !== null) console.log(line);
  else if ((raw || outcome.unchecked > 0) && !warnedUncut) {
    warnedUncut = true;
    console.warn(`ves-k6: an ingest answer's receipts could not be cut out for the receipts log (no single "receipts":[…] in it): ves audit will report its events as unacknowledged`);
  }
}

let warnedUncut = false;
