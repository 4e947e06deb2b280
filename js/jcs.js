/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), as `serde_json_canonicalizer` 0.3 (the
 * sequencer's canonicalizer) produces it:
 *  - object keys sorted by UTF-16 code units;
 *  - numbers as ECMAScript Number::toString (so -0 -> 0, 1e21 -> 1e+21), for every finite
 *    double, also where k6's own printing is wrong (numberText below);
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
 * The ECMAScript Number::toString text of a finite double, as RFC 8785 requires.
 *
 * k6 1.1.0's JavaScript engine prints about 1 double in 10,000 with a text that parses back to
 * another double: `String(0.7016570306969449)` gives `0.701657030696945`, and
 * `String(-1.5627794062122189e-302)` gives `-1.562779406212219e-302` (LIVE_OBSERVED.md section
 * 10; the carry bug of goja's shortest-digit mode, dop251/goja issue 720, fixed upstream after
 * k6 1.1.0). `JSON.stringify` and `toExponential()` share it; `toPrecision(p)` does not (another
 * dtoa mode). So: take k6's text when it parses back to the same double (`Number(s) === x`, which
 * the engine's exact parser decides), else the shortest `toPrecision(p)` that does, rewritten in
 * Number::toString's layout. Held equal to ves-core's JCS (serde_json_canonicalizer) on 1,000,000
 * seeded random-bit doubles by tests/k6/jcs_doubles.test.js, the `toPrecision` path alone too.
 * @param {number} x a finite number
 * @returns {string}
 */
export function numberText(x) {
  const s = String(x);
  return Number(s) === x ? s : shortestText(x);
}

/**
 * The Number::toString text of `x` from the shortest `toPrecision(p)` that parses back to `x`:
 * the slow path of numberText, exported for the test that runs it on every double.
 * @param {number} x a finite number other than 0
 * @returns {string}
 */
export function shortestText(x) {
  for (let p = 1; p <= 17; p++) {
    const t = x.toPrecision(p);
    if (Number(t) === x) return layout(t);
  }
  throw new Error(`jcs: no toPrecision(1..17) of ${String(x)} parses back to it`);
}

// A toPrecision text (`-1.25e-7`, `0.00123`, `1.50e+21`, `120.0`) in Number::toString's layout
// (ECMA-262 Number::toString steps 6-12): the digits without trailing zeros, k of them, and n
// the position of the decimal point.
function layout(t) {
  const negative = t.charCodeAt(0) === 45; // '-'
  const body = negative ? t.substring(1) : t;
  const e = body.indexOf('e');
  const mantissa = e === -1 ? body : body.substring(0, e);
  const exponent = e === -1 ? 0 : Number(body.substring(e + 1));
  const dot = mantissa.indexOf('.');
  const intPart = dot === -1 ? mantissa : mantissa.substring(0, dot);
  let digits = intPart + (dot === -1 ? '' : mantissa.substring(dot + 1));
  let n = intPart.length + exponent;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.substring(lead).replace(/0+$/, '');
  n -= lead;
  const k = digits.length;
  let out;
  if (k <= n && n <= 21) out = digits + '0'.repeat(n - k);
  else if (0 < n && n <= 21) out = `${digits.substring(0, n)}.${digits.substring(n)}`;
  else if (-6 < n && n <= 0) out = `0.${'0'.repeat(-n)}${digits}`;
  else out = `${digits[0]}${k > 1 ? `.${digits.substring(1)}` : ''}e${n - 1 >= 0 ? '+' : '-'}${Math.abs(n - 1)}`;
  return negative ? `-${out}` : out;
}

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
    // JSON.stringify prints numbers with k6's own text: take the fast path only when every
    // number's text parses back to it (numberText). Safe integers print exactly.
    return Number.isSafeInteger(v) || Number(String(v)) === v;
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
      return numberText(value); // numberText(-0) === '0'
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
