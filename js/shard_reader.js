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

// Bytes -> string without a per-byte loop in JavaScript (k6 1.1 has no TextDecoder): two native
// passes through base64. Lines are split after decoding, so the shard must be ASCII (ves
// presign's default; the replay scenario refuses --utf8 corpora), or a character cut at a chunk
// border would be damaged.
function decode(buffer, n) {
  return encoding.b64decode(encoding.b64encode(buffer.slice(0, n)), 'std', 's');
}

export class ShardReader {
  /** @param {{read(buf: Uint8Array): Promise<number|null>}} file a k6/experimental/fs File */
  constructor(file, chunkBytes = CHUNK) {
    this.file = file;
    this.buf = new Uint8Array(chunkBytes);
    this.pending = '';
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
      if (this.pending.length > 0) this.lines.push(this.pending);
      this.pending = '';
      return;
    }
    const parts = (this.pending + decode(this.buf.buffer, n)).split('\n');
    this.pending = parts.pop();
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
