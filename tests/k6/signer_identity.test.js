// Identity of the two signing paths: for the same key and fields, `ves signer` (a real process,
// started by scripts/k6-tests.sh with the RFC 8032 test-1 seed) and the in-k6 signer produce the
// same payload hashes, signing hashes, signatures and byte-identical ingest bodies, on the
// shipped payload shapes: the scenarios' order payload, every payload of the computed KAT
// (JCS edge cases: number normalization, UTF-16 key order, empty object, nesting), the worked
// example's events (whose signatures the KAT fixes), strings that need escaping, and (with
// VES_VECTORS_FILE, as scripts/test.sh passes it) 1000 random edge payloads and 1000 events of
// a `ves vectors` file. Also:
// bare-hash signing (the probes' path), per-event errors, and an unknown key.
//
//   SIGNER_URL=http://127.0.0.1:PORT k6 run tests/k6/signer_identity.test.js
// (scripts/k6-tests.sh starts the signer and sets SIGNER_URL.)
import { buildBatch, config, createSigner, receiptHash, redacted, signingHash, variedBody } from '../../js/ves.js';
import { RemoteSigner, SignerError } from '../../js/remote_signer.js';
import { orderFields } from '../../js/slots.js';
import { ContentSource, orderEventFields } from '../../js/content.js';
import { heatEntities } from '../../js/hot.js';
import { shapePayloads } from '../../js/payload.js';
import { fieldsOf } from './lib/envelopes.js';
import { Harness, readJson, testOptions } from './lib/harness.js';

const TEST = 'signer_identity';
// The RFC 8032 test-1 seed: a published test key, also the KAT's worked-example agent key.
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const NIL = '00000000-0000-0000-0000-000000000000';
const AGENT = '80441726-74e2-430a-95ae-97ce21c6351b';
const SIGNER_URL = __ENV.SIGNER_URL || '';
const KAT_PATH = `${__ENV.VES_VECTORS_DIR || '../shared/vectors'}/ves_v1_computed_kat.json`;
const kat = readJson(KAT_PATH);
// `ves vectors` output (scripts/test.sh passes one): random edge payloads and events.
const generated = __ENV.VES_VECTORS_FILE ? readJson(__ENV.VES_VECTORS_FILE) : null;

export const options = testOptions(null, 120);

function fixedIds(fields, tag) {
  return fields.map((f, i) => Object.assign({}, f, { event_id: `${tag}-0000-4000-8000-${String(i).padStart(12, '0')}`, created_at: f.created_at || '2025-06-01T12:00:00.123Z' }));
}

// Compares both paths on one batch of fields; `expected` optionally pins signatures (KAT).
// Both write the canonical spelling (spelling.js): byte-identical, and ASCII.
function compare(h, category, agentId, fields, remote, local, expected) {
  const a = buildBatch(local, agentId, fields);
  const b = remote.signBatch(agentId, fields);
  h.eq(category, b.body, a.body, `${category}: body bytes`);
  const parsed = JSON.parse(b.body);
  h.ok(category, /^[\x00-\x7f]*$/.test(b.body), `${category}: the body has non-ASCII characters`);
  for (let i = 0; i < fields.length; i++) {
    h.case(category);
    const mine = a.events[i];
    h.eq(category, parsed.events[i].payload_plain_hash, mine.payload_plain_hash, `${category}[${i}] payload_plain_hash`);
    h.eq(category, b.events[i].signingHashHex, signingHash(mine), `${category}[${i}] signing hash`);
    h.eq(category, b.events[i].agent_signature, mine.agent_signature, `${category}[${i}] signature`);
    h.eq(category, b.events[i].event_id, mine.event_id, `${category}[${i}] event_id`);
    // The lazy envelope of a remote event is the one in the body.
    h.eq(category, JSON.stringify(b.events[i]), JSON.stringify(parsed.events[i]), `${category}[${i}] toJSON`);
    if (expected) h.eq(category, mine.agent_signature.replace(/^0x/, ''), expected[i], `${category}[${i}] KAT signature`);
    // The receipt check's binary path equals the hex one (sequence numbers beyond 2^32 too).
    for (const seq of [1, 4294967296 + i, Number.MAX_SAFE_INTEGER - i]) {
      h.eq(category, b.events[i].receiptHashOf(seq), receiptHash(mine.tenant_id, mine.store_id, mine.event_id, seq, signingHash(mine)), `${category}[${i}] receipt hash of seq ${seq}`);
    }
  }
}

export default function () {
  const h = new Harness(TEST);
  if (!SIGNER_URL) {
    h.ok('setup', false, 'SIGNER_URL is unset: run this test through scripts/k6-tests.sh, which starts `ves signer` (build it first: cargo build --release -p ves-cli)');
    h.finish();
    return;
  }
  const local = createSigner(SEED);
  const remote = new RemoteSigner({ url: SIGNER_URL, publicKeyHex: local.publicKeyHex }, __ENV.SIGNER_TOKEN || null);

  // 1. The scenarios' order payload (non-ASCII note included), 100 events.
  h.guard('order', 'order payload', () => {
    const cfg = { tenantId: NIL, agentId: AGENT, createdAt: '2025-01-01T00:00:00.000Z', seed: 7 };
    const fields = orderFields(cfg, { agentKeyId: 7, seed: 7 }, { storeId: NIL }, 100, NIL, { scenario: 'default', iteration: 0, purpose: 'batch' });
    compare(h, 'order', AGENT, fixedIds(fields, 'aaaaaaaa'), remote, local);
  });

  // 1b. Content batches (RemoteSigner.signContent: the signer makes the seeded order events
  // from their slot) equal the same slot built in k6 (content.js, hot.js, payload.js) and
  // signed in k6, byte for byte, for every payload shape, with and without hot entities.
  h.guard('content', 'content batches', () => {
    const shapes = ['order', 'small', 'medium', 'unicode', 'floats', 'nested', 'mixed', 'large'];
    for (const shape of shapes) {
      for (const hot of [0, 0.3]) {
        const count = shape === 'large' || shape === 'mixed' ? 4 : 40;
        const spec = { seed: 11, scenario: 'default', purpose: 'batch', iteration: 5, count, tenantId: NIL, storeId: NIL, agentKeyId: 3, createdAt: '2025-01-01T00:00:00.000Z', hot, shape, payloadBytes: 0 };
        const slot = (purpose) => new ContentSource(spec.seed, spec.scenario, purpose, spec.iteration);
        const fields = orderEventFields(slot('batch'), count, { tenant_id: NIL, store_id: NIL, source_agent_id: AGENT, agent_key_id: 3, created_at: spec.createdAt });
        const moved = heatEntities(fields, hot, (i) => slot('hot').block(i));
        if (shape !== 'order') shapePayloads(fields, shape, (i) => slot('payload').block(i), 0);
        h.case('content');
        if (hot > 0) h.ok('content', moved > 0 && moved < count, `${shape}: hot 0.3 moved ${moved} of ${count}`);
        const a = buildBatch(local, AGENT, fields);
        const b = remote.signContent(AGENT, spec);
        h.eq('content', b.body, a.body, `${shape}, hot ${hot}: body bytes`);
        h.eq('content', b.events.map((e) => e.signingHashHex).join(','), a.events.map((e) => signingHash(e)).join(','), `${shape}, hot ${hot}: signing hashes`);
        // SPELLING=varied: the signer's varied body of the slot is the library's, first send and re-send.
        for (const attempt of [0, 3]) {
          const v = remote.signContent(AGENT, Object.assign({}, spec, { spelling: 'varied', attempt }));
          h.eq('content', v.body, variedBody(AGENT, a.events, slot('spelling'), attempt), `${shape}, hot ${hot}: varied body bytes, attempt ${attempt}`);
        }
      }
    }
    // PAYLOAD_BYTES pads the same way on both paths.
    h.case('content');
    const padded = { seed: 2, scenario: 's', purpose: 'batch', iteration: 0, count: 3, tenantId: NIL, storeId: NIL, agentKeyId: 3, createdAt: '2025-01-01T00:00:00.000Z', hot: 0, shape: 'small', payloadBytes: 3000 };
    const slot = (purpose) => new ContentSource(2, 's', purpose, 0);
    const fields = orderEventFields(slot('batch'), 3, { tenant_id: NIL, store_id: NIL, source_agent_id: AGENT, agent_key_id: 3, created_at: padded.createdAt });
    shapePayloads(fields, 'small', (i) => slot('payload').block(i), 3000);
    h.eq('content', remote.signContent(AGENT, padded).body, buildBatch(local, AGENT, fields).body, 'PAYLOAD_BYTES=3000: body bytes');
    // Bad content specs name the field.
    h.case('content');
    const bad = (change) => Object.assign({}, padded, change);
    h.throws('content', () => remote.signContent(AGENT, bad({ shape: 'edge' })), /HTTP 422: content\.shape: expected one of/, 'unknown shape');
    h.throws('content', () => remote.signContent(AGENT, bad({ hot: 2 })), /HTTP 422: content\.hot: expected a share from 0 to 1/, 'hot above 1');
    h.throws('content', () => remote.signContent(AGENT, bad({ count: 1001 })), /HTTP 413: content\.count: expected 1 to 1000 events.*found 1001/, '1001 events');
  });

  // 2. Every payload of the computed KAT (JCS edge cases), one event each.
  h.guard('kat_payloads', 'KAT payloads', () => {
    if (kat.error) return h.ok('kat_payloads', false, kat.error);
    const vectors = kat.value.payload_plain_hash.vectors;
    const fields = vectors.map((v, i) => ({
      tenant_id: NIL, store_id: NIL, source_agent_id: AGENT, agent_key_id: 1,
      entity_type: 'edge', entity_id: v.name, event_type: `edge.${i}`, payload: JSON.parse(v.input_json),
    }));
    compare(h, 'kat_payloads', AGENT, fixedIds(fields, 'bbbbbbbb'), remote, local);
    const b = remote.signBatch(AGENT, fixedIds(fields, 'bbbbbbbb'));
    const parsed = JSON.parse(b.body);
    vectors.forEach((v, i) => h.eq('kat_payloads', parsed.events[i].payload_plain_hash, v.payload_plain_hash, `${v.name}: KAT payload hash`));
  });

  // 3. The worked example: its signatures are fixed by the KAT (same seed).
  h.guard('worked_example', 'worked example', () => {
    if (kat.error) return h.ok('worked_example', false, kat.error);
    const body = kat.value.worked_example.ingest_body;
    const req = typeof body === 'string' ? JSON.parse(body) : body;
    const fields = req.events.map(fieldsOf);
    const expected = req.events.map((e) => e.agent_signature.replace(/^0x/, '').toLowerCase());
    compare(h, 'worked_example', req.agentId, fields, remote, local, expected);
  });

  // 4. Strings that need escaping, non-BMP characters, long values, every created_at form.
  h.guard('strings', 'escaping', () => {
    const forms = ['2025-01-01T00:00:00Z', '2021-01-01t00:00:00z', '2021-01-01 00:00:00Z', '2016-12-31T23:59:60Z', '2020-08-25T18:01:21-00:00'];
    const fields = forms.map((createdAt, i) => ({
      tenant_id: NIL, store_id: NIL, source_agent_id: AGENT, agent_key_id: 4294967295,
      entity_type: 'ty"pe\\/', entity_id: `é\u0007\n\t${'x'.repeat(100 * i)}`, event_type: 'emoji 😀 \u2028', created_at: createdAt,
      payload: { 'k"\\': [1, 1e21, 1e-7, -0, 0.1 + 0.2, '\u007f\u00ff\ud83d\ude00'], 'é': { z: null, a: true } },
    }));
    compare(h, 'strings', AGENT, fixedIds(fields, 'cccccccc'), remote, local);
  });

  // 4b. The edge payloads and events of a `ves vectors` file, when one is given.
  h.guard('generated', 'ves vectors file', () => {
    if (generated === null) return h.skipPart('generated', 'VES_VECTORS_FILE is not set (scripts/test.sh sets it)');
    if (generated.error) return h.ok('generated', false, generated.error);
    const all = generated.value.jcs.slice(0, 1000).map((v, i) => ({
      tenant_id: NIL, store_id: NIL, source_agent_id: AGENT, agent_key_id: 2,
      entity_type: 'edge', entity_id: v.name, event_type: `edge.${i}`, payload: JSON.parse(v.input_json),
    }));
    // A null payload is no payload: both paths refuse it.
    const jcsFields = all.filter((f) => f.payload !== null);
    const nulls = all.filter((f) => f.payload === null).slice(0, 1);
    for (const f of nulls) {
      h.case('generated');
      h.throws('generated', () => buildBatch(local, AGENT, [f]), /payload: expected a JSON value/, 'null payload, in k6');
      h.throws('generated', () => remote.signBatch(AGENT, [f]), /events\[0\]\.payload: expected a JSON value/, 'null payload, signer');
    }
    for (let i = 0; i < jcsFields.length; i += 500) compare(h, 'generated', AGENT, fixedIds(jcsFields.slice(i, i + 500), 'dddddddd'), remote, local);
    const byAgent = {};
    for (const e of generated.value.events.slice(0, 1000)) (byAgent[e.envelope.source_agent_id] = byAgent[e.envelope.source_agent_id] || []).push(fieldsOf(e.envelope));
    for (const agent of Object.keys(byAgent)) compare(h, 'generated', agent, byAgent[agent].slice(0, 1000), remote, local);
  });

  // 5. Bare-hash signing (probes re-sign through it) equals the in-k6 signer's.
  h.guard('sign_hashes', 'sign-hashes', () => {
    const digests = [new Uint8Array(32), new Uint8Array(32).fill(255), new Uint8Array([...Array(32).keys()])];
    const mine = local.signMany(digests);
    const theirs = remote.signMany(digests);
    digests.forEach((_, i) => {
      h.case('sign_hashes');
      h.eq('sign_hashes', theirs[i], mine[i], `digest ${i}`);
    });
  });

  // 6. Errors: which event, which field; unknown keys; batch limits.
  h.guard('errors', 'errors', () => {
    const good = { tenant_id: NIL, store_id: NIL, source_agent_id: AGENT, agent_key_id: 1, entity_type: 'order', entity_id: 'o', event_type: 'e', payload: { a: 1 } };
    h.case('errors');
    h.throws('errors', () => remote.signBatch(AGENT, [good, good, Object.assign({}, good, { entity_type: '' })]), /HTTP 422: 1 problem.*events\[2\]\.entity_type: expected 1 to 128 UTF-8 bytes/, 'empty entity_type');
    h.case('errors');
    h.throws('errors', () => remote.signBatch(AGENT, [Object.assign({}, good, { created_at: 'yesterday' }), Object.assign({}, good, { payload: null })]), /2 problems.*events\[0\]\.created_at/, 'two bad events');
    h.case('errors');
    h.throws('errors', () => remote.signBatch(AGENT, [Object.assign({}, good, { source_agent_id: NIL })]), /events\[0\]\.source_agent_id: must equal the request's agentId/, 'agent mismatch');
    h.case('errors');
    h.throws('errors', () => remote.signBatch(AGENT, new Array(1001).fill(good)), /HTTP 413: events: expected 1 to 1000 events/, '1001 events');
    h.case('errors');
    const stranger = new RemoteSigner({ url: SIGNER_URL, publicKeyHex: createSigner('11'.repeat(32)).publicKeyHex }, __ENV.SIGNER_TOKEN || null);
    h.throws('errors', () => stranger.signBatch(AGENT, [good]), /HTTP 404: this signer holds no key/, 'unknown key');
    h.case('errors');
    const gone = new RemoteSigner({ url: 'http://127.0.0.1:9', publicKeyHex: local.publicKeyHex }, null);
    h.throws('errors', () => gone.signBatch(AGENT, [good]), /cannot reach ves signer at http:\/\/127\.0\.0\.1:9.*unset SIGNER_URL/, 'no signer');
    h.ok('errors', new SignerError('x').name === 'SignerError', 'SignerError name');
  });

  // 7. Configuration: SIGNER_URL must be an http URL; a non-loopback one needs SIGNER_TOKEN,
  // which is a secret like the API keys.
  h.guard('config', 'config', () => {
    h.case('config');
    h.throws('config', () => config({ SIGNER_URL: 'localhost:8787' }), /SIGNER_URL: expected the http URL of a `ves signer`/, 'no scheme');
    h.throws('config', () => config({ SIGNER_URL: 'http://10.1.2.3:8787' }), /SIGNER_TOKEN: expected the signer's token \(required because http:\/\/10\.1\.2\.3:8787 is not a loopback address/, 'remote without token');
    const cfg = config({ SIGNER_URL: 'http://10.1.2.3:8787/', SIGNER_TOKEN: 'tok-secret' });
    h.eq('config', cfg.signerUrl, 'http://10.1.2.3:8787', 'trailing slash dropped');
    h.eq('config', redacted(cfg).signerToken, '<redacted>', 'token redacted');
    h.ok('config', !JSON.stringify(cfg).includes('tok-secret'), 'the token in JSON.stringify(cfg)');
    h.eq('config', config({}).signerUrl, null, 'unset: sign in k6');
  });
  h.finish();
}
