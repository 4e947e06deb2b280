/**
 * The vocabulary of PAYLOAD and the sizes of the padded shapes (what each shape is: payload.js).
 * Apart from payload.js, and free of k6 imports, so that the variable table (variables.js) can
 * name the shapes both in k6 and in Node, where docs/CONFIG.md is generated.
 *
 * @module payload_shapes
 */

export const PAYLOAD_SHAPES = Object.freeze(['order', 'small', 'medium', 'large', 'unicode', 'floats', 'nested', 'mixed']);
/** JCS bytes of a `medium` payload. */
export const MEDIUM_BYTES = 4096;
/** JCS bytes of a `large` payload, and the largest PAYLOAD_BYTES. */
export const LARGE_BYTES = 1000000;
