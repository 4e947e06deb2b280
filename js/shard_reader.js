/**
 * Reads a `ves presign` shard a line at a time with `k6/experimental/fs` (open in the init
 * context, then seek/read at run time), so that a VU holds one chunk of its shard instead of the
 * whole file (what `open()` would give every VU that opens it), and can choose its shard at run
 * time (`exec.vu.idInTest`, distinct across execution segments). k6 keeps each file opened with
 * `k6/experimental/fs` once per process, shared by its VUs (docs/SCALE.md, "Memory").
 *
 * @module shard_reader
 */

import encoding from 'k6/encoding';

const CHUNK = 1 << 20;

// UTF-8 bytes -> string without a per-byte loop in JavaScript (k6 1.1 has no TextDecoder): two
// native passes through base64. Only whole lines are decoded (bytes up to a newline, which never
// occurs inside a multi-byte character), so a varied corpus (ves presign --spelling varied) with
// raw UTF-8 reads right; a canonical one is ASCII anyway.
function decode(bytes) {
  return bytes.length === 0 ? '' : encoding.b64decode(encoding.b64encode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), 'std', 's');
}

// The pieces of a line longer than a chunk, joined once its end arrives (joining chunk by
// chunk would copy a 10 MB line ten times over).
function concatBytes(pieces) {
  if (pieces.length === 1) return pieces[0];
  let n = 0;
  for (const p of pieces) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class ShardReader {
  /** @param {{read(buf: Uint8Array): Promise<number|null>}} file a k6/experimental/fs File */
  constructor(file, chunkBytes = CHUNK) {
    this.file = file;
    this.buf = new Uint8Array(chunkBytes);
    this.pending = []; // byte pieces after the last newline read so far
    this.lines = [];
    this.eof = false;
    this.read = 0;
  }

  /** The next non-empty line, or null at the end of the shard. */
  async nextLine() {
    while (this.lines.length === 0 && !this.eof) await this.fill();
    if (this.lines.length === 0) return null;
    this.read++;
    return this.lines.shift();
  }

  async fill() {
    const n = await this.file.read(this.buf);
    if (n === null || n === 0) {
      this.eof = true;
      if (this.pending.length > 0) {
        const last = decode(concatBytes(this.pending));
        if (last.length > 0) this.lines.push(last);
      }
      this.pending = [];
      return;
    }
    // The last newline of the chunk (a native search).
    const nl = this.buf.subarray(0, n).lastIndexOf(10);
    if (nl === -1) {
      this.pending.push(this.buf.slice(0, n));
      return;
    }
    this.pending.push(this.buf.subarray(0, nl));
    const parts = decode(concatBytes(this.pending)).split('\n');
    this.pending = [this.buf.slice(nl + 1, n)];
    for (const p of parts) if (p.length > 0) this.lines.push(p);
  }
}

// Envelopes as `ves presign` writes them (serde field order): each starts with
// {"ves_version":1,"event_id":"…" and ends with "agent_signature":"0x…"}. Found with indexOf
// (native string search), not a regular expression, which costs far more per event in k6.
const EVENT_ID = '{"ves_version":1,"event_id":"';
const SIGNATURE = '"agent_signature":"0x';

// Every value of `marker` followed by `len` characters and then `end`.
function valuesAfter(body, marker, len, end) {
  const out = [];
  for (let i = body.indexOf(marker); i !== -1; i = body.indexOf(marker, i + 1)) {
    const at = i + marker.length;
    if (body.charAt(at + len) !== end) return null;
    out.push(body.substring(at, at + len));
  }
  return out;
}

/**
 * What the ledger needs of each event of a corpus line, without parsing the whole body: event
 * id and signature found by string search, the signing hash from the line of the
 * `vu-NNNN.hashes.ndjson` sidecar. Returns null when the counts disagree (a payload that looks
 * like an envelope, or another writer's corpus): the caller then parses the body.
 * @param {string} body a shard line
 * @param {string} hashesLine the sidecar's line for it: a JSON array of signing hashes
 * @param {{tenantId: string, storeId: string, agentId: string}} stream from the manifest
 * @returns {{agentId: string, events: object[]}|null}
 */
export function presignedEvents(body, hashesLine, stream) {
  let hashes;
  try {
    hashes = JSON.parse(hashesLine);
  } catch (e) {
    return null;
  }
  const ids = valuesAfter(body, EVENT_ID, 36, '"');
  const sigs = valuesAfter(body, SIGNATURE, 128, '"');
  if (ids === null || sigs === null || !Array.isArray(hashes) || ids.length !== hashes.length || sigs.length !== hashes.length) return null;
  const events = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    events[i] = { event_id: ids[i], tenant_id: stream.tenantId, store_id: stream.storeId, agent_signature: sigs[i], $signingHash: String(hashes[i]).toLowerCase() };
  }
  return { agentId: stream.agentId, events };
}

/** How many envelopes a corpus line holds (native string search, no parse). */
export function countEvents(body) {
  let n = 0;
  for (let i = body.indexOf(EVENT_ID); i !== -1; i = body.indexOf(EVENT_ID, i + EVENT_ID.length)) n++;
  return n;
}

/**
 * Stand-ins for the `count` events of a corpus line whose answer is recorded without
 * one-by-one receipt checks (RECEIPT_CHECK, ledger.js recordClean): the ledger reads only their
 * number and the stream of the first; the receipts log takes ids, hashes and signatures from
 * the corpus (`ves audit --corpus`).
 * @param {number} count
 * @param {{tenantId: string, storeId: string}} stream
 */
export function presignedStandIns(count, stream) {
  const events = new Array(count);
  events[0] = { tenant_id: stream.tenantId, store_id: stream.storeId, $signingHash: '' };
  return events;
}

/**
 * A corpus line for ingestPresigned: its agent id, stream and place in its shard now; its event
 * count, what the ledger needs of each event (`presigned()`: presignedEvents, or null when the
 * line must be parsed) and stand-ins for an answer recorded without one-by-one checks only when
 * asked (a line whose answer `ves signer` checks is never looked at).
 * @param {string} body a shard line
 * @param {string|null} hashesLine the sidecar's line for it (null: not read)
 * @param {{tenantId: string, storeId: string, agentId: string}} stream from the manifest
 * @param {number} [index] the line's place in its shard (from 0, empty lines not counted)
 */
export function presignedLine(body, hashesLine, stream, index = -1) {
  let events;
  let count;
  return {
    agentId: stream.agentId,
    tenantId: stream.tenantId,
    storeId: stream.storeId,
    index,
    get count() {
      return count === undefined ? (count = countEvents(body)) : count;
    },
    standIns: () => presignedStandIns(countEvents(body), stream),
    presigned: () => (events === undefined ? (events = hashesLine === null ? null : presignedEvents(body, hashesLine, stream)) : events),
  };
}
