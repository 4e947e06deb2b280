/**
 * The VU's own ledger of accepted events, per stream (tenant, store).
 *
 * The real sequencer has no HTTP read of VES events, so to verify an inclusion proof a VU must
 * rebuild the Merkle leaf of one of its own events from what it kept at ingest time:
 * sequence number -> (signing hash, signature). The ledger keeps those, records receipts of
 * ingest responses (checking every receipt hash, and the sequencer signature on a sample), and
 * detects sequence anomalies:
 *  - a response whose new receipts are not exactly sequenceStart..sequenceEnd, consecutive,
 *    eventsAccepted of them;
 *  - a new event given a sequence number this VU has already seen in that stream.
 *
 * Memory is bounded: at most `maxEvents` entries (default 10,000) are kept across all streams,
 * stored column-wise (no object per entry; about 0.3-0.4 KB each in k6); when full, the oldest
 * entries go first (the lowest sequence numbers of the stream that holds the oldest entry).
 * `keepFraction` keeps only a random share of new events (the proof sample; always the first
 * checked one of each answer) so that the ledger spans more history and costs less per event.
 * Sequence numbers already seen are kept as merged ranges (one per response at worst), capped at
 * `maxSeenRanges` (default 10,000); beyond it the lowest ranges are dropped, and duplicates of
 * dropped ranges can no longer be detected.
 *
 * @module ledger
 */
import { describe, normalizeHex, strip0x } from './bytes.js';
import { leafHash, signingHash } from './hash.js';
import { checkReceipt } from './receipt.js';

export const DEFAULT_MAX_EVENTS = 10000;
export const DEFAULT_MAX_SEEN_RANGES = 10000;

/**
 * @typedef {object} LedgerEntry
 * @property {string} tenantId
 * @property {string} storeId
 * @property {number} sequenceNumber
 * @property {string} eventId
 * @property {string} signingHash bare hex
 * @property {string} signature bare hex (64 bytes)
 * @property {number} ingestedAt ms since the epoch, when the ingest response arrived
 */

/**
 * @typedef {object} IngestOutcome
 * @property {string} stream "tenant/store"
 * @property {boolean} parsed false when the response had no JSON body
 * @property {number} accepted eventsAccepted as the server reported it
 * @property {number|null} headSequence the stream's head after this request (the VES head is only visible here)
 * @property {Array<{eventId: string, code: string, reason: string, message: string}>} rejected
 * @property {number} newReceipts receipts of newly sequenced events (checked or not)
 * @property {number} replayed receipts of events the server had already (idempotent replays)
 * @property {number} invalidReceipts receipts that failed checkReceipt or belong to no event sent
 * @property {string[]} invalidReasons reasons for the invalid receipts (first 10)
 * @property {number} signaturesChecked sequencer signatures checked (the sample; one that fails also counts in invalidReceipts)
 * @property {number} anomalies sequence anomalies in this response
 * @property {number} missing events sent that got neither a receipt nor a rejection
 * @property {number} unchecked new receipts not checked one by one (RECEIPT_CHECK sampling; recordClean)
 * @property {Array<{eventId: string, check: string, code: string, detail: string}>} failures
 *   what is wrong, event by event (receipts, numbering, missing events), as answer_rule.js reports it
 * @property {number[]} newIdx for each new receipt (in `newSeqs` order), the index of its event
 * @property {number[]} newSeqs the new receipts' sequence numbers, in the order they came
 */

// One stream's kept entries, column-wise and sorted by sequence number; entries before `head`
// have been evicted. `hashes` holds signing hash + signature (192 hex digits) in one string.
class StreamRecord {
  constructor(tenantId, storeId) {
    this.tenantId = tenantId;
    this.storeId = storeId;
    this.head = 0;
    this.seqs = [];
    this.stamps = []; // insertion order across the whole ledger, for eviction
    this.hashes = [];
    this.eventIds = [];
    this.times = [];
    this.seen = []; // flat sorted ranges of sequence numbers seen: [start0, end0, start1, end1, ...]
  }

  get live() {
    return this.seqs.length - this.head;
  }

  indexOf(seq) {
    const i = lowerBound(this.seqs, this.head, seq);
    return i < this.seqs.length && this.seqs[i] === seq ? i : -1;
  }

  entryAt(i) {
    const hashes = this.hashes[i];
    return {
      tenantId: this.tenantId,
      storeId: this.storeId,
      sequenceNumber: this.seqs[i],
      eventId: this.eventIds[i],
      signingHash: hashes.substring(0, 64),
      signature: hashes.substring(64),
      ingestedAt: this.times[i],
    };
  }

  // Inserts or replaces; returns true when the entry is new.
  put(seq, stamp, hashes, eventId, time) {
    const i = lowerBound(this.seqs, this.head, seq);
    if (i < this.seqs.length && this.seqs[i] === seq) {
      this.hashes[i] = hashes;
      this.eventIds[i] = eventId;
      this.times[i] = time;
      return false;
    }
    if (i === this.seqs.length) {
      this.seqs.push(seq);
      this.stamps.push(stamp);
      this.hashes.push(hashes);
      this.eventIds.push(eventId);
      this.times.push(time);
    } else {
      this.seqs.splice(i, 0, seq);
      this.stamps.splice(i, 0, stamp);
      this.hashes.splice(i, 0, hashes);
      this.eventIds.splice(i, 0, eventId);
      this.times.splice(i, 0, time);
    }
    return true;
  }

  dropOldest() {
    this.hashes[this.head] = undefined;
    this.eventIds[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.seqs.length) {
      for (const column of ['seqs', 'stamps', 'hashes', 'eventIds', 'times']) this[column] = this[column].slice(this.head);
      this.head = 0;
    }
  }
}

export class Ledger {
  /**
   * @param {{maxEvents?: number, maxSeenRanges?: number, keepFraction?: number, random?: () => number}} [options]
   */
  constructor(options = {}) {
    const { maxEvents = DEFAULT_MAX_EVENTS, maxSeenRanges = DEFAULT_MAX_SEEN_RANGES, keepFraction = 1, random = Math.random } = options;
    if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new TypeError(`Ledger: maxEvents: expected a positive integer, found ${describe(maxEvents)}`);
    if (!Number.isInteger(maxSeenRanges) || maxSeenRanges < 1) throw new TypeError(`Ledger: maxSeenRanges: expected a positive integer, found ${describe(maxSeenRanges)}`);
    if (!(keepFraction > 0 && keepFraction <= 1)) throw new TypeError(`Ledger: keepFraction: expected a number in (0, 1], found ${describe(keepFraction)}`);
    this.maxEvents = maxEvents;
    this.maxSeenRanges = maxSeenRanges;
    this.keepFraction = keepFraction;
    this.random = random;
    this.streams = new Map();
    this.records = []; // the same records in an array: evictOldest runs once per new event when full, and a Map iterator costs several µs in k6
    this.size = 0;
    this.evicted = 0;
    this.stamp = 0;
  }

  /** @returns {StreamRecord} */
  stream(tenantId, storeId) {
    const key = streamKey(tenantId, storeId);
    let rec = this.streams.get(key);
    if (rec === undefined) {
      rec = new StreamRecord(tenantId.toLowerCase(), storeId.toLowerCase());
      this.streams.set(key, rec);
      this.records.push(rec);
    }
    return rec;
  }

  /**
   * Records the receipts of one ingest response for the events that were sent in it.
   * Every receipt hash is checked; with `sequencerPublicKeyHex`, a `signatureSample` share of
   * the sequencer signatures too. Receipts that fail are counted as invalid and not kept; their
   * sequence numbers still take part in the anomaly checks.
   *
   * @param {object[]} events the envelopes sent (one stream)
   * @param {object} response the parsed JSON body, or a client result `{json}`
   * @param {{ingestedAt?: number, sequencerPublicKeyHex?: string, signatureSample?: number, collect?: Array, receiptCheck?: number}} [options]
   *   `collect`: an array that receives `[eventId, seq, receiptHash, signingHash, signature]` of
   *   every new receipt (the receipts log); the outcome's `collected` is then that array.
   *   `receiptCheck` (RECEIPT_CHECK, default 1): the share of clean answers whose receipts are
   *   checked one by one; see {@link Ledger#recordClean} for the others.
   *   `skip`: indexes of events made invalid on purpose (INVALID_RATE): a receipt for one is
   *   counted but not checked or kept (the invalid-event rule judges it).
   *   `replaysAllowed`: events may come back as replays; otherwise each replay is a failure.
   * @returns {IngestOutcome}
   */
  recordIngest(events, response, options = {}) {
    const { ingestedAt = Date.now(), sequencerPublicKeyHex = null, signatureSample = 0, collect = undefined, receiptCheck = 1, skip = null, replaysAllowed = true } = options;
    const body = response && typeof response === 'object' && 'json' in response && 'res' in response ? response.json : response;
    const first = events.length > 0 ? events[0] : null;
    const rec = first ? this.stream(first.tenant_id, first.store_id) : null;
    const outcome = {
      stream: rec ? `${rec.tenantId}/${rec.storeId}` : '',
      parsed: body !== null && typeof body === 'object',
      accepted: 0,
      headSequence: null,
      rejected: [],
      newReceipts: 0,
      replayed: 0,
      invalidReceipts: 0,
      invalidReasons: [],
      signaturesChecked: 0,
      anomalies: 0,
      missing: 0,
      unchecked: 0,
      failures: [],
      newIdx: [],
      newSeqs: [],
    };
    if (!outcome.parsed || rec === null) {
      outcome.missing = events.length;
      for (const e of events) failure(outcome, String(e.event_id).toLowerCase(), 'missing', 'missing', 'no answer to judge');
      return outcome;
    }
    outcome.accepted = Number.isSafeInteger(body.eventsAccepted) ? body.eventsAccepted : 0;
    outcome.headSequence = Number.isSafeInteger(body.headSequence) ? body.headSequence : null;
    if (receiptCheck < 1 && this.random() >= receiptCheck && this.recordClean(rec, events.length, body, outcome)) return outcome;
    // Receipts usually come in the order of the events sent, with the same id strings: the
    // event at the receipt's own index is tried first, the id map is built only when needed.
    const ids = new Array(events.length);
    for (let i = 0; i < events.length; i++) ids[i] = String(events[i].event_id).toLowerCase();
    let byId = null;
    const answered = new Set(); // ids answered other than by position
    const byPosition = new Uint8Array(events.length); // 1: event i answered by receipt i

    for (const r of Array.isArray(body.rejections) ? body.rejections : []) {
      const reason = r && typeof r.reason === 'string' ? r.reason : '';
      const eventId = r && typeof r.event_id === 'string' ? r.event_id.toLowerCase() : '';
      answered.add(eventId);
      outcome.rejected.push({ eventId, code: reasonCode(reason), reason, message: r && typeof r.message === 'string' ? r.message : '' });
    }

    const start = Number.isSafeInteger(body.sequenceStart) ? body.sequenceStart : null;
    const end = Number.isSafeInteger(body.sequenceEnd) ? body.sequenceEnd : null;
    const newSeqs = outcome.newSeqs;
    const newIdx = outcome.newIdx;
    let keptHere = 0;
    const receipts = Array.isArray(body.receipts) ? body.receipts : [];
    for (let k = 0; k < receipts.length; k++) {
      const receipt = receipts[k];
      const rawId = receipt && typeof receipt.eventId === 'string' ? receipt.eventId : '';
      let index;
      let id;
      if (k < events.length && rawId === events[k].event_id) {
        index = k;
        id = ids[k];
        byPosition[k] = 1;
      } else {
        if (byId === null) {
          byId = new Map();
          for (let i = 0; i < events.length; i++) byId.set(ids[i], i);
        }
        id = rawId.toLowerCase();
        index = byId.get(id);
      }
      if (index === undefined) {
        this.noteInvalid(outcome, `unknown_event: a receipt for ${id || 'no eventId'}, which this request did not send`, id);
        continue;
      }
      const event = events[index];
      if (byPosition[k] !== 1) answered.add(id);
      // An event made invalid on purpose is judged by the invalid-event rule, not here.
      const judged = skip === null || !skip.has(index);
      // A precomputed signing hash saves recomputing JCS and the preimage in JavaScript: events
      // signed by `ves signer` carry it (remote_signer.js SignedEvent), replayed ones carry the
      // corpus's (`$signingHash`, shard_reader.js).
      const ownSigningHash = !judged ? '' : typeof event.signingHashHex === 'string' ? event.signingHashHex
        : typeof event.$signingHash === 'string' ? event.$signingHash : signingHash(event);
      const checkSignature = judged && sequencerPublicKeyHex && signatureSample > 0 && this.random() < signatureSample;
      const check = judged ? checkReceipt(event, receipt, checkSignature ? sequencerPublicKeyHex : undefined, { signingHashHex: ownSigningHash }) : NOT_JUDGED;
      if (!check.ok) this.noteInvalid(outcome, check.reason, id);
      if (checkSignature) outcome.signaturesChecked++;
      // The sequence number still counts for the numbering checks when the receipt's hash or
      // signature is wrong (that is counted above); only a checked receipt is kept.
      const seq = receipt.sequenceNumber;
      if (!Number.isSafeInteger(seq)) continue;
      if (start !== null && end !== null && seq >= start && seq <= end) {
        outcome.newReceipts++;
        newSeqs.push(seq);
        newIdx.push(index);
        // The receipts log (receipts_log.js): every acknowledged event, checked or not.
        if (collect) collect.push([id, seq, strip0x(String(receipt.receiptHash)).toLowerCase(), ownSigningHash, signatureHexOf(event)]);
        // With keepFraction < 1 the first checked receipt of each answer is always kept, so
        // that every batch has an event a proof can target.
        if (check.ok && (this.keepFraction >= 1 || keptHere === 0 || this.random() < this.keepFraction)) {
          keptHere++;
          this.put(rec, seq, id, ownSigningHash, signatureHexOf(event), ingestedAt);
        }
      } else {
        outcome.replayed++;
        if (!replaysAllowed) failure(outcome, id, 'replay', 'unexpected_replay', `came back as a replay (number ${seq}, outside sequenceStart..sequenceEnd) of an event the sequencer had before`);
      }
    }

    // The new receipts must be exactly sequenceStart..sequenceEnd, eventsAccepted of them.
    let sortedSeqs = newSeqs;
    let sorted = true;
    for (let i = 1; sorted && i < newSeqs.length; i++) sorted = newSeqs[i - 1] <= newSeqs[i];
    if (!sorted) sortedSeqs = newSeqs.slice().sort((a, b) => a - b);
    const expectedCount = start === null || end === null ? 0 : end - start + 1;
    let consecutive = sortedSeqs.length === expectedCount && outcome.accepted === expectedCount;
    for (let i = 0; consecutive && i < sortedSeqs.length; i++) consecutive = sortedSeqs[i] === start + i;
    if (!consecutive) {
      outcome.anomalies++;
      failure(outcome, '', 'sequence', 'not_consecutive', `sequenceStart=${start} sequenceEnd=${end} eventsAccepted=${outcome.accepted}: the new receipts are not exactly that range, each number once`);
    }
    const seen = this.markSeen(rec, sortedSeqs);
    outcome.anomalies += seen;
    for (let i = 0; i < seen; i++) failure(outcome, '', 'sequence', 'duplicate_sequence', 'a sequence number given twice (in this answer, or to an earlier event of this VU)');
    let missing = null; // distinct ids (an id sent twice counts once)
    for (let i = 0; i < ids.length; i++) {
      if (byPosition[i] !== 1 && !answered.has(ids[i]) && !answeredElsewhere(ids, byPosition, ids[i])) (missing || (missing = new Set())).add(ids[i]);
    }
    if (missing !== null) {
      outcome.missing = missing.size;
      for (const id of missing) failure(outcome, id, 'missing', 'missing', 'neither a receipt nor a rejection');
    }
    if (collect) outcome.collected = collect;
    return outcome;
  }

  /**
   * The batch-level part of the pass rule, for an answer not sampled by RECEIPT_CHECK: when the
   * answer is clean at batch level (no rejection, eventsAccepted equal to the events sent, as
   * many receipts, sequenceStart..sequenceEnd spanning exactly that many numbers), records it
   * without looking at each receipt: the range must be new in the stream (a number seen before
   * is an anomaly), `outcome.unchecked` counts its events, and nothing is kept for proofs.
   * Receipt hashes, ids and the order of numbers inside the range are left to the sampled
   * answers and to `ves audit --receipts` after the run (docs/SCALE.md). Anything else returns
   * false, and the caller checks every receipt, so that a failure is always diagnosed in full.
   * @returns {boolean} true when recorded
   */
  recordClean(rec, sent, body, outcome) {
    if (!isCleanAnswer(sent, body)) return false;
    outcome.newReceipts = sent;
    outcome.unchecked = sent;
    outcome.anomalies += this.markSeenRange(rec, body.sequenceStart, body.sequenceEnd);
    return true;
  }

  /**
   * Records the verdict on an answer that `ves signer` judged (remote_signer.js check: the
   * answer was not parsed in k6): marks its new sequence numbers as seen in the stream (a number
   * this VU saw in an earlier answer is a sequence anomaly; one given twice in the answer is
   * the verdict's already) and keeps a `keepFraction` share of its events as proof targets
   * (always the first), from the events' own signing hashes and signatures.
   * @param {object[]|null} events the events as sent, by index (null: a corpus line, nothing kept)
   * @param {{seqs: number[][], failures: object[], failuresTotal: number}} verdict
   * @param {{tenantId: string, storeId: string, ingestedAt?: number}} stream
   * @returns {number} sequence numbers seen before (anomalies)
   */
  recordVerdict(events, verdict, stream) {
    const rec = this.stream(stream.tenantId, stream.storeId);
    const ranges = verdict.seqs.map((run) => [run[2], run[2] + run[1] - 1]);
    if (ranges.length > 1) ranges.sort((a, b) => a[0] - b[0]);
    let duplicates = 0;
    let lo = null;
    let hi = null;
    for (const [a, b] of ranges) {
      if (lo !== null && a <= hi) {
        if (b > hi) hi = b;
        continue;
      }
      if (lo !== null) duplicates += this.markSeenRange(rec, lo, hi);
      lo = a;
      hi = b;
    }
    if (lo !== null) duplicates += this.markSeenRange(rec, lo, hi);
    if (events === null || verdict.failuresTotal > verdict.failures.length) return duplicates;
    // Events whose receipt failed are not kept (as recordIngest keeps checked receipts only).
    const failed = verdict.failuresTotal > 0 ? new Set(verdict.failures.map((f) => f.eventId)) : null;
    const ingestedAt = stream.ingestedAt === undefined ? Date.now() : stream.ingestedAt;
    let keptHere = 0;
    for (const [first, n, seq0] of verdict.seqs) {
      for (let k = 0; k < n; k++) {
        if (!(this.keepFraction >= 1 || keptHere === 0 || this.random() < this.keepFraction)) continue;
        const event = events[first + k];
        if (event === undefined) continue;
        const id = String(event.event_id).toLowerCase();
        if (failed !== null && failed.has(id)) continue;
        keptHere++;
        const sh = typeof event.signingHashHex === 'string' ? event.signingHashHex : signingHash(event);
        this.put(rec, seq0 + k, id, sh, signatureHexOf(event), ingestedAt);
      }
    }
    return duplicates;
  }

  /**
   * Adds one entry (used by recordIngest; public for tests and custom flows).
   * @param {string} tenantId
   * @param {string} storeId
   * @param {Omit<LedgerEntry, 'tenantId'|'storeId'>} entry
   */
  record(tenantId, storeId, entry) {
    const rec = this.stream(tenantId, storeId);
    const signingHashHex = normalizeHex(entry.signingHash, 32, 'Ledger.record: signingHash');
    const signatureHex = normalizeHex(entry.signature, 64, 'Ledger.record: signature');
    this.put(rec, entry.sequenceNumber, String(entry.eventId).toLowerCase(), signingHashHex, signatureHex, entry.ingestedAt);
  }

  /**
   * Marks sequence numbers as seen in a stream; returns how many had been seen before
   * (each one is a sequence anomaly).
   * @param {StreamRecord} rec
   * @param {number[]} seqs ascending
   */
  markSeen(rec, seqs) {
    let duplicates = 0;
    let i = 0;
    while (i < seqs.length) {
      // Consecutive run seqs[i..j]
      let j = i;
      while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1) j++;
      duplicates += this.markSeenRange(rec, seqs[i], seqs[j]);
      i = j + 1;
    }
    return duplicates;
  }

  /**
   * Marks [start, end] as seen; returns how many of those sequence numbers had been seen before.
   * @param {StreamRecord} rec
   */
  markSeenRange(rec, start, end) {
    const r = rec.seen;
    // First range whose end >= start - 1 (it may touch or overlap [start, end]).
    let lo = 0;
    let hi = r.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[2 * mid + 1] < start - 1) lo = mid + 1;
      else hi = mid;
    }
    let mergedStart = start;
    let mergedEnd = end;
    let k = lo;
    let duplicates = 0;
    while (k < r.length / 2 && r[2 * k] <= end + 1) {
      const s = r[2 * k];
      const e = r[2 * k + 1];
      const overlap = Math.min(e, end) - Math.max(s, start) + 1;
      if (overlap > 0) duplicates += overlap;
      if (s < mergedStart) mergedStart = s;
      if (e > mergedEnd) mergedEnd = e;
      k++;
    }
    r.splice(2 * lo, 2 * (k - lo), mergedStart, mergedEnd);
    if (r.length / 2 > this.maxSeenRanges) r.splice(0, r.length - 2 * this.maxSeenRanges);
    return duplicates;
  }

  /** True when this VU has seen `seq` as a newly sequenced number in the stream. */
  hasSeen(tenantId, storeId, seq) {
    const r = this.stream(tenantId, storeId).seen;
    for (let k = 0; k < r.length; k += 2) if (seq >= r[k] && seq <= r[k + 1]) return true;
    return false;
  }

  /**
   * The entry for a sequence number, if still kept.
   * @returns {LedgerEntry|undefined}
   */
  get(tenantId, storeId, seq) {
    const rec = this.stream(tenantId, storeId);
    const i = rec.indexOf(seq);
    return i < 0 ? undefined : rec.entryAt(i);
  }

  /**
   * A random own entry with start <= sequenceNumber <= end, or null.
   * @returns {LedgerEntry|null}
   */
  pick(tenantId, storeId, start, end) {
    const rec = this.stream(tenantId, storeId);
    const lo = lowerBound(rec.seqs, rec.head, start);
    const hi = lowerBound(rec.seqs, lo, end + 1);
    if (lo >= hi) return null;
    return rec.entryAt(lo + Math.floor(this.random() * (hi - lo)));
  }

  /**
   * Chooses a commitment (newest first) that covers one of this VU's own kept events, and that event.
   * @param {string} tenantId
   * @param {string} storeId
   * @param {object[]} commitments server commitments (sequence_start, sequence_end, batch_id, …)
   * @returns {{commitment: object, entry: LedgerEntry}|null}
   */
  proofTarget(tenantId, storeId, commitments) {
    if (!Array.isArray(commitments)) return null;
    for (let i = commitments.length - 1; i >= 0; i--) {
      const c = commitments[i];
      if (!c || !Number.isSafeInteger(c.sequence_start) || !Number.isSafeInteger(c.sequence_end)) continue;
      const entry = this.pick(tenantId, storeId, c.sequence_start, c.sequence_end);
      if (entry !== null) return { commitment: c, entry };
    }
    return null;
  }

  /**
   * The Merkle leaf of a kept entry, bare hex.
   * @param {LedgerEntry} entry
   */
  leafHash(entry) {
    return leafHash(entry.tenantId, entry.storeId, entry.sequenceNumber, entry.signingHash, entry.signature);
  }

  put(rec, seq, eventId, signingHashHex, signatureHex, ingestedAt) {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new TypeError(`Ledger: sequenceNumber must be a non-negative integer, found ${describe(seq)}`);
    if (rec.put(seq, this.stamp++, signingHashHex + signatureHex, eventId, ingestedAt)) {
      this.size++;
      while (this.size > this.maxEvents) this.evictOldest();
    }
  }

  // Evicts the first entry of the stream whose first entry was recorded earliest.
  evictOldest() {
    let oldest = null;
    for (let i = 0; i < this.records.length; i++) {
      const rec = this.records[i];
      if (rec.live > 0 && (oldest === null || rec.stamps[rec.head] < oldest.stamps[oldest.head])) oldest = rec;
    }
    oldest.dropOldest();
    this.size--;
    this.evicted++;
  }

  noteInvalid(outcome, reason, eventId = '') {
    outcome.invalidReceipts++;
    if (outcome.invalidReasons.length < 10) outcome.invalidReasons.push(reason);
    const colon = reason.indexOf(':');
    failure(outcome, eventId, 'receipt', colon < 0 ? reason : reason.slice(0, colon), colon < 0 ? '' : reason.slice(colon + 1).trim());
  }
}

/**
 * True when an ingest answer (parsed JSON) is clean at batch level for `sent` events: no
 * rejection, eventsAccepted equal to `sent`, as many receipts, and sequenceStart..sequenceEnd
 * spanning exactly that many numbers (Ledger#recordClean).
 * @param {number} sent
 * @param {any} body
 */
export function isCleanAnswer(sent, body) {
  if (body === null || typeof body !== 'object' || sent < 1) return false;
  const start = body.sequenceStart;
  const end = body.sequenceEnd;
  if (body.eventsAccepted !== sent || !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end - start + 1 !== sent) return false;
  const receipts = body.receipts;
  if (!Array.isArray(receipts) || receipts.length !== sent) return false;
  const rejections = body.rejections;
  return rejections === undefined || rejections === null || (Array.isArray(rejections) && rejections.length === 0);
}

/**
 * The rejection code used as a metric tag: the part of `reason` before any ':'
 * (`agent_key_invalid: Agent key not found` -> `agent_key_invalid`), never the message.
 * @param {string} reason
 */
export function reasonCode(reason) {
  if (typeof reason !== 'string' || reason.length === 0) return 'unknown';
  const colon = reason.indexOf(':');
  return (colon < 0 ? reason : reason.slice(0, colon)).trim() || 'unknown';
}

const NOT_JUDGED = Object.freeze({ ok: true, reason: 'ok' });

// Adds one failure to an outcome (the verdict's `failures`, answer_rule.js).
function failure(outcome, eventId, check, code, detail) {
  outcome.failures.push({ eventId, check, code, detail });
}

// True when another event with the same id (sent twice) was answered by position.
function answeredElsewhere(ids, byPosition, id) {
  for (let i = 0; i < ids.length; i++) if (byPosition[i] === 1 && ids[i] === id) return true;
  return false;
}

// The agent signature as bare lowercase hex; `ves signer` records (SignedEvent) have it ready.
function signatureHexOf(event) {
  return typeof event.signatureHex === 'string' ? event.signatureHex : strip0x(String(event.agent_signature)).toLowerCase();
}

function streamKey(tenantId, storeId) {
  if (typeof tenantId !== 'string' || typeof storeId !== 'string') {
    throw new TypeError(`Ledger: expected tenant and store UUID strings, found ${describe(tenantId)} and ${describe(storeId)}`);
  }
  return `${tenantId.toLowerCase()}/${storeId.toLowerCase()}`;
}

// First index i >= from with a[i] >= value (a ascending).
function lowerBound(a, from, value) {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
