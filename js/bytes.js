/**
 * Byte helpers for the VES k6 library: hex, UTF-8, big-endian integers, UUIDs.
 *
 * k6's JavaScript engine (sobek/goja) has no TextEncoder and runs every JS-level
 * operation slowly (~0.1-0.5 us each), so these helpers lean on native calls:
 * `crypto.hexEncode` for bytes -> hex, BigInt parsing + DataView for hex -> bytes.
 * A per-byte loop is kept only where nothing native exists (UTF-8 of non-ASCII text,
 * used by tests and diagnostics; hashing hands strings straight to k6/crypto,
 * which encodes them as UTF-8 natively).
 *
 * @module bytes
 */
import crypto from 'k6/crypto';

const HEX_RE = /^[0-9a-fA-F]*$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NON_ASCII_RE = /[^\x00-\x7f]/;
const MASK64 = (1n << 64n) - 1n;

/** Strips an optional `0x`/`0X` prefix. */
export function strip0x(hex) {
  return hex.length > 1 && hex.charCodeAt(0) === 48 && (hex.charCodeAt(1) | 32) === 120 ? hex.slice(2) : hex;
}

/**
 * True when `value` is a string of hex digits (optional `0x`), of `byteLength` bytes when given.
 * @param {unknown} value
 * @param {number} [byteLength]
 */
export function isHex(value, byteLength) {
  if (typeof value !== 'string') return false;
  const hex = strip0x(value);
  if (hex.length % 2 !== 0) return false;
  if (byteLength !== undefined && hex.length !== byteLength * 2) return false;
  return HEX_RE.test(hex);
}

/**
 * Returns bare lowercase hex (no `0x`), or throws a TypeError that names `what`.
 * @param {string} value hex with or without `0x`, any case
 * @param {number} [byteLength] required length in bytes
 * @param {string} [what] name used in the error message
 */
export function normalizeHex(value, byteLength, what = 'hex value') {
  if (!isHex(value, byteLength)) {
    const want = byteLength === undefined ? 'an even number of hex digits' : `${byteLength * 2} hex digits (${byteLength} bytes)`;
    throw new TypeError(`${what}: expected ${want}, optionally prefixed with 0x; found ${describe(value)}`);
  }
  return strip0x(value).toLowerCase();
}

/**
 * Decodes hex (optional `0x`, any case) into bytes. Throws a TypeError on bad input.
 * @param {string} hex
 * @param {number} [byteLength] required length in bytes
 * @returns {Uint8Array}
 */
export function hexToBytes(hex, byteLength) {
  const bytes = tryHexToBytes(hex, byteLength);
  if (bytes === null) normalizeHex(hex, byteLength); // throws the descriptive error
  return bytes;
}

/**
 * Like {@link hexToBytes} but returns null instead of throwing (for verifiers that must not throw).
 * @returns {Uint8Array|null}
 */
export function tryHexToBytes(hex, byteLength) {
  if (!isHex(hex, byteLength)) return null;
  const clean = strip0x(hex);
  const out = new Uint8Array(clean.length / 2);
  writeHex(out, 0, clean);
  return out;
}

/**
 * Writes validated bare hex into `target` at `offset`. The caller must have validated the hex
 * (see {@link isHex}): BigInt parsing in goja tolerates a sign and trailing spaces.
 * Decodes up to 32 bytes per BigInt parse, then 8 bytes per DataView store: a per-byte loop costs
 * ~1 us per byte in k6, this costs ~0.25 us per byte.
 * @param {Uint8Array} target
 * @param {number} offset
 * @param {string} hex bare, even length, validated
 */
export function writeHex(target, offset, hex) {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  let pos = 0;
  let out = offset;
  const end = hex.length;
  while (end - pos >= 64) {
    // setBigUint64 stores its argument modulo 2^64: shifts alone select the lanes.
    const v = BigInt('0x' + hex.substring(pos, pos + 64));
    view.setBigUint64(out, v >> 192n);
    view.setBigUint64(out + 8, v >> 128n);
    view.setBigUint64(out + 16, v >> 64n);
    view.setBigUint64(out + 24, v);
    pos += 64;
    out += 32;
  }
  if (end - pos >= 32) {
    const v = BigInt('0x' + hex.substring(pos, pos + 32));
    view.setBigUint64(out, v >> 64n);
    view.setBigUint64(out + 8, v);
    pos += 32;
    out += 16;
  }
  while (end - pos >= 8) {
    view.setUint32(out, parseInt(hex.substring(pos, pos + 8), 16));
    pos += 8;
    out += 4;
  }
  while (pos < end) {
    target[out] = parseInt(hex.substring(pos, pos + 2), 16);
    pos += 2;
    out += 1;
  }
}

/**
 * Lowercase hex of bytes (no prefix). Native (`k6/crypto.hexEncode`).
 * @param {Uint8Array|ArrayBuffer} bytes
 */
export function bytesToHex(bytes) {
  return crypto.hexEncode(bytes);
}

/**
 * Byte length of the UTF-8 encoding of a JS string (lone surrogates count as U+FFFD, 3 bytes,
 * as TextEncoder and k6/crypto encode them).
 * @param {string} str
 */
export function utf8Length(str) {
  if (!NON_ASCII_RE.test(str)) return str.length;
  try {
    // Native: encodeURIComponent yields %XX per UTF-8 byte; unescape turns each into one char.
    return unescape(encodeURIComponent(str)).length;
  } catch (e) {
    return utf8Encode(str).length; // lone surrogate: encodeURIComponent throws URIError
  }
}

/**
 * UTF-8 encoding of a JS string (UTF-16), surrogate pairs joined, lone surrogates as U+FFFD.
 * @param {string} str
 * @returns {Uint8Array}
 */
export function utf8Encode(str) {
  const out = [];
  for (let i = 0; i < str.length; i++) {
    let c = str.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < str.length ? str.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    } else if (c < 0x10000) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    } else {
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
  }
  return new Uint8Array(out);
}

/**
 * 4-byte big-endian encoding of an unsigned 32-bit integer.
 * @param {number} n integer 0..2^32-1
 */
export function u32be(n) {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`u32be: expected an integer from 0 to 4294967295, found ${describe(n)}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/**
 * 8-byte big-endian encoding of an unsigned 64-bit integer.
 * @param {number|bigint} n a safe integer >= 0, or a BigInt below 2^64
 */
export function u64be(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, toU64(n, 'u64be'));
  return out;
}

/** @returns {bigint} */
export function toU64(n, what) {
  if (typeof n === 'bigint') {
    if (n >= 0n && n <= MASK64) return n;
  } else if (Number.isSafeInteger(n) && n >= 0) {
    return BigInt(n);
  }
  throw new RangeError(`${what}: expected an unsigned 64-bit integer (a safe integer >= 0 or a BigInt), found ${describe(n)}`);
}

/** True for a hyphenated UUID string (any case, any version). */
export function isUuid(value) {
  return typeof value === 'string' && UUID_RE.test(value);
}

/**
 * Bare lowercase 32-hex form of a hyphenated UUID, or throws a TypeError naming `what`.
 * @param {string} uuid
 * @param {string} [what]
 */
export function uuidHex(uuid, what = 'uuid') {
  if (!isUuid(uuid)) {
    throw new TypeError(`${what}: expected a UUID like 00000000-0000-0000-0000-000000000000, found ${describe(uuid)}`);
  }
  return (uuid.substring(0, 8) + uuid.substring(9, 13) + uuid.substring(14, 18) + uuid.substring(19, 23) + uuid.substring(24)).toLowerCase();
}

/**
 * The 16 raw RFC 4122 bytes of a hyphenated UUID.
 * @param {string} uuid
 * @returns {Uint8Array}
 */
export function uuidToBytes(uuid, what) {
  const out = new Uint8Array(16);
  writeHex(out, 0, uuidHex(uuid, what));
  return out;
}

/**
 * Lowercase hyphenated UUID of 16 bytes.
 * @param {Uint8Array|ArrayBuffer} bytes
 */
export function bytesToUuid(bytes) {
  return formatUuidHex(crypto.hexEncode(bytes));
}

/** Inserts hyphens into 32 hex digits. */
export function formatUuidHex(hex) {
  return `${hex.substring(0, 8)}-${hex.substring(8, 12)}-${hex.substring(12, 16)}-${hex.substring(16, 20)}-${hex.substring(20, 32)}`;
}

/**
 * Concatenates byte arrays.
 * @param {...(Uint8Array|ArrayBuffer)} parts
 * @returns {Uint8Array}
 */
export function concatBytes(...parts) {
  let total = 0;
  const views = parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p)));
  for (const v of views) total += v.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const v of views) {
    out.set(v, offset);
    offset += v.length;
  }
  return out;
}

/**
 * Cryptographically random bytes (k6/crypto).
 * @param {number} n
 * @returns {Uint8Array}
 */
export function randomBytes(n) {
  return new Uint8Array(crypto.randomBytes(n));
}

/**
 * A random (version 4) UUID, lowercase and hyphenated.
 */
export function randomUuid() {
  return randomUuids(1)[0];
}

/**
 * `count` random v4 UUIDs from one call into k6/crypto.randomBytes.
 * @param {number} count
 * @returns {string[]}
 */
export function randomUuids(count) {
  const bytes = new Uint8Array(crypto.randomBytes(16 * count));
  const hex = crypto.hexEncode(bytes);
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const h = hex.substring(32 * i, 32 * i + 32);
    // version nibble := 4; variant bits := 10xx
    const variant = VARIANT_NIBBLE[h.charCodeAt(16)];
    out[i] = `${h.substring(0, 8)}-${h.substring(8, 12)}-4${h.substring(13, 16)}-${variant}${h.substring(17, 20)}-${h.substring(20, 32)}`;
  }
  return out;
}

// Maps a hex digit's char code to the RFC 4122 variant nibble (8, 9, a or b) keeping its low 2 bits.
const VARIANT_NIBBLE = (() => {
  const table = [];
  const digits = '0123456789abcdef';
  for (let v = 0; v < 16; v++) table[digits.charCodeAt(v)] = '89ab'[v & 3];
  return table;
})();

/** Short description of a value for error messages (never prints more than 60 characters). */
export function describe(value) {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? value.slice(0, 57) + '...' : value;
    return `${JSON.stringify(shown)} (a string of length ${value.length})`;
  }
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value} (a ${typeof value})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a value of type ${typeof value}`;
}
