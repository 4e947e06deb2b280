// Unit tests of the k6 library, run by k6 itself (no vectors needed): config validation,
// ledger behaviour (anomalies, eviction bound), the inclusion verifier on malformed input,
// buildEvent/buildBatch output, JCS semantics, byte helpers, Ed25519 edge cases, receipts,
// the HTTP client's parsing, metric names.
//
//   k6 run --quiet --no-usage-report tests/k6/library.test.js
import {
  ConfigError,
  ContentSource,
  DEVSERVER_ADMIN_KEY,
  ED25519_ORDER,
  Ledger,
  METRIC_NAMES,
  NIL_UUID,
  VesClient,
  buildBatch,
  buildEvent,
  buildEvents,
  bytesToHex,
  checkInclusion,
  checkReceipt,
  config,
  createSigner,
  hexToBytes,
  ingestBody,
  isLoopbackHost,
  jcs,
  jcsReference,
  leafHash,
  merkleProof,
  merkleRoot,
  numberText,
  parseJson,
  parseSpelling,
  payloadHash,
  randomUuids,
  reasonCode,
  receiptHash,
  redacted,
  signEvent,
  signingHash,
  streamStoreId,
  tryHexToBytes,
  u64be,
  utf8Encode,
  utf8Length,
  variedBody,
  verify,
  verifyInclusion,
  verifyReceipt,
} from '../../js/ves.js';
import { Harness, flipLastBit, testOptions } from './lib/harness.js';

const TEST = 'library';
export const options = testOptions(null, 130);

const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const TENANT = '00000000-0000-0000-0000-000000000001';
const STORE = '00000000-0000-0000-0000-000000000002';
const AGENT = '22222222-2222-2222-2222-222222222222';
const signer = createSigner(SEED);

export default function () {
  const h = new Harness(TEST);
  h.guard('config', 'config', () => testConfig(h));
  h.guard('ledger', 'ledger', () => testLedger(h));
  h.guard('merkle', 'merkle', () => testMerkleMalformed(h));
  h.guard('event', 'event', () => testEvents(h));
  h.guard('jcs', 'jcs', () => testJcs(h));
  h.guard('bytes', 'bytes', () => testBytes(h));
  h.guard('ed25519', 'ed25519', () => testEd25519(h));
  h.guard('receipt', 'receipt', () => testReceipts(h));
  h.guard('client', 'client', () => testClient(h));
  h.guard('metrics', 'metrics', () => testMetrics(h));
  h.guard('spelling', 'spelling', () => testSpelling(h));
  h.finish();
}

// ---------------------------------------------------------------------------------------------

function testConfig(h) {
  const C = 'config';
  h.case(C);
  const d = config({});
  h.eq(C, d.baseUrl, 'http://localhost:8080', 'default URL');
  h.eq(C, d.apiKey, DEVSERVER_ADMIN_KEY, 'default API key on loopback');
  h.eq(C, d.adminApiKey, DEVSERVER_ADMIN_KEY, 'default admin key on loopback');
  h.eq(C, d.tenantId, NIL_UUID, 'default tenant');
  h.eq(C, d.storeId, NIL_UUID, 'default store');
  h.eq(C, d.agentId, NIL_UUID, 'default agent');
  h.eq(C, d.batchSize, 100, 'default batch');
  h.eq(C, d.streams, 1, 'default streams');
  h.eq(C, d.receiptSigSample, 0.01, 'default sample');
  h.eq(C, d.resultsDir, 'results', 'default results dir');
  h.eq(C, d.registerKey, true, 'registers a key by default');
  h.eq(C, d.agentSeed, null, 'no seed by default');
  h.ok(C, Object.isFrozen(d), 'config is frozen');

  const expectProblem = (env, variable, pattern, label) => {
    h.case(C);
    try {
      config(env);
      h.ok(C, false, `${label}: accepted ${JSON.stringify(env)}`);
    } catch (e) {
      h.ok(C, e instanceof ConfigError, `${label}: threw ${e && e.name}, not a ConfigError`);
      const line = (e.problems || []).find((p) => p.startsWith(`${variable}:`));
      h.ok(C, line !== undefined, `${label}: no problem names ${variable}: ${e.message}`);
      if (line) {
        h.ok(C, / expected .+; found .+\. Fix: /.test(line), `${label}: message lacks expected/found/fix: ${line}`);
        if (pattern) h.ok(C, pattern.test(line), `${label}: ${line} does not match ${pattern}`);
      }
      return e;
    }
    return null;
  };
  for (const bad of ['0', '1001', 'abc', '1.5', '-1', '10x', '1e2']) expectProblem({ BATCH_SIZE: bad }, 'BATCH_SIZE', new RegExp(`1 to 1000.*${escapeRe(JSON.stringify(bad))}`), `BATCH_SIZE=${bad}`);
  h.eq(C, config({ BATCH_SIZE: '1000' }).batchSize, 1000, 'BATCH_SIZE=1000');
  h.eq(C, config({ BATCH_SIZE: ' 7 ' }).batchSize, 7, 'BATCH_SIZE with spaces');
  h.eq(C, config({ BATCH_SIZE: '' }).batchSize, 100, 'empty BATCH_SIZE means unset');
  for (const name of ['TENANT_ID', 'STORE_ID', 'AGENT_ID']) {
    expectProblem({ [name]: 'not-a-uuid' }, name, /UUID/, `${name} malformed`);
    expectProblem({ [name]: '00000000-0000-0000-0000-00000000000' }, name, /UUID/, `${name} short`);
  }
  h.eq(C, config({ TENANT_ID: 'ABCDEF00-0000-4000-8000-00000000000A' }).tenantId, 'abcdef00-0000-4000-8000-00000000000a', 'UUIDs normalized to lowercase');
  expectProblem({ STREAMS: '0' }, 'STREAMS', null, 'STREAMS=0');
  const s3 = config({ STREAMS: '3', STORE_ID: STORE });
  h.eq(C, s3.streamStoreIds.length, 3, 'STREAMS=3 gives 3 store ids');
  h.eq(C, s3.streamStoreIds[0], STORE, 'stream 0 is STORE_ID');
  h.eq(C, s3.streamStoreIds[2], streamStoreId(STORE, 2), 'stream 2 is derived');

  // API keys: the devserver default only on loopback
  for (const url of ['http://localhost:8080', 'http://LOCALHOST', 'http://127.0.0.1:9000/', 'https://127.200.3.4/api', 'http://[::1]:8080']) {
    h.case(C);
    const c = config({ SEQUENCER_BASE_URL: url });
    h.ok(C, c.loopback && c.apiKey === DEVSERVER_ADMIN_KEY, `${url} should be loopback with the default key`);
  }
  h.eq(C, config({ SEQUENCER_BASE_URL: 'http://localhost:8080///' }).baseUrl, 'http://localhost:8080', 'trailing slashes dropped');
  for (const url of ['http://sequencer.example.com', 'http://128.0.0.1', 'http://127.0.0.256', 'http://localhost.example.com', 'http://0.0.0.0:8080', 'http://[::2]', 'http://10.0.0.1']) {
    const e = expectProblem({ SEQUENCER_BASE_URL: url }, 'API_KEY', /loopback/, `no API_KEY for ${url}`);
    if (e) h.ok(C, e.problems.some((p) => p.startsWith('ADMIN_API_KEY:')), `${url}: a key must be registered, so ADMIN_API_KEY is required too`);
  }
  const remote = { SEQUENCER_BASE_URL: 'https://seq.example.com', API_KEY: 'ss_secret_api_key_123' };
  expectProblem(remote, 'ADMIN_API_KEY', /loopback/, 'remote run that registers a key needs ADMIN_API_KEY');
  const given = config(Object.assign({ AGENT_SEED: SEED, AGENT_KEY_ID: '7' }, remote));
  h.eq(C, given.registerKey, false, 'AGENT_SEED + AGENT_KEY_ID: no registration');
  h.eq(C, given.adminApiKey, null, 'no admin key needed when nothing is registered');
  h.eq(C, given.agentKeyId, 7, 'AGENT_KEY_ID');
  h.eq(C, given.agentSeed, SEED, 'AGENT_SEED');
  h.eq(C, config(Object.assign({ ADMIN_API_KEY: 'ss_admin_secret_456' }, remote)).adminApiKey, 'ss_admin_secret_456', 'ADMIN_API_KEY');
  const badSeed = expectProblem({ AGENT_SEED: 'ab'.repeat(31) + 'zz', AGENT_KEY_ID: '1' }, 'AGENT_SEED', /64 hex/, 'bad AGENT_SEED');
  if (badSeed) h.ok(C, !badSeed.message.includes('ab'.repeat(31)), 'the bad seed is not printed');
  expectProblem({ AGENT_SEED: SEED }, 'AGENT_KEY_ID', /together/, 'AGENT_SEED without AGENT_KEY_ID');
  expectProblem({ AGENT_KEY_ID: '3' }, 'AGENT_SEED', /together/, 'AGENT_KEY_ID without AGENT_SEED');
  expectProblem({ AGENT_SEED: SEED, AGENT_KEY_ID: '4294967296' }, 'AGENT_KEY_ID', /4294967295/, 'AGENT_KEY_ID too large');
  const badKey = expectProblem({ API_KEY: 'dev_admin_key_secret' }, 'API_KEY', /ss_/, 'API key without ss_');
  if (badKey) h.ok(C, !badKey.message.includes('dev_admin_key_secret'), 'the bad key is not printed');
  for (const url of ['localhost:8080', 'ftp://localhost', 'http://', 'http://host:99999', 'http://a b']) expectProblem({ SEQUENCER_BASE_URL: url }, 'SEQUENCER_BASE_URL', /URL/, `URL ${url}`);
  for (const v of ['2', '-0.1', 'abc', '0.5x']) expectProblem({ RECEIPT_SIG_SAMPLE: v }, 'RECEIPT_SIG_SAMPLE', /0 to 1/, `RECEIPT_SIG_SAMPLE=${v}`);
  h.eq(C, config({ RECEIPT_SIG_SAMPLE: '1e-3' }).receiptSigSample, 0.001, 'RECEIPT_SIG_SAMPLE=1e-3');
  h.eq(C, config({ RECEIPT_SIG_SAMPLE: '1' }).receiptSigSample, 1, 'RECEIPT_SIG_SAMPLE=1');
  for (const v of ['2', '-0.1', 'abc', '0.5x']) expectProblem({ RECEIPT_CHECK: v }, 'RECEIPT_CHECK', /0 to 1 \(the share of clean ingest answers/, `RECEIPT_CHECK=${v}`);
  h.eq(C, `${config({}).receiptCheck} ${config({ RECEIPT_CHECK: '1e-2' }).receiptCheck} ${config({ RECEIPT_CHECK: '0' }).receiptCheck}`, '1 0.01 0', 'RECEIPT_CHECK: default 1, 1e-2, 0');
  for (const name of ['REPLAY_RATE', 'INVALID_RATE']) {
    expectProblem({ [name]: '1e-1' }, name, /0 to 1/, `${name}=1e-1: no exponent for the rates`);
    h.eq(C, config({ [name]: '0.25' })[name === 'REPLAY_RATE' ? 'replayRate' : 'invalidRate'], 0.25, `${name}=0.25`);
  }
  expectProblem({ SEQUENCER_PUBLIC_KEY: 'abc' }, 'SEQUENCER_PUBLIC_KEY', /64 hex/, 'bad SEQUENCER_PUBLIC_KEY');
  h.eq(C, config({ SEQUENCER_PUBLIC_KEY: '0x' + 'AB'.repeat(32) }).sequencerPublicKey, 'ab'.repeat(32), 'SEQUENCER_PUBLIC_KEY normalized');
  expectProblem({ SEED: 'x' }, 'SEED', null, 'SEED not an integer');
  h.eq(C, config({ SEED: '42' }).seed, 42, 'SEED');
  h.eq(C, config({ RESULTS_DIR: 'out/' }).resultsDir, 'out', 'RESULTS_DIR');

  h.case(C);
  let many = null;
  try {
    config({ BATCH_SIZE: '0', STREAMS: 'x', TENANT_ID: 'y' });
  } catch (e) {
    many = e;
  }
  h.ok(C, many !== null && many.problems.length === 3, `every problem is reported at once: ${many && many.message}`);

  h.case(C);
  const secretEnv = Object.assign({ ADMIN_API_KEY: 'ss_admin_secret_456', AGENT_SEED: SEED, AGENT_KEY_ID: '1' }, remote);
  const cfg = config(secretEnv);
  const r = redacted(cfg);
  h.eq(C, r.apiKey, '<redacted>', 'redacted apiKey');
  h.eq(C, r.adminApiKey, '<redacted>', 'redacted adminApiKey');
  h.eq(C, r.agentSeed, '<redacted>', 'redacted agentSeed');
  h.eq(C, r.baseUrl, 'https://seq.example.com', 'redacted keeps the rest');
  h.eq(C, redacted(config({})).agentSeed, '<unset>', 'unset secrets say so');
  const text = JSON.stringify(cfg) + JSON.stringify(r) + JSON.stringify(new VesClient({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey }));
  for (const secret of ['ss_secret_api_key_123', 'ss_admin_secret_456', SEED]) h.ok(C, !text.includes(secret), 'a secret leaks through JSON.stringify of the config or the client');
  h.eq(C, cfg.apiKey, 'ss_secret_api_key_123', 'the config itself keeps the key');
  h.ok(C, isLoopbackHost('127.0.0.1') && !isLoopbackHost('127.0.0.1.example'), 'isLoopbackHost');
}

// ---------------------------------------------------------------------------------------------

// A server-shaped ingest response for `events` sequenced from `start` (replayed: receipts given
// old sequence numbers; rejectedIds: rejections instead of receipts).
function fakeResponse(events, start, opts = {}) {
  const receipts = [];
  const rejections = [];
  let seq = start;
  let accepted = 0;
  for (const e of events) {
    if (opts.rejectedIds && opts.rejectedIds.includes(e.event_id)) {
      rejections.push({ event_id: e.event_id, reason: 'agent_key_invalid: Agent key not found', message: 'Agent key not found' });
      continue;
    }
    const s = opts.replayedSeqs && opts.replayedSeqs[e.event_id] !== undefined ? opts.replayedSeqs[e.event_id] : seq++;
    if (s >= start) accepted++;
    receipts.push({ sequencerId: NIL_UUID, eventId: e.event_id, sequenceNumber: s, sequencedAt: '2026-01-01T00:00:00+00:00', receiptHash: receiptHash(e.tenant_id, e.store_id, e.event_id, s, signingHash(e)), signatureAlg: 'none', sequencerSignature: '', sequencerKeyVersion: 0 });
  }
  const body = { batchId: NIL_UUID, eventsAccepted: accepted, eventsRejected: rejections.length, sequenceStart: accepted ? start : null, sequenceEnd: accepted ? start + accepted - 1 : null, headSequence: start + accepted - 1 };
  if (receipts.length) body.receipts = receipts;
  if (rejections.length) body.rejections = rejections;
  return body;
}

function makeFields(n, overrides = {}) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(Object.assign({ tenant_id: TENANT, store_id: STORE, source_agent_id: AGENT, agent_key_id: 1, entity_type: 'order', entity_id: `order-${i}`, event_type: 'order.created', payload: { n: i, note: 'café 😀' } }, overrides));
  }
  return out;
}

function testLedger(h) {
  const C = 'ledger';
  h.case(C);
  const ledger = new Ledger({ maxEvents: 100 });
  const batch1 = buildEvents(signer, makeFields(10));
  const o1 = ledger.recordIngest(batch1, fakeResponse(batch1, 1), { ingestedAt: 1000 });
  h.ok(C, o1.parsed && o1.accepted === 10 && o1.newReceipts === 10 && o1.anomalies === 0 && o1.invalidReceipts === 0 && o1.missing === 0, `clean batch: ${JSON.stringify(o1)}`);
  h.eq(C, o1.headSequence, 10, 'headSequence');
  h.eq(C, ledger.size, 10, 'ledger size');
  const e5 = ledger.get(TENANT, STORE, 5);
  h.ok(C, e5 !== undefined && e5.eventId === batch1[4].event_id && e5.ingestedAt === 1000, 'entry for seq 5');
  h.eq(C, ledger.leafHash(e5), leafHash(TENANT, STORE, 5, signingHash(batch1[4]), batch1[4].agent_signature), 'leaf rebuilt from the ledger');
  h.ok(C, ledger.hasSeen(TENANT, STORE, 10) && !ledger.hasSeen(TENANT, STORE, 11), 'hasSeen');

  // A new event given a sequence number already seen: an anomaly.
  h.case(C);
  const batch2 = buildEvents(signer, makeFields(3));
  const o2 = ledger.recordIngest(batch2, fakeResponse(batch2, 9));
  h.eq(C, o2.anomalies, 2, 'sequence numbers 9 and 10 given again');
  // Receipts not consecutive from sequenceStart to sequenceEnd: one anomaly for the response.
  h.case(C);
  const batch3 = buildEvents(signer, makeFields(3));
  const gap = fakeResponse(batch3, 20);
  gap.receipts[2].sequenceNumber = 23;
  gap.receipts[2].receiptHash = receiptHash(TENANT, STORE, batch3[2].event_id, 23, signingHash(batch3[2]));
  gap.sequenceEnd = 23;
  const o3 = ledger.recordIngest(batch3, gap);
  h.eq(C, o3.anomalies, 1, 'a gap in the new receipts');
  h.case(C);
  const batch4 = buildEvents(signer, makeFields(2));
  const miscount = fakeResponse(batch4, 30);
  miscount.eventsAccepted = 3;
  h.eq(C, ledger.recordIngest(batch4, miscount).anomalies, 1, 'eventsAccepted disagrees with the receipts');

  // Replays: receipts below sequenceStart are replays, not anomalies.
  h.case(C);
  const batch5 = buildEvents(signer, makeFields(2));
  const mixed = batch1.slice(0, 2).concat(batch5);
  const replayedSeqs = { [batch1[0].event_id]: 1, [batch1[1].event_id]: 2 };
  const o5 = ledger.recordIngest(mixed, fakeResponse(mixed, 40, { replayedSeqs }));
  h.ok(C, o5.replayed === 2 && o5.newReceipts === 2 && o5.anomalies === 0 && o5.accepted === 2, `replays: ${JSON.stringify(o5)}`);

  // Rejections by code; events without an answer are missing; bad receipts are invalid.
  h.case(C);
  const batch6 = buildEvents(signer, makeFields(4));
  const resp6 = fakeResponse(batch6, 50, { rejectedIds: [batch6[1].event_id] });
  resp6.receipts[0].receiptHash = flipLastBit(resp6.receipts[0].receiptHash);
  resp6.receipts.pop(); // batch6[3] gets no answer
  resp6.eventsAccepted = 2;
  resp6.sequenceEnd = 51;
  const o6 = ledger.recordIngest(batch6, resp6);
  h.eq(C, o6.rejected.length, 1, 'one rejection');
  h.eq(C, o6.rejected[0].code, 'agent_key_invalid', 'rejection code is the part before the colon');
  h.eq(C, o6.invalidReceipts, 1, 'tampered receipt hash is invalid');
  h.eq(C, o6.anomalies, 0, 'a bad receipt hash is not also a sequence anomaly');
  h.eq(C, o6.missing, 1, 'event without receipt or rejection');
  h.eq(C, ledger.get(TENANT, STORE, 50), undefined, 'an invalid receipt is not recorded');
  const foreign = fakeResponse(buildEvents(signer, makeFields(1)), 60);
  const o7 = ledger.recordIngest(batch6.slice(0, 1), foreign);
  h.eq(C, o7.invalidReceipts, 1, 'a receipt for an event not sent is invalid');
  h.eq(C, ledger.recordIngest(batch6, 'Internal server error').parsed, false, 'a text body is reported as unparsed');

  // pick / proofTarget
  h.case(C);
  const picked = ledger.pick(TENANT, STORE, 3, 6);
  h.ok(C, picked !== null && picked.sequenceNumber >= 3 && picked.sequenceNumber <= 6, 'pick inside the range');
  h.eq(C, ledger.pick(TENANT, STORE, 12, 19), null, 'no own event in 12..19');
  h.eq(C, ledger.pick(TENANT, '00000000-0000-0000-0000-0000000000ff', 1, 100), null, 'other stream');
  const target = ledger.proofTarget(TENANT, STORE, [{ sequence_start: 1, sequence_end: 10, batch_id: 'a' }, { sequence_start: 12, sequence_end: 19, batch_id: 'b' }]);
  h.ok(C, target !== null && target.commitment.batch_id === 'a', 'proofTarget finds the commitment with own events');

  // Eviction: never more than maxEvents; the oldest go first.
  h.case(C);
  const small = new Ledger({ maxEvents: 50 });
  let next = 1;
  for (let round = 0; round < 5; round++) {
    const b = buildEvents(signer, makeFields(30));
    const o = small.recordIngest(b, fakeResponse(b, next));
    h.eq(C, o.anomalies, 0, `round ${round} anomalies`);
    next += 30;
    h.ok(C, small.size <= 50, `size ${small.size} exceeds the cap`);
  }
  h.eq(C, small.size, 50, 'full at the cap');
  h.eq(C, small.evicted, 100, 'evicted count');
  h.eq(C, small.get(TENANT, STORE, 100), undefined, 'seq 100 evicted');
  h.ok(C, small.get(TENANT, STORE, 101) !== undefined && small.get(TENANT, STORE, 150) !== undefined, 'the newest 50 kept');
  h.eq(C, small.pick(TENANT, STORE, 1, 100), null, 'evicted entries are not picked');
  // Sequence numbers seen survive eviction of the entries: duplicates are still anomalies.
  const dup = buildEvents(signer, makeFields(1));
  h.eq(C, small.recordIngest(dup, fakeResponse(dup, 7)).anomalies, 1, 'duplicate of an evicted sequence number');

  h.case(C);
  const sampled = new Ledger({ keepFraction: 0.5, random: seqRandom() });
  const b = buildEvents(signer, makeFields(100));
  sampled.recordIngest(b, fakeResponse(b, 1));
  h.ok(C, sampled.size > 20 && sampled.size < 80, `keepFraction 0.5 kept ${sampled.size} of 100`);
  // However small the share, the first checked receipt of each answer is kept (a proof target per batch).
  const sparse = new Ledger({ keepFraction: 0.01, random: () => 0.99 });
  const b1 = buildEvents(signer, makeFields(10));
  const b2 = buildEvents(signer, makeFields(10));
  sparse.recordIngest(b1, fakeResponse(b1, 1));
  sparse.recordIngest(b2, fakeResponse(b2, 11));
  h.eq(C, `${sparse.size} ${sparse.get(TENANT, STORE, 1) !== undefined} ${sparse.get(TENANT, STORE, 11) !== undefined}`, '2 true true', 'keepFraction 0.01: the first event of each answer kept, nothing else');
  const ranges = new Ledger({ maxSeenRanges: 3 });
  for (let i = 0; i < 6; i++) ranges.markSeenRange(ranges.stream(TENANT, STORE), 10 * i, 10 * i + 1);
  h.eq(C, ranges.stream(TENANT, STORE).seen.length, 6, 'seen ranges capped');
  h.eq(C, ranges.markSeenRange(ranges.stream(TENANT, STORE), 50, 52), 2, 'overlap counted');
  h.throws(C, () => new Ledger({ maxEvents: 0 }), /maxEvents/, 'maxEvents 0');
}

function seqRandom() {
  let x = 12345;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

// ---------------------------------------------------------------------------------------------

function testMerkleMalformed(h) {
  const C = 'merkle';
  const leaves = [];
  for (let i = 0; i < 5; i++) leaves.push(payloadHash({ leaf: i }));
  const root = merkleRoot(leaves);
  const proof = merkleProof(leaves, 2);
  const commitment = { merkle_root: root, leaf_count: 5, padded_leaf_count: 8, tree_depth: 3 };
  h.case(C);
  h.ok(C, verifyInclusion(proof, leaves[2], commitment) && verifyInclusion(proof, leaves[2], root), 'the valid proof');
  h.ok(C, verifyInclusion({ leaf_index: 2, proof_path: proof.proof_path.map((p) => '0x' + p.toUpperCase()), directions: proof.directions }, '0x' + leaves[2], root), '0x and upper case accepted');
  h.ok(C, verifyInclusion({ leaf_index: 2, proof_path: proof.proof_path }, leaves[2], commitment), 'directions optional with a commitment');
  h.ok(C, verifyInclusion(proof, leaves[2], { merkle_root: root, leaf_count: 5, tree_depth: 3 }), 'tree_depth alone');
  h.ok(C, verifyInclusion(proof, leaves[2], { merkle_root: root, leaf_count: 5, padded_leaf_count: 8 }), 'padded_leaf_count alone');
  const one = merkleProof([leaves[0]], 0);
  h.ok(C, verifyInclusion(one, leaves[0], { merkle_root: leaves[0], leaf_count: 1, tree_depth: 0 }) && verifyInclusion(one, leaves[0], leaves[0]), 'a one-leaf tree');

  const malformed = [
    ['null proof', null, leaves[2], root],
    ['string proof', 'proof', leaves[2], root],
    ['missing leaf_index', { proof_path: proof.proof_path, directions: proof.directions }, leaves[2], root],
    ['negative leaf_index', Object.assign({}, proof, { leaf_index: -1 }), leaves[2], root],
    ['fractional leaf_index', Object.assign({}, proof, { leaf_index: 2.5 }), leaves[2], root],
    ['string leaf_index', Object.assign({}, proof, { leaf_index: '2' }), leaves[2], root],
    ['missing proof_path', { leaf_index: 2, directions: proof.directions }, leaves[2], root],
    ['proof_path not an array', Object.assign({}, proof, { proof_path: proof.proof_path.join('') }), leaves[2], root],
    ['non-hex sibling', Object.assign({}, proof, { proof_path: ['zz'.repeat(32)].concat(proof.proof_path.slice(1)) }), leaves[2], root],
    ['short sibling', Object.assign({}, proof, { proof_path: [proof.proof_path[0].slice(2)].concat(proof.proof_path.slice(1)) }), leaves[2], root],
    ['number sibling', Object.assign({}, proof, { proof_path: [12].concat(proof.proof_path.slice(1)) }), leaves[2], root],
    ['signed sibling', Object.assign({}, proof, { proof_path: ['+' + proof.proof_path[0].slice(1)].concat(proof.proof_path.slice(1)) }), leaves[2], root],
    ['sibling with a trailing space', Object.assign({}, proof, { proof_path: [proof.proof_path[0].slice(0, 63) + ' '].concat(proof.proof_path.slice(1)) }), leaves[2], root],
    ['directions not an array', Object.assign({}, proof, { directions: 'true' }), leaves[2], root],
    ['directions missing (bare root)', { leaf_index: 2, proof_path: proof.proof_path }, leaves[2], root],
    ['directions as strings', Object.assign({}, proof, { directions: proof.directions.map(String) }), leaves[2], root],
    ['non-hex leaf', proof, 'xyz', root],
    ['leaf missing', proof, undefined, root],
    ['root not hex', proof, leaves[2], 'root'],
    ['root missing', proof, leaves[2], undefined],
    ['commitment without leaf_count', proof, leaves[2], { merkle_root: root, tree_depth: 3 }],
    ['commitment without depth', proof, leaves[2], { merkle_root: root, leaf_count: 5 }],
    ['commitment with a wrong depth', proof, leaves[2], { merkle_root: root, leaf_count: 5, tree_depth: 4 }],
    ['commitment with a wrong padded count', proof, leaves[2], { merkle_root: root, leaf_count: 5, padded_leaf_count: 6 }],
    ['commitment root not hex', proof, leaves[2], { merkle_root: 'x', leaf_count: 5, tree_depth: 3 }],
    ['leaf_index >= leaf_count', Object.assign({}, proof, { leaf_index: 5 }), leaves[2], commitment],
    ['proof leaf_hash differs', Object.assign({}, proof, { leaf_hash: leaves[3] }), leaves[2], root],
    ['proof merkle_root differs', Object.assign({}, proof, { merkle_root: leaves[3] }), leaves[2], commitment],
    ['huge path', Object.assign({}, proof, { proof_path: new Array(65).fill(leaves[0]), directions: new Array(65).fill(true) }), leaves[2], root],
    ['index beyond 2^len (bare root)', { leaf_index: 9, proof_path: proof.proof_path, directions: [false, true, true] }, leaves[2], root],
  ];
  for (const [label, p, leaf, r] of malformed) {
    h.case(C);
    let result;
    try {
      result = checkInclusion(p, leaf, r);
    } catch (e) {
      h.ok(C, false, `${label}: threw ${e}`);
      continue;
    }
    h.ok(C, result.ok === false && typeof result.reason === 'string' && result.reason.length > 0, `${label}: ${JSON.stringify(result)}`);
    h.eq(C, verifyInclusion(p, leaf, r), false, label);
  }
  const sequenced = Object.assign({}, proof, { sequence_number: 12 });
  h.eq(C, verifyInclusion(sequenced, leaves[2], Object.assign({ sequence_start: 10 }, commitment)), true, 'leaf_index = sequence_number - sequence_start');
  h.eq(C, verifyInclusion(sequenced, leaves[2], Object.assign({ sequence_start: 9 }, commitment)), false, 'leaf_index != sequence_number - sequence_start');
}

// ---------------------------------------------------------------------------------------------

const ENVELOPE_KEYS = ['ves_version', 'event_id', 'tenant_id', 'store_id', 'source_agent_id', 'agent_key_id', 'entity_type', 'entity_id', 'event_type', 'created_at', 'payload_kind', 'payload', 'payload_plain_hash', 'payload_cipher_hash', 'agent_signature'];

function testEvents(h) {
  const C = 'event';
  h.case(C);
  const fields = makeFields(1)[0];
  const before = Date.now();
  const e = buildEvent(signer, fields);
  h.eq(C, JSON.stringify(Object.keys(e)), JSON.stringify(ENVELOPE_KEYS), 'envelope keys and order');
  h.eq(C, e.ves_version, 1, 'ves_version');
  h.eq(C, e.payload_kind, 0, 'payload_kind');
  h.ok(C, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.event_id), `event_id is a lowercase v4 UUID: ${e.event_id}`);
  h.ok(C, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.created_at), `created_at is toISOString(): ${e.created_at}`);
  const t = Date.parse(e.created_at);
  h.ok(C, t >= before - 1000 && t <= Date.now() + 1000, 'created_at is now');
  h.ok(C, /^0x[0-9a-f]{64}$/.test(e.payload_plain_hash), 'payload_plain_hash is 0x + 64 lowercase hex');
  h.eq(C, e.payload_cipher_hash, '0x' + '0'.repeat(64), 'zero cipher hash');
  h.ok(C, /^0x[0-9a-f]{128}$/.test(e.agent_signature), 'agent_signature is 0x + 128 lowercase hex');
  h.eq(C, e.payload_plain_hash, '0x' + payloadHash(fields.payload), 'payload hash');
  h.ok(C, verify(signer.publicKeyHex, signingHash(e), e.agent_signature), 'the signature verifies over the signing hash');
  h.ok(C, e.payload === fields.payload, 'the payload is the caller\'s object');
  for (const k of ['tenant_id', 'store_id', 'source_agent_id', 'agent_key_id', 'entity_type', 'entity_id', 'event_type']) h.eq(C, e[k], fields[k], k);

  h.case(C);
  const fixed = buildEvent(signer, Object.assign({ event_id: '11111111-1111-1111-1111-111111111111', created_at: '2025-01-01T00:00:00Z' }, fields));
  h.eq(C, fixed.event_id, '11111111-1111-1111-1111-111111111111', 'given event_id kept');
  h.eq(C, fixed.created_at, '2025-01-01T00:00:00Z', 'given created_at kept verbatim');
  const again = buildEvent(signer, Object.assign({ event_id: '11111111-1111-1111-1111-111111111111', created_at: '2025-01-01T00:00:00Z' }, fields));
  h.eq(C, again.agent_signature, fixed.agent_signature, 'deterministic for fixed ids');

  h.case(C);
  const list = makeFields(25);
  const many = buildEvents(signer, list);
  h.eq(C, many.length, 25, 'buildEvents count');
  h.eq(C, new Set(many.map((x) => x.event_id)).size, 25, 'distinct event ids');
  let allVerify = true;
  for (const x of many) allVerify = allVerify && verify(signer.publicKeyHex, signingHash(x), x.agent_signature);
  h.ok(C, allVerify, 'every batch signature verifies (batch inversion path)');
  const single = many.map((x) => buildEvent(signer, Object.assign({}, list[many.indexOf(x)], { event_id: x.event_id, created_at: x.created_at })));
  h.ok(C, single.every((x, i) => x.agent_signature === many[i].agent_signature), 'batch signatures equal single signatures');

  h.case(C);
  const { events, body } = buildBatch(signer, AGENT, list);
  const parsed = JSON.parse(body);
  h.eq(C, parsed.agentId, AGENT, 'body agentId');
  h.eq(C, JSON.stringify(Object.keys(parsed)), '["agentId","events"]', 'body keys');
  h.eq(C, JSON.stringify(parsed.events), JSON.stringify(events), 'the body holds exactly the envelopes');
  h.eq(C, ingestBody(AGENT, events), body, 'ingestBody gives the same text as buildBatch');
  h.eq(C, ingestBody(AGENT, []), `{"agentId":"${AGENT}","events":[]}`, 'ingestBody shape');

  h.case(C);
  const odd = buildBatch(signer, AGENT, makeFields(1, { entity_type: 'quote"back\\slash\n', entity_id: 'ü 😀', payload: [1, -0, 1e21, { b: '\u2028', a: null }] }));
  const back = JSON.parse(odd.body).events[0];
  h.eq(C, back.entity_type, 'quote"back\\slash\n', 'escaped strings round-trip in the body');
  h.eq(C, jcs(back.payload), jcs(odd.events[0].payload), 'payload round-trips in the body');
  h.eq(C, odd.events[0].payload_plain_hash, '0x' + payloadHash(back.payload), 'the hash matches the payload the server will parse');
  h.ok(C, verify(signer.publicKeyHex, signingHash(back), back.agent_signature), 'the event parsed from the body verifies');

  h.case(C);
  const resigned = signEvent(signer, Object.assign({}, e, { agent_key_id: 999 }));
  h.ok(C, resigned.agent_key_id === 999 && verify(signer.publicKeyHex, signingHash(resigned), resigned.agent_signature) && resigned.agent_signature !== e.agent_signature, 'signEvent re-signs a changed envelope');

  h.case(C);
  const bad = (override, pattern, label) => h.throws(C, () => buildEvent(signer, Object.assign({}, fields, override)), pattern, label);
  bad({ tenant_id: 'nope' }, /tenant_id.*UUID/, 'bad tenant');
  bad({ source_agent_id: undefined }, /source_agent_id/, 'missing agent');
  bad({ agent_key_id: '1' }, /agent_key_id/, 'string key id');
  bad({ agent_key_id: -1 }, /agent_key_id/, 'negative key id');
  bad({ entity_type: '' }, /entity_type.*1 to 128/, 'empty entity_type');
  bad({ entity_type: 'x'.repeat(129) }, /entity_type.*1 to 128.*129/, 'entity_type of 129 bytes');
  // String.prototype.repeat drops code units of non-ASCII strings in k6 1.1 (sobek): use join.
  bad({ entity_id: new Array(258).join('é') }, /entity_id.*514 bytes/, 'entity_id of 514 UTF-8 bytes');
  bad({ event_type: 5 }, /event_type.*string/, 'non-string event_type');
  bad({ payload: undefined }, /payload/, 'missing payload');
  bad({ payload: null }, /payload/, 'null payload');
  bad({ payload: { x: NaN } }, /finite/, 'NaN in payload');
  bad({ event_id: 'x' }, /event_id/, 'bad event_id');
  bad({ created_at: 17 }, /created_at/, 'non-string created_at');
  h.throws(C, () => buildEvents({}, [fields]), /signer/, 'not a signer');
  h.throws(C, () => buildBatch(signer, 'nope', [fields]), /agentId/, 'bad agentId');
  h.throws(C, () => buildBatch(signer, '33333333-3333-3333-3333-333333333333', [fields]), /source_agent_id must equal agentId/, 'agent mismatch');
  h.ok(C, buildEvent(signer, Object.assign({}, fields, { entity_id: 'x'.repeat(512), event_type: 'y'.repeat(256) })).entity_id.length === 512, 'limits are inclusive');
}

// ---------------------------------------------------------------------------------------------

function testJcs(h) {
  const C = 'jcs';
  const cases = [
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ 10: 'x', 9: 'y', a: 1 }, '{"10":"x","9":"y","a":1}'],
    [{ '\ue000': 1, '\ud83d\ude00': 2 }, '{"\ud83d\ude00":2,"\ue000":1}'],
    [{ '\uff61': 1, '\ud800\udc00': 2, z: 3 }, '{"z":3,"\ud800\udc00":2,"\uff61":1}'],
    [[-0, 0.1 + 0.2, 1e21, 1e-7, 5e-324, 1.5e300, 100, 1.0], '[0,0.30000000000000004,1e+21,1e-7,5e-324,1.5e+300,100,1]'],
    [{ s: '\u0000\u001f\b\f\n\r\t"\\/\u007f\u2028\u2029\ufeff' }, '{"s":"\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\/\u007f\u2028\u2029\ufeff"}'],
    [{ a: undefined, b: () => 1, c: [undefined, () => 1] }, '{"c":[null,null]}'],
    [{ d: new Date(0) }, '{"d":"1970-01-01T00:00:00.000Z"}'],
    [{ toJSON: () => ({ y: 1, x: 2 }) }, '{"x":2,"y":1}'],
    [JSON.parse('{"__proto__":{"b":1,"a":2},"z":[]}'), '{"__proto__":{"a":2,"b":1},"z":[]}'],
    [{ n: new Number(3), s: new String('x'), t: new Boolean(false) }, '{"n":3,"s":"x","t":false}'],
    [{ nested: { z: { y: { x: [{}, [], ''] } } } }, '{"nested":{"z":{"y":{"x":[{},[],""]}}}}'],
    [Object.assign(Object.create(null), { b: 1, a: 2 }), '{"a":2,"b":1}'],
    ['str', '"str"'],
    [null, 'null'],
    [true, 'true'],
    [9007199254740993, '9007199254740992'],
  ];
  for (const [value, expected] of cases) {
    h.case(C);
    h.eq(C, jcs(value), expected, `jcs ${expected}`);
    h.eq(C, jcsReference(value), expected, `jcsReference ${expected}`);
  }
  for (const bad of [NaN, Infinity, -Infinity, 10n]) {
    h.case(C);
    h.throws(C, () => jcs({ x: bad }), /finite|BigInt/, `jcs rejects ${String(bad)}`);
    h.throws(C, () => jcsReference([bad]), /finite|BigInt/, `jcsReference rejects ${String(bad)}`);
  }
  h.throws(C, () => jcs(undefined), /JSON value/, 'top-level undefined');
  // Random structures: the fast path equals the reference serializer.
  h.case(C);
  const rnd = seqRandom();
  const keyPool = ['a', 'B', '10', '9', 'é', '\ue000', '\ud83d\ude00', '', 'z z', '__x'];
  const gen = (depth) => {
    const r = rnd();
    if (depth > 3 || r < 0.3) return [1.5, -0, 'ü', true, null, 12345678901234567890, 1e-9][Math.floor(rnd() * 7)];
    if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
    const o = {};
    for (let i = 0; i < 4; i++) o[keyPool[Math.floor(rnd() * keyPool.length)]] = gen(depth + 1);
    return o;
  };
  let same = true;
  for (let i = 0; i < 300; i++) {
    const v = gen(0);
    if (jcs(v) !== jcsReference(v)) {
      same = false;
      h.ok(C, false, `fast path differs for ${jcsReference(v)}`);
      break;
    }
  }
  h.ok(C, same, 'fast path equals the reference on 300 random values');
}

// ---------------------------------------------------------------------------------------------

function testBytes(h) {
  const C = 'bytes';
  h.case(C);
  const strings = ['', 'ascii', 'é', '€', '😀', 'a\ud800b', '\udc00', 'x\ud83d', '\udbff\udfff', 'mixed é€😀 text'];
  for (const s of strings) {
    const enc = utf8Encode(s);
    h.eq(C, utf8Length(s), enc.length, `utf8Length(${JSON.stringify(s)})`);
  }
  h.eq(C, bytesToHex(utf8Encode('é€😀')), 'c3a9e282acf09f9880', 'UTF-8 of BMP and astral characters');
  h.eq(C, bytesToHex(utf8Encode('a\ud800b')), '61efbfbd62', 'a lone surrogate encodes as U+FFFD');
  h.case(C);
  for (const n of [0, 2, 8, 30, 32, 34, 64, 66, 100]) {
    const hex = 'a1'.repeat(n / 2) + '0f'.repeat(n / 2);
    h.eq(C, bytesToHex(hexToBytes(hex)), hex, `hex round trip of ${hex.length / 2} bytes`);
  }
  h.eq(C, bytesToHex(hexToBytes('0xABcd')), 'abcd', '0x and mixed case');
  h.throws(C, () => hexToBytes('abc'), /hex/, 'odd length');
  h.throws(C, () => hexToBytes('zz'), /hex/, 'non-hex');
  h.throws(C, () => hexToBytes('ab', 2), /4 hex digits/, 'wrong length');
  h.eq(C, tryHexToBytes('+1'), null, 'signs are not hex');
  h.eq(C, tryHexToBytes('1 '), null, 'spaces are not hex');
  h.eq(C, bytesToHex(u64be(2 ** 53 - 1)), '001fffffffffffff', 'u64be of 2^53-1');
  h.eq(C, bytesToHex(u64be(18446744073709551615n)), 'ffffffffffffffff', 'u64be of a BigInt');
  h.throws(C, () => u64be(2 ** 53), /64-bit/, 'u64be beyond safe integers');
  h.throws(C, () => u64be(-1), /64-bit/, 'u64be negative');
  h.case(C);
  const ids = randomUuids(50);
  h.ok(C, ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) && new Set(ids).size === 50, 'random v4 UUIDs');
}

// ---------------------------------------------------------------------------------------------

// RFC 8032 section 7.1 known answers not in the shared vectors (which hold tests 1 and 2):
// TEST 3 (2-byte message) and TEST SHA(abc) (a 64-byte message, the SHA-512 of "abc").
const RFC8032 = [
  {
    name: 'TEST 3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc)',
    seed: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature: 'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

function testEd25519(h) {
  const C = 'ed25519';
  for (const v of RFC8032) {
    h.case(C);
    const s = createSigner(v.seed);
    h.eq(C, s.publicKeyHex, v.publicKey, `RFC 8032 ${v.name} public key`);
    h.eq(C, s.signBytes(hexToBytes(v.message)), v.signature, `RFC 8032 ${v.name} signature`);
    h.ok(C, verify(v.publicKey, v.message, v.signature), `RFC 8032 ${v.name} verifies`);
  }
  h.case(C);
  const m = 'ab'.repeat(32);
  const sig = signer.sign(m);
  h.ok(C, verify(signer.publicKeyHex, m, sig), 'valid');
  h.ok(C, verify('0x' + signer.publicKeyHex.toUpperCase(), '0x' + m, '0x' + sig), '0x and upper case accepted');
  const s = BigInt('0x' + hexLE(sig.slice(64)));
  const sPlusL = hexLE((s + ED25519_ORDER).toString(16).padStart(64, '0'));
  h.ok(C, !verify(signer.publicKeyHex, m, sig.slice(0, 64) + sPlusL), 'S + L (non-canonical S) rejected');
  h.ok(C, !verify('ff'.repeat(32), m, sig), 'a public key that does not decode');
  h.ok(C, !verify(signer.publicKeyHex, m, sig.slice(0, 126)), 'short signature');
  h.ok(C, !verify(signer.publicKeyHex, m, 'zz' + sig.slice(2)), 'non-hex signature');
  h.ok(C, !verify(null, m, sig) && !verify(signer.publicKeyHex, 12, sig), 'wrong types');
  h.ok(C, !verify(createSigner('01'.repeat(32)).publicKeyHex, m, sig), 'other key');
  h.case(C);
  const msgs = [];
  for (let i = 0; i < 10; i++) msgs.push(hexToBytes(payloadHash({ i })));
  const batch = signer.signMany(msgs);
  h.ok(C, batch.every((x, i) => x === signer.signBytes(msgs[i])), 'signMany equals signBytes');
  h.ok(C, signer.signMany([]).length === 0, 'signMany of nothing');
  h.throws(C, () => createSigner('abcd'), /64 hex/, 'short seed');
  h.throws(C, () => signer.sign('abcd'), /64 hex/, 'sign needs a 32-byte hash');
}

function hexLE(hex) {
  return hex.match(/../g).reverse().join('');
}

// ---------------------------------------------------------------------------------------------

function testReceipts(h) {
  const C = 'receipt';
  h.case(C);
  const e = buildEvent(signer, makeFields(1)[0]);
  const sequencer = createSigner('02'.repeat(32));
  const rh = receiptHash(e.tenant_id, e.store_id, e.event_id, 7, signingHash(e));
  const signed = { eventId: e.event_id.toUpperCase(), sequenceNumber: 7, receiptHash: rh, signatureAlg: 'ed25519', sequencerSignature: sequencer.sign(rh) };
  h.ok(C, verifyReceipt(e, signed, sequencer.publicKeyHex), 'signed receipt with the key');
  h.ok(C, verifyReceipt(e, signed), 'signed receipt without a key');
  const reasons = [
    ['wrong key', e, signed, createSigner('03'.repeat(32)).publicKeyHex, /bad_sequencer_signature/],
    ['unsigned receipt while a key is configured', e, Object.assign({}, signed, { signatureAlg: 'none', sequencerSignature: '' }), sequencer.publicKeyHex, /unsigned_receipt/],
    ['unknown alg', e, Object.assign({}, signed, { signatureAlg: 'Ed25519' }), undefined, /bad_signature_alg/],
    ['other event', e, Object.assign({}, signed, { eventId: NIL_UUID }), undefined, /event_id_mismatch/],
    ['sequence 0', e, Object.assign({}, signed, { sequenceNumber: 0 }), undefined, /bad_sequence_number/],
    ['hash not hex', e, Object.assign({}, signed, { receiptHash: 'x' }), undefined, /bad_receipt_hash/],
    ['hash of another sequence', e, Object.assign({}, signed, { sequenceNumber: 8 }), undefined, /receipt_hash_mismatch/],
    ['not an object', e, null, undefined, /bad_receipt/],
    ['event not an object', 'x', signed, undefined, /bad_event/],
    ['event with bad fields', Object.assign({}, e, { tenant_id: 'x' }), signed, undefined, /error/],
  ];
  for (const [label, ev, r, key, pattern] of reasons) {
    h.case(C);
    const c = checkReceipt(ev, r, key);
    h.ok(C, !c.ok && pattern.test(c.reason), `${label}: ${JSON.stringify(c)}`);
  }
}

// ---------------------------------------------------------------------------------------------

function testClient(h) {
  const C = 'client';
  h.case(C);
  h.eq(C, parseJson({ body: '{"a":1}' }).a, 1, 'JSON body');
  h.eq(C, parseJson({ body: 'Internal server error' }), null, 'plain-text body');
  h.eq(C, parseJson({ body: '{"truncated":' }), null, 'invalid JSON');
  h.eq(C, parseJson({ body: '' }), null, 'empty body');
  h.eq(C, parseJson({ body: null }), null, 'no body');
  h.eq(C, parseJson(null), null, 'no response');
  h.throws(C, () => new VesClient({ baseUrl: 'localhost:8080', apiKey: 'ss_x' }), /baseUrl/, 'URL without scheme');
  h.throws(C, () => new VesClient({ baseUrl: 'http://localhost:8080' }), /apiKey/, 'no API key');
  // A closed port: the request fails at the network level; nothing throws.
  h.case(C);
  const client = new VesClient({ baseUrl: 'http://127.0.0.1:9/', apiKey: 'ss_test_key', timeout: '2s' });
  h.eq(C, client.baseUrl, 'http://127.0.0.1:9', 'trailing slash dropped');
  const r = client.head(TENANT, STORE, { expectedStatuses: [404] });
  h.ok(C, r.status === 0 && r.json === null, `network error gives status 0 and json null: ${r.status}`);
  h.ok(C, r.res.request && r.res.request.headers && String(r.res.request.headers.Authorization) === 'ApiKey ss_test_key', `auth header: ${JSON.stringify(r.res.request && r.res.request.headers)}`);
  h.ok(C, r.res.request.url === `http://127.0.0.1:9/api/v1/head?tenant_id=${TENANT}&store_id=${STORE}`, `head URL: ${r.res.request.url}`);
  const p = client.verifyProof({ leaf_hash: '0xAB', merkle_root: '0xCD', proof_path: ['0xEF'], leaf_index: 1 });
  const sent = JSON.parse(p.res.request.body);
  h.ok(C, sent.leaf_hash === 'ab' && sent.merkle_root === 'cd' && sent.proof_path[0] === 'ef', `verifyProof sends bare lowercase hex: ${p.res.request.body}`);
  h.ok(C, String(p.res.request.headers['Content-Type']) === 'application/json', 'JSON content type');
  const pr = client.proof(5, TENANT, STORE, 'b-1');
  h.ok(C, pr.res.request.url.endsWith(`/api/v1/ves/proofs/5?tenant_id=${TENANT}&store_id=${STORE}&batch_id=b-1`), `proof URL: ${pr.res.request.url}`);
  const en = client.entity(TENANT, STORE, 'order type', 'id/1');
  h.ok(C, en.res.request.url.includes('/api/v1/entities/order%20type/id%2F1?'), `entity URL encodes path parts: ${en.res.request.url}`);
}

// ---------------------------------------------------------------------------------------------

function testMetrics(h) {
  const C = 'metrics';
  h.case(C);
  const expected = ['ves_events_accepted', 'ves_events_rejected', 'ves_receipts_invalid', 'ves_proofs_verified', 'ves_proofs_failed', 'ves_time_to_proof', 'ves_sign_duration', 'ves_sequence_anomalies', 'ves_invalid_rejected', 'ves_invalid_accepted', 'ves_replay_violations', 'ves_events_replayed', 'ves_receipts_checked', 'ves_receipts_checked_by_signer', 'ves_receipt_signatures_checked', 'ves_entity_read_violations', 'ves_entity_reads_checked'];
  h.eq(C, JSON.stringify(Object.values(METRIC_NAMES).sort()), JSON.stringify(expected.slice().sort()), 'metric names');
  h.eq(C, reasonCode('agent_key_invalid: Agent key not found'), 'agent_key_invalid', 'reason code before the colon');
  h.eq(C, reasonCode('invalid_signature'), 'invalid_signature', 'reason without message');
  h.eq(C, reasonCode('schema_validation: created_at'), 'schema_validation', 'schema_validation field');
  h.eq(C, reasonCode(undefined), 'unknown', 'no reason');
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The canonical and varied spellings (js/spelling.js; ves-core spelling.rs is the rule).
function testSpelling(h) {
  const C = 'spelling';
  h.case(C);
  const fields = [0, 1, 2].map((i) => ({
    tenant_id: TENANT, store_id: STORE, source_agent_id: AGENT, agent_key_id: 3, entity_type: 'order/é', entity_id: `o-${i}`,
    event_type: 'order.created', created_at: '2025-01-01T00:00:00.000Z',
    payload: { n: 7, z: -0, f: [0.1, 1e16, 1.2e17, -5.238102448364384e18, 0.7016570306969449, 5e-324], s: 'a/é😀\n\u0001"', k: { '😀': 1, 'é/': [true, null] } },
  }));
  const { events, body } = buildBatch(signer, AGENT, fields);
  h.ok(C, /^[\x00-\x7f]*$/.test(body), 'the canonical body is ASCII');
  h.eq(C, ingestBody(AGENT, events), body, 'ingestBody writes what buildBatch writes');
  h.ok(C, body.indexOf('"entity_type":"order/\\u00e9"') > 0, 'non-ASCII as lowercase \\u escapes');
  h.ok(C, body.indexOf('"f":[0.1,10000000000000000,120000000000000000,-5238102448364384000,0.7016570306969449,5e-324]') > 0, 'numbers in RFC 8785 form, k6\'s misprinted double right');
  const source = new ContentSource(5, 'default', 'spelling', 9);
  const seen = new Set();
  for (let attempt = 0; attempt < 20; attempt++) {
    const v = variedBody(AGENT, events, source, attempt);
    seen.add(v);
    const back = JSON.parse(v);
    h.eq(C, back.agentId, AGENT, `attempt ${attempt}: agentId`);
    for (let i = 0; i < events.length; i++) {
      h.eq(C, jcs(back.events[i].payload), jcs(events[i].payload), `attempt ${attempt}: event ${i} has the same canonical payload`);
      h.eq(C, back.events[i].agent_signature, events[i].agent_signature, `attempt ${attempt}: event ${i} signature`);
      h.eq(C, back.events[i].entity_type, 'order/é', `attempt ${attempt}: event ${i} strings`);
    }
    h.ok(C, v.indexOf('\n') === -1, `attempt ${attempt}: no newline (corpus lines)`);
  }
  h.eq(C, seen.size, 20, 'every attempt spells the batch otherwise');
  h.eq(C, variedBody(AGENT, events, source, 3), variedBody(AGENT, events, source, 3), 'the same attempt, the same bytes');
  h.eq(C, `${parseSpelling(undefined)} ${parseSpelling('varied')}`, 'canonical varied', 'SPELLING');
  h.throws(C, () => parseSpelling('loose'), /SPELLING: expected one of canonical, varied/, 'a bad SPELLING');
  h.eq(C, numberText(-1.5627794062122189e-302), '-1.5627794062122189e-302', 'numberText where k6 prints another double');
}
