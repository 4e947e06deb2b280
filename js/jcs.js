/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), as `serde_json_canonicalizer` 0.3 (the
 * sequencer's canonicalizer) produces it:
 *  - object keys sorted by UTF-16 code units;
 *  - numbers as ECMAScript Number.prototype.toString (so -0 -> 0, 1e21 -> 1e+21);
 *  - strings escaped as JSON.stringify escapes them (\" \\ \b \f \n \r \t, other controls
 *    as \u00xx lowercase, everything else raw UTF-8).
 *
 * Values follow JSON.stringify's rules so that the canonical form always describes what
 * JSON.stringify puts in the request body: toJSON() is called, undefined/functions/symbols
 * are dropped from objects and become null in arrays. Unlike JSON.stringify, NaN, Infinity and
 * BigInt throw (RFC 8785 has no representation for them; the server could never match).
 *
 * Why not plain Array.prototype.sort: k6's engine (goja/sobek) compares strings by code point,
 * not by UTF-16 code unit, so '\uE000' < '\u{1F600}' there. The two orders differ only when a
 * surrogate is involved, so keys with surrogates are re-sorted with an explicit comparator.
 *
 * @module jcs
 */

const SURROGATE_RE = /[\ud800-\udfff]/;

/**
 * RFC 8785 canonical JSON text of a JSON-like value.
 * @param {unknown} value
 * @returns {string}
 */
export function jcs(value) {
  const keys = plainJsonKeys(value);
  // Fast path (plain data, the usual payload): native JSON.stringify with the sorted union of
  // every object's keys as its property list emits each object's keys in that order.
  const text = keys === null ? serialize(value, '') : JSON.stringify(value, keys);
  if (text === undefined) {
    throw new TypeError(`jcs: expected a JSON value (object, array, string, number, boolean or null), found ${typeof value}`);
  }
  return text;
}

/**
 * Slow but obviously correct canonicalizer (a recursive serializer); used when the fast path
 * cannot be taken and by the tests as a cross-check.
 * @param {unknown} value
 * @returns {string}
 */
export function jcsReference(value) {
  const text = serialize(value, '');
  if (text === undefined) {
    throw new TypeError(`jcs: expected a JSON value (object, array, string, number, boolean or null), found ${typeof value}`);
  }
  return text;
}

/**
 * Sorts strings by UTF-16 code units (RFC 8785 section 3.2.3), in place.
 * @param {string[]} keys
 * @returns {string[]} the same array
 */
export function sortUtf16(keys) {
  keys.sort();
  if (keys.length > 1 && SURROGATE_RE.test(keys.join(''))) keys.sort(compareUtf16);
  return keys;
}

/** Compares two strings by UTF-16 code units. */
export function compareUtf16(a, b) {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

// Returns the sorted list of all object keys in `root` (duplicates allowed: JSON.stringify
// drops repeated property-list entries) when `root` is plain JSON data that native
// JSON.stringify with a property list serializes canonically; otherwise null. Throws on
// non-finite numbers and BigInts, which have no canonical form.
function plainJsonKeys(root) {
  const keys = [];
  if (!collectKeys(root, keys)) return null;
  return sortUtf16(keys);
}

function collectKeys(v, keys) {
  const t = typeof v;
  if (t === 'number') {
    if (!isFinite(v)) throw nonFinite(v);
    return true;
  }
  if (t === 'bigint') throw bigIntError(v);
  if (t !== 'object' || v === null) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!collectKeys(v[i], keys)) return false;
    return true;
  }
  // Class instances, boxed primitives and toJSON need JSON.stringify's full semantics.
  if (Object.getPrototypeOf(v) !== Object.prototype || typeof v.toJSON === 'function') return false;
  const own = Object.keys(v);
  for (let i = 0; i < own.length; i++) {
    const k = own[i];
    // A property-list entry is looked up on every object, inherited properties included:
    // '__proto__' would then serialize Object.prototype.
    if (k === '__proto__') return false;
    keys.push(k);
    if (!collectKeys(v[k], keys)) return false;
  }
  return true;
}

function serialize(value, key) {
  if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') {
    value = value.toJSON(key);
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!isFinite(value)) throw nonFinite(value);
      return String(value); // String(-0) === '0'
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw bigIntError(value);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const parts = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const s = serialize(value[i], String(i));
          parts[i] = s === undefined ? 'null' : s;
        }
        return `[${parts.join(',')}]`;
      }
      if (value instanceof Number || value instanceof String || value instanceof Boolean) {
        return serialize(value.valueOf(), key);
      }
      return serializeObject(value);
    default:
      return undefined; // undefined, function, symbol: dropped like JSON.stringify drops them
  }
}

function serializeObject(obj) {
  const keys = sortUtf16(Object.keys(obj));
  const parts = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const s = serialize(obj[k], k);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
  }
  return `{${parts.join(',')}}`;
}

function nonFinite(v) {
  return new TypeError(`jcs: expected a finite number, found ${v}; RFC 8785 (and the sequencer) cannot represent NaN or Infinity`);
}

function bigIntError(v) {
  return new TypeError(`jcs: found the BigInt ${v}n; JSON has no BigInt: use a Number (integers up to 2^53) or a string`);
}
