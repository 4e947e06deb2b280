// Benchmark of the choices behind the canonical body spelling and RFC 8785 numbers in k6
// (scripts/bench-spelling.sh runs it; docs/REPLAY.md "One spelling" and docs/JS.md keep the
// figures). One iteration; prints `bench-spelling:` lines.
//
// MODE=build: k6 CPU per 100-event body (order and unicode payloads) of
//   - raw: the body with raw UTF-8 (JSON.stringify's strings, the payload's JCS text as is);
//   - ascii: the canonical spelling, every non-ASCII code unit as \uxxxx (asciiJson, canonicalString);
//   and the cost of numberText's check (k6's text of every number that is not a safe integer
//   parsed back, Number(String(x)) === x) per number, and per payload of order and floats next to
//   the cost of jcs() itself.
// MODE=post ENCODING=raw|ascii N=… URL=…: posts one 100-event order body N times (its CPU is
//   measured outside, by the script: k6 converts a non-ASCII string on every post).
import http from 'k6/http';
import { ContentSource, asciiJson, canonicalString, jcs, orderEventFields, shapePayloads } from '../../../js/ves.js';

const MODE = __ENV.MODE || 'build';
const NIL = '00000000-0000-0000-0000-000000000000';

export const options = { scenarios: { bench: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '10m' } } };

function fieldsOf(shape) {
  const base = { tenant_id: NIL, store_id: NIL, source_agent_id: NIL, agent_key_id: 1, created_at: '2025-01-01T00:00:00.000Z' };
  const fields = orderEventFields(new ContentSource(1, 'default', 'batch', 0), 100, base);
  const payload = new ContentSource(1, 'default', 'payload', 0);
  if (shape !== 'order') shapePayloads(fields, shape, (i) => payload.block(i), 0);
  return fields;
}

// The body as event.js writes it, its strings and payload texts as `str` and `payload` give them.
function body(fields, texts, str, payload) {
  const parts = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    parts[i] = `{"ves_version":1,"event_id":"${f.event_id}","tenant_id":"${f.tenant_id}","store_id":"${f.store_id}","source_agent_id":"${f.source_agent_id}","agent_key_id":${f.agent_key_id},"entity_type":${str(f.entity_type)},"entity_id":${str(f.entity_id)},"event_type":${str(f.event_type)},"created_at":${str(f.created_at)},"payload_kind":0,"payload":${payload(texts[i])},"payload_plain_hash":"0x${'ab'.repeat(32)}","payload_cipher_hash":"0x${'0'.repeat(64)}","agent_signature":"0x${'cd'.repeat(64)}"}`;
  }
  return `{"agentId":"${NIL}","events":[${parts.join(',')}]}`;
}

const raw = (fields, texts) => body(fields, texts, JSON.stringify, (t) => t);
const ascii = (fields, texts) => body(fields, texts, canonicalString, asciiJson);

// µs per call of fn, over enough calls for a few hundred ms.
function perCall(fn, calls) {
  for (let i = 0; i < Math.min(calls, 20); i++) fn(); // warm up
  const t0 = Date.now();
  for (let i = 0; i < calls; i++) fn();
  return ((Date.now() - t0) * 1000) / calls;
}

// Numbers of a value that are not safe integers: the ones numberText's check parses back.
function nonIntegers(v) {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 0 : 1;
  if (v === null || typeof v !== 'object') return 0;
  return (Array.isArray(v) ? v : Object.values(v)).reduce((n, x) => n + nonIntegers(x), 0);
}

export default function () {
  if (MODE === 'post') {
    const fields = fieldsOf('order');
    const texts = fields.map((f) => jcs(f.payload));
    const b = __ENV.ENCODING === 'raw' ? raw(fields, texts) : ascii(fields, texts);
    const n = Number(__ENV.N || 2000);
    for (let i = 0; i < n; i++) http.post(__ENV.URL, b, { headers: { 'Content-Type': 'application/json' } });
    console.log(`bench-spelling: post encoding=${__ENV.ENCODING} posts=${n} body_chars=${b.length}`);
    return;
  }
  for (const shape of ['order', 'unicode']) {
    const fields = fieldsOf(shape);
    const texts = fields.map((f) => jcs(f.payload));
    const r = perCall(() => raw(fields, texts), 100);
    const a = perCall(() => ascii(fields, texts), 100);
    console.log(`bench-spelling: build shape=${shape} raw_us_per_body=${r.toFixed(0)} ascii_us_per_body=${a.toFixed(0)} escape_us_per_event=${((a - r) / 100).toFixed(1)}`);
  }
  // Per number: the check (String, then Number of it) on a non-integer double.
  const xs = [];
  for (let i = 0; i < 1000; i++) xs.push((i + 0.5) * 1.37e-3);
  const check = perCall(() => xs.forEach((x) => Number(String(x)) === x), 50) / xs.length;
  const print = perCall(() => xs.forEach((x) => String(x)), 50) / xs.length;
  for (const shape of ['order', 'floats']) {
    const payloads = fieldsOf(shape).map((f) => f.payload);
    const us = perCall(() => payloads.forEach((p) => jcs(p)), 50) / payloads.length;
    const n = payloads.reduce((a, p) => a + nonIntegers(p), 0) / payloads.length;
    console.log(`bench-spelling: jcs shape=${shape} us_per_payload=${us.toFixed(1)} checked_numbers_per_payload=${n.toFixed(1)} check_us_per_payload=${(n * (check - print)).toFixed(2)}`);
  }
  console.log(`bench-spelling: number check_us=${(check - print).toFixed(2)} string_us=${print.toFixed(2)}`);
}
