/**
 * VES v1 hashes (VES_V1.md sections 2, 3, 5.3, 8): domain prefixes, payload hash, signing
 * preimage and hash, receipt hash, Merkle leaf and node, stream id, state root, and the
 * kit's derived per-stream store ids.
 *
 * All hashing is SHA-256 from k6/crypto (native). Strings are handed to k6/crypto as JS
 * strings: it hashes their UTF-8 encoding (lone surrogates as U+FFFD, like TextEncoder),
 * which the conformance tests check byte for byte against the shared vectors.
 *
 * Hex results are bare lowercase; hex inputs may carry `0x` and any case.
 *
 * @module hash
 */
import crypto from 'k6/crypto';
import {
  concatBytes,
  describe,
  formatUuidHex,
  normalizeHex,
  toU64,
  u32be,
  utf8Encode,
  utf8Length,
  uuidHex,
  writeHex,
} from './bytes.js';
import { jcs } from './jcs.js';

/** Domain-separation prefixes (ASCII, no terminator). */
export const DOMAIN = Object.freeze({
  PAYLOAD_PLAIN: 'VES_PAYLOAD_PLAIN_V1',
  PAYLOAD_AAD: 'VES_PAYLOAD_AAD_V1',
  PAYLOAD_CIPHER: 'VES_PAYLOAD_CIPHER_V1',
  RECIPIENTS: 'VES_RECIPIENTS_V1',
  EVENTSIG: 'VES_EVENTSIG_V1',
  LEAF: 'VES_LEAF_V1',
  PAD_LEAF: 'VES_PAD_LEAF_V1',
  NODE: 'VES_NODE_V1',
  STREAM: 'VES_STREAM_V1',
  RECEIPT: 'VES_RECEIPT_V1',
  STATE_ROOT: 'VES_STATE_ROOT_V1',
});

/** Prefix of the kit's derived stream store ids (not a VES domain; see streamStoreId). */
export const STREAM_STORE_ID_DOMAIN = 'ves-k6/stream/v1';

/** 32 zero bytes as bare hex: the plaintext cipher hash, the empty tree root, the first prev_state_root. */
export const ZERO_HASH = '0'.repeat(64);

/** Bytes of an ASCII string. */
export function asciiBytes(str) {
  const out = new Uint8Array(str.length);
  for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i);
  return out;
}

const PREFIX = {
  EVENTSIG: asciiBytes(DOMAIN.EVENTSIG),
  LEAF: asciiBytes(DOMAIN.LEAF),
  NODE: asciiBytes(DOMAIN.NODE),
  STREAM: asciiBytes(DOMAIN.STREAM),
  RECEIPT: asciiBytes(DOMAIN.RECEIPT),
  STATE_ROOT: asciiBytes(DOMAIN.STATE_ROOT),
  STREAM_STORE_ID: asciiBytes(STREAM_STORE_ID_DOMAIN),
};

/**
 * SHA-256 as bare lowercase hex.
 * @param {Uint8Array|ArrayBuffer|string} data strings are hashed as UTF-8
 */
export function sha256Hex(data) {
  return crypto.sha256(data, 'hex');
}

/** PAD_LEAF = SHA-256("VES_PAD_LEAF_V1"), the filler leaf of every Merkle tree. */
export const PAD_LEAF = sha256Hex(DOMAIN.PAD_LEAF);

// ---------------------------------------------------------------------------------------------
// Payload hash (section 2.1)

/**
 * payload_plain_hash = SHA-256("VES_PAYLOAD_PLAIN_V1" || UTF-8(JCS(payload))), bare hex.
 * @param {unknown} payload any JSON value
 */
export function payloadHash(payload) {
  return payloadHashOfJcs(jcs(payload));
}

/**
 * Payload hash of text that is already canonical (the output of `jcs`).
 * @param {string} canonicalJson
 */
export function payloadHashOfJcs(canonicalJson) {
  return crypto.sha256(DOMAIN.PAYLOAD_PLAIN + canonicalJson, 'hex');
}

// ---------------------------------------------------------------------------------------------
// Event signing hash (section 3)

// Fixed part of the preimage: prefix 15, ves_version 4, tenant 16, store 16, event 16,
// agent 16, agent_key_id 4.
const HEAD_LEN = 87;
const EVENT_ID_OFFSET = 51;
const TAIL_LEN = 68; // payload_kind 4, plain hash 32, cipher hash 32
const headTemplates = new Map();
const headScratch = new Uint8Array(HEAD_LEN);
const tailScratch = new Uint8Array(TAIL_LEN);
const tailView = new DataView(tailScratch.buffer);

// ENC_STR length prefixes below 128 are "\0\0\0" + one ASCII char, whose UTF-8 encoding is
// exactly the 4 bytes of u32be(n): a group of short ENC_STRs can be hashed as one JS string.
const SHORT_LENGTH_PREFIX = (() => {
  const out = [];
  for (let n = 0; n < 128; n++) out.push('\0\0\0' + String.fromCharCode(n));
  return out;
})();

/**
 * The 87 fixed bytes of a signing preimage for one (version, tenant, store, agent, key id),
 * with a zero event id. Cached: a load test reuses a handful of combinations.
 * @returns {Uint8Array} shared, do not modify
 */
export function signingHeadTemplate(vesVersion, tenantId, storeId, agentId, agentKeyId) {
  checkU32(vesVersion, 'ves_version');
  checkU32(agentKeyId, 'agent_key_id');
  const key = `${vesVersion}|${tenantId}|${storeId}|${agentId}|${agentKeyId}`;
  let head = headTemplates.get(key);
  if (head === undefined) {
    head = new Uint8Array(HEAD_LEN);
    const view = new DataView(head.buffer);
    head.set(PREFIX.EVENTSIG, 0);
    view.setUint32(15, vesVersion);
    writeHex(head, 19, uuidHex(tenantId, 'tenant_id'));
    writeHex(head, 35, uuidHex(storeId, 'store_id'));
    writeHex(head, 67, uuidHex(agentId, 'source_agent_id'));
    view.setUint32(83, agentKeyId);
    if (headTemplates.size >= 256) headTemplates.clear();
    headTemplates.set(key, head);
  }
  return head;
}

/**
 * Hashes a signing preimage given as its fixed head (87 bytes, event id filled in), its four
 * strings and its tail (68 bytes). Returns the digest as hex and bytes.
 * @param {Uint8Array} head
 * @param {string[]} strings entity_type, entity_id, event_type, created_at
 * @param {Uint8Array} tail payload_kind, plain hash, cipher hash
 * @returns {{hex: string, bytes: ArrayBuffer}}
 */
export function signingDigestOfParts(head, strings, tail) {
  const lengths = strings.map(utf8Length);
  const bytes = signingDigestBytes(head, strings, lengths, tail);
  return { hex: crypto.hexEncode(bytes), bytes };
}

/**
 * The signing hash (32 bytes) of a preimage in parts, with the UTF-8 byte lengths of the
 * strings already known. The hot path of event building.
 * @param {Uint8Array} head
 * @param {string[]} strings entity_type, entity_id, event_type, created_at
 * @param {number[]} lengths their UTF-8 byte lengths
 * @param {Uint8Array} tail
 * @returns {ArrayBuffer}
 */
export function signingDigestBytes(head, strings, lengths, tail) {
  const h = crypto.createHash('sha256');
  h.update(head);
  if (lengths[0] < 128 && lengths[1] < 128 && lengths[2] < 128 && lengths[3] < 128) {
    h.update(
      SHORT_LENGTH_PREFIX[lengths[0]] + strings[0] + SHORT_LENGTH_PREFIX[lengths[1]] + strings[1] +
        SHORT_LENGTH_PREFIX[lengths[2]] + strings[2] + SHORT_LENGTH_PREFIX[lengths[3]] + strings[3],
    );
  } else {
    for (let i = 0; i < 4; i++) {
      h.update(u32be(lengths[i]));
      if (strings[i].length > 0) h.update(strings[i]);
    }
  }
  h.update(tail);
  return h.digest('binary');
}

/**
 * event_signing_hash of an envelope (snake_case fields, hashes with or without 0x) as hex and
 * bytes. Throws a TypeError naming the first bad field.
 * @param {object} event
 * @returns {{hex: string, bytes: ArrayBuffer}}
 */
export function signingDigest(event) {
  const e = requireObject(event, 'event');
  checkU32(e.payload_kind, 'payload_kind');
  const strings = [
    requireString(e.entity_type, 'entity_type'),
    requireString(e.entity_id, 'entity_id'),
    requireString(e.event_type, 'event_type'),
    requireString(e.created_at, 'created_at'),
  ];
  const head = headScratch;
  head.set(signingHeadTemplate(e.ves_version, e.tenant_id, e.store_id, e.source_agent_id, e.agent_key_id));
  writeHex(head, EVENT_ID_OFFSET, uuidHex(e.event_id, 'event_id'));
  tailView.setUint32(0, e.payload_kind);
  writeHex(tailScratch, 4, normalizeHex(e.payload_plain_hash, 32, 'payload_plain_hash'));
  writeHex(tailScratch, 36, normalizeHex(e.payload_cipher_hash, 32, 'payload_cipher_hash'));
  return signingDigestOfParts(head, strings, tailScratch);
}

/**
 * event_signing_hash (bare hex) of an envelope; see {@link signingDigest}.
 * @param {object} event
 */
export function signingHash(event) {
  return signingDigest(event).hex;
}

/**
 * The full signing preimage bytes (section 3), for tests and diagnostics.
 * @param {object} event
 * @returns {Uint8Array}
 */
export function signingPreimage(event) {
  const e = requireObject(event, 'event');
  checkU32(e.payload_kind, 'payload_kind');
  const head = signingHeadTemplate(e.ves_version, e.tenant_id, e.store_id, e.source_agent_id, e.agent_key_id).slice();
  writeHex(head, EVENT_ID_OFFSET, uuidHex(e.event_id, 'event_id'));
  const parts = [head];
  for (const [name, s] of [
    ['entity_type', e.entity_type],
    ['entity_id', e.entity_id],
    ['event_type', e.event_type],
    ['created_at', e.created_at],
  ]) {
    const bytes = utf8Encode(requireString(s, name));
    parts.push(u32be(bytes.length), bytes);
  }
  const tail = new Uint8Array(TAIL_LEN);
  new DataView(tail.buffer).setUint32(0, e.payload_kind);
  writeHex(tail, 4, normalizeHex(e.payload_plain_hash, 32, 'payload_plain_hash'));
  writeHex(tail, 36, normalizeHex(e.payload_cipher_hash, 32, 'payload_cipher_hash'));
  parts.push(tail);
  return concatBytes(...parts);
}

// ---------------------------------------------------------------------------------------------
// Receipt hash (section 5.3), Merkle leaf and node (section 8.2)

const streamTemplates = new Map();

// prefix || UUID(tenant) || UUID(store), cached per (prefix, tenant, store).
function streamPrefixed(prefixName, tenantId, storeId, totalLength) {
  const key = `${prefixName}|${tenantId}|${storeId}`;
  let t = streamTemplates.get(key);
  if (t === undefined) {
    const prefix = PREFIX[prefixName];
    t = new Uint8Array(prefix.length + 32);
    t.set(prefix, 0);
    writeHex(t, prefix.length, uuidHex(tenantId, 'tenant_id'));
    writeHex(t, prefix.length + 16, uuidHex(storeId, 'store_id'));
    if (streamTemplates.size >= 256) streamTemplates.clear();
    streamTemplates.set(key, t);
  }
  const out = new Uint8Array(totalLength);
  out.set(t, 0);
  return out;
}

/**
 * Receipt preimage (102 bytes): "VES_RECEIPT_V1" || tenant || store || event_id || u64be(seq) || signing_hash.
 * @returns {Uint8Array}
 */
export function receiptPreimage(tenantId, storeId, eventId, sequenceNumber, signingHashHex) {
  const out = streamPrefixed('RECEIPT', tenantId, storeId, 102);
  writeHex(out, 46, uuidHex(eventId, 'event_id'));
  new DataView(out.buffer).setBigUint64(62, toU64(sequenceNumber, 'sequence_number'));
  writeHex(out, 70, normalizeHex(signingHashHex, 32, 'signing hash'));
  return out;
}

/**
 * receiptHash = SHA-256(receipt preimage), bare hex.
 * @param {string} tenantId
 * @param {string} storeId
 * @param {string} eventId
 * @param {number|bigint} sequenceNumber
 * @param {string} signingHashHex
 */
export function receiptHash(tenantId, storeId, eventId, sequenceNumber, signingHashHex) {
  // Once per receipt checked: the preimage is written into one shared buffer (hashing is
  // synchronous), its stream prefix only when the stream changes.
  if (tenantId !== receiptTenant || storeId !== receiptStore) {
    receiptScratch.set(streamPrefixed('RECEIPT', tenantId, storeId, 46), 0);
    receiptTenant = tenantId;
    receiptStore = storeId;
  }
  writeHex(receiptScratch, 46, uuidHex(eventId, 'event_id'));
  receiptView.setBigUint64(62, toU64(sequenceNumber, 'sequence_number'));
  writeHex(receiptScratch, 70, normalizeHex(signingHashHex, 32, 'signing hash'));
  return crypto.sha256(receiptScratch.buffer, 'hex');
}
const receiptScratch = new Uint8Array(102);
const receiptView = new DataView(receiptScratch.buffer);
let receiptTenant = null;
let receiptStore = null;

/**
 * Leaf preimage (147 bytes): "VES_LEAF_V1" || tenant || store || u64be(seq) || signing_hash || signature.
 * @returns {Uint8Array}
 */
export function leafPreimage(tenantId, storeId, sequenceNumber, signingHashHex, signatureHex) {
  const out = streamPrefixed('LEAF', tenantId, storeId, 147);
  new DataView(out.buffer).setBigUint64(43, toU64(sequenceNumber, 'sequence_number'));
  writeHex(out, 51, normalizeHex(signingHashHex, 32, 'signing hash'));
  writeHex(out, 83, normalizeHex(signatureHex, 64, 'agent signature'));
  return out;
}

/**
 * Merkle leaf of an event, bare hex.
 * @param {string} tenantId
 * @param {string} storeId
 * @param {number|bigint} sequenceNumber
 * @param {string} signingHashHex event_signing_hash
 * @param {string} signatureHex agent_signature (64 bytes)
 */
export function leafHash(tenantId, storeId, sequenceNumber, signingHashHex, signatureHex) {
  return crypto.sha256(leafPreimage(tenantId, storeId, sequenceNumber, signingHashHex, signatureHex), 'hex');
}

/**
 * Merkle node = SHA-256("VES_NODE_V1" || left || right), bare hex.
 * @param {string} leftHex
 * @param {string} rightHex
 */
export function nodeHash(leftHex, rightHex) {
  const buf = new Uint8Array(75);
  buf.set(PREFIX.NODE, 0);
  writeHex(buf, 11, normalizeHex(leftHex, 32, 'left node'));
  writeHex(buf, 43, normalizeHex(rightHex, 32, 'right node'));
  return crypto.sha256(buf, 'hex');
}

// ---------------------------------------------------------------------------------------------
// Stream id and commitment-chain state root (section 8.3)

/**
 * stream_id = SHA-256("VES_STREAM_V1" || tenant || store), bare hex.
 */
export function streamId(tenantId, storeId) {
  return crypto.sha256(streamPrefixed('STREAM', tenantId, storeId, 45), 'hex');
}

/**
 * State-root preimage: "VES_STATE_ROOT_V1" || stream_id || prev_state_root || merkle_root ||
 * u64be(start) || u64be(end) || u32be(leaf_count) (133 bytes).
 * @returns {Uint8Array}
 */
export function stateRootPreimage(streamIdHex, prevStateRootHex, merkleRootHex, sequenceStart, sequenceEnd, leafCount) {
  const out = new Uint8Array(133);
  const view = new DataView(out.buffer);
  out.set(PREFIX.STATE_ROOT, 0);
  writeHex(out, 17, normalizeHex(streamIdHex, 32, 'stream_id'));
  writeHex(out, 49, normalizeHex(prevStateRootHex, 32, 'prev_state_root'));
  writeHex(out, 81, normalizeHex(merkleRootHex, 32, 'merkle_root'));
  view.setBigUint64(113, toU64(sequenceStart, 'sequence_start'));
  view.setBigUint64(121, toU64(sequenceEnd, 'sequence_end'));
  checkU32(leafCount, 'leaf_count');
  view.setUint32(129, leafCount);
  return out;
}

/**
 * new_state_root of a commitment, bare hex.
 * @param {string} tenantId
 * @param {string} storeId
 * @param {string} prevStateRootHex the previous commitment's new_state_root, or ZERO_HASH
 * @param {string} merkleRootHex
 * @param {number} sequenceStart
 * @param {number} sequenceEnd
 * @param {number} leafCount
 */
export function stateRoot(tenantId, storeId, prevStateRootHex, merkleRootHex, sequenceStart, sequenceEnd, leafCount) {
  const preimage = stateRootPreimage(streamId(tenantId, storeId), prevStateRootHex, merkleRootHex, sequenceStart, sequenceEnd, leafCount);
  return crypto.sha256(preimage, 'hex');
}

// ---------------------------------------------------------------------------------------------
// Derived stream store ids (the kit's STREAMS knob; same rule as ves-core)

/**
 * Store id of stream `index` derived from `baseStoreId`: index 0 is the base itself; for
 * index >= 1 the first 16 bytes of SHA-256("ves-k6/stream/v1" || UUID(base) || u32be(index)),
 * with the version nibble set to 8 and the RFC 4122 variant bits, as a lowercase UUID.
 * @param {string} baseStoreId
 * @param {number} index integer 0..2^32-1
 */
export function streamStoreId(baseStoreId, index) {
  const baseHex = uuidHex(baseStoreId, 'base store id');
  checkU32(index, 'stream index');
  if (index === 0) return formatUuidHex(baseHex);
  const preimage = new Uint8Array(PREFIX.STREAM_STORE_ID.length + 20);
  preimage.set(PREFIX.STREAM_STORE_ID, 0);
  writeHex(preimage, PREFIX.STREAM_STORE_ID.length, baseHex);
  new DataView(preimage.buffer).setUint32(PREFIX.STREAM_STORE_ID.length + 16, index);
  const b = new Uint8Array(crypto.sha256(preimage, 'binary')).slice(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  return formatUuidHex(crypto.hexEncode(b));
}

// ---------------------------------------------------------------------------------------------

function checkU32(n, what) {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new TypeError(`${what}: expected an integer from 0 to 4294967295, found ${describe(n)}`);
  }
}

function requireString(s, what) {
  if (typeof s !== 'string') throw new TypeError(`${what}: expected a string, found ${describe(s)}`);
  return s;
}

function requireObject(o, what) {
  if (o === null || typeof o !== 'object') throw new TypeError(`${what}: expected an object (the snake_case envelope), found ${describe(o)}`);
  return o;
}
