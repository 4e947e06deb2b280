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
 * 10; the carry bug of goja's dtoa, dop251/goja issue 720, fixed upstream after k6 1.1.0). Some
 * subnormals come out as garbage (`String(1.0059948688666618e-308)` is `:.059948688666618e-309`).
 * `JSON.stringify`, `toExponential()` and `toPrecision(p)` share the code and its bugs (measured:
 * `(1.0059948688666618e-308).toPrecision(17)` is `:.0599486886666175e-309`), so none of them can
 * repair it. So: take k6's text when it parses back to the same double (`Number(s) === x`,
 * decided by the engine's exact parser, Go's strconv), else compute the shortest digits exactly
 * with BigInt (exactText). Held equal to ves-core's JCS (serde_json_canonicalizer) on 1,200,000
 * seeded doubles by tests/k6/jcs_doubles.test.js, and exactText alone on a share of them.
 * @param {number} x a finite number
 * @returns {string}
 */
export function numberText(x) {
  const s = String(x);
  return Number(s) === x ? s : exactText(x);
}

// Powers of 10 and 2 as BigInt, made on first use.
const POW10 = [1n];
function pow10(n) {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1] * 10n);
  return POW10[n];
}
const F64 = new DataView(new ArrayBuffer(8));

/**
 * The Number::toString text of a finite double computed exactly with BigInt, without the
 * engine's number printing: the fewest significant digits whose decimal value rounds back to x
 * (inside its rounding interval, the ends included when the mantissa is even, as round-half-even
 * parsing takes them), and of those the closest to x (the even one on a tie): ECMA-262
 * Number::toString step 5. The slow path of numberText (about 1 double in 10,000), exported
 * for the test that runs it on many doubles.
 * @param {number} x a finite number
 * @returns {string}
 */
export function exactText(x) {
  if (x === 0) return '0';
  const negative = x < 0;
  F64.setFloat64(0, negative ? -x : x);
  const hi = F64.getUint32(0);
  const field = hi >>> 20;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(F64.getUint32(4));
  // x = m * 2^e exactly.
  const m = field === 0 ? fraction : fraction | (1n << 52n);
  const e = (field === 0 ? 1 : field) - 1075;
  // The rounding interval, as fractions over a power of 2: high = (2m+1) 2^(e-1), low =
  // (2m-1) 2^(e-1), or (4m-1) 2^(e-2) just above a power of 2 (the gap below is half as wide).
  const asymmetric = fraction === 0n && field > 1;
  const lowNum = asymmetric ? 4n * m - 1n : 2n * m - 1n;
  const lowExp = asymmetric ? e - 2 : e - 1;
  const highNum = 2n * m + 1n;
  const inclusive = (m & 1n) === 0n;
  // A rational num / den with den a power of 2 or of 10, compared exactly: sign of a - b.
  const cmp = (an, ad, bn, bd) => {
    const d = an * bd - bn * ad;
    return d > 0n ? 1 : d < 0n ? -1 : 0;
  };
  const binary = (num, exp) => (exp >= 0 ? [num << BigInt(exp), 1n] : [num, 1n << BigInt(-exp)]);
  const [xn, xd] = binary(m, e);
  const [hn, hd] = binary(highNum, e - 1);
  const [ln, ld] = binary(lowNum, lowExp);
  const decimal = (c, s) => (s >= 0 ? [c, pow10(s)] : [c * pow10(-s), 1n]);
  // k: the decimal exponent of x's first digit (10^k <= x < 10^(k+1)), from log10, corrected exactly.
  let k = Math.floor(Math.log10(negative ? -x : x));
  while (cmp(xn, xd, ...decimal(1n, -k)) < 0) k--;
  while (cmp(xn, xd, ...decimal(1n, -(k + 1))) >= 0) k++;
  // Candidates with p digits: x * 10^s rounded down and up (s = p - 1 - k).
  const candidate = (p) => {
    const s = p - 1 - k;
    const [a, b] = s >= 0 ? [xn * pow10(s), xd] : [xn, xd * pow10(-s)];
    const down = a / b;
    const rest = a - down * b;
    const inside = (c) => {
      const [vn, vd] = decimal(c, s);
      const above = cmp(vn, vd, ln, ld);
      const below = cmp(vn, vd, hn, hd);
      return (above > 0 || (inclusive && above === 0)) && (below < 0 || (inclusive && below === 0));
    };
    const okDown = down > 0n && inside(down);
    const okUp = rest !== 0n && inside(down + 1n);
    if (!okDown && !okUp) return null;
    let c;
    if (okDown && okUp) {
      const twice = 2n * rest;
      c = twice < b ? down : twice > b ? down + 1n : (down & 1n) === 0n ? down : down + 1n;
    } else c = okDown ? down : down + 1n;
    return { c, s };
  };
  // A p-digit text that rounds back stays one with p + 1 digits (a trailing 0), so the p that
  // work are p0..17: most doubles need 16 or 17 digits, so look there first, then bisect below.
  let best = null;
  let most = 17;
  for (const p of [17, 16, 15]) {
    const found = candidate(p);
    if (found === null) break;
    best = found;
    most = p;
  }
  let fewest = 1;
  if (most === 15) {
    while (fewest < most) {
      const mid = (fewest + most) >> 1;
      const found = candidate(mid);
      if (found !== null) {
        best = found;
        most = mid;
      } else fewest = mid + 1;
    }
  }
  if (best === null) throw new Error(`jcs: no shortest text found for ${String(x)}`);
  const all = best.c.toString();
  const digits = all.replace(/0+$/, '');
  const text = layout(digits, all.length - best.s);
  return negative ? `-${text}` : text;
}

// Number::toString's layout (ECMA-262 steps 6-12) of positive digits (no trailing zeros, k of
// them) with the decimal point at n: x = 0.digits * 10^n.
function layout(digits, n) {
  const k = digits.length;
  if (k <= n && n <= 21) return digits + '0'.repeat(n - k);
  if (0 < n && n <= 21) return `${digits.substring(0, n)}.${digits.substring(n)}`;
  if (-6 < n && n <= 0) return `0.${'0'.repeat(-n)}${digits}`;
  return `${digits[0]}${k > 1 ? `.${digits.substring(1)}` : ''}e${n - 1 >= 0 ? '+' : '-'}${Math.abs(n - 1)}`;
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
