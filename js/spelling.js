/**
 * How an ingest request body is spelled (SPELLING): the one canonical spelling that this
 * library, `ves presign` and `ves signer` all write, byte for byte, and the `varied` spellings
 * that ask whether a sequencer treats every legal JSON spelling of the same signed events alike.
 * The rules are written out once, in ves-core's `spelling` module (crates/ves-core/src/spelling.rs),
 * which this mirrors; tests/e2e/test_body_identity.py holds the three generators to the same bytes.
 *
 * Why it matters: a real sequencer compares a re-sent payload with its stored copy as parsed
 * JSON values after a PostgreSQL JSONB round trip, where `7` and `7.0` differ, so an event
 * re-sent in another spelling is refused as "different contents" (LIVE_OBSERVED.md section 10).
 *
 * - canonical: compact; the envelope's keys in the library's order; the payload as its RFC 8785
 *   text; strings as JSON.stringify escapes them, and every non-ASCII UTF-16 code unit as a
 *   lowercase `\uxxxx` escape, so that the body is ASCII. Measured in k6 1.1.0 (docs/REPLAY.md,
 *   "One spelling", scripts/bench-spelling.sh): posting a 100-event order body cost 2.7 ms of
 *   k6 CPU with raw non-ASCII characters (k6 holds the string as UTF-16 and converts it on each
 *   post), 0.44 ms as ASCII; escaping it here costs about 1.4 ms, and bodies from `ves signer`
 *   or a corpus cost nothing.
 * - varied: the same values with other whitespace, key order, escapes and number forms, drawn
 *   from the slot's `spelling` purpose (content.js) and an attempt number; the payload hash and
 *   the signature stay those of the canonical payload.
 *
 * @module spelling
 */
import { describe } from './bytes.js';
import { jcs, numberText, sortUtf16 } from './jcs.js';

export const SPELLINGS = Object.freeze(['canonical', 'varied']);
/** The content purpose whose blocks choose a varied spelling. */
export const SPELLING_PURPOSE = 'spelling';
/** The envelope's keys in canonical order (command_id, base_version follow when set). */
export const ENVELOPE_KEYS = Object.freeze([
  'ves_version', 'event_id', 'tenant_id', 'store_id', 'source_agent_id', 'agent_key_id', 'entity_type', 'entity_id',
  'event_type', 'created_at', 'payload_kind', 'payload', 'payload_plain_hash', 'payload_cipher_hash', 'agent_signature',
]);
const ENVELOPE_KEY_SET = new Set(ENVELOPE_KEYS);
const WRAPPER_INDEX = 0xffffffff;
const WHITESPACE = Object.freeze(['', '', '', '', '', ' ', '\t', '  ']);
const ZERO_SPELLINGS = Object.freeze(['0', '0.0', '-0.0', '-0', '0e0', '0E+0']);
const SHORT = Object.freeze({ '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' });

/**
 * SPELLING: canonical (default) or varied.
 * @returns {string} or throws naming the spellings
 */
export function parseSpelling(raw) {
  if (raw === undefined || raw === null || String(raw).trim() === '') return 'canonical';
  const v = String(raw).trim();
  if (!SPELLINGS.includes(v)) throw new Error(`SPELLING: expected one of ${SPELLINGS.join(', ')}, found ${JSON.stringify(raw)}`);
  return v;
}

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;
// Escapes made so far: a table of all 65,536 would cost every VU megabytes.
const escapes = [];
const upperEscapes = [];
function hexEscape(code, upper = false) {
  const cache = upper ? upperEscapes : escapes;
  let e = cache[code];
  if (e === undefined) {
    const hex = code.toString(16).padStart(4, '0');
    e = cache[code] = `\\u${upper ? hex.toUpperCase() : hex}`;
  }
  return e;
}
function asciiEscape(c) {
  return hexEscape(c.charCodeAt(0));
}

/**
 * JSON text with every non-ASCII UTF-16 code unit as a lowercase `\uxxxx` escape: outside
 * strings JSON is ASCII, so only string contents change and the text parses to the same value.
 * @param {string} text JSON text
 * @returns {string}
 */
export function asciiJson(text) {
  return NON_ASCII.test(text) ? text.replace(NON_ASCII_ALL, asciiEscape) : text;
}

/** A JSON string in the canonical spelling. */
export function canonicalString(s) {
  return asciiJson(JSON.stringify(s));
}

/**
 * JSON text of any value in the canonical spelling, objects in their own key order (an
 * envelope a probe changed keeps its keys where they are), numbers as numberText: what
 * JSON.stringify gives, but with the right text for every double (jcs.js numberText) and ASCII.
 * @param {unknown} v
 * @returns {string}
 */
export function jsonText(v) {
  return canonicalJson(v);
}

function canonicalJson(v) {
  if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') v = v.toJSON();
  switch (typeof v) {
    case 'string':
      return canonicalString(v);
    case 'number':
      return Number.isFinite(v) ? numberText(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) return `[${v.map((x) => (x === undefined || typeof x === 'function' ? 'null' : canonicalJson(x))).join(',')}]`;
      const parts = [];
      for (const k of Object.keys(v)) {
        const x = v[k];
        if (x === undefined || typeof x === 'function') continue;
        parts.push(`${canonicalString(k)}:${canonicalJson(x)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return 'null';
  }
}

/**
 * One envelope in the canonical spelling, its keys in its own order (the library builds them in
 * canonical order), the payload as its RFC 8785 text.
 * @param {object} envelope an envelope, or a SignedEvent (toJSON)
 */
export function envelopeText(envelope) {
  const env = envelope !== null && typeof envelope === 'object' && typeof envelope.toJSON === 'function' ? envelope.toJSON() : envelope;
  if (env === null || typeof env !== 'object') throw new TypeError(`envelopeText: expected an envelope object, found ${describe(env)}`);
  const parts = [];
  for (const k of Object.keys(env)) {
    const v = env[k];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${canonicalString(k)}:${k === 'payload' && v !== null ? asciiJson(jcs(v)) : canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The canonical body `{"agentId":…,"events":[…]}` of envelopes. */
export function canonicalBody(agentId, envelopes) {
  return `{"agentId":${canonicalString(agentId)},"events":[${envelopes.map(envelopeText).join(',')}]}`;
}

/** The xorshift32 generator of varied spellings (ves-core spelling::Xorshift32). */
export class Xorshift32 {
  /** @param {Uint8Array} block a content block; bytes 0..3 seed it (| 1, never 0) */
  constructor(block) {
    this.s = (((block[0] << 24) | (block[1] << 16) | (block[2] << 8) | block[3]) | 1) >>> 0;
  }

  next() {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }

  /** A choice among n. */
  draw(n) {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s % n;
  }
}

// Payload keys seen without a character to spell otherwise (they repeat: order_id, items, …).
const PLAIN_KEYS = new Map();
function notePlainKey(key) {
  if (PLAIN_KEYS.size >= 4096) PLAIN_KEYS.clear();
  PLAIN_KEYS.set(key, !SPECIAL.test(key));
}

// Whether a string holds a character a varied spelling may write otherwise: controls, the quote
// and backslash (fixed escapes), '/', non-ASCII. (k6's regular expressions match the halves of
// a surrogate pair one by one, so the characters themselves are walked in Speller.string.)
const SPECIAL = /[\u0000-\u001f"\\\/\u0080-\uffff]/;

/**
 * Writes values in a varied spelling, drawing from its generator in writing order (the order
 * ves-core's Speller draws in). With `trace` (an array), every string and number value is
 * recorded as [path, text], for the log of a respelled replay violation. Pieces go into an array
 * joined once: k6's engine copies a string on every `+=`, which made a body quadratic.
 */
export class Speller {
  constructor(block, trace = null) {
    this.rng = new Xorshift32(block);
    this.trace = trace;
  }

  ws() {
    return WHITESPACE[this.rng.draw(8)];
  }

  // An object entry's key: one draw of 512 spells the whitespace before the key (bits 0-2),
  // before the colon (3-5) and after it (6-8); then the key (a varied string unless `plain`).
  entry(out, key, plain) {
    const w = this.rng.draw(512);
    const text = plain || PLAIN_KEYS.get(key) === true ? `"${key}"` : this.string(key, null);
    out.push(WHITESPACE[w & 7] + text + WHITESPACE[(w >> 3) & 7] + ':' + WHITESPACE[(w >> 6) & 7]);
  }

  /** One envelope: keys shuffled, strings and payload varied, envelope numbers canonical. */
  event(envelope) {
    const out = [];
    this.writeEvent(envelope, out);
    return out.join('');
  }

  writeEvent(envelope, out) {
    const env = envelope !== null && typeof envelope === 'object' && typeof envelope.toJSON === 'function' ? envelope.toJSON() : envelope;
    const keys = [];
    for (let i = 0; i < ENVELOPE_KEYS.length; i++) if (env[ENVELOPE_KEYS[i]] !== undefined) keys.push(ENVELOPE_KEYS[i]);
    const own = Object.keys(env);
    for (let i = 0; i < own.length; i++) if (!ENVELOPE_KEY_SET.has(own[i]) && env[own[i]] !== undefined) keys.push(own[i]);
    for (let j = keys.length - 1; j >= 1; j--) {
      const k = this.rng.draw(j + 1);
      const t = keys[j];
      keys[j] = keys[k];
      keys[k] = t;
    }
    out.push('{');
    for (let idx = 0; idx < keys.length; idx++) {
      const key = keys[idx];
      if (idx > 0) out.push(',');
      this.entry(out, key, ENVELOPE_KEY_SET.has(key));
      const v = env[key];
      if (key === 'payload') this.writeValue(v, 'payload', out);
      else if (typeof v === 'string') out.push(this.string(v, key));
      else out.push(canonicalJson(v));
    }
    out.push(this.ws(), '}');
  }

  /** A payload value: objects in UTF-16 key order (RFC 8785), everything else varied. */
  value(v, path) {
    const out = [];
    this.writeValue(v, path, out);
    return out.join('');
  }

  writeValue(v, path, out) {
    if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') v = v.toJSON();
    switch (typeof v) {
      case 'string':
        out.push(this.string(v, path));
        return;
      case 'number':
        out.push(this.number(v, path));
        return;
      case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
      case 'object': {
        if (v === null) {
          out.push('null');
          return;
        }
        const trace = this.trace !== null;
        if (Array.isArray(v)) {
          out.push('[');
          for (let i = 0; i < v.length; i++) {
            if (i > 0) out.push(',');
            out.push(this.ws());
            const x = v[i];
            if (x === undefined || typeof x === 'function') out.push('null');
            else this.writeValue(x, trace ? `${path}[${i}]` : null, out);
          }
          out.push(this.ws(), ']');
          return;
        }
        const all = Object.keys(v);
        const keys = [];
        for (let i = 0; i < all.length; i++) {
          const x = v[all[i]];
          if (x !== undefined && typeof x !== 'function') keys.push(all[i]);
        }
        sortUtf16(keys);
        out.push('{');
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (i > 0) out.push(',');
          if (!PLAIN_KEYS.has(k)) notePlainKey(k);
          this.entry(out, k, false);
          this.writeValue(v[k], trace ? `${path}.${k}` : null, out);
        }
        out.push(this.ws(), '}');
        return;
      }
      default:
        throw new TypeError(`spelling: expected a JSON value at ${path}, found ${describe(v)}`);
    }
  }

  /** A string: the same characters, escapes chosen by the generator. */
  string(s, path) {
    let text;
    if (!SPECIAL.test(s)) {
      text = `"${s}"`;
    } else {
      // Strings with escapes are short in practice: concatenation is cheaper than an array here.
      text = '"';
      let last = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x20 && c < 0x80 && c !== 34 && c !== 92 && c !== 47) continue; // plain ASCII
        let m = s.charAt(i);
        const from = i;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) m = s.substring(i, ++i + 1); // a surrogate pair: one character
        }
        text += s.substring(last, from) + this.escape(m);
        last = i + 1;
      }
      text += `${s.substring(last)}"`;
    }
    if (this.trace !== null && path !== null) this.trace.push([path, text]);
    return text;
  }

  escape(m) {
    if (m.length === 2) {
      const k = this.rng.draw(3);
      return k === 0 ? m : hexEscape(m.charCodeAt(0), k === 2) + hexEscape(m.charCodeAt(1), k === 2);
    }
    const c = m.charCodeAt(0);
    if (m === '"') return '\\"';
    if (m === '\\') return '\\\\';
    if (m === '/') return this.rng.draw(2) === 1 ? '\\/' : '/';
    if (SHORT[m] !== undefined) return this.rng.draw(2) === 1 ? hexEscape(c) : SHORT[m];
    if (c < 0x20) return hexEscape(c, this.rng.draw(2) === 1);
    if (c >= 0xd800 && c <= 0xdfff) return hexEscape(c); // a lone surrogate: no raw form in UTF-8
    const k = this.rng.draw(3);
    return k === 0 ? m : hexEscape(c, k === 2);
  }

  /** A number: the same double, spelled by the generator. */
  number(x, path) {
    if (!Number.isFinite(x)) throw new TypeError(`spelling: expected a finite number at ${path}, found ${x}`);
    const text = this.numberSpelling(x);
    if (this.trace !== null && path !== null) this.trace.push([path, text]);
    return text;
  }

  numberSpelling(x) {
    const n = numberForms(x);
    if (n === null) return ZERO_SPELLINGS[this.rng.draw(6)];
    const { negative, magnitude, digits, point, whole, fourth } = n;
    const k = digits.length;
    // The kinds in ves-core's order: canonical, scientific, integer mantissa, then N.0 (whole
    // and below 1e21) or a trailing 0 (a fraction without exponent): never both.
    const kind = this.rng.draw(fourth ? 4 : 3);
    let out;
    if (kind === 0) out = magnitude;
    else if (kind === 3) out = whole ? `${digits}${'0'.repeat(point - k)}.0` : `${magnitude}0`;
    else if (kind === 1) out = `${digits[0]}${k > 1 ? `.${digits.substring(1)}` : ''}${this.exponent(point - 1)}`;
    else out = `${digits}${this.exponent(point - k)}`;
    return negative ? `-${out}` : out;
  }

  exponent(e) {
    let out = this.rng.draw(2) === 1 ? 'E' : 'e';
    if (e >= 0) {
      if (this.rng.draw(2) === 1) out += '+';
    } else {
      out += '-';
    }
    return out + String(Math.abs(e));
  }
}

// What the number spellings of a double are made of, cached: payload numbers repeat (prices,
// quantities), and working them out costs several µs per number in k6.
const FORMS = new Map();
const MAX_FORMS = 4096;
function numberForms(x) {
  let f = FORMS.get(x);
  if (f !== undefined) return f;
  // Safe integers print exactly (numberText's check is not needed for them).
  const canonical = Number.isSafeInteger(x) ? String(x) : numberText(x);
  const negative = canonical.charCodeAt(0) === 45;
  const magnitude = negative ? canonical.substring(1) : canonical;
  if (magnitude === '0') {
    f = null;
  } else {
    const { digits, point } = decompose(magnitude);
    const whole = digits.length <= point;
    f = { negative, magnitude, digits, point, whole, fourth: whole ? point <= 21 : magnitude.indexOf('e') === -1 };
  }
  if (FORMS.size >= MAX_FORMS) FORMS.clear();
  FORMS.set(x, f);
  return f;
}

/**
 * The significant digits of a positive ECMAScript number text and the place of its decimal
 * point: x = 0.digits × 10^point (`1.5e-7` → 15, -6; `120` → 12, 3).
 */
export function decompose(text) {
  let e = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 101 || c === 69) {
      e = i;
      break;
    }
  }
  const exponent = e === text.length ? 0 : Number(text.substring(e + 1));
  const mantissa = e === text.length ? text : text.substring(0, e);
  const dot = mantissa.indexOf('.');
  const intLength = dot === -1 ? mantissa.length : dot;
  const all = dot === -1 ? mantissa : mantissa.substring(0, dot) + mantissa.substring(dot + 1);
  let lead = 0;
  while (lead < all.length && all.charCodeAt(lead) === 48) lead++;
  let end = all.length;
  while (end > lead && all.charCodeAt(end - 1) === 48) end--;
  return { digits: all.substring(lead, end), point: intLength + exponent - lead };
}

/**
 * The body of `envelopes` in the varied spelling of `source` (the slot's `spelling` purpose,
 * a ContentSource) and `attempt` (0 for a first send, 1, 2, … for re-sends).
 * @param {string} agentId
 * @param {object[]} envelopes envelopes or SignedEvents
 * @param {{block(index: number, counter?: number): Uint8Array}} source
 * @param {number} attempt
 * @returns {string}
 */
export function variedBody(agentId, envelopes, source, attempt) {
  const w = new Speller(source.block(WRAPPER_INDEX, attempt));
  const eventsFirst = w.rng.draw(2) === 1;
  const out = ['{'];
  for (let k = 0; k < 2; k++) {
    if (k > 0) out.push(',');
    const agent = (k === 0) !== eventsFirst;
    w.entry(out, agent ? 'agentId' : 'events', true);
    if (agent) {
      out.push(w.string(agentId, null));
    } else {
      out.push('[');
      for (let i = 0; i < envelopes.length; i++) {
        if (i > 0) out.push(',');
        out.push(w.ws());
        new Speller(source.block(i, attempt)).writeEvent(envelopes[i], out);
      }
      out.push(w.ws(), ']');
    }
  }
  out.push(w.ws(), '}');
  return out.join('');
}

/**
 * The first value of an envelope spelled differently by two spellings (attempt numbers, or
 * null for the canonical one): {path, first, second}, or null when every value is spelled
 * alike. For the log of a respelled replay violation.
 */
export function firstRespelled(envelope, index, source, attemptA, attemptB) {
  const traceOf = (attempt) => {
    const trace = [];
    if (attempt === null) {
      // Canonical: every string and number as the canonical writer spells it.
      const s = new Speller(new Uint8Array(32), trace);
      s.ws = () => '';
      s.escape = (m) => (m.length === 2 ? hexEscape(m.charCodeAt(0)) + hexEscape(m.charCodeAt(1)) : JSON.stringify(m).slice(1, -1).replace(NON_ASCII_ALL, asciiEscape));
      s.numberSpelling = numberText;
      s.event(envelope);
    } else {
      new Speller(source.block(index, attempt), trace).event(envelope);
    }
    return new Map(trace);
  };
  const a = traceOf(attemptA);
  const b = traceOf(attemptB);
  for (const [path, text] of a) {
    if (b.get(path) !== text) return { path, first: text, second: b.get(path) };
  }
  return null;
}
