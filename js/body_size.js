/**
 * Large request bodies and the latency thresholds. Every request is tagged `body:large` when
 * its body holds more than LARGE_BODY_BYTES (256 KiB) of UTF-8, else `body:normal` (client.js).
 * When the run's PAYLOAD can make bodies that large (`large`, `mixed`, `medium` or PAYLOAD_BYTES
 * with a big enough batch), the scenarios' latency thresholds count only `body:normal`
 * requests: moving and parsing a ~1 MB payload is not the latency of order-size events.
 * `http_req_failed`, `checks` and the correctness counters count every request.
 *
 * @module body_size
 */
import { utf8Length } from './bytes.js';
import { latencyOnly } from './latency_tags.js';
import { LARGE_BYTES, MEDIUM_BYTES, batchBytesBound } from './payload.js';

/** Bodies above this many bytes are tagged `body:large`. */
export const LARGE_BODY_BYTES = 256 * 1024;

/**
 * `large` or `normal`: the value of a request's `body` tag.
 * @param {string|null|undefined} body
 * @param {number} [bytes] the body's UTF-8 length when the caller knows it (`ves signer` says
 *   it; a corpus line is ASCII): counting it here costs ~34 µs of k6 CPU per event for a
 *   100-event order batch (a JavaScript loop over ~100,000 characters), more than the rest of
 *   the ingest path with `ves signer` and RECEIPT_CHECK sampling
 */
export function bodyClass(body, bytes) {
  if (Number.isSafeInteger(bytes) && bytes >= 0) return bytes > LARGE_BODY_BYTES ? 'large' : 'normal';
  if (typeof body !== 'string') return 'normal';
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit: count bytes only when the length cannot tell.
  if (body.length > LARGE_BODY_BYTES) return 'large';
  if (body.length * 3 <= LARGE_BODY_BYTES) return 'normal';
  return utf8Length(body) > LARGE_BODY_BYTES ? 'large' : 'normal';
}

/**
 * What PAYLOAD does to request sizes: `some` when some live ingest requests can pass
 * LARGE_BODY_BYTES, `all` when every one does (each payload padded to a fixed size that large
 * in total), `none` otherwise. PAYLOAD=order (no PAYLOAD_BYTES) is `none` at any BATCH_SIZE.
 * @param {string} shape PAYLOAD
 * @param {number} payloadBytes PAYLOAD_BYTES
 * @param {number} batchSize BATCH_SIZE
 * @returns {'none'|'some'|'all'}
 */
export function largeBodies(shape, payloadBytes, batchSize) {
  if (shape === 'order' && !(payloadBytes > 0)) return 'none';
  if (batchBytesBound(shape, payloadBytes, batchSize) <= LARGE_BODY_BYTES) return 'none';
  const fixed = payloadBytes > 0 ? payloadBytes : shape === 'large' ? LARGE_BYTES : shape === 'medium' ? MEDIUM_BYTES : 0;
  return fixed * batchSize > LARGE_BODY_BYTES ? 'all' : 'some';
}

/**
 * Latency thresholds restricted to normal-size bodies: `http_req_duration{endpoint:x}` becomes
 * `http_req_duration{endpoint:x,body:normal}`, `http_req_duration` becomes
 * `http_req_duration{body:normal}`. Other keys are kept as they are.
 * @param {Record<string, unknown>} thresholds
 */
export function normalBodiesOnly(thresholds) {
  return latencyOnly(thresholds, 'body', 'normal');
}
