/**
 * PAYLOAD shapes of live events: `order` (the default, content.js) and `floats`: the order
 * payload plus a `readings` array of IEEE doubles, four drawn from the event's block in the
 * iteration's `payload` slot (any finite bit pattern: subnormals, huge and tiny exponents) and
 * one edge value (±0, 2^53, 1e21, 5e-324, 1e-7, shortest round-trip cases). A real sequencer
 * refused the exact replay of such an event as "different contents" (issue #9).
 *
 * JS only for now: `ves presign` has no shapes yet, so a `floats` corpus cannot be presigned.
 *
 * @module payload
 */

export const PAYLOAD_SHAPES = Object.freeze(['order', 'floats']);

/** Edge values for `floats`. */
export const FLOAT_EDGES = Object.freeze([0, -0, 9007199254740992, 1e21, 5e-324, 1e-7, 0.1, 1.7976931348623157e308, 2.2250738585072014e-308, 3.7653736496554432e-62, -4.3319633800132735e222, 123456789.12345678]);

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

/**
 * Gives live events the run's payload shape, in place (before signing).
 * @param {import('./event.js').EventFields[]} fields
 * @param {string} shape
 * @param {(i: number) => Uint8Array} blockOf
 */
export function shapePayloads(fields, shape, blockOf) {
  if (shape !== 'floats') return;
  for (let i = 0; i < fields.length; i++) fields[i].payload = Object.assign({}, fields[i].payload, { readings: floatsOf(blockOf(i)) });
}
