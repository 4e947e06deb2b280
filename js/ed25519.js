/**
 * Ed25519 (RFC 8032, PureEdDSA) for k6: signing and verification in plain JavaScript.
 *
 * SECURITY: NOT CONSTANT-TIME. Timing depends on the secret scalar and nonce (table lookups,
 * BigInt arithmetic whose cost depends on the operands). Use it for load-test keys only, never
 * for keys that protect anything.
 *
 * Why hand-written: k6 has no WebAssembly and no Ed25519 in WebCrypto; stock @noble/ed25519
 * signs in ~10 ms in k6. This one signs in a fraction of a millisecond:
 *  - field arithmetic mod p = 2^255-19 on BigInt (native Go math/big underneath, ~1 us per
 *    multiply-and-reduce in k6; every JS-level operation costs ~0.1-0.5 us, so the hot loop is
 *    written to use few operations: reductions only after products, signed representatives);
 *  - points in extended twisted Edwards coordinates (X:Y:Z:T), a = -1 (Hisil-Wong-Carter-Dawson);
 *  - fixed-base multiplication r*B with a precomputed table of radix-256 signed-digit windows
 *    (32 windows x 128 affine points in (y+x, y-x, 2dxy) form): 32 mixed additions per
 *    signature, no doublings. The table is built once per VU on first use (~0.1-0.2 s, a few MB);
 *  - SHA-512 from k6/crypto (native);
 *  - batch signing shares one field inversion per batch for the R encodings (Montgomery's trick).
 *
 * Verification (`verify`) follows ed25519-dalek's `verify` (what the sequencer uses): S must be
 * canonical (< L), A must decode, and the encoding of [S]B - [k]A must equal R byte for byte. It
 * costs a few milliseconds (a variable-base multiplication); use it on samples.
 *
 * @module ed25519
 */
import crypto from 'k6/crypto';
import { describe, normalizeHex, writeHex } from './bytes.js';

// ---------------------------------------------------------------------------------------------
// Field GF(p), p = 2^255 - 19. Values may be negative or unreduced between operations; `mod`
// normalizes into [0, p) where a canonical value is needed (encoding, comparison).

const P = (1n << 255n) - 19n;
/** Order of the base point. */
export const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function mod(a) {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function pow2k(x, k) {
  for (let i = 0; i < k; i++) x = (x * x) % P;
  return x;
}

// x^(2^250 - 1) and x^11, the shared start of inversion and square-root exponentiations.
function pow2250m1(x) {
  const x2 = (x * x) % P;
  const x9 = (pow2k(x2, 2) * x) % P;
  const x11 = (x9 * x2) % P;
  const x5 = (((x11 * x11) % P) * x9) % P; // x^31 = x^(2^5 - 1)
  const x10 = (pow2k(x5, 5) * x5) % P;
  const x20 = (pow2k(x10, 10) * x10) % P;
  const x40 = (pow2k(x20, 20) * x20) % P;
  const x50 = (pow2k(x40, 10) * x10) % P;
  const x100 = (pow2k(x50, 50) * x50) % P;
  const x200 = (pow2k(x100, 100) * x100) % P;
  const x250 = (pow2k(x200, 50) * x50) % P;
  return { x250, x11 };
}

/** Multiplicative inverse mod p (x^(p-2)); x must be nonzero mod p. */
function invert(x) {
  const { x250, x11 } = pow2250m1(x);
  return (pow2k(x250, 5) * x11) % P; // (2^250-1)*2^5 + 11 = 2^255 - 21 = p - 2
}

/** Inverts every value with one exponentiation (Montgomery's trick). Values must be nonzero mod p. */
function batchInvert(values) {
  const n = values.length;
  const prefix = new Array(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * values[i]) % P;
  }
  let inv = invert(acc);
  const out = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (inv * prefix[i]) % P;
    inv = (inv * values[i]) % P;
  }
  return out;
}

// Curve constants, derived rather than pasted: d = -121665/121666, sqrt(-1) = 2^((p-1)/4),
// base point y = 4/5 with even x.
const D = mod(-121665n * invert(121666n));
const D2 = (2n * D) % P;
const SQRT_M1 = modPow(2n, (P - 1n) / 4n);

function modPow(b, e) {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}

// sqrt(u/v) per RFC 8032 section 5.1.3, or null when u/v is not a square.
function sqrtRatio(u, v) {
  const v3 = (((v * v) % P) * v) % P;
  const v7 = (((v3 * v3) % P) * v) % P;
  const { x250 } = pow2250m1((u * v7) % P);
  const pow = (pow2k(x250, 2) * ((u * v7) % P)) % P; // (u v^7)^((p-5)/8)
  let x = mod((((u * v3) % P) * pow) % P);
  const vx2 = mod((((x * x) % P) * v) % P);
  const uu = mod(u);
  if (vx2 === uu) return x;
  if (vx2 === mod(-uu)) return mod(x * SQRT_M1);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Points: extended coordinates [X, Y, Z, T] with x = X/Z, y = Y/Z, xy = T/Z.

const IDENTITY = [0n, 1n, 1n, 0n];

function pointAdd(p, q) {
  const A = ((p[1] - p[0]) * (q[1] - q[0])) % P;
  const B = ((p[1] + p[0]) * (q[1] + q[0])) % P;
  const C = (((p[3] * D2) % P) * q[3]) % P;
  const DD = (2n * p[2] * q[2]) % P;
  const E = B - A;
  const F = DD - C;
  const G = DD + C;
  const H = B + A;
  return [(E * F) % P, (G * H) % P, (F * G) % P, (E * H) % P];
}

function pointDouble(p) {
  const A = (p[0] * p[0]) % P;
  const B = (p[1] * p[1]) % P;
  const C = (2n * p[2] * p[2]) % P;
  const s = p[0] + p[1];
  const E = (s * s - A - B) % P;
  const G = B - A; // D + B with D = aA = -A
  const F = G - C;
  const H = -A - B;
  return [(E * F) % P, (G * H) % P, (F * G) % P, (E * H) % P];
}

function pointNegate(p) {
  return [-p[0], p[1], p[2], -p[3]];
}

const BASE = (() => {
  const y = mod(4n * invert(5n));
  const x = decodeX(y, 0);
  return [x, y, 1n, (x * y) % P];
})();

// x of the curve point with this y and x parity `sign`, or null.
function decodeX(y, sign) {
  const y2 = (y * y) % P;
  const x = sqrtRatio(y2 - 1n, D * y2 + 1n);
  if (x === null) return null;
  if (x === 0n && sign === 1) return null;
  return Number(x & 1n) === sign ? x : P - x;
}

// Little-endian encoding value of an affine point: y with the parity of x in bit 255.
function encodingValue(x, y) {
  return (x & 1n) === 1n ? y | (1n << 255n) : y;
}

function encodePoint(p) {
  const zi = invert(mod(p[2]));
  return encodingValue(mod(p[0] * zi), mod(p[1] * zi));
}

function decodePoint(bytes) {
  const v = readLE(bytes, 0, 32);
  const sign = Number(v >> 255n);
  const y = v & ((1n << 255n) - 1n);
  if (y >= P) return null; // RFC 8032: non-canonical y fails to decode
  const x = decodeX(y, sign);
  if (x === null) return null;
  return [x, y, 1n, (x * y) % P];
}

// Variable-base multiplication, 4-bit fixed windows (verification only).
function pointMultiply(p, n) {
  const table = [IDENTITY, p];
  for (let i = 2; i < 16; i++) table.push(pointAdd(table[i - 1], p));
  const hex = n.toString(16);
  let acc = IDENTITY;
  for (let i = 0; i < hex.length; i++) {
    acc = pointDouble(pointDouble(pointDouble(pointDouble(acc))));
    const nibble = parseInt(hex[i], 16);
    if (nibble !== 0) acc = pointAdd(acc, table[nibble]);
  }
  return acc;
}

// ---------------------------------------------------------------------------------------------
// Fixed-base table: window w holds j * 256^w * B for j = 1..128 as (y+x, y-x, 2dxy), affine.

const WINDOWS = 32;
const HALF = 128;
let baseTable = null;

/**
 * Builds the per-VU fixed-base table now (otherwise the first signature or key derivation
 * does). Returns the build time in milliseconds (0 if it was already built).
 */
export function precomputeBaseTable() {
  if (baseTable !== null) return 0;
  const started = Date.now();
  baseTable = buildBaseTable();
  return Date.now() - started;
}

function buildBaseTable() {
  const points = new Array(WINDOWS * HALF);
  let windowBase = BASE;
  for (let w = 0; w < WINDOWS; w++) {
    let acc = windowBase;
    for (let j = 0; j < HALF; j++) {
      points[w * HALF + j] = acc;
      if (j + 1 < HALF) acc = pointAdd(acc, windowBase);
    }
    windowBase = pointDouble(acc); // 2 * 128 * base = 256 * base
  }
  const zInverses = batchInvert(points.map((p) => p[2]));
  const ypx = new Array(points.length);
  const ymx = new Array(points.length);
  const t2d = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const x = mod(points[i][0] * zInverses[i]);
    const y = mod(points[i][1] * zInverses[i]);
    ypx[i] = (y + x) % P;
    ymx[i] = mod(y - x);
    t2d[i] = (((x * y) % P) * D2) % P;
  }
  return { ypx, ymx, t2d };
}

/**
 * scalar * B in projective form [X, Y, Z] (no T). `scalar` must be below 2^253 (any value
 * reduced mod L is). Radix-256 signed digits in [-127, 128]; each nonzero digit is one mixed
 * addition with a table point (negative digits swap y+x/y-x and negate 2dxy).
 */
function baseMultiply(scalar) {
  if (baseTable === null) precomputeBaseTable();
  const { ypx, ymx, t2d } = baseTable;
  let X = 0n;
  let Y = 1n;
  let Z = 1n;
  let T = 0n;
  let carry = 0;
  let offset = -1; // index of digit 1 in the current window, minus 1
  let rest = scalar;
  // 8 chunks of 32 bits, 4 radix-256 digits each: BigInt -> Number once per chunk.
  for (let chunk = 0; chunk < 8; chunk++) {
    let bits = Number(rest & 0xffffffffn);
    rest >>= 32n;
    for (let q = 0; q < 4; q++, offset += HALF) {
      let digit = (bits & 255) + carry;
      bits >>>= 8;
      if (digit > HALF) {
        digit -= 256;
        carry = 1;
      } else {
        carry = 0;
      }
      if (digit === 0) continue;
      // Mixed addition (extended + affine niels), with products reduced before they are
      // multiplied again: smaller operands make the next BigInt products cheaper.
      let a;
      let b;
      let f;
      let g;
      const zz = Z + Z;
      if (digit > 0) {
        const k = offset + digit;
        a = ((Y - X) * ymx[k]) % P;
        b = ((Y + X) * ypx[k]) % P;
        const c = (T * t2d[k]) % P;
        f = zz - c;
        g = zz + c;
      } else {
        const k = offset - digit;
        a = ((Y - X) * ypx[k]) % P;
        b = ((Y + X) * ymx[k]) % P;
        const c = (T * t2d[k]) % P;
        f = zz + c;
        g = zz - c;
      }
      const e = b - a;
      const h = b + a;
      X = (e * f) % P;
      Y = (g * h) % P;
      T = (e * h) % P;
      Z = (f * g) % P;
    }
  }
  return [X, Y, Z];
}

// ---------------------------------------------------------------------------------------------
// Little-endian integer <-> bytes, via DataView 64-bit lanes (few native calls).

function readLE(bytes, offset, length) {
  const view = new DataView(bytes.buffer || bytes, bytes.byteOffset || 0);
  let v = 0n;
  for (let i = offset + length - 8; i >= offset; i -= 8) v = (v << 64n) | view.getBigUint64(i, true);
  return v;
}

// setBigUint64 stores its argument modulo 2^64, so shifts alone select the lanes.
function writeLE256(view, offset, v) {
  view.setBigUint64(offset, v, true);
  view.setBigUint64(offset + 8, v >> 64n, true);
  view.setBigUint64(offset + 16, v >> 128n, true);
  view.setBigUint64(offset + 24, v >> 192n, true);
}

function sha512Scalar(data) {
  return readLE(crypto.sha512(data, 'binary'), 0, 64) % L;
}

// ---------------------------------------------------------------------------------------------
// Keys and signing

/**
 * @typedef {object} Signer
 * @property {string} publicKeyHex 32-byte compressed public key, bare lowercase hex
 * @property {(hashHex: string) => string} sign signs the 32 raw bytes of a hash (hex, optional 0x); returns the 64-byte signature as bare hex
 * @property {(message: Uint8Array|ArrayBuffer) => string} signBytes signs arbitrary bytes
 * @property {(messages: Array<Uint8Array|ArrayBuffer>) => string[]} signMany signs many messages sharing one field inversion
 */

/**
 * Creates a signer from a 32-byte RFC 8032 seed (the "secret key").
 * @param {string} seedHex 64 hex digits, optional 0x
 * @returns {Signer}
 */
export function createSigner(seedHex) {
  const seed = new Uint8Array(32);
  writeHex(seed, 0, normalizeHex(seedHex, 32, 'Ed25519 seed'));
  const h = new Uint8Array(crypto.sha512(seed, 'binary'));
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  const a = readLE(h, 0, 32) % L; // the clamped scalar; a*B = (a mod L)*B
  const publicKey = new Uint8Array(32);
  const publicView = new DataView(publicKey.buffer);
  const [X, Y, Z] = baseMultiply(a);
  writeLE256(publicView, 0, encodePoint([X, Y, Z]));
  const publicKeyHex = crypto.hexEncode(publicKey);

  // Scratch buffers reused by every signature: prefix || M for r; R || A || M for k; R || S.
  const nonceInput = new Uint8Array(64);
  nonceInput.set(h.subarray(32), 0);
  const challengeInput = new Uint8Array(96);
  const challengeView = new DataView(challengeInput.buffer);
  challengeInput.set(publicKey, 32);
  const signature = new Uint8Array(64);
  const signatureView = new DataView(signature.buffer);

  function nonceOf(message) {
    if (message.byteLength === 32) {
      nonceInput.set(message, 32);
      return sha512Scalar(nonceInput);
    }
    const input = new Uint8Array(32 + message.byteLength);
    input.set(nonceInput.subarray(0, 32), 0);
    input.set(message, 32);
    return sha512Scalar(input);
  }

  function finish(r, encodedR, message) {
    writeLE256(challengeView, 0, encodedR);
    let k;
    if (message.byteLength === 32) {
      challengeInput.set(message, 64);
      k = sha512Scalar(challengeInput);
    } else {
      const input = new Uint8Array(64 + message.byteLength);
      input.set(challengeInput.subarray(0, 64), 0);
      input.set(message, 64);
      k = sha512Scalar(input);
    }
    const s = (r + k * a) % L;
    signature.set(challengeInput.subarray(0, 32), 0);
    writeLE256(signatureView, 32, s);
    return crypto.hexEncode(signature);
  }

  function signMany(messages) {
    const n = messages.length;
    const msgs = new Array(n);
    const nonces = new Array(n);
    const points = new Array(n);
    const zs = new Array(n);
    for (let i = 0; i < n; i++) {
      msgs[i] = asBytes(messages[i]);
      nonces[i] = nonceOf(msgs[i]);
      points[i] = baseMultiply(nonces[i]);
      zs[i] = points[i][2];
    }
    const zInverses = batchInvert(zs);
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = mod(points[i][0] * zInverses[i]);
      const y = mod(points[i][1] * zInverses[i]);
      out[i] = finish(nonces[i], encodingValue(x, y), msgs[i]);
    }
    return out;
  }

  function signBytes(message) {
    const m = asBytes(message);
    const r = nonceOf(m);
    return finish(r, encodePoint(baseMultiply(r)), m);
  }

  const messageScratch = new Uint8Array(32);
  return {
    publicKeyHex,
    sign(hashHex) {
      writeHex(messageScratch, 0, normalizeHex(hashHex, 32, 'hash to sign'));
      return signBytes(messageScratch);
    },
    signBytes,
    signMany,
  };
}

/**
 * Public key (bare hex) of a 32-byte seed.
 * @param {string} seedHex
 */
export function publicKeyOf(seedHex) {
  return createSigner(seedHex).publicKeyHex;
}

/**
 * Verifies an Ed25519 signature like ed25519-dalek's `verify`. Never throws: malformed input
 * (bad hex, wrong lengths, a public key that does not decode, S >= L) returns false.
 * @param {string} publicKeyHex 32 bytes, optional 0x
 * @param {string|Uint8Array|ArrayBuffer} message hex string (optional 0x) or bytes
 * @param {string} signatureHex 64 bytes, optional 0x
 * @returns {boolean}
 */
export function verify(publicKeyHex, message, signatureHex) {
  try {
    const publicKey = new Uint8Array(32);
    writeHex(publicKey, 0, normalizeHex(publicKeyHex, 32, 'public key'));
    const sig = new Uint8Array(64);
    writeHex(sig, 0, normalizeHex(signatureHex, 64, 'signature'));
    let m;
    if (typeof message === 'string') {
      const hex = normalizeHex(message, undefined, 'message');
      m = new Uint8Array(hex.length / 2);
      writeHex(m, 0, hex);
    } else {
      m = asBytes(message);
    }
    const s = readLE(sig, 32, 32);
    if (s >= L) return false;
    const A = decodePoint(publicKey);
    if (A === null) return false;
    const input = new Uint8Array(64 + m.byteLength);
    input.set(sig.subarray(0, 32), 0);
    input.set(publicKey, 32);
    input.set(m, 64);
    const k = sha512Scalar(input);
    const [X, Y, Z] = baseMultiply(s);
    const sB = [X, Y, Z, mod(X * Y * invert(mod(Z)))]; // T needed for a full addition
    const R = pointAdd(sB, pointNegate(pointMultiply(A, k)));
    return encodePoint(R) === readLE(sig, 0, 32);
  } catch (e) {
    return false;
  }
}

function asBytes(message) {
  if (message instanceof Uint8Array) return message;
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  throw new TypeError(`ed25519: expected a Uint8Array or ArrayBuffer message, found ${describe(message)}`);
}
