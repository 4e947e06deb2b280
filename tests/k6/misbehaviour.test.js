// Unit tests of the deliberate misbehaviour knobs (issue #9), run by k6 itself (no server):
// invalid events inside batches (invalid.js: each kind changes what it should and expects its
// reason code; the judge takes their rejections apart), replays (replay.js: the judge of a
// re-sent batch, "different contents" refusals in a re-sent corpus), the REPLAY_RATE,
// INVALID_RATE and INVALID_KINDS parsers, and where the new counters can move (thresholds).
// The behaviour against a real server is tested by tests/e2e/test_replay_rate.py and test_invalid_events.py.
//
//   k6 run --quiet --no-usage-report tests/k6/misbehaviour.test.js
import {
  FLOAT_EDGES,
  floatsOf,
  jcs,
  shapePayloads,
  MEDIUM_BYTES,
  LARGE_BYTES,
  maxBatchFor,
  batchBytesBound,
  utf8Length,
  HOT_ENTITY_COUNT,
  heatEntities,
  afterWarmup,
  parseWarmup,
  INVALID_KINDS,
  INVALID_REASONS,
  ReplayBook,
  buildEvents,
  cannotMove,
  config,
  corruptBatch,
  createSigner,
  judgeInvalid,
  judgeReplay,
  originalReceipts,
  receiptDifference,
  makeInvalid,
  parseInvalidKinds,
  takeRenumberedReplays,
  takeReplayRefusals,
} from '../../js/ves.js';
import { Harness, testOptions } from './lib/harness.js';

const TEST = 'misbehaviour';
export const options = testOptions(null, 8);

const SEED = '11'.repeat(32);
const T = '00000000-0000-4000-8000-000000000001';
const S = '00000000-0000-4000-8000-000000000002';
const A = '00000000-0000-4000-8000-000000000003';

function fields(n) {
  return { tenant_id: T, store_id: S, source_agent_id: A, agent_key_id: 7, entity_type: 'order', entity_id: `order-${n}`, event_type: 'order.created', created_at: '2025-01-01T00:00:00.000Z', payload: { n, total_cents: 100 + n } };
}

export default function () {
  const h = new Harness(TEST);
  const signer = createSigner(SEED);
  const events = buildEvents(signer, [0, 1, 2, 3].map(fields));

  // --- each kind changes what it should, and names the right reason code
  h.case('kinds');
  const ctx = { signer, agentKeyId: 7, first: events[0], known: events[3] };
  const e = events[1];
  const bad = (kind) => makeInvalid(kind, e, ctx);
  h.ok('kinds', bad('bad_signature').agent_signature !== e.agent_signature && bad('bad_signature').payload === e.payload, 'bad_signature: only the signature changes');
  h.ok('kinds', JSON.stringify(bad('payload_hash_mismatch').payload) !== JSON.stringify(e.payload) && bad('payload_hash_mismatch').payload_plain_hash === e.payload_plain_hash, 'payload_hash_mismatch: payload changed, hash kept');
  h.eq('kinds', bad('unknown_key').agent_key_id, (7 ^ 0x40000000) >>> 0, 'unknown_key: another key id');
  h.eq('kinds', bad('created_at_reformatted').created_at, '2025-01-01T00:00:00Z', 'created_at_reformatted: same instant, other string');
  h.eq('kinds', bad('unsupported_version').ves_version, 2, 'unsupported_version');
  h.ok('kinds', /01$/.test(bad('cipher_hash_nonzero').payload_cipher_hash), 'cipher_hash_nonzero');
  h.eq('kinds', bad('duplicate_in_batch'), events[0], 'duplicate_in_batch: a copy of the first event');
  const other = bad('known_id_other_contents');
  h.ok('kinds', other.event_id === events[3].event_id && other.payload_plain_hash !== events[3].payload_plain_hash, 'known_id_other_contents: a known id, other contents');
  h.eq('kinds', makeInvalid('known_id_other_contents', e, Object.assign({}, ctx, { known: null })), null, 'known_id_other_contents needs an accepted event');
  h.eq('kinds', INVALID_KINDS.map((k) => INVALID_REASONS[k]).join(','), 'invalid_signature,invalid_payload_hash,agent_key_invalid,invalid_signature,unsupported_version,schema_validation,duplicate_event_id,duplicate_event_id', 'reason codes (VES_V1.md §5.2, LIVE_OBSERVED.md)');

  // --- corruptBatch follows its blocks; judgeInvalid takes the rejections apart
  h.case('batch');
  const batch = events.slice();
  const block = (chance, kind) => { const b = new Uint8Array(32); b[0] = chance; b[4] = kind; return b; };
  const blocks = [null, block(0, 0), block(255, 0), block(0, 6)]; // blockChance reads bytes 0..3
  const invalid = corruptBatch(batch, 0.5, INVALID_KINDS, (i) => blocks[i], { signer, agentKeyId: 7, known: null });
  h.eq('batch', invalid.map((x) => `${x.index}:${x.kind}`).join(' '), '1:bad_signature 3:duplicate_in_batch', 'seeded choice of events and kinds; event 0 stays valid');
  h.eq('batch', batch[3], events[0], 'the batch changed in place');
  h.eq('batch', corruptBatch(events.slice(), 0, INVALID_KINDS, () => block(0, 0), {}).length, 0, 'INVALID_RATE=0 changes nothing');
  const id = (ev) => String(ev.event_id).toLowerCase();
  const outcome = { rejected: [
    { eventId: id(batch[1]), code: 'invalid_signature', reason: 'invalid_signature', message: '' },
    { eventId: id(batch[3]), code: 'duplicate_event_id', reason: 'duplicate_event_id', message: 'duplicated in batch' },
    { eventId: id(batch[2]), code: 'invalid_signature', reason: 'invalid_signature', message: '' },
  ] };
  h.eq('batch', judgeInvalid(outcome, invalid, { receipts: [] }).length, 0, 'matching rejections are right');
  h.eq('batch', outcome.rejected.map((r) => r.eventId).join(), id(batch[2]), 'the rejection of a valid event is left for the pass rule');
  const wrong = judgeInvalid({ rejected: [{ eventId: id(batch[1]), code: 'agent_key_invalid', reason: 'agent_key_invalid: x', message: '' }] }, invalid, { receipts: [{ eventId: batch[3].event_id }] });
  h.eq('batch', wrong.map((w) => `${w.kind}=${w.got}`).join(' | '), 'bad_signature=rejected as agent_key_invalid: x | duplicate_in_batch=neither a receipt nor a rejection', 'a wrong reason and a missing rejection are wrong');
  const accepted = judgeInvalid({ rejected: [] }, [invalid[0]], { receipts: [{ eventId: batch[1].event_id }] });
  h.eq('batch', accepted[0].got, 'accepted (a receipt)', 'a receipt for an invalid event');

  // --- judgeReplay: original receipts or a violation by kind
  h.case('replay');
  const book = new ReplayBook(2);
  const rc = (ev, seq, hash) => ({ eventId: ev.event_id, sequenceNumber: seq, receiptHash: hash });
  book.remember(A, 'body', events.slice(0, 2), [rc(events[0], 1, 'aa'), rc(events[1], 2, 'bb')], [{ eventId: id(events[2]), expect: 'invalid_signature' }]);
  book.remember(A, 'b2', [], []);
  book.remember(A, 'b3', [], []);
  h.eq('replay', book.take().body, 'b2', 'the book keeps the newest MAX entries, oldest first');
  const entry = { events: events.slice(0, 2), original: originalReceipts([rc(events[0], 1, 'aa'), rc(events[1], 2, 'bb')]), refused: new Map([[id(events[2]), 'invalid_signature']]) };
  const answer = (json) => judgeReplay(entry, { status: 200, json });
  const honest = answer({ eventsAccepted: 0, receipts: [rc(events[0], 1, 'AA'), rc(events[1], 2, 'bb')], rejections: [{ event_id: events[2].event_id, reason: 'invalid_signature', message: '' }] });
  h.eq('replay', `${honest.replayed} ${honest.violations.length}`, '2 0', 'original receipts (hash case ignored), the invalid event refused again');
  // The whole receipt is compared: another sequencer signature, sequencedAt or field is a violation.
  const whole = { sequencerId: 's', eventId: events[0].event_id, sequenceNumber: 1, sequencedAt: '2026-11-28T01:15:34.766108976+00:00', receiptHash: 'aa', signatureAlg: 'ed25519', sequencerSignature: 'd2', sequencerKeyVersion: 0, receiptSignatureScheme: 1 };
  const wholeEntry = { events: events.slice(0, 1), original: originalReceipts([whole]), refused: new Map() };
  const resent = (change) => judgeReplay(wholeEntry, { status: 200, json: { eventsAccepted: 0, receipts: [Object.assign({}, whole, change)] } });
  h.eq('replay', resent({ sequencedAt: '2026-11-28T01:15:34.766108+00:00' }).replayed, 1, 'sequencedAt cut to microseconds is the same receipt (LIVE_OBSERVED §4)');
  h.eq('replay', resent({ sequencerSignature: 'ff' }).violations.map((v) => `${v.kind}:${v.detail}`).join(), 'different_receipt:sequencerSignature ff, originally d2', 'another sequencer signature');
  h.eq('replay', resent({ sequencedAt: '2026-11-28T01:15:34.766109+00:00' }).violations.map((v) => v.kind).join(), 'different_receipt', 'another microsecond');
  h.eq('replay', resent({ sequencerKeyVersion: 1 }).violations.map((v) => v.detail).join(), 'sequencerKeyVersion 1, originally 0', 'any other field');
  h.eq('replay', resent({ receiptSignatureScheme: undefined }).violations.map((v) => v.kind).join(), 'different_receipt', 'a field left out');
  h.eq('replay', receiptDifference(whole, Object.assign({}, whole, { receiptHash: '0xAA' })), null, 'hex in any case, with 0x');
  const broken = answer({ eventsAccepted: 1, receipts: [rc(events[0], 9, 'aa'), rc(events[1], 2, 'cc')], rejections: [] });
  h.eq('replay', broken.violations.map((v) => v.kind).join(), 'new_sequence,new_sequence,different_receipt', 'accepted again, renumbered, another receipt');
  const refused = answer({ eventsAccepted: 0, receipts: [], rejections: [{ event_id: events[0].event_id, reason: 'duplicate_event_id', message: 'Event ID already exists with different contents' }] });
  h.eq('replay', refused.violations.map((v) => v.kind).join(), 'refused,missing', 'refused and missing');
  h.eq('replay', judgeReplay(entry, { status: 400, json: {} }).violations[0].kind, 'http', 'a 4xx is a refusal');
  h.eq('replay', judgeReplay(entry, { status: 503, json: {} }).violations.length, 0, 'a 5xx is left to http_req_failed');
  const corpus = { rejected: [{ code: 'duplicate_event_id', reason: 'duplicate_event_id', message: 'Event ID already exists with different contents' }, { code: 'duplicate_event_id', reason: 'duplicate_event_id', message: 'Event X duplicated in batch' }] };
  h.eq('replay', `${takeReplayRefusals(corpus).length} ${corpus.rejected.length}`, '1 1', 'a re-sent corpus: "different contents" is a replay violation, not a rejection');
  const out = { replayed: 3 };
  const renum = takeRenumberedReplays(out, { headSequence: 10, sequenceStart: 9, sequenceEnd: 10, receipts: [rc(events[0], 4, 'a'), rc(events[1], 11, 'b'), rc(events[2], 10, 'c')] });
  h.eq('replay', `${renum.map((x) => x.sequenceNumber)} ${out.replayed}`, '11 2', 'a re-sent event numbered above the head was renumbered');

  // --- the knobs' parsers
  h.case('knobs');
  h.eq('knobs', `${config({ REPLAY_RATE: '0.1', INVALID_RATE: '0.25' }).replayRate} ${config({ INVALID_RATE: '0.25' }).invalidRate}`, '0.1 0.25', 'rates');
  h.eq('knobs', config({}).invalidKinds.length, INVALID_KINDS.length, 'INVALID_KINDS defaults to all');
  h.eq('knobs', parseInvalidKinds(' bad_signature, unknown_key ').join(), 'bad_signature,unknown_key', 'a list');
  h.throws('knobs', () => config({ REPLAY_RATE: '1.5' }), /REPLAY_RATE.*from 0 to 1/, 'REPLAY_RATE out of range');
  h.throws('knobs', () => config({ INVALID_RATE: 'x' }), /INVALID_RATE/, 'INVALID_RATE not a number');
  h.throws('knobs', () => config({ INVALID_KINDS: 'bad_signature,nope' }), /INVALID_KINDS.*unsupported_version/, 'an unknown kind lists the kinds');

  // --- thresholds: the new counters move where the knobs are on
  h.case('thresholds');
  h.eq('thresholds', cannotMove('sequencer_ingest', 'ves_replay_violations', 'count==0', { probes: 0 }) !== null, true, 'no probes, no replays: cannot move');
  h.eq('thresholds', cannotMove('sequencer_ingest', 'ves_replay_violations', 'count==0', { probes: 0, replayRate: 0.1 }), null, 'REPLAY_RATE moves ves_replay_violations');
  h.eq('thresholds', cannotMove('sequencer_ingest', 'ves_invalid_accepted', 'count==0', { probes: 0, invalidRate: 0.1 }), null, 'INVALID_RATE moves ves_invalid_accepted');
  h.eq('thresholds', cannotMove('sequencer_replay', 'ves_replay_violations', 'count==0', {}), null, 'the replay scenario moves ves_replay_violations');
  h.eq('thresholds', cannotMove('sequencer_query', 'ves_replay_violations', 'count==0', { replayRate: 0.1 }) !== null, true, 'the query scenario does not');

  // --- WARMUP: a duration; latency thresholds filtered on warmup:false, the rest kept
  h.case('warmup');
  h.eq('warmup', `${parseWarmup('3s')} ${parseWarmup('500ms')} ${parseWarmup('1m')} ${parseWarmup(undefined)}`, '3000 500 60000 0', 'durations');
  h.throws('warmup', () => parseWarmup('3'), /WARMUP: expected a duration/, 'a number without unit');
  h.throws('warmup', () => config({ WARMUP: 'soon' }), /WARMUP/, 'config refuses a bad WARMUP');
  const t = afterWarmup({ 'http_req_duration{endpoint:ingest}': ['p(95)<50'], http_req_duration: ['p(99)<1'], checks: ['rate==1'], ves_events_rejected: ['count==0'] }, 3000);
  h.eq('warmup', Object.keys(t).sort().join(' '), 'checks http_req_duration{endpoint:ingest,warmup:false} http_req_duration{warmup:false} ves_events_rejected', 'latency keys filtered, correctness kept');
  h.eq('warmup', Object.keys(afterWarmup({ http_req_duration: [] }, 0)).join(), 'http_req_duration', 'no WARMUP, no change');

  // --- HOT_ENTITIES: the chosen events move to one of the hot ids, the others stay
  h.case('hot');
  const f = [0, 1, 2, 3].map(fields).map((x) => Object.assign(x, { entity_id: `order-00010${x.payload.n}`, payload: Object.assign({ order_id: `order-00010${x.payload.n}` }, x.payload) }));
  const hb = [block(0, 1), block(255, 0), block(0, 5), block(255, 0)];
  h.eq('hot', heatEntities(f, 0.5, (i) => hb[i]), 2, 'the seeded share');
  h.eq('hot', f.map((x) => x.entity_id).join(), 'order-000001,order-000101,order-000002,order-000103', 'hot ids from byte 4, others untouched');
  h.eq('hot', f[0].payload.order_id, 'order-000001', 'the payload names the same order');
  h.eq('hot', HOT_ENTITY_COUNT, 3, 'three hot entities');
  h.throws('hot', () => config({ HOT_ENTITIES: '2' }), /HOT_ENTITIES/, 'out of range');

  // --- PAYLOAD=floats: finite doubles from the block, one edge value, JSON round trip exact
  h.case('floats');
  const fb = new Uint8Array(32);
  new DataView(fb.buffer).setFloat64(0, 3.7653736496554432e-62, false);
  fb.fill(0xff, 8, 16); // NaN pattern: replaced by an edge value
  fb[31] = 4;
  const fl = floatsOf(fb);
  h.eq('floats', fl.length, 5, 'five readings');
  h.eq('floats', fl[0], 3.7653736496554432e-62, 'a double from the block bytes');
  h.ok('floats', FLOAT_EDGES.includes(fl[1]) && fl[4] === FLOAT_EDGES[4], 'non-finite patterns and byte 31 give edge values');
  h.ok('floats', fl.every((v) => Number.isFinite(v) && JSON.parse(JSON.stringify(v)) === v), 'every reading survives JSON');
  const pf = [fields(0)];
  shapePayloads(pf, 'floats', () => fb);
  h.ok('floats', /"readings":\[3\.7653736496554432e-62,/.test(jcs(pf[0].payload)), 'the readings are in the signed payload (JCS)');
  shapePayloads(pf, 'order', () => { throw new Error('not called'); });
  h.throws('floats', () => config({ PAYLOAD: 'huge' }), /PAYLOAD/, 'an unknown shape');

  // --- PAYLOAD shapes, PAYLOAD_BYTES, and the request-limit check at start
  h.case('shapes');
  const sizeOf = (p) => utf8Length(jcs(p));
  const zero = new Uint8Array(32);
  const one = (shape, bytes = 0) => { const f = [fields(0)]; shapePayloads(f, shape, () => zero, bytes); return f[0].payload; };
  h.eq('shapes', Object.keys(one('small')).sort().join(','), 'order_id,status', 'small: order_id and status');
  h.ok('shapes', sizeOf(one('medium')) <= MEDIUM_BYTES && sizeOf(one('medium')) > MEDIUM_BYTES - 8, () => `medium: ${sizeOf(one('medium'))} bytes`);
  h.ok('shapes', sizeOf(one('large')) <= LARGE_BYTES && sizeOf(one('large')) > LARGE_BYTES - 8, 'large: about LARGE_BYTES');
  h.ok('shapes', sizeOf(one('unicode', 5000)) <= 5000 && sizeOf(one('unicode', 5000)) > 4992, 'PAYLOAD_BYTES pads any shape (UTF-8 bytes)');
  h.ok('shapes', typeof one('nested').tree === 'object' && Array.isArray(one('nested').tree.next), 'nested: a tree of objects and arrays');
  h.eq('shapes', maxBatchFor('large', 0), 10, 'large: at most 10 events per request');
  h.ok('shapes', batchBytesBound('mixed', 0, 1000) <= 10 * 1024 * 1024, 'mixed: 1000 events fit (one large)');
  h.throws('shapes', () => config({ PAYLOAD: 'large', BATCH_SIZE: '20' }), /BATCH_SIZE: expected at most 10 with PAYLOAD=large/, 'large with 20 events refused at start');
  h.ok('shapes', config({ PAYLOAD: 'large', BATCH_SIZE: '10' }).payloadShape === 'large', 'large with 10 events accepted');
  h.throws('shapes', () => config({ PAYLOAD_BYTES: '2000000' }), /PAYLOAD_BYTES/, 'PAYLOAD_BYTES above 1000000');
  h.throws('shapes', () => config({ PAYLOAD_BYTES: '12kb' }), /PAYLOAD_BYTES/, 'PAYLOAD_BYTES not an integer');
  h.eq('shapes', config({ PAYLOAD_BYTES: '4096' }).payloadBytes, 4096, 'PAYLOAD_BYTES read');

  h.finish();
}
