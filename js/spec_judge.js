/**
 * Judges one `ves spec` step's answer against its `expect`: the twin of
 * crates/ves-cli/src/cmd/spec/judge.rs (a test runs both runners and compares verdicts).
 * An answer is {status, headers (lower-case names), body, json, error}.
 *
 * @module spec_judge
 */
import { isUuid } from './bytes.js';
import { verify } from './ed25519.js';
import { leafHash, receiptHash, stateRoot, ZERO_HASH } from './hash.js';
import { checkInclusion, merkleRoot, treeShape } from './merkle.js';

/** The value at a dotted path (`events.0.envelope.event_id`), or undefined. */
export function at(v, path) {
  let cur = v;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) return undefined;
      cur = cur[Number(part)];
    } else if (cur !== null && typeof cur === 'object') {
      cur = Object.prototype.hasOwnProperty.call(cur, part) ? cur[part] : undefined;
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Deep JSON equality (numbers by value). */
export function same(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
  }
  return a === b;
}

function show(v) {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 120 ? s.slice(0, 117) + '…' : s;
}

function statusIn(expected, s) {
  return Array.isArray(expected) ? expected.includes(s) : expected === s;
}

/** The shed rule: an unexpected 429 or 503 with a JSON code is load shedding (a SKIP here). */
export function shedReason(expect, a) {
  if (a.status !== 429 && a.status !== 503) return null;
  if (expect.status !== undefined && statusIn(expect.status, a.status)) return null;
  const code = a.json && typeof a.json === 'object' ? a.json.code : undefined;
  if (typeof code !== 'string') return null;
  return `the server shed this request (${a.status} ${code}); load shedding is judged by the shedding class`;
}

/**
 * A large body whose connection the server closed while it was being sent: its early answer (a
 * 413, a shed 503) may be lost by a client still writing (k6's is). A SKIP, in both runners.
 */
export const LOST_ANSWER_BODY_BYTES = 1 << 20;

export function lostAnswer(bodyLength, a) {
  if (!a.error || bodyLength <= LOST_ANSWER_BODY_BYTES) return null;
  const e = String(a.error).toLowerCase();
  if (!(e.includes('broken pipe') || e.includes('connection reset'))) return null;
  return `the server closed the connection while the ${bodyLength}-byte body was being sent, so its answer could not be read (${a.error})`;
}

export function skipMatches(when, a) {
  if (Array.isArray(when.status) && when.status.includes(a.status)) return true;
  const json = when.json || {};
  const keys = Object.keys(json);
  if (keys.length === 0 || a.json === null) return false;
  return keys.every((p) => {
    const v = at(a.json, p);
    return v !== undefined && same(v, json[p]);
  });
}

function receiptsOf(j) {
  return j !== null && typeof j === 'object' && Array.isArray(j.receipts) ? j.receipts : [];
}

function sameId(a, b) {
  return typeof a === 'string' && typeof b === 'string' && isUuid(a) && a.toLowerCase() === b.toLowerCase();
}

function receiptFor(j, id) {
  return receiptsOf(j).find((r) => sameId(r.eventId, id));
}

function rejectionsFor(j, id) {
  return j !== null && typeof j === 'object' && Array.isArray(j.rejections) ? j.rejections.filter((r) => sameId(r.event_id, id)) : [];
}

function hex32(v) {
  if (typeof v !== 'string') return null;
  const h = v.replace(/^0[xX]/, '');
  return /^[0-9a-fA-F]{64}$/.test(h) ? h.toLowerCase() : null;
}

function sameReceipt(a, b) {
  return ['sequenceNumber', 'sequencerId', 'sequencerSignature'].every((k) => same(a[k], b[k])) && hex32(a.receiptHash) === hex32(b.receiptHash);
}

function isU64(v) {
  return Number.isSafeInteger(v) && v >= 0;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A judge over one property's memory: {events, answers, seqs, captures}.
 */
export class SpecJudge {
  /**
   * @param {{events: Record<string, object>, answers: Record<string, any>, seqs: Record<string, number>, captures: Record<string, unknown>}} memory
   * @param {string|null} sequencerKey
   * @param {(s: string) => string} fill
   */
  constructor(memory, sequencerKey, fill) {
    this.memory = memory;
    this.sequencerKey = sequencerKey;
    this.fill = (s) => {
      try {
        return fill(s);
      } catch (e) {
        return `<${e.message}>`;
      }
    };
  }

  eventsWithId(id) {
    return Object.keys(this.memory.events).sort().map((n) => this.memory.events[n]).filter((e) => sameId(e.eventId, id));
  }

  /** @returns {{verdict: 'pass'}|{verdict: 'skip', why: string}|{verdict: 'fail', problems: string[]}} */
  check(expect, answers) {
    if (answers.length > 1) return this.checkParallel(expect, answers);
    const p = [];
    const a = answers[0];
    if (a.error) return { verdict: 'fail', problems: [`no answer: ${a.error}`] };
    if (expect.status !== undefined && !statusIn(expect.status, a.status)) p.push(`status: expected ${JSON.stringify(expect.status)}, found ${a.status}`);
    if (expect.denied === true && !(a.status >= 400 && a.status < 500)) p.push(`status: expected a denial (4xx), found ${a.status}`);
    const j = a.json;
    if (expect.code !== undefined) {
      let found;
      if (j !== null && typeof j === 'object') found = typeof j.code === 'string' ? j.code : (j.error && typeof j.error === 'object' && typeof j.error.code === 'string' ? j.error.code : undefined);
      if (found !== expect.code) p.push(`code: expected ${JSON.stringify(expect.code)}, found ${found === undefined ? 'none' : JSON.stringify(found)}`);
    }
    if (expect.text !== undefined) {
      const t = this.fill(expect.text);
      if (a.body !== t) p.push(`body: expected ${JSON.stringify(t)}, found ${JSON.stringify(a.body.slice(0, 200))}`);
    }
    if (expect.text_prefix !== undefined && !a.body.startsWith(expect.text_prefix)) {
      p.push(`body: expected a text starting ${JSON.stringify(expect.text_prefix)}, found ${JSON.stringify(a.body.slice(0, 200))}`);
    }
    for (const name of Object.keys(expect.headers || {}).sort()) {
      const want = expect.headers[name];
      const v = a.headers[name.toLowerCase()];
      if (v === undefined) p.push(`header ${name}: expected ${JSON.stringify(want)}, found none`);
      else if (want !== '*' && v !== want) p.push(`header ${name}: expected ${JSON.stringify(want)}, found ${JSON.stringify(v)}`);
    }
    const events = expect.events || {};
    const needsJson = Object.keys(expect.json || {}).length > 0 || ['accepted', 'rejected', 'sequence', 'head', 'receipts', 'receipt_hashes', 'receipt_signatures', 'receipt_fields', 'commitment', 'same_batch_as', 'proof'].some((k) => expect[k] !== undefined)
      || Object.keys(events).some((n) => events[n] !== 'refused') || Object.keys(expect.messages || {}).length > 0;
    if (j === null && needsJson) {
      p.push(`body: expected JSON, found ${JSON.stringify(a.body.slice(0, 200))}`);
      return { verdict: 'fail', problems: p };
    }
    for (const path of Object.keys(expect.json || {}).sort()) {
      let want = expect.json[path];
      if (typeof want === 'string') want = this.fill(want);
      const found = at(j, path);
      if (found === undefined || !same(found, want)) p.push(`${path}: expected ${show(want)}, found ${show(found)}`);
    }
    const num = (k) => (j !== null && typeof j === 'object' && isU64(j[k]) ? j[k] : undefined);
    if (expect.accepted !== undefined && num('eventsAccepted') !== expect.accepted) p.push(`eventsAccepted: expected ${expect.accepted}, found ${show(j.eventsAccepted)}`);
    if (expect.rejected !== undefined && num('eventsRejected') !== expect.rejected) p.push(`eventsRejected: expected ${expect.rejected}, found ${show(j.eventsRejected)}`);
    if (expect.sequence !== undefined) {
      [['sequenceStart', expect.sequence[0]], ['sequenceEnd', expect.sequence[1]]].forEach(([k, want]) => {
        const found = j[k] === undefined ? null : j[k];
        const ok = want === null ? found === null : found === want;
        if (!ok) p.push(`${k}: expected ${want === null ? 'null' : want}, found ${JSON.stringify(found)}`);
      });
    }
    if (expect.head !== undefined && num('headSequence') !== expect.head) p.push(`headSequence: expected ${expect.head}, found ${show(j.headSequence)}`);
    if (expect.receipts !== undefined && receiptsOf(j).length !== expect.receipts) p.push(`receipts: expected ${expect.receipts}, found ${receiptsOf(j).length}`);
    for (const name of Object.keys(events).sort()) {
      const why = this.eventOutcome(j, name, events[name]);
      if (why !== null) p.push(`event ${name}: ${why}`);
    }
    for (const name of Object.keys(expect.messages || {}).sort()) {
      const want = this.fill(expect.messages[name]);
      const e = this.memory.events[name];
      if (e === undefined) {
        p.push(`messages: no event ${name}`);
        continue;
      }
      const rej = rejectionsFor(j, e.eventId);
      if (!rej.some((r) => r.message === want)) {
        p.push(`event ${name}: expected a rejection with message ${JSON.stringify(want)}, found ${rej.length === 0 ? 'none' : rej.map((r) => show(r.message)).join(', ')}`);
      }
    }
    if (expect.receipt_hashes === true) this.receiptHashes(j, p);
    if (expect.receipt_signatures === true) {
      if (!this.sequencerKey) return { verdict: 'skip', why: 'no sequencer public key was given (SEQUENCER_PUBLIC_KEY or --sequencer-key)' };
      this.receiptSignatures(j, p);
    }
    if (expect.receipt_fields === true) this.receiptFields(j, p);
    if (expect.commitment !== undefined) {
      const why = this.commitment(j, expect.commitment.events, expect.commitment.prev);
      if (why !== null) p.push(`commitment: ${why}`);
    }
    if (expect.same_batch_as !== undefined) {
      const prev = this.memory.answers[expect.same_batch_as];
      if (prev === undefined) p.push(`same_batch_as: no answer of step ${expect.same_batch_as}`);
      else {
        for (const k of ['batch_id', 'merkle_root']) {
          if (!same(prev[k], j[k])) p.push(`${k}: expected ${show(prev[k])} (as in step ${expect.same_batch_as}), found ${show(j[k])}`);
        }
      }
    }
    if (expect.proof !== undefined) {
      const why = this.proof(j, expect.proof.event, expect.proof.commitment);
      if (why !== null) p.push(`proof of event ${expect.proof.event}: ${why}`);
    }
    return p.length === 0 ? { verdict: 'pass' } : { verdict: 'fail', problems: p };
  }

  eventOutcome(j, name, outcome) {
    const e = this.memory.events[name];
    if (e === undefined) return 'no such event';
    const receipt = receiptFor(j, e.eventId);
    const colon = outcome.indexOf(':');
    const kind = colon < 0 ? outcome : outcome.slice(0, colon);
    const arg = colon < 0 ? undefined : outcome.slice(colon + 1);
    switch (kind) {
      case 'refused':
        return receipt === undefined ? null : `expected no receipt (refused), found one with sequence ${show(receipt.sequenceNumber)}`;
      case 'accepted': {
        if (receipt === undefined) return 'expected a receipt (accepted), found none';
        const seq = receipt.sequenceNumber;
        if (!isU64(seq)) return 'a receipt without a sequenceNumber';
        if (arg !== undefined && Number(arg) !== seq) return `expected sequence ${arg}, found ${seq}`;
        const s = j.sequenceStart;
        const t = j.sequenceEnd;
        if (isU64(s) && isU64(t) && s <= seq && seq <= t) return null;
        return `sequence ${seq} is not new (sequenceStart ${show(s)}, sequenceEnd ${show(t)})`;
      }
      case 'replay': {
        if (receipt === undefined) return 'expected the original receipt (a replay), found no receipt';
        const prevAnswer = this.memory.answers[arg];
        const prev = prevAnswer === undefined ? undefined : receiptFor(prevAnswer, e.eventId);
        if (prev === undefined) return `no receipt of step ${arg} to compare with`;
        if (sameReceipt(receipt, prev)) return null;
        return `expected the receipt of step ${arg} (sequence ${show(prev.sequenceNumber)}), found sequence ${show(receipt.sequenceNumber)} with receiptHash ${show(receipt.receiptHash)}`;
      }
      case 'rejected': {
        if (receipt !== undefined) return `expected a rejection, found a receipt with sequence ${show(receipt.sequenceNumber)}`;
        const want = (arg || '').trim();
        const rej = rejectionsFor(j, e.eventId);
        if (rej.some((r) => typeof r.reason === 'string' && (r.reason === want || r.reason.startsWith(`${want}:`)))) return null;
        return `expected rejection ${JSON.stringify(want)}, found ${rej.length === 0 ? 'none' : rej.map((r) => show(r.reason)).join(', ')}`;
      }
      default:
        return `unknown outcome ${JSON.stringify(kind)}`;
    }
  }

  receiptHashes(j, p) {
    for (const r of receiptsOf(j)) {
      if (!isUuid(r.eventId) || !isU64(r.sequenceNumber)) {
        p.push(`a receipt without eventId or sequenceNumber: ${show(r)}`);
        continue;
      }
      const candidates = this.eventsWithId(r.eventId);
      if (candidates.length === 0) {
        p.push(`a receipt for an event this property did not send: ${r.eventId}`);
        continue;
      }
      const claimed = hex32(r.receiptHash);
      const want = (e) => receiptHash(e.tenant, e.store, e.eventId, r.sequenceNumber, e.signingHash);
      if (!candidates.some((e) => want(e) === claimed)) {
        p.push(`receiptHash of event ${r.eventId.toLowerCase()} (sequence ${r.sequenceNumber}): expected ${want(candidates[0])}, found ${show(r.receiptHash)}`);
      }
    }
  }

  receiptSignatures(j, p) {
    for (const r of receiptsOf(j)) {
      const id = show(r.eventId);
      if (r.signatureAlg !== 'ed25519') {
        p.push(`receipt of ${id}: signatureAlg ${show(r.signatureAlg)} (expected ed25519: a sequencer key was given)`);
        continue;
      }
      const h = hex32(r.receiptHash);
      if (h === null || typeof r.sequencerSignature !== 'string' || !verify(this.sequencerKey, h, r.sequencerSignature)) {
        p.push(`receipt of ${id}: sequencerSignature does not verify under the sequencer key`);
      }
    }
  }

  receiptFields(j, p) {
    const rs = receiptsOf(j);
    if (rs.length === 0) p.push('receipts: expected some, found none');
    for (const r of rs) {
      const id = show(r.eventId);
      if (!isUuid(r.sequencerId)) p.push(`receipt of ${id}: sequencerId ${show(r.sequencerId)} is no UUID`);
      if (!(isUuid(r.eventId) && this.eventsWithId(r.eventId).length > 0)) p.push(`receipt eventId ${id} is none of the events sent`);
      if (!(typeof r.sequencedAt === 'string' && RFC3339.test(r.sequencedAt))) p.push(`receipt of ${id}: sequencedAt ${show(r.sequencedAt)} is not RFC 3339`);
      if (!(isU64(r.sequenceNumber) && r.sequenceNumber >= 1)) p.push(`receipt of ${id}: sequenceNumber ${show(r.sequenceNumber)} is no positive integer`);
      const sig = r.sequencerSignature;
      const ok = (r.signatureAlg === 'ed25519' && typeof sig === 'string' && /^[0-9a-fA-F]{128}$/.test(sig)) || (r.signatureAlg === 'none' && sig === '');
      if (!ok) p.push(`receipt of ${id}: signatureAlg ${show(r.signatureAlg)} with sequencerSignature ${show(sig)}`);
    }
  }

  leaf(name) {
    const e = this.memory.events[name];
    if (e === undefined) throw new Error(`no event ${name}`);
    const seq = this.memory.seqs[e.eventId.toLowerCase()];
    if (seq === undefined) throw new Error(`event ${name} has no sequence number (no receipt seen)`);
    return { seq, leaf: leafHash(e.tenant, e.store, seq, e.signingHash, e.signature), e };
  }

  commitment(j, names, prev) {
    let parts;
    try {
      parts = names.map((n) => this.leaf(n));
    } catch (err) {
      return err.message;
    }
    if (parts.length === 0) return 'no events';
    const { tenant, store } = parts[parts.length - 1].e;
    const count = parts.length;
    const root = merkleRoot(parts.map((x) => x.leaf));
    const shape = treeShape(count);
    let prevRoot;
    if (prev === 'zero') prevRoot = ZERO_HASH;
    else {
      prevRoot = hex32(this.memory.answers[prev] && this.memory.answers[prev].new_state_root);
      if (prevRoot === null) return `no new_state_root in the answer of step ${prev}`;
    }
    const start = parts[0].seq;
    const end = parts[parts.length - 1].seq;
    const state = stateRoot(tenant, store, prevRoot, root, start, end, count);
    const p = [];
    for (const [k, v] of [['sequence_start', start], ['sequence_end', end], ['leaf_count', count], ['padded_leaf_count', shape.padded_leaf_count], ['tree_depth', shape.tree_depth]]) {
      if (j[k] !== v) p.push(`${k} expected ${v}, found ${show(j[k])}`);
    }
    for (const [k, v] of [['merkle_root', root], ['prev_state_root', prevRoot], ['new_state_root', state]]) {
      if (hex32(j[k]) !== v) p.push(`${k} expected ${v}, found ${show(j[k])}`);
    }
    return p.length === 0 ? null : p.join('; ');
  }

  proof(j, name, step) {
    const c = this.memory.answers[step];
    if (c === undefined) return `no commitment answer of step ${step}`;
    let seq;
    let leaf;
    try {
      ({ seq, leaf } = this.leaf(name));
    } catch (err) {
      return err.message;
    }
    if (!isU64(c.sequence_start)) return 'the commitment has no sequence_start';
    const p = [];
    if (j.sequence_number !== seq) p.push(`sequence_number expected ${seq}, found ${show(j.sequence_number)}`);
    if (j.leaf_index !== seq - c.sequence_start) p.push(`leaf_index expected ${seq - c.sequence_start}, found ${show(j.leaf_index)}`);
    if (hex32(j.leaf_hash) !== leaf) p.push(`leaf_hash expected ${leaf} (rebuilt from the event sent), found ${show(j.leaf_hash)}`);
    const root = hex32(c.merkle_root);
    if (root === null) return 'the commitment has no merkle_root';
    if (hex32(j.merkle_root) !== root) p.push(`merkle_root expected the commitment's ${root}, found ${show(j.merkle_root)}`);
    const verdict = checkInclusion({ leaf_index: j.leaf_index, proof_path: j.proof_path, directions: j.directions }, leaf, { merkle_root: c.merkle_root, leaf_count: c.leaf_count, padded_leaf_count: c.padded_leaf_count, tree_depth: c.tree_depth });
    if (!verdict.ok) p.push(`the proof does not verify: ${verdict.reason}`);
    return p.length === 0 ? null : p.join('; ');
  }

  checkParallel(expect, answers) {
    const p = [];
    answers.forEach((a, i) => {
      if (a.error) p.push(`connection ${i + 1}: no answer: ${a.error}`);
      else if (expect.status !== undefined && !statusIn(expect.status, a.status)) p.push(`connection ${i + 1}: status ${a.status}`);
    });
    if (expect.concurrent === 'one_accepts' && p.length === 0) {
      const jsons = answers.map((a) => a.json);
      const accepting = jsons.map((j, i) => (j && j.eventsAccepted > 0 ? i : -1)).filter((i) => i >= 0);
      if (accepting.length !== 1) {
        p.push(`expected exactly one answer to sequence the batch, found ${accepting.length} (eventsAccepted: ${jsons.map((j) => show(j && j.eventsAccepted)).join(', ')})`);
      } else {
        const first = jsons[accepting[0]];
        const ids = [];
        for (const n of Object.keys(this.memory.events).sort()) {
          const id = this.memory.events[n].eventId;
          if (!ids.includes(id)) ids.push(id);
        }
        if (first.eventsAccepted !== ids.length) p.push(`the accepting answer sequenced ${show(first.eventsAccepted)} of ${ids.length} events`);
        jsons.forEach((j, i) => {
          if (i === accepting[0]) return;
          for (const id of ids) {
            const r = receiptFor(j, id);
            const o = receiptFor(first, id);
            if (!(r !== undefined && o !== undefined && sameReceipt(r, o))) p.push(`connection ${i + 1}: event ${id}: expected the receipt of the accepting answer, found ${show(r)}`);
          }
        });
      }
    }
    return p.length === 0 ? { verdict: 'pass' } : { verdict: 'fail', problems: p };
  }
}
