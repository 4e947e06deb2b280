/**
 * The kit's custom k6 metrics, created at module scope (k6 requires init context), and helpers
 * that feed them from the library's results.
 *
 * | metric                   | type         | tags   |
 * |--------------------------|--------------|--------|
 * | ves_events_accepted      | Counter      | stream |
 * | ves_events_rejected      | Counter      | reason (the code before any ':', never the message) |
 * | ves_receipts_invalid     | Counter      |        |
 * | ves_proofs_verified      | Counter      |        |
 * | ves_proofs_failed        | Counter      |        |
 * | ves_time_to_proof        | Trend (time) |        | ms from ingest ack to verified proof
 * | ves_sign_duration        | Trend (time) |        | ms per event spent building and signing
 * | ves_sequence_anomalies   | Counter      | stream |
 * | ves_invalid_rejected     | Counter      | kind   |
 * | ves_invalid_accepted     | Counter      | kind   |
 * | ves_replay_violations    | Counter      | kind   | re-sent events not answered with their original receipt, by kind (REPLAY_VIOLATION_KINDS, replay.js)
 * | ves_events_replayed      | Counter      | stream | events answered by their original receipt (a rerun with fixed SEED, CREATED_AT and key; replay mode)
 * | ves_receipts_checked     | Counter      |        | receipts checked during the run, in k6 or by `ves signer`: each new receipt's hash (every one; without a signer and with RECEIPT_CHECK < 1, those of the sampled answers), each replay's whole receipt
 * | ves_receipts_checked_by_signer | Counter |       | of those, the ones `ves signer` checked (SIGNER_URL, SIGNER_CHECK)
 * | ves_receipt_signatures_checked | Counter |       | receipts whose sequencer signature was verified (the SEQUENCER_PUBLIC_KEY sample)
 * | ves_entity_read_violations | Counter | kind  | entity reads that broke a rule (entity_reads.js), once per kind and read
 * | ves_entity_reads_checked | Counter   | hot    | entity reads that returned events, all checked (0 on the real server: legacy events only)
 *
 * @module metrics
 */
import { Counter, Trend } from 'k6/metrics';
import { reasonCode } from './ledger.js';

export const eventsAccepted = new Counter('ves_events_accepted');
export const eventsRejected = new Counter('ves_events_rejected');
export const receiptsInvalid = new Counter('ves_receipts_invalid');
export const proofsVerified = new Counter('ves_proofs_verified');
export const proofsFailed = new Counter('ves_proofs_failed');
export const timeToProof = new Trend('ves_time_to_proof', true);
export const signDuration = new Trend('ves_sign_duration', true);
export const sequenceAnomalies = new Counter('ves_sequence_anomalies');
export const invalidRejected = new Counter('ves_invalid_rejected');
export const invalidAccepted = new Counter('ves_invalid_accepted');
export const replayViolations = new Counter('ves_replay_violations');
/**
 * The kinds of replay violations (replay.js): refused, respelled (a re-send in another spelling
 * refused, SPELLING=varied), new_sequence, different_receipt, missing, http.
 */
export const REPLAY_VIOLATION_KINDS = Object.freeze(['refused', 'respelled', 'new_sequence', 'different_receipt', 'missing', 'http']);
export const eventsReplayed = new Counter('ves_events_replayed');
export const receiptsChecked = new Counter('ves_receipts_checked');
export const receiptsCheckedBySigner = new Counter('ves_receipts_checked_by_signer');
export const receiptSignaturesChecked = new Counter('ves_receipt_signatures_checked');
export const entityReadViolations = new Counter('ves_entity_read_violations');
export const entityReadsChecked = new Counter('ves_entity_reads_checked');

/** Metric names, for thresholds and summaries. */
export const METRIC_NAMES = Object.freeze({
  eventsAccepted: 'ves_events_accepted',
  eventsRejected: 'ves_events_rejected',
  receiptsInvalid: 'ves_receipts_invalid',
  proofsVerified: 'ves_proofs_verified',
  proofsFailed: 'ves_proofs_failed',
  timeToProof: 'ves_time_to_proof',
  signDuration: 'ves_sign_duration',
  sequenceAnomalies: 'ves_sequence_anomalies',
  invalidRejected: 'ves_invalid_rejected',
  invalidAccepted: 'ves_invalid_accepted',
  replayViolations: 'ves_replay_violations',
  eventsReplayed: 'ves_events_replayed',
  receiptsChecked: 'ves_receipts_checked',
  receiptsCheckedBySigner: 'ves_receipts_checked_by_signer',
  receiptSignaturesChecked: 'ves_receipt_signatures_checked',
  entityReadViolations: 'ves_entity_read_violations',
  entityReadsChecked: 'ves_entity_reads_checked',
});

/**
 * Adds 0 to every counter so that each appears in summaries (and in handleSummary data) even
 * when nothing happened, e.g. `ves_events_rejected 0`.
 */
export function touchMetrics() {
  for (const c of [eventsAccepted, eventsRejected, receiptsInvalid, proofsVerified, proofsFailed, sequenceAnomalies, invalidRejected, invalidAccepted, replayViolations, eventsReplayed, receiptsChecked, receiptsCheckedBySigner, receiptSignaturesChecked, entityReadViolations, entityReadsChecked]) {
    c.add(0);
  }
}

/**
 * Feeds an ingest outcome (Ledger.recordIngest) into the counters: accepted events, rejections
 * by reason code, invalid receipts, sequence anomalies. Use it for valid events only: rejections
 * of deliberately invalid probes belong in `recordProbe`.
 * @param {import('./ledger.js').IngestOutcome} outcome
 * @param {string} stream the stream tag value (e.g. the stream index "0")
 */
export function recordIngestOutcome(outcome, stream) {
  const tags = { stream: String(stream) };
  if (outcome.accepted > 0) eventsAccepted.add(outcome.accepted, tags);
  if (outcome.rejected.length > 0) {
    const byCode = {};
    for (const r of outcome.rejected) byCode[r.code] = (byCode[r.code] || 0) + 1;
    for (const code of Object.keys(byCode)) eventsRejected.add(byCode[code], { reason: code });
  }
  if (outcome.invalidReceipts > 0) receiptsInvalid.add(outcome.invalidReceipts);
  if (outcome.anomalies > 0) sequenceAnomalies.add(outcome.anomalies, tags);
  if (outcome.replayed > 0) eventsReplayed.add(outcome.replayed, tags);
  // Receipts recorded without a one-by-one check (RECEIPT_CHECK sampling) are not counted here.
  const receipts = outcome.newReceipts + outcome.replayed - (outcome.unchecked || 0);
  if (receipts > 0) receiptsChecked.add(receipts);
  if (outcome.signaturesChecked > 0) receiptSignaturesChecked.add(outcome.signaturesChecked);
}

/**
 * Feeds the verdict on one ingest answer (answer_rule.js judgeAnswer, or `ves signer`'s) into
 * the counters: accepted events, rejections by reason code, invalid receipts, sequence
 * anomalies, replays, receipts and signatures checked, the invalid events by kind, replay
 * violations.
 * @param {object} v the verdict
 * @param {string} stream the stream tag value
 * @param {boolean} bySigner `ves signer` judged it
 */
export function recordVerdict(v, stream, bySigner) {
  const tags = { stream: String(stream) };
  if (v.accepted > 0) eventsAccepted.add(v.accepted, tags);
  for (const code of Object.keys(v.rejected)) eventsRejected.add(v.rejected[code], { reason: code });
  if (v.invalidReceipts > 0) receiptsInvalid.add(v.invalidReceipts);
  if (v.anomalies > 0) sequenceAnomalies.add(v.anomalies, tags);
  if (v.replayed > 0) eventsReplayed.add(v.replayed, tags);
  addChecked(v.receiptsChecked, bySigner);
  if (v.signaturesChecked > 0) receiptSignaturesChecked.add(v.signaturesChecked);
  for (const kind of Object.keys(v.invalidRejected)) invalidRejected.add(v.invalidRejected[kind], { kind });
  for (const kind of Object.keys(v.invalidAccepted)) invalidAccepted.add(v.invalidAccepted[kind], { kind });
  addReplayViolations(v.replayViolations);
}

/**
 * Feeds the verdict on a re-sent batch (REPLAY_RATE) into the counters: each original receipt
 * returned whole is a replay and a receipt checked; each violation counts.
 * @param {object} v the verdict (replay.js judgeResend, or `ves signer`'s)
 * @param {string} stream
 * @param {boolean} bySigner
 */
export function recordResendVerdict(v, stream, bySigner) {
  if (v.replayed > 0) eventsReplayed.add(v.replayed, { stream: String(stream) });
  addChecked(v.receiptsChecked, bySigner);
  addReplayViolations(v.replayViolations);
}

function addChecked(n, bySigner) {
  if (n > 0) {
    receiptsChecked.add(n);
    if (bySigner) receiptsCheckedBySigner.add(n);
  }
}

// Every replay violation carries its kind (REPLAY_VIOLATION_KINDS), for the summary's breakdown.
function addReplayViolations(byKind) {
  for (const kind of Object.keys(byKind)) if (byKind[kind] > 0) replayViolations.add(byKind[kind], { kind });
}

/**
 * Counts one rejection reason (the code before any ':' becomes the tag).
 * @param {string} reason the server's reason string
 * @param {number} [count]
 */
export function recordRejection(reason, count = 1) {
  eventsRejected.add(count, { reason: reasonCode(reason) });
}

/**
 * Records the build-and-sign time of a batch as one sample of ms per event.
 * @param {number} elapsedMs time spent building and signing the batch
 * @param {number} eventCount events in the batch
 */
export function recordSignDuration(elapsedMs, eventCount) {
  if (eventCount > 0) signDuration.add(elapsedMs / eventCount);
}

/**
 * Records one proof check.
 * @param {boolean} ok verified
 * @param {number} [timeToProofMs] ms from the event's ingest ack to the verified proof (recorded when ok)
 */
export function recordProof(ok, timeToProofMs) {
  if (ok) {
    proofsVerified.add(1);
    if (typeof timeToProofMs === 'number' && timeToProofMs >= 0) timeToProof.add(timeToProofMs);
  } else {
    proofsFailed.add(1);
  }
}

/**
 * Records the outcome of a deliberately invalid event (a probe).
 * @param {string} kind e.g. bad_signature, payload_hash_mismatch
 * @param {boolean} rejected true when the sequencer rejected it as it should
 */
export function recordProbe(kind, rejected) {
  (rejected ? invalidRejected : invalidAccepted).add(1, { kind });
}

/**
 * Records replay violations (a replayed event that did not come back with its original receipt).
 * @param {number} [count]
 * @param {string} [kind] one of REPLAY_VIOLATION_KINDS
 */
export function recordReplayViolation(count = 1, kind = 'refused') {
  replayViolations.add(count, { kind });
}

/**
 * Records one judged entity read (entity_reads.js judgeEntityRead).
 * @param {{events: number, violations: Array<{kind: string}>}} judged
 * @param {boolean} hot the read asked for a hot entity (HOT_ENTITIES)
 */
export function recordEntityRead(judged, hot) {
  for (const v of judged.violations) entityReadViolations.add(1, { kind: v.kind });
  if (judged.events > 0) entityReadsChecked.add(1, { hot: hot ? 'true' : 'false' });
}
