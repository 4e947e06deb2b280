/**
 * PAYLOAD shapes of live events, one vocabulary with `ves presign --shape` (ves-core's `shapes`
 * module, which this mirrors: the same JCS bytes and payload hashes for the same SEED and slot,
 * held equal by the shape cases of `ves vectors`). An order event (content.js) is reshaped from
 * block (i, 0) of the iteration's `payload` purpose:
 *
 * - `order` (default): unchanged.
 * - `small`: `{order_id, status}` only.
 * - `medium`: the order padded to MEDIUM_BYTES of JCS (or PAYLOAD_BYTES).
 * - `large`: the order padded to LARGE_BYTES (or PAYLOAD_BYTES), near the 1 MiB payload limit.
 * - `unicode`: the order plus `text` (four UNICODE_STRINGS chosen by block bytes 0..3) and
 *   `labels` (three keys `<string>#k` from bytes 4..6): astral characters, combining marks,
 *   escapes, keys in UTF-16 order.
 * - `floats`: the order plus `readings`: four doubles from the block's bytes (big-endian; a
 *   non-finite pattern becomes FLOAT_EDGES[byte k % 12]) and FLOAT_EDGES[byte 31 % 12]. A real
 *   sequencer refused the exact replay of such an event as "different contents".
 * - `nested`: the order plus `tree`: 3 + byte 0 % 10 levels alternating `{depth: k, next: …}`
 *   (k even) and `[k, …]` (k odd) around `{leaf: u32(bytes 1..4)}`.
 * - `mixed`: event 0 of a batch is MIXED[byte 31 % 6] (large included), the others
 *   MIXED[byte 31 % 5] (all but large): at most one large payload per request.
 *
 * PAYLOAD_BYTES (when not 0) pads every payload with a `pad` string to about that many bytes of
 * JCS and replaces the medium and large targets.
 *
 * @module payload
 */
import { jcs } from './jcs.js';
import { utf8Length } from './bytes.js';
import { blockU32 } from './content.js';

import { LARGE_BYTES, MEDIUM_BYTES, PAYLOAD_SHAPES } from './payload_shapes.js';

export { LARGE_BYTES, MEDIUM_BYTES, PAYLOAD_SHAPES };
/** Bound of an unpadded payload, and of an event's envelope besides its payload (batchBytesBound). */
export const UNPADDED_BOUND = 2048;
export const ENVELOPE_BOUND = 1024;
/** The request limit of the sequencer. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Edge values for `floats`. */
export const FLOAT_EDGES = Object.freeze([0, -0, 9007199254740992, 1e21, 5e-324, 1e-7, 0.1, 1.7976931348623157e308, 2.2250738585072014e-308, 3.7653736496554432e-62, -4.3319633800132735e222, 123456789.12345678]);

/** Strings of `unicode` (never U+0000: the server refuses it). */
export const UNICODE_STRINGS = Object.freeze([
  '\ud83d\ude00',
  '\ud834\udd1e music',
  'e\u0301',
  'A\u030a\u0323',
  '\u00e9',
  '\u0001\u001f\u007f',
  '"quote" \\ /',
  '\u2028\u2029',
  '\ufeffbom',
  'tab\tnew\nline',
  '\ud7ff\ue000\ufffd',
  '\udbff\udfff',
  '\u65e5\u672c\u8a9e',
  '\uff61',
  'a\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67',
  'plain',
]);

/** What `mixed` draws from; large last so that `% 5` leaves it out. */
const MIXED = Object.freeze(['small', 'medium', 'unicode', 'floats', 'nested', 'large']);

/**
 * PAYLOAD: one of PAYLOAD_SHAPES (default order).
 * @returns {string} or throws naming the shapes
 */
export function parsePayloadShape(raw) {
  if (raw === undefined || raw === null || String(raw).trim() === '') return 'order';
  const v = String(raw).trim();
  if (!PAYLOAD_SHAPES.includes(v)) throw new Error(`PAYLOAD: expected one of ${PAYLOAD_SHAPES.join(', ')}, found ${JSON.stringify(raw)}`);
  return v;
}

/**
 * PAYLOAD_BYTES: an integer from 0 to LARGE_BYTES (default 0: no padding).
 * @returns {number} or throws
 */
export function parsePayloadBytes(raw) {
  if (raw === undefined || raw === null || String(raw).trim() === '') return 0;
  const v = String(raw).trim();
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= LARGE_BYTES)) throw new Error(`PAYLOAD_BYTES: expected an integer from 0 to ${LARGE_BYTES}, found ${JSON.stringify(raw)}`);
  return n;
}

/**
 * An upper bound of the bytes of one ingest request of `batchSize` events of `shape` (ves-core
 * shapes::batch_bytes_bound): each payload at most max(its target, UNPADDED_BOUND), plus
 * ENVELOPE_BOUND per event; `mixed` counts its one large payload.
 */
export function batchBytesBound(shape, payloadBytes, batchSize) {
  const one = (s) => {
    let target = payloadBytes;
    if (payloadBytes === 0 && s === 'medium') target = MEDIUM_BYTES;
    if (payloadBytes === 0 && s === 'large') target = LARGE_BYTES;
    return Math.max(target, UNPADDED_BOUND) + ENVELOPE_BOUND;
  };
  if (batchSize <= 0) return 0;
  const first = shape === 'mixed' ? one('large') : one(shape);
  const rest = shape === 'mixed' ? one('medium') : one(shape);
  return first + rest * (batchSize - 1);
}

/**
 * The largest BATCH_SIZE whose requests stay under the request limit for this shape, or 0.
 */
export function maxBatchFor(shape, payloadBytes) {
  let lo = 0;
  let hi = 1000;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (batchBytesBound(shape, payloadBytes, mid) <= MAX_BODY_BYTES) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Five doubles from a 32-byte block: four from its bytes (a non-finite pattern becomes an
 * edge value) and one edge value chosen by the block.
 * @param {Uint8Array} block
 * @returns {number[]}
 */
export function floatsOf(block) {
  const view = new DataView(block.buffer, block.byteOffset, 32);
  const out = [];
  for (let k = 0; k < 4; k++) {
    const v = view.getFloat64(8 * k, false);
    out.push(Number.isFinite(v) ? v : FLOAT_EDGES[block[k] % FLOAT_EDGES.length]);
  }
  out.push(FLOAT_EDGES[block[31] % FLOAT_EDGES.length]);
  return out;
}

/** Pads an object payload with `pad` until its JCS is about `target` bytes (0: none), in place. */
export function padPayload(payload, target) {
  if (target === 0 || payload === null || typeof payload !== 'object' || Array.isArray(payload)) return;
  // `,"pad":""` costs 9 bytes before the padding itself.
  const room = target - (utf8Length(jcs(payload)) + 9);
  if (room >= 0) payload.pad = 'x'.repeat(room);
}

/**
 * One payload of `shape` (not mixed) from its block: a new object.
 * @returns {object}
 */
export function shapePayload(payload, shape, block, payloadBytes = 0) {
  let target = payloadBytes;
  if (payloadBytes === 0 && shape === 'medium') target = MEDIUM_BYTES;
  if (payloadBytes === 0 && shape === 'large') target = LARGE_BYTES;
  let out = Object.assign({}, payload);
  if (shape === 'small') {
    out = { order_id: payload.order_id, status: payload.status };
  } else if (shape === 'unicode') {
    const n = UNICODE_STRINGS.length;
    out.text = [0, 1, 2, 3].map((k) => UNICODE_STRINGS[block[k] % n]);
    const labels = {};
    for (let k = 0; k < 3; k++) labels[`${UNICODE_STRINGS[block[4 + k] % n]}#${k}`] = k;
    out.labels = labels;
  } else if (shape === 'floats') {
    out.readings = floatsOf(block);
  } else if (shape === 'nested') {
    const depth = 3 + (block[0] % 10);
    let node = { leaf: blockU32(block, 1) };
    for (let k = depth - 1; k >= 0; k--) node = k % 2 === 0 ? { depth: k, next: node } : [k, node];
    out.tree = node;
  }
  padPayload(out, target);
  return out;
}

/** The shape of event `index` of a batch: `mixed` resolved from its block. */
export function shapeOf(shape, index, block) {
  if (shape !== 'mixed') return shape;
  return MIXED[block[31] % (index === 0 ? 6 : 5)];
}

/**
 * Gives live events the run's payload shape and PAYLOAD_BYTES, in place (before signing).
 * @param {import('./event.js').EventFields[]} fields
 * @param {string} shape
 * @param {(i: number) => Uint8Array} blockOf block (i, 0) of the `payload` purpose
 * @param {number} [payloadBytes]
 */
export function shapePayloads(fields, shape, blockOf, payloadBytes = 0) {
  if (shape === 'order' && payloadBytes === 0) return;
  for (let i = 0; i < fields.length; i++) {
    const block = blockOf(i);
    fields[i].payload = shapePayload(fields[i].payload, shapeOf(shape, i, block), block, payloadBytes);
  }
}
