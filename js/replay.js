/**
 * Replays under load (REPLAY_RATE) and what a correct sequencer must answer to them: for every
 * event its original receipt, the whole receipt (every field equal, the sequencer signature
 * included; sequencedAt the same to the microsecond, see receiptDifference) and nothing newly
 * accepted. A batch is re-sent byte for byte, or with SPELLING=varied in a spelling other than
 * its first send's (spelling.js: the same signed events, other legal JSON). Anything else is a
 * replay violation (ves_replay_violations{kind}):
 *
 * | kind              | what came back for a re-sent event                                   |
 * |-------------------|----------------------------------------------------------------------|
 * | refused           | a rejection (e.g. duplicate_event_id "... with different contents")   |
 * | respelled         | a rejection of an event re-sent in another spelling (a real sequencer |
 * |                   | compares JSONB-round-tripped values, where 7 and 7.0 differ: LIVE_OBSERVED.md section 10) |
 * | new_sequence      | a receipt with another sequence number, or the batch accepted events  |
 * | different_receipt | the original sequence number in a receipt that differs in another field (receipt hash, signature, …) |
 * | missing           | neither a receipt nor a rejection                                    |
 * | http              | a non-200 answer to the whole re-sent request (4xx: a refusal)        |
 *
 * The first violation of each kind is logged with the event id and its payload (never a key);
 * a respelled one with the first value spelled differently, both ways.
 *
 * @module replay
 */
import { check } from 'k6';
import { strip0x } from './bytes.js';
import { FROM_SIGNER } from './explain.js';
import { reasonCode } from './ledger.js';
import * as metrics from './metrics.js';
import { firstRespelled, jsonText, variedBody } from './spelling.js';

/** How many accepted batches a VU keeps for a later replay (the oldest is dropped). */
export const MAX_PENDING_REPLAYS = 8;

/** How many spellings a re-send tries for one that differs from its first send's. */
const MAX_RESPELL_ATTEMPTS = 8;

/** REPLAY_RATE: the share of accepted batches re-sent later in the run. */
export function replayRate(env, fallback = 0) {
  const raw = env.REPLAY_RATE;
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!(v >= 0 && v <= 1)) throw new Error(`REPLAY_RATE: expected a share from 0 to 1 of accepted batches to re-send byte for byte, found ${JSON.stringify(raw)}`);
  return v;
}

/** The accepted batches a VU will re-send. */
export class ReplayBook {
  constructor(max = MAX_PENDING_REPLAYS) {
    this.max = max;
    this.pending = [];
  }

  /**
   * Keeps an accepted batch: its exact body and, per event id, the original receipt (whole).
   * @param {string} agentId
   * @param {string} body the exact bytes that were POSTed
   * @param {object[]} events the batch's events
   * @param {object[]|null} receipts the receipts of the answer (all verified by the pass rule);
   *   null when `ves signer` keeps them (`handle`) and `answer` holds the answer's text
   * @param {{eventId: string, expect: string}[]} [invalid] events made invalid on purpose: refused again with the same reason code
   * @param {{handle?: string, answer?: string, spelling?: {block(index: number, counter?: number): Uint8Array}|null}} [opts]
   *   with `ves signer`: the handle under which it keeps the original receipts, and the
   *   answer's text (to judge here if the signer no longer holds them); with SPELLING=varied,
   *   the slot's `spelling` source: the body was its attempt 0, the re-send takes another attempt
   */
  remember(agentId, body, events, receipts, invalid = [], opts = {}) {
    const refused = new Map();
    for (const inv of invalid) refused.set(inv.eventId, inv.expect);
    const entry = { agentId, body, events, original: null, refused, handle: opts.handle || null, answer: opts.answer || null, spelling: opts.spelling || null };
    if (receipts !== null) entry.original = originalReceipts(receipts);
    this.pending.push(entry);
    if (this.pending.length > this.max) this.pending.shift();
  }

  /** The oldest batch waiting for its replay, removed from the book (or null). */
  take() {
    return this.pending.length > 0 ? this.pending.shift() : null;
  }
}

/**
 * The receipts of an answer by event id (lowercase), whole.
 * @param {object[]} receipts
 * @returns {Map<string, object>}
 */
export function originalReceipts(receipts) {
  const original = new Map();
  for (const r of Array.isArray(receipts) ? receipts : []) original.set(String(r && r.eventId).toLowerCase(), r);
  return original;
}

/**
 * The first field (in key order) in which a replay's receipt differs from the original, or null
 * when they are the same receipt: every field equal (hex fields in any case, with or without
 * 0x), a field present in one only differs, and
 * sequencedAt the same instant to the microsecond, because the real server answers an exact
 * replay with sequencedAt cut to microseconds (`…34.766108+00:00` for `…34.766108976+00:00`,
 * LIVE_OBSERVED.md §4 "Receipts"). The same rule as ves_core::receipt::receipt_difference.
 * @param {object} original
 * @param {object} replay
 * @returns {string|null}
 */
export function receiptDifference(original, replay) {
  if (original === null || typeof original !== 'object' || replay === null || typeof replay !== 'object') {
    return sameValue(original, replay) ? null : 'receipt';
  }
  const keys = Array.from(new Set(Object.keys(original).concat(Object.keys(replay)))).sort();
  for (const k of keys) {
    const same = k === 'sequencedAt' ? sameMicrosecond(original[k], replay[k])
      : k === 'receiptHash' || k === 'sequencerSignature' ? sameHex(original[k], replay[k])
        : sameValue(original[k], replay[k]);
    if (!same) return k;
  }
  return null;
}

// Hex in any case, with or without 0x (DESIGN.md, "Formats").
function sameHex(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return sameValue(a, b);
  return strip0x(a).toLowerCase() === strip0x(b).toLowerCase();
}

function sameValue(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameMicrosecond(a, b) {
  if (a === b) return true;
  if (typeof a !== 'string' || typeof b !== 'string') return sameValue(a, b);
  const p = microsForm(a);
  const q = microsForm(b);
  return p !== null && q !== null && p === q;
}

// Up to the seconds, the fraction's first six digits padded with zeros, the offset.
function microsForm(s) {
  if (s.length < 19) return null;
  const head = s.slice(0, 19);
  let rest = s.slice(19);
  let digits = '';
  if (rest.startsWith('.')) {
    const m = /^\.(\d*)/.exec(rest);
    digits = m[1];
    rest = rest.slice(1 + digits.length);
  }
  return `${head}|${(digits.slice(0, 6) + '000000').slice(0, 6)}|${rest}`;
}

/**
 * Judges the answer to a re-sent batch against its original receipts, the whole receipt.
 * @param {{events: object[], original: Map<string, object>, refused?: Map<string, string>}} entry
 * @param {{status: number, json: any}} r
 * @returns {{replayed: number, violations: {kind: string, eventId: string, detail: string}[], unanswered: boolean}}
 */
export function judgeReplay(entry, r) {
  const violations = [];
  const first = entry.events.length > 0 ? String(entry.events[0].event_id).toLowerCase() : '';
  if (r.status !== 200 || r.json === null || typeof r.json !== 'object') {
    if (r.status >= 400 && r.status < 500) violations.push({ kind: 'http', eventId: first, detail: `HTTP ${r.status}` });
    return { replayed: 0, violations, unanswered: r.status < 400 || r.status >= 500 };
  }
  const body = r.json;
  if (Number.isSafeInteger(body.eventsAccepted) && body.eventsAccepted > 0) {
    violations.push({ kind: 'new_sequence', eventId: first, detail: `eventsAccepted=${body.eventsAccepted} for a batch that was accepted before` });
  }
  const answered = new Set();
  for (const rej of Array.isArray(body.rejections) ? body.rejections : []) {
    const id = String(rej.event_id || '').toLowerCase();
    if (entry.refused && entry.refused.get(id) === reasonCode(String(rej.reason))) continue; // an invalid event, refused again
    answered.add(id);
    violations.push({ kind: 'refused', eventId: id, detail: `${rej.reason}: ${rej.message}` });
  }
  let replayed = 0;
  for (const rc of Array.isArray(body.receipts) ? body.receipts : []) {
    const id = String(rc && rc.eventId || '').toLowerCase();
    const orig = entry.original.get(id);
    if (orig === undefined) continue; // a receipt for an event not sent: the pass rule's concern
    answered.add(id);
    const field = rc.sequenceNumber !== orig.sequenceNumber ? null : receiptDifference(orig, rc);
    if (rc.sequenceNumber !== orig.sequenceNumber) violations.push({ kind: 'new_sequence', eventId: id, detail: `sequence number ${rc.sequenceNumber}, originally ${orig.sequenceNumber}` });
    else if (field !== null) violations.push({ kind: 'different_receipt', eventId: id, detail: `${field} ${rc[field]}, originally ${orig[field]}` });
    else replayed++;
  }
  for (const id of entry.original.keys()) if (!answered.has(id)) violations.push({ kind: 'missing', eventId: id, detail: 'neither a receipt nor a rejection' });
  return { replayed, violations, unanswered: false };
}

/**
 * Judges the answer to a re-sent batch (REPLAY_RATE) against its original receipts, the
 * whole receipt (replay.js judgeReplay), as a verdict.
 * @param {{events: object[], original: Map<string, object>, refused?: Map<string, string>}} entry
 * @param {{status: number, json: any}} r
 */
export function judgeResend(entry, r) {
  const j = judgeReplay(entry, r);
  const replayViolations = {};
  const failures = [];
  for (const v of j.violations) {
    count(replayViolations, v.kind);
    failures.push({ eventId: v.eventId, check: 'replay', code: v.kind, detail: v.detail });
  }
  const accepted = r.status === 200 && r.json && Number.isSafeInteger(r.json.eventsAccepted) && r.json.eventsAccepted > 0 ? r.json.eventsAccepted : 0;
  const ok = j.violations.length === 0 && !j.unanswered;
  return {
    events: entry.events.length,
    accepted,
    newReceipts: 0,
    replayed: j.replayed,
    receiptsChecked: j.replayed,
    signaturesChecked: 0,
    invalidReceipts: 0,
    anomalies: 0,
    missing: 0,
    sequenceStart: null,
    sequenceEnd: null,
    headSequence: r.json && Number.isSafeInteger(r.json.headSequence) ? r.json.headSequence : null,
    seqs: [],
    rejected: {},
    invalidRejected: {},
    invalidAccepted: {},
    replayViolations,
    failures: failures.slice(0, 50), // ves_core::answer::MAX_LISTED_FAILURES
    failuresTotal: failures.length,
    everyEventAccepted: ok,
    everyReceiptVerifies: ok,
    unanswered: j.unanswered,
  };
}

/**
/**
 * The body of a re-send: the batch's own bytes, or (SPELLING=varied) the first attempt of its
 * spelling source, from 1 on, whose body differs from the first send's.
 * @returns {{body: string, attempt: number|null}}
 */
export function resendBody(entry) {
  if (!entry.spelling) return { body: entry.body, attempt: null };
  for (let attempt = 1; attempt <= MAX_RESPELL_ATTEMPTS; attempt++) {
    const body = variedBody(entry.agentId, entry.events, entry.spelling, attempt);
    if (body !== entry.body) return { body, attempt };
  }
  return { body: entry.body, attempt: null };
}

/**
 * Re-sends the oldest remembered batch of `book` (byte for byte, or respelled: resendBody) and
 * records the verdict: ves_events_replayed and ves_receipts_checked for each original receipt
 * returned whole, ves_replay_violations for each violation by kind, the first of each kind
 * explained with the event id and payload (a respelled one with the first value spelled
 * differently, both ways). With `checker` (a RemoteSigner that checks answers, SIGNER_CHECK), the signer
 * judges the answer against the original receipts it kept (`remember`'s handle); when it no
 * longer holds them, or without a signer, it is judged here.
 * @param {import('./client.js').VesClient} client
 * @param {ReplayBook} book
 * @param {(kind: string, message: string) => void} explain logs once per kind
 * @param {string} stream the stream tag value
 * @param {{check: (request: object, answer: string) => object|null}|null} [checker]
 * @returns {boolean|null} null when nothing was due
 */
export function resendOne(client, book, explain, stream, checker = null) {
  const entry = book.take();
  if (entry === null) return null;
  const { body, attempt } = resendBody(entry);
  const remote = checker !== null && entry.handle !== null;
  const r = client.ingest(entry.agentId, body, { expectedStatuses: [], tags: { replay: 'true', respelled: attempt === null ? 'false' : 'true' }, parse: !remote });
  let verdict = remote ? checker.check({ resendOf: entry.handle, status: r.status }, r.res.body) : null;
  const bySigner = verdict !== null;
  if (verdict === null) {
    if (entry.original === null) entry.original = originalReceipts(answerReceipts(entry.answer));
    verdict = judgeResend(entry, r);
  }
  // A refusal of a re-send in another spelling: the sequencer judged the spelling, not the event
  // (whoever judged the answer: k6 or `ves signer`).
  if (attempt !== null) respelled(verdict);
  metrics.recordResendVerdict(verdict, stream, bySigner);
  const ok = verdict.everyEventAccepted && !verdict.unanswered;
  check(r, { 'replay: original receipts returned': () => ok });
  for (const v of verdict.failures) {
    const index = entry.events.findIndex((e) => String(e.event_id).toLowerCase() === v.eventId);
    const event = index === -1 ? undefined : entry.events[index];
    const how = attempt === null ? 'byte for byte' : `in another spelling (SPELLING=varied, attempt ${attempt})`;
    let first = '';
    if (v.code === 'respelled' && event !== undefined) {
      const d = firstRespelled(event, index, entry.spelling, 0, attempt);
      first = d === null ? '; every value spelled alike (only whitespace or key order differ)' : `; the first value spelled differently: ${d.path}, first sent as ${d.first}, re-sent as ${d.second}`;
    }
    explain(`replay:${v.code}`, `${bySigner ? FROM_SIGNER : ''}replay violation (${v.code}): re-sending accepted event ${v.eventId} ${how} got ${v.detail}${first}; its payload: ${payloadExcerpt(event)}`);
  }
  return ok;
}

// The receipts of a kept answer text (a re-send judged here although the signer kept them).
function answerReceipts(text) {
  try {
    const json = JSON.parse(text);
    return json && Array.isArray(json.receipts) ? json.receipts : [];
  } catch (e) {
    return [];
  }
}

/**
 * In an answer to a re-sent corpus (replay scenario, reruns), the rejections that break
 * idempotency: duplicate_event_id "... with different contents" for an event this request sent
 * (its bytes are what was accepted before). They are removed from `outcome.rejected` and
 * returned, so that they count as replay violations, not as rejected new events.
 * @param {import('./ledger.js').IngestOutcome} outcome
 * @returns {{eventId: string, reason: string, message: string}[]}
 */
export function takeReplayRefusals(outcome) {
  const refusals = [];
  const kept = [];
  for (const rej of outcome.rejected) {
    if (rej.code === 'duplicate_event_id' && /different contents/i.test(`${rej.reason} ${rej.message}`)) refusals.push(rej);
    else kept.push(rej);
  }
  outcome.rejected = kept;
  return refusals;
}

/** The payload of an event as a short string for the log (payloads carry no secret). */
export function payloadExcerpt(event) {
  if (!event) return '(not in this request)';
  // An event signed by `ves signer` (remote_signer.js SignedEvent) carries its payload in its batch's body.
  const payload = event.payload === undefined && typeof event.envelope === 'function' ? event.envelope().payload : event.payload;
  const text = jsonText(payload === undefined ? null : payload);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * In an answer to re-sent events whose original receipts the client does not hold (a re-sent
 * corpus, a rerun): replay receipts (numbers outside sequenceStart..sequenceEnd) whose sequence
 * number is above the stream's headSequence. No event can have been sequenced above the head,
 * so such a receipt gives a re-sent event a new number. Removes them from `outcome.replayed`.
 * @param {import('./ledger.js').IngestOutcome} outcome
 * @param {object|null} body the parsed answer
 * @returns {{eventId: string, sequenceNumber: number, head: number}[]}
 */
export function takeRenumberedReplays(outcome, body) {
  const found = [];
  if (body === null || typeof body !== 'object' || !Number.isSafeInteger(body.headSequence)) return found;
  const start = Number.isSafeInteger(body.sequenceStart) ? body.sequenceStart : null;
  const end = Number.isSafeInteger(body.sequenceEnd) ? body.sequenceEnd : null;
  for (const rc of Array.isArray(body.receipts) ? body.receipts : []) {
    const seq = rc && rc.sequenceNumber;
    if (!Number.isSafeInteger(seq)) continue;
    const fresh = start !== null && end !== null && seq >= start && seq <= end;
    if (!fresh && seq > body.headSequence) found.push({ eventId: String(rc.eventId).toLowerCase(), sequenceNumber: seq, head: body.headSequence });
  }
  outcome.replayed = Math.max(0, outcome.replayed - found.length);
  return found;
}

// The verdict on a re-send in another spelling: its refusals are `respelled` violations.
function respelled(verdict) {
  const n = verdict.replayViolations.refused || 0;
  if (n > 0) {
    delete verdict.replayViolations.refused;
    verdict.replayViolations.respelled = (verdict.replayViolations.respelled || 0) + n;
  }
  for (const f of verdict.failures) if (f.check === 'replay' && f.code === 'refused') f.code = 'respelled';
}

function count(map, key) {
  map[key] = (map[key] || 0) + 1;
}
