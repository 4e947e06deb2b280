/**
 * The pass rule of one ingest answer, in k6: the JavaScript mirror of `ves_core::answer`
 * (crates/ves-core/src/answer.rs), used when no `ves signer` checks the answers. Both give the
 * same verdict, field for field: `crates/ves-core/tests/data/ingest_answers.json` holds good
 * answers and every kind of wrong one, and both rules run it (cargo test -p ves-core --test
 * answer_vectors; tests/k6/answer_vectors.test.js).
 *
 * A verdict (what `ves signer` answers to POST /v1/check, and what judgeAnswer returns):
 *
 * | field | meaning |
 * |---|---|
 * | events, accepted | events sent; eventsAccepted as reported |
 * | newReceipts, replayed | receipts numbered inside / outside sequenceStart..sequenceEnd |
 * | receiptsChecked, signaturesChecked, invalidReceipts | receipts judged one by one, signatures verified (the sample), receipts that failed |
 * | anomalies, missing | sequence anomalies; events with neither a receipt nor a rejection |
 * | seqs | new receipts by event: runs [first index, count, first number] |
 * | rejected, invalidRejected, invalidAccepted, replayViolations | counts by reason code or kind |
 * | failures, failuresTotal | each failure: {eventId, check, code, detail} (at most 50 listed) |
 * | everyEventAccepted, everyReceiptVerifies, unanswered | the pass rule's two checks; a re-send not answered |
 *
 * @module answer_rule
 */
import { reasonCode } from './ledger.js';
import { judgeResend, takeRenumberedReplays, takeReplayRefusals } from './replay.js';

/** At most this many failures are listed in a verdict (as ves_core::answer). */
export const MAX_LISTED_FAILURES = 50;

/**
 * Judges the answer to a batch of fresh (or corpus) events and records it in `ledger` (which
 * also finds numbers this VU has seen before: pass a fresh Ledger to judge one answer alone).
 * @param {import('./ledger.js').Ledger} ledger
 * @param {object[]} events the events as sent (an invalid one in its place)
 * @param {any} body the parsed answer, or null
 * @param {number} status the HTTP status (the invalid-event and head checks read 200 answers only)
 * @param {{invalid?: {index: number, kind: string, expect: string, eventId: string}[], replaysAllowed?: boolean}} [expect]
 * @param {object} [options] Ledger.recordIngest's options (signatures, receipts log, RECEIPT_CHECK)
 * @returns {object} the verdict, plus `rejections` (the unexpected ones, with messages),
 *   `unchecked` and `collected` (Ledger.recordIngest)
 */
export function judgeAnswer(ledger, events, body, status, expect = {}, options = {}) {
  const invalid = expect.invalid || [];
  const replaysAllowed = expect.replaysAllowed === true;
  const skip = invalid.length > 0 ? new Set(invalid.map((i) => i.index)) : null;
  const outcome = ledger.recordIngest(events, body, Object.assign({}, options, { skip, replaysAllowed }));
  const okBody = status === 200 ? body : null;
  const replayViolations = {};
  if (replaysAllowed) {
    for (const r of takeReplayRefusals(outcome)) {
      count(replayViolations, 'refused');
      outcome.failures.push({ eventId: r.eventId, check: 'replay', code: 'refused', detail: `sent before (a corpus or rerun sent again, in these bytes or another spelling of them), was refused: ${r.reason} (${r.message})` });
    }
    for (const r of takeRenumberedReplays(outcome, okBody)) {
      count(replayViolations, 'new_sequence');
      outcome.failures.push({ eventId: r.eventId, check: 'replay', code: 'new_sequence', detail: `came back with sequence number ${r.sequenceNumber}, above the stream's head ${r.head}` });
    }
  }
  const invalidRejected = {};
  const invalidAccepted = {};
  for (const j of judgeInvalidEvents(outcome, invalid, okBody)) {
    if (j.got === null) {
      count(invalidRejected, j.kind);
    } else {
      count(invalidAccepted, j.kind);
      outcome.failures.push({ eventId: j.eventId, check: 'invalid', code: j.kind, detail: `made invalid on purpose (${j.kind}), expected the rejection ${j.expect}; got ${j.got}` });
    }
  }
  const rejected = {};
  for (const r of outcome.rejected) {
    count(rejected, r.code);
    outcome.failures.push({ eventId: r.eventId, check: 'rejected', code: r.code, detail: `${r.reason} (${r.message})` });
  }
  const valid = events.length - invalid.length;
  const answered = outcome.accepted + (replaysAllowed ? outcome.replayed : 0);
  const receipted = outcome.newReceipts + (replaysAllowed ? outcome.replayed : 0);
  const start = body && Number.isSafeInteger(body.sequenceStart) ? body.sequenceStart : null;
  return {
    events: events.length,
    accepted: outcome.accepted,
    newReceipts: outcome.newReceipts,
    replayed: outcome.replayed,
    receiptsChecked: outcome.newReceipts + outcome.replayed - outcome.unchecked,
    signaturesChecked: outcome.signaturesChecked,
    invalidReceipts: outcome.invalidReceipts,
    anomalies: outcome.anomalies,
    missing: outcome.missing,
    sequenceStart: start,
    sequenceEnd: body && Number.isSafeInteger(body.sequenceEnd) ? body.sequenceEnd : null,
    headSequence: outcome.headSequence,
    seqs: outcome.unchecked > 0 ? [[0, outcome.unchecked, start]] : runs(outcome.newIdx, outcome.newSeqs),
    rejected,
    invalidRejected,
    invalidAccepted,
    replayViolations,
    failures: outcome.failures.slice(0, MAX_LISTED_FAILURES),
    failuresTotal: outcome.failures.length,
    everyEventAccepted: answered === valid && outcome.rejected.length === 0 && Object.keys(replayViolations).length === 0 && outcome.missing === 0,
    everyReceiptVerifies: outcome.invalidReceipts === 0 && receipted === valid,
    unanswered: false,
    // k6's own: the rejections with their messages, RECEIPT_CHECK's unchecked receipts, the receipts log.
    rejections: outcome.rejected,
    unchecked: outcome.unchecked,
    collected: outcome.collected,
  };
}

/**
 * Each event made invalid on purpose (INVALID_RATE) must come back as a rejection with its
 * expected reason code. Takes those rejections out of `outcome.rejected` (what is left concerns
 * valid events) and says, per invalid event, what it got: null when rejected as expected.
 * @param {import('./ledger.js').IngestOutcome} outcome
 * @param {{eventId: string, kind: string, expect: string}[]} invalid
 * @param {object|null} body the parsed answer (null when not 200)
 * @returns {{kind: string, eventId: string, expect: string, got: string|null}[]}
 */
export function judgeInvalidEvents(outcome, invalid, body) {
  const out = [];
  if (invalid.length === 0) return out;
  const receiptIds = new Set();
  for (const r of body && Array.isArray(body.receipts) ? body.receipts : []) receiptIds.add(String(r && r.eventId).toLowerCase());
  for (const inv of invalid) {
    const id = String(inv.eventId).toLowerCase();
    const at = outcome.rejected.findIndex((r) => r.eventId === id && r.code === inv.expect);
    if (at >= 0) {
      outcome.rejected.splice(at, 1);
      out.push({ kind: inv.kind, eventId: id, expect: inv.expect, got: null });
      continue;
    }
    const other = outcome.rejected.findIndex((r) => r.eventId === id);
    let got;
    if (other >= 0) {
      got = `rejected as ${outcome.rejected[other].reason}`;
      outcome.rejected.splice(other, 1);
    } else if (receiptIds.has(id) && inv.kind !== 'duplicate_in_batch') got = 'accepted (a receipt)';
    else got = body === null ? 'no answer' : 'neither a receipt nor a rejection';
    out.push({ kind: inv.kind, eventId: id, expect: inv.expect, got });
  }
  return out;
}

/**
 * Runs [first index, count, first number] of (event index, number) pairs, by index.
 * @param {number[]} idx
 * @param {number[]} seqs
 */
export function runs(idx, seqs) {
  const pairs = idx.map((i, k) => [i, seqs[k]]);
  let sorted = true;
  for (let k = 1; sorted && k < pairs.length; k++) sorted = pairs[k - 1][0] < pairs[k][0] || (pairs[k - 1][0] === pairs[k][0] && pairs[k - 1][1] <= pairs[k][1]);
  if (!sorted) pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = [];
  for (const [i, s] of pairs) {
    const last = out.length > 0 ? out[out.length - 1] : null;
    if (last !== null && last[0] + last[1] === i && last[2] + last[1] === s) last[1]++;
    else out.push([i, 1, s]);
  }
  return out;
}

/**
 * The sequence number of event `index` in a verdict's runs, or null when it got no new one.
 * @param {number[][]} seqs
 * @param {number} index
 */
export function sequenceOf(seqs, index) {
  for (const [first, n, seq] of seqs) if (index >= first && index < first + n) return seq + (index - first);
  return null;
}

/**
 * A verdict's first failure of each check, for the log, and its reason code.
 * @param {{failures: object[]}} verdict
 */
export function firstFailures(verdict) {
  const seen = new Set();
  const out = [];
  for (const f of verdict.failures || []) {
    const key = `${f.check}:${f.code}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

function count(map, key) {
  map[key] = (map[key] || 0) + 1;
}

export { judgeResend, reasonCode };
