// One byte stream from every generator (tests/e2e/test_body_identity.py runs this): for the same
// SEED, slot, key, created_at and SPELLING, the k6 library's live path, `ves presign` and
// `ves signer` content batches write byte-identical ingest bodies. Body b is the slot
// (SEED, scenario `default`, purpose `batch`, iteration b) of PAYLOAD=SHAPE, BATCH events, in
// both spellings (canonical, varied):
//
// - presign: line b of the corpus shard <CORPUS>-<spelling>/vu-0001.ndjson (read as k6 reads
//   corpora, js/shard_reader.js);
// - signer: RemoteSigner.signContent of the slot (varied: its varied spelling, attempt 0);
// - k6: the library's live path, as ingest.js builds a batch: orderEventFields + shapePayloads,
//   JCS, hashes and the body in k6 (buildBatch; variedBody for the varied spelling). Its
//   Ed25519 signatures come from the signer's key through /v1/sign-hashes (signing 100,000
//   events in JavaScript would take minutes), except for the first JS_SIGNED bodies of each
//   VU, signed by the library's own Ed25519 (createSigner) to hold that part too.
//
// Whole bodies are compared by SHA-256; the first body that differs is named with its index,
// spelling, the generators and the first differing character in context. VU v of VUS takes the
// bodies b with b % VUS == v - 1. The run fails (a check) on any difference and unless every
// body of both corpora was compared.
import crypto from 'k6/crypto';
import { open as fsOpen } from 'k6/experimental/fs';
import { Counter } from 'k6/metrics';
import { check } from 'k6';
import { ContentSource, ShardReader, buildBatch, createSigner, orderEventFields, shapePayloads, variedBody } from '../../../js/ves.js';
import { RemoteSigner } from '../../../js/remote_signer.js';

const env = (name) => {
  const v = __ENV[name];
  if (v === undefined || v === '') throw new Error(`body_identity: ${name} is not set (tests/e2e/test_body_identity.py sets it)`);
  return v;
};
const CORPUS = env('CORPUS');
const SHAPE = env('SHAPE');
const SPELLINGS = ['canonical', 'varied'];
const VUS = Number(__ENV.VUS || 2);
const EVENTS = Number(env('EVENTS'));
const BATCH = Number(env('BATCH'));
const SEED = Number(env('SEED'));
const CREATED_AT = env('CREATED_AT');
const AGENT_KEY_ID = Number(env('AGENT_KEY_ID'));
const AGENT_SEED = env('AGENT_SEED');
const SIGNER_URL = env('SIGNER_URL');
const JS_SIGNED = Number(__ENV.JS_SIGNED || 2);
const NIL = '00000000-0000-0000-0000-000000000000';

const shards = {};
for (const spelling of SPELLINGS) shards[spelling] = await fsOpen(`${CORPUS}-${spelling}/vu-0001.ndjson`);
const compared = new Counter('identity_bodies');

export const options = {
  scenarios: { identity: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: '60m' } },
  thresholds: { checks: ['rate==1'], identity_bodies: [`count>=${(2 * EVENTS) / BATCH}`] },
};

const digest = (s) => crypto.sha256(s, 'hex');

// The first character where two texts differ, in context.
function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const at = (s) => JSON.stringify(s.substring(Math.max(0, i - 60), i + 60));
  return `at character ${i} of ${a.length} / ${b.length}: ${at(a)} vs ${at(b)}`;
}

export default async function () {
  const vu = __VU - 1;
  const jsSigner = createSigner(AGENT_SEED);
  const remote = new RemoteSigner({ url: SIGNER_URL, publicKeyHex: jsSigner.publicKeyHex }, null);
  const readers = {};
  for (const spelling of SPELLINGS) readers[spelling] = new ShardReader(shards[spelling]);
  const base = { tenant_id: NIL, store_id: NIL, source_agent_id: NIL, agent_key_id: AGENT_KEY_ID, created_at: CREATED_AT };
  const bodies = EVENTS / BATCH;
  let first = null;
  let identical = 0;
  let mine = 0;
  let jsSigned = 0;
  for (let b = 0; b < bodies; b++) {
    const lines = {};
    for (const spelling of SPELLINGS) lines[spelling] = await readers[spelling].nextLine();
    if (lines.canonical === null || lines.varied === null) {
      first = first || `a corpus ends after ${b} bodies, expected ${bodies}`;
      break;
    }
    if (b % VUS !== vu) continue;
    mine++;
    const slot = (purpose) => new ContentSource(SEED, 'default', purpose, b);
    // k6's live path (ingest.js liveFields + buildBatch; variedBody for SPELLING=varied).
    const fields = orderEventFields(slot('batch'), BATCH, base);
    if (SHAPE !== 'order') shapePayloads(fields, SHAPE, (i) => slot('payload').block(i), 0);
    const ownSignatures = jsSigned < JS_SIGNED;
    if (ownSignatures) jsSigned++;
    const built = buildBatch(ownSignatures ? jsSigner : remote, NIL, fields);
    for (const spelling of SPELLINGS) {
      const k6Body = spelling === 'varied' ? variedBody(NIL, built.events, slot('spelling'), 0) : built.body;
      // ves signer, from the slot.
      const spec = { seed: SEED, scenario: 'default', purpose: 'batch', iteration: b, count: BATCH, tenantId: NIL, storeId: NIL, agentKeyId: AGENT_KEY_ID, createdAt: CREATED_AT, hot: 0, shape: SHAPE, payloadBytes: 0 };
      if (spelling === 'varied') spec.spelling = 'varied';
      const signerBody = remote.signContent(NIL, spec).body;
      const presignBody = lines[spelling];
      const d = [digest(k6Body), digest(signerBody), digest(presignBody)];
      compared.add(1);
      if (d[0] === d[1] && d[1] === d[2]) identical++;
      else if (first === null) {
        const [x, y, nx, ny] = d[0] !== d[2] ? [k6Body, presignBody, 'k6', 'presign'] : [signerBody, presignBody, 'signer', 'presign'];
        first = `${spelling} body ${b} (events ${b * BATCH}..${(b + 1) * BATCH - 1}): sha256 k6 ${d[0]}, signer ${d[1]}, presign ${d[2]}; ${nx} vs ${ny} ${firstDifference(x, y)}`;
      }
    }
  }
  for (const spelling of SPELLINGS) {
    if ((await readers[spelling].nextLine()) !== null && first === null) first = `the ${spelling} corpus holds more than ${bodies} bodies`;
  }
  check(null, { 'identity: every body byte-identical from k6, ves signer and ves presign': () => first === null && identical === 2 * mine });
  console.log(`body-identity: vu=${__VU} shape=${SHAPE} bodies=${mine} spellings=${SPELLINGS.join(',')} identical=${identical} js_signed_bodies=${jsSigned} first_difference=${first === null ? 'none' : first}`);
}
