// The k6 mirror of the ingest pass rule (js/answer_rule.js judgeAnswer, js/replay.js
// judgeResend) against the answer vectors: good ingest answers and every kind of wrong one,
// each with the verdict `ves_core::answer` must give (crates/ves-core/tests/data/
// ingest_answers.json, built and run by `cargo test -p ves-core --test answer_vectors`). Both
// rules must agree field for field, so that a run without `ves signer` judges as one with it.
//
//   k6 run --quiet --no-usage-report tests/k6/answer_vectors.test.js
import { judgeAnswer } from '../../js/answer_rule.js';
import { parseJson } from '../../js/client.js';
import { Ledger } from '../../js/ledger.js';
import { judgeResend, originalReceipts } from '../../js/replay.js';
import { Harness, readJson, testOptions } from './lib/harness.js';

const TEST = 'answer_vectors';
const FILE = '../../crates/ves-core/tests/data/ingest_answers.json';
const vectors = readJson(FILE);
const MIN_CASES = 40;
export const options = testOptions(null, MIN_CASES);

// A k6 response as the client returns it (client.js parseJson: objects and arrays only).
function response(status, text) {
  return { status, json: parseJson({ body: text }) };
}

// The case's events as k6 holds them: an invalid event's own id in its place.
function eventsOf(c) {
  const events = c.events.map((e) => ({ event_id: e.eventId, tenant_id: c.tenant, store_id: c.store, signingHashHex: e.signingHash }));
  for (const inv of c.invalid || []) events[inv.index] = Object.assign({}, events[inv.index], { event_id: inv.eventId });
  return events;
}

function judge(c) {
  const events = eventsOf(c);
  const invalid = (c.invalid || []).map((i) => ({ index: i.index, kind: i.kind, expect: i.code, eventId: i.eventId }));
  if (c.kind === 'resend') {
    const refused = new Map(invalid.map((i) => [i.eventId.toLowerCase(), i.expect]));
    const entry = { events, original: originalReceipts(JSON.parse(c.original).receipts), refused };
    return judgeResend(entry, response(c.status, c.answer));
  }
  const r = response(c.status, c.answer);
  const key = c.sequencerPublicKey || null;
  return judgeAnswer(new Ledger(), events, r.json, r.status, { invalid, replaysAllowed: c.replaysAllowed === true }, { sequencerPublicKeyHex: key, signatureSample: key === null ? 0 : 1 });
}

// The fields the vectors fix (the Rust test's Expected).
function comparable(v) {
  const failures = v.failures.map((f) => [f.eventId, f.check, f.code]);
  failures.sort((a, b) => (a.join('\u0000') < b.join('\u0000') ? -1 : a.join('\u0000') > b.join('\u0000') ? 1 : 0));
  return {
    accepted: v.accepted,
    newReceipts: v.newReceipts,
    replayed: v.replayed,
    receiptsChecked: v.receiptsChecked,
    signaturesChecked: v.signaturesChecked,
    invalidReceipts: v.invalidReceipts,
    anomalies: v.anomalies,
    missing: v.missing,
    seqs: v.seqs,
    rejected: v.rejected,
    invalidRejected: v.invalidRejected,
    invalidAccepted: v.invalidAccepted,
    replayViolations: v.replayViolations,
    everyEventAccepted: v.everyEventAccepted,
    everyReceiptVerifies: v.everyReceiptVerifies,
    unanswered: v.unanswered,
    failures,
  };
}

// JSON with object keys sorted (the Rust side writes BTreeMaps and a fixed field order).
function canonical(x) {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x !== null && typeof x === 'object') return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
  return JSON.stringify(x);
}

export default function () {
  const h = new Harness(TEST);
  if (vectors.error) {
    h.ok('file', false, vectors.error);
    h.finish();
    return;
  }
  h.eq('file', vectors.value.format, 'ves-answers/1', 'the vector format');
  const codes = new Set();
  for (const c of vectors.value.cases) {
    h.case(c.kind);
    const got = h.guard(c.kind, c.name, () => comparable(judge(c)));
    if (got === undefined) continue;
    h.eq(c.kind, canonical(got), canonical(c.expect), c.name);
    for (const f of c.expect.failures) codes.add(f[2]);
  }
  // Wrong answers of every kind are in the file (as the Rust test requires too).
  for (const code of ['receipt_hash_mismatch', 'bad_sequencer_signature', 'unknown_event', 'missing', 'not_consecutive', 'duplicate_sequence', 'refused', 'new_sequence', 'different_receipt', 'unexpected_replay']) {
    h.ok('file', codes.has(code), `no case fails with ${code}`);
  }
  h.finish();
}
