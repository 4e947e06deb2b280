/**
 * Building signed VES v1 event envelopes (VES_V1.md sections 1-3, 5.1).
 *
 * An envelope is the snake_case object the sequencer ingests; hashes and the signature carry
 * `0x` + lowercase hex. `buildEvents` / `buildBatch` sign a whole batch at once, sharing one
 * field inversion across its signatures, and are the fast path for load generation.
 *
 * @module event
 */
import crypto from 'k6/crypto';
import { describe, formatUuidHex, isUuid, utf8Length, uuidHex, writeHex } from './bytes.js';
import { DOMAIN, signingDigest, signingDigestBytes, signingHeadTemplate } from './hash.js';
import { jcs } from './jcs.js';
import { asciiJson, canonicalBody, canonicalString } from './spelling.js';

const ZERO_HASH_0X = '0x' + '0'.repeat(64);
const EVENT_ID_OFFSET = 51;

// Byte-length limits the sequencer enforces per field (whole batch 400 when violated).
const STRING_LIMITS = [
  ['entity_type', 128],
  ['entity_id', 512],
  ['event_type', 256],
];

/**
 * @typedef {object} EventFields
 * @property {string} tenant_id UUID
 * @property {string} store_id UUID
 * @property {string} source_agent_id UUID (must equal the request's agentId)
 * @property {number} agent_key_id registered key id (u32)
 * @property {string} entity_type 1..128 UTF-8 bytes
 * @property {string} entity_id 1..512 UTF-8 bytes
 * @property {string} event_type 1..256 UTF-8 bytes
 * @property {unknown} payload any JSON value except null
 * @property {string} [event_id] UUID; default a random v4 UUID
 * @property {string} [created_at] RFC 3339, signed verbatim; default new Date().toISOString()
 */

/**
 * Builds and signs one envelope (ves_version 1, payload_kind 0, zero cipher hash).
 * @param {import('./ed25519.js').Signer} signer
 * @param {EventFields} fields
 * @returns {object} the envelope
 */
export function buildEvent(signer, fields) {
  return buildEvents(signer, [fields])[0];
}

/**
 * Builds and signs many envelopes; faster per event than `buildEvent` (one field inversion
 * per batch for the signatures, one random draw for the event ids).
 * @param {import('./ed25519.js').Signer} signer
 * @param {EventFields[]} fieldsList
 * @returns {object[]} envelopes, in order
 */
export function buildEvents(signer, fieldsList) {
  return buildInternal(signer, fieldsList, null).events;
}

/**
 * Builds, signs and serializes a batch: returns the envelopes and the ingest request body
 * (`{"agentId":…,"events":[…]}`) made from the same values. The body is a snapshot: later
 * changes to the returned envelopes do not change it (use `ingestBody` after changing them).
 * Faster than `buildEvents` + `ingestBody`: each payload is serialized once (its JCS text).
 * @param {import('./ed25519.js').Signer} signer
 * @param {string} agentId the request's agentId; every event's source_agent_id must equal it
 * @param {EventFields[]} fieldsList
 * @returns {{events: object[], body: string}}
 */
export function buildBatch(signer, agentId, fieldsList) {
  if (!isUuid(agentId)) throw new TypeError(`buildBatch: agentId: expected a UUID, found ${describe(agentId)}`);
  return buildInternal(signer, fieldsList, agentId);
}

/**
 * The ingest request body for envelopes, `{"agentId":…,"events":[…]}`, in the canonical
 * spelling (spelling.js): each envelope's keys in its own order, payloads as their RFC 8785 text.
 * @param {string} agentId
 * @param {object[]} events envelopes (or SignedEvents)
 * @returns {string}
 */
export function ingestBody(agentId, events) {
  return canonicalBody(agentId, events);
}

/**
 * Re-signs an envelope as it is (after a deliberate change, e.g. an unknown agent_key_id for a
 * probe): computes its signing hash from its current fields and sets agent_signature. The
 * payload hash is left as it is. Returns a new envelope.
 * @param {import('./ed25519.js').Signer} signer
 * @param {object} envelope
 */
export function signEvent(signer, envelope) {
  const digest = signingDigest(envelope);
  return Object.assign({}, envelope, { agent_signature: '0x' + signer.signMany([digest.bytes])[0] });
}

function buildInternal(signer, fieldsList, agentId) {
  if (signer === null || typeof signer !== 'object' || typeof signer.signMany !== 'function') {
    throw new TypeError(`buildEvents: expected a signer from createSigner(seedHex), found ${describe(signer)}`);
  }
  if (!Array.isArray(fieldsList)) throw new TypeError(`buildEvents: expected an array of event fields, found ${describe(fieldsList)}`);
  const n = fieldsList.length;
  // Random v4 ids for events that bring none: one randomBytes call, one hexEncode.
  const random = new Uint8Array(crypto.randomBytes(16 * n));
  for (let i = 0; i < n; i++) {
    random[16 * i + 6] = (random[16 * i + 6] & 0x0f) | 0x40;
    random[16 * i + 8] = (random[16 * i + 8] & 0x3f) | 0x80;
  }
  const randomHex = crypto.hexEncode(random);

  const digests = new Array(n);
  const parts = new Array(n);
  const head = new Uint8Array(87);
  const tail = new Uint8Array(68); // payload_kind 0, plain hash, zero cipher hash
  const lengths = [0, 0, 0, 0];
  // A batch usually shares tenant, store, agent and key id: validate them once per change.
  let template = null;
  let lastTenant;
  let lastStore;
  let lastAgent;
  let lastKeyId;
  for (let i = 0; i < n; i++) {
    const f = fieldsList[i];
    if (f === null || typeof f !== 'object') throw new TypeError(`buildEvents: fields[${i}]: expected an object, found ${describe(f)}`);
    if (template === null || f.tenant_id !== lastTenant || f.store_id !== lastStore || f.source_agent_id !== lastAgent || f.agent_key_id !== lastKeyId) {
      checkIds(f, i, agentId);
      template = signingHeadTemplate(1, f.tenant_id, f.store_id, f.source_agent_id, f.agent_key_id);
      lastTenant = f.tenant_id;
      lastStore = f.store_id;
      lastAgent = f.source_agent_id;
      lastKeyId = f.agent_key_id;
    }
    checkStrings(f, i, lengths);
    head.set(template);
    let eventId;
    if (f.event_id === undefined) {
      eventId = formatUuidHex(randomHex.substring(32 * i, 32 * i + 32));
      head.set(random.subarray(16 * i, 16 * i + 16), EVENT_ID_OFFSET);
    } else {
      eventId = f.event_id;
      writeHex(head, EVENT_ID_OFFSET, uuidHex(eventId, `fields[${i}].event_id`));
    }
    const createdAt = f.created_at === undefined ? new Date().toISOString() : f.created_at;
    if (typeof createdAt !== 'string') throw new TypeError(`buildEvents: fields[${i}].created_at: expected an RFC 3339 string, found ${describe(createdAt)}`);
    lengths[3] = f.created_at === undefined ? createdAt.length : utf8Length(createdAt);
    if (f.payload === undefined || f.payload === null) {
      throw new TypeError(`buildEvents: fields[${i}].payload: expected a JSON value (plaintext events need a payload; null counts as absent), found ${describe(f.payload)}`);
    }
    const payloadJson = jcs(f.payload);
    const plainHash = crypto.sha256(DOMAIN.PAYLOAD_PLAIN + payloadJson, 'binary');
    tail.set(new Uint8Array(plainHash), 4);
    digests[i] = signingDigestBytes(head, [f.entity_type, f.entity_id, f.event_type, createdAt], lengths, tail);
    parts[i] = { eventId, createdAt, payloadJson, plainHashHex: crypto.hexEncode(plainHash) };
  }

  const signatures = signer.signMany(digests);
  const events = new Array(n);
  const texts = agentId === null ? null : new Array(n);
  for (let i = 0; i < n; i++) {
    const f = fieldsList[i];
    const p = parts[i];
    events[i] = {
      ves_version: 1,
      event_id: p.eventId,
      tenant_id: f.tenant_id,
      store_id: f.store_id,
      source_agent_id: f.source_agent_id,
      agent_key_id: f.agent_key_id,
      entity_type: f.entity_type,
      entity_id: f.entity_id,
      event_type: f.event_type,
      created_at: p.createdAt,
      payload_kind: 0,
      payload: f.payload,
      payload_plain_hash: '0x' + p.plainHashHex,
      payload_cipher_hash: ZERO_HASH_0X,
      agent_signature: '0x' + signatures[i],
    };
    if (texts !== null) {
      // The canonical spelling (spelling.js). Ids and hex are validated or generated above, so
      // only the free-text fields need escaping; the payload's JCS text is valid JSON for it.
      texts[i] =
        `{"ves_version":1,"event_id":"${p.eventId}","tenant_id":"${f.tenant_id}","store_id":"${f.store_id}",` +
        `"source_agent_id":"${f.source_agent_id}","agent_key_id":${f.agent_key_id},` +
        `"entity_type":${canonicalString(f.entity_type)},"entity_id":${canonicalString(f.entity_id)},` +
        `"event_type":${canonicalString(f.event_type)},"created_at":${canonicalString(p.createdAt)},` +
        `"payload_kind":0,"payload":${asciiJson(p.payloadJson)},"payload_plain_hash":"0x${p.plainHashHex}",` +
        `"payload_cipher_hash":"${ZERO_HASH_0X}","agent_signature":"0x${signatures[i]}"}`;
    }
  }
  return { events, body: texts === null ? null : `{"agentId":${canonicalString(agentId)},"events":[${texts.join(',')}]}` };
}

function checkIds(f, i, agentId) {
  for (const name of ['tenant_id', 'store_id', 'source_agent_id']) {
    if (!isUuid(f[name])) throw new TypeError(`buildEvents: fields[${i}].${name}: expected a UUID, found ${describe(f[name])}`);
  }
  if (agentId !== null && f.source_agent_id.toLowerCase() !== agentId.toLowerCase()) {
    throw new TypeError(`buildBatch: fields[${i}].source_agent_id must equal agentId ${agentId} (the sequencer answers 400 otherwise), found ${f.source_agent_id}`);
  }
  if (!Number.isInteger(f.agent_key_id) || f.agent_key_id < 0 || f.agent_key_id > 0xffffffff) {
    throw new TypeError(`buildEvents: fields[${i}].agent_key_id: expected an integer from 0 to 4294967295, found ${describe(f.agent_key_id)}`);
  }
}

// Checks entity_type, entity_id and event_type, and stores their UTF-8 byte lengths in lengths[0..2].
function checkStrings(f, i, lengths) {
  for (let k = 0; k < 3; k++) {
    const [name, max] = STRING_LIMITS[k];
    const s = f[name];
    if (typeof s !== 'string') throw new TypeError(`buildEvents: fields[${i}].${name}: expected a string, found ${describe(s)}`);
    const bytes = utf8Length(s);
    if (bytes < 1 || bytes > max) {
      throw new TypeError(`buildEvents: fields[${i}].${name}: expected 1 to ${max} UTF-8 bytes (the sequencer rejects the whole batch otherwise), found ${bytes} bytes`);
    }
    lengths[k] = bytes;
  }
}
