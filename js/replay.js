/**
 * Replays under load (REPLAY_RATE) and what a correct sequencer must answer to them: for every
 * event its original receipt (same sequence number, same receipt hash) and nothing newly
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
 * | different_receipt | the original sequence number with another receipt hash               |
 * | missing           | neither a receipt nor a rejection                                    |
 * | http              | a non-200 answer to the whole re-sent request (4xx: a refusal)        |
 *
 * The first violation of each kind is logged with the event id and its payload (never a key);
 * a respelled one with the first value spelled differently, both ways.
 *
 * @module replay
 */
import { check } from 'k6';
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
   * Keeps an accepted batch: its exact body and, per event id, the original receipt.
   * @param {string} agentId
   * @param {string} body the exact bytes that were POSTed
   * @param {object[]} events the batch's events
   * @param {object[]} receipts the receipts of the answer (all verified by the pass rule)
   * @param {{eventId: string, expect: string}[]} [invalid] events made invalid on purpose: refused again with the same reason code
   * @param {{block(index: number, counter?: number): Uint8Array}|null} [spelling] with SPELLING=varied, the
   *   slot's `spelling` source: the body was its attempt 0, the re-send takes another attempt
   */
  remember(agentId, body, events, receipts, invalid = [], spelling = null) {
    const refused = new Map();
    for (const inv of invalid) refused.set(inv.eventId, inv.expect);
    const original = new Map();
    for (const r of receipts) original.set(String(r.eventId).toLowerCase(), { sequenceNumber: r.sequenceNumber, receiptHash: String(r.receiptHash).toLowerCase() });
    this.pending.push({ agentId, body, events, original, refused, spelling });
    if (this.pending.length > this.max) this.pending.shift();
  }

  /** The oldest batch waiting for its replay, removed from the book (or null). */
  take() {
    return this.pending.length > 0 ? this.pending.shift() : null;
  }
}

/**
 * Judges the answer to a re-sent batch against its original receipts.
 * @param {{events: object[], original: Map<string, {sequenceNumber: number, receiptHash: string}>}} entry
 * @param {{status: number, json: any}} r
 * @returns {{replayed: number, violations: {kind: string, eventId: string, detail: string}[]}}
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
    if (rc.sequenceNumber !== orig.sequenceNumber) violations.push({ kind: 'new_sequence', eventId: id, detail: `sequence number ${rc.sequenceNumber}, originally ${orig.sequenceNumber}` });
    else if (String(rc.receiptHash).toLowerCase() !== orig.receiptHash) violations.push({ kind: 'different_receipt', eventId: id, detail: `receipt hash ${rc.receiptHash}, originally ${orig.receiptHash}` });
    else replayed++;
  }
  for (const id of entry.original.keys()) if (!answered.has(id)) violations.push({ kind: 'missing', eventId: id, detail: 'neither a receipt nor a rejection' });
  return { replayed, violations, unanswered: false };
}

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
 * records the verdict: ves_events_replayed for each original receipt, ves_replay_violations for
 * each violation by kind, the first of each kind explained with the event id and payload.
 * @param {import('./client.js').VesClient} client
 * @param {ReplayBook} book
 * @param {(kind: string, message: string) => void} explain logs once per kind
 * @param {string} stream the stream tag value
 * @returns {boolean|null} null when nothing was due
 */
export function resendOne(client, book, explain, stream) {
  const entry = book.take();
  if (entry === null) return null;
  const { body, attempt } = resendBody(entry);
  const r = client.ingest(entry.agentId, body, { expectedStatuses: [], tags: { replay: 'true', respelled: attempt === null ? 'false' : 'true' } });
  const verdict = judgeReplay(entry, r);
  // A refusal of a re-send in another spelling: the sequencer judged the spelling, not the event.
  if (attempt !== null) for (const v of verdict.violations) if (v.kind === 'refused') v.kind = 'respelled';
  if (verdict.replayed > 0) metrics.eventsReplayed.add(verdict.replayed, { stream: String(stream) });
  const byKind = {};
  for (const v of verdict.violations) byKind[v.kind] = (byKind[v.kind] || 0) + 1;
  for (const [kind, n] of Object.entries(byKind)) metrics.recordReplayViolation(n, kind);
  const ok = verdict.violations.length === 0 && !verdict.unanswered;
  check(r, { 'replay: original receipts returned': () => ok });
  for (const v of verdict.violations) {
    const index = entry.events.findIndex((e) => String(e.event_id).toLowerCase() === v.eventId);
    const event = index === -1 ? undefined : entry.events[index];
    const how = attempt === null ? 'byte for byte' : `in another spelling (SPELLING=varied, attempt ${attempt})`;
    let respelled = '';
    if (v.kind === 'respelled' && event !== undefined) {
      const d = firstRespelled(event, index, entry.spelling, 0, attempt);
      respelled = d === null ? '; every value spelled alike (only whitespace or key order differ)' : `; the first value spelled differently: ${d.path}, first sent as ${d.first}, re-sent as ${d.second}`;
    }
    explain(`replay:${v.kind}`, `replay violation (${v.kind}): re-sending accepted event ${v.eventId} ${how} got ${v.detail}${respelled}; its payload: ${payloadExcerpt(event)}`);
  }
  return ok;
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
  const env = typeof event.toJSON === 'function' ? event.toJSON() : event;
  const text = jsonText(env.payload === undefined ? null : env.payload);
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
