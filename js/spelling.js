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
 *   "One spelling"): posting a 100-event order body cost 2.4 ms of k6 CPU with raw non-ASCII
 *   characters (k6 holds the string as UTF-16 and converts it on each post), 0.4 ms as ASCII;
 *   escaping it here costs about 1 ms, and bodies from `ves signer` or a corpus cost nothing.
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
function hexEscape(code, upper = false) {
  const hex = code.toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
}
function asciiEscape(c) {
  const code = c.charCodeAt(0);
  return escapes[code] || (escapes[code] = hexEscape(code));
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
    return this.next() % n;
  }
}

// Whether a string holds a character a varied spelling may write otherwise: controls, the quote
// and backslash (fixed escapes), '/', non-ASCII. (k6's regular expressions match the halves of
// a surrogate pair one by one, so the characters themselves are walked in Speller.string.)
const SPECIAL = /[\u0000-\u001f"\\\/\u0080-\uffff]/;

/**
 * Writes values in a varied spelling, drawing from its generator in writing order (the order
 * ves-core's Speller draws in). With `trace` (an array), every string and number value is
 * recorded as [path, text], for the log of a respelled replay violation.
 */
export class Speller {
  constructor(block, trace = null) {
    this.rng = new Xorshift32(block);
    this.trace = trace;
  }

  ws() {
    return WHITESPACE[this.rng.draw(8)];
  }

  /** One envelope: keys shuffled, strings and payload varied, envelope numbers canonical. */
  event(envelope) {
    const env = envelope !== null && typeof envelope === 'object' && typeof envelope.toJSON === 'function' ? envelope.toJSON() : envelope;
    const keys = ENVELOPE_KEYS.filter((k) => env[k] !== undefined);
    for (const k of Object.keys(env)) if (!ENVELOPE_KEYS.includes(k) && env[k] !== undefined) keys.push(k);
    for (let j = keys.length - 1; j >= 1; j--) {
      const k = this.rng.draw(j + 1);
      const t = keys[j];
      keys[j] = keys[k];
      keys[k] = t;
    }
    let out = '{';
    for (let idx = 0; idx < keys.length; idx++) {
      const key = keys[idx];
      if (idx > 0) out += ',';
      out += this.ws();
      out += this.string(key, null);
      out += this.ws();
      out += ':';
      out += this.ws();
      const v = env[key];
      if (key === 'payload') out += this.value(v, 'payload');
      else if (typeof v === 'string') out += this.string(v, key);
      else out += canonicalJson(v);
    }
    return `${out}${this.ws()}}`;
  }

  /** A payload value: objects in UTF-16 key order (RFC 8785), everything else varied. */
  value(v, path) {
    if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') v = v.toJSON();
    switch (typeof v) {
      case 'string':
        return this.string(v, path);
      case 'number':
        return this.number(v, path);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'object': {
        if (v === null) return 'null';
        const trace = this.trace !== null;
        if (Array.isArray(v)) {
          let out = '[';
          for (let i = 0; i < v.length; i++) {
            if (i > 0) out += ',';
            out += this.ws();
            const x = v[i];
            out += x === undefined || typeof x === 'function' ? 'null' : this.value(x, trace ? `${path}[${i}]` : null);
          }
          return `${out}${this.ws()}]`;
        }
        const keys = sortUtf16(Object.keys(v).filter((k) => v[k] !== undefined && typeof v[k] !== 'function'));
        let out = '{';
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (i > 0) out += ',';
          out += this.ws();
          out += this.string(k, null);
          out += this.ws();
          out += ':';
          out += this.ws();
          out += this.value(v[k], trace ? `${path}.${k}` : null);
        }
        return `${out}${this.ws()}}`;
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
      let out = '"';
      let last = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x20 && c < 0x80 && c !== 34 && c !== 92 && c !== 47) continue; // plain ASCII
        out += s.substring(last, i);
        let m = s.charAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) m = s.substring(i, ++i + 1); // a surrogate pair: one character
        }
        out += this.escape(m);
        last = i + 1;
      }
      text = `${out}${s.substring(last)}"`;
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
    const canonical = numberText(x);
    const negative = canonical.charCodeAt(0) === 45;
    const magnitude = negative ? canonical.substring(1) : canonical;
    if (magnitude === '0') return ZERO_SPELLINGS[this.rng.draw(6)];
    const { digits, point } = decompose(magnitude);
    const k = digits.length;
    const whole = k <= point;
    const kinds = ['canonical', 'scientific', 'integer-mantissa'];
    if (whole && point <= 21) kinds.push('whole-dot-zero');
    if (!whole && magnitude.indexOf('e') === -1) kinds.push('trailing-zero');
    const kind = kinds[this.rng.draw(kinds.length)];
    let out;
    if (kind === 'canonical') out = magnitude;
    else if (kind === 'trailing-zero') out = `${magnitude}0`;
    else if (kind === 'whole-dot-zero') out = `${digits}${'0'.repeat(point - k)}.0`;
    else if (kind === 'scientific') out = `${digits[0]}${k > 1 ? `.${digits.substring(1)}` : ''}${this.exponent(point - 1)}`;
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

/**
 * The significant digits of a positive ECMAScript number text and the place of its decimal
 * point: x = 0.digits × 10^point (`1.5e-7` → 15, -6; `120` → 12, 3).
 */
export function decompose(text) {
  const e = text.search(/[eE]/);
  const mantissa = e === -1 ? text : text.substring(0, e);
  const exponent = e === -1 ? 0 : Number(text.substring(e + 1));
  const dot = mantissa.indexOf('.');
  const int = dot === -1 ? mantissa : mantissa.substring(0, dot);
  const all = int + (dot === -1 ? '' : mantissa.substring(dot + 1));
  const trimmed = all.replace(/^0+/, '');
  const lead = all.length - trimmed.length;
  return { digits: trimmed.replace(/0+$/, ''), point: int.length + exponent - lead };
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
  let out = '{';
  for (let k = 0; k < 2; k++) {
    if (k > 0) out += ',';
    const agent = (k === 0) !== eventsFirst;
    out += w.ws();
    out += w.string(agent ? 'agentId' : 'events', null);
    out += w.ws();
    out += ':';
    out += w.ws();
    if (agent) {
      out += w.string(agentId, null);
    } else {
      out += '[';
      for (let i = 0; i < envelopes.length; i++) {
        if (i > 0) out += ',';
        out += w.ws();
        out += new Speller(source.block(i, attempt)).event(envelopes[i]);
      }
      out += `${w.ws()}]`;
    }
  }
  return `${out}${w.ws()}}`;
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
