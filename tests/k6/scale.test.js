// Unit tests of the scale modules, run by k6 itself (no server): the receipts log's line format
// and the ledger's collection of acknowledged events (what `ves audit` reads), segment tags for
// file names, and the lazy shard reader on a real file through k6/experimental/fs. Against a
// real server: tests/e2e/test_scale.py.
//
//   k6 run --quiet --no-usage-report tests/k6/scale.test.js
import { open as fsOpen } from 'k6/experimental/fs';
import { receiptHash, signingHash } from '../../js/hash.js';
import { isCleanAnswer, Ledger } from '../../js/ledger.js';
import { RECEIPTS_MARKER, rawReceipts, receiptsLine, receiptsLineV2, receiptsLogEnabled } from '../../js/receipts_log.js';
import { isFirstSegment, segmentTag } from '../../js/segment.js';
import { countEvents, presignedEvents, presignedLine, ShardReader } from '../../js/shard_reader.js';
import { Harness, testOptions } from './lib/harness.js';

const TEST = 'scale';
export const options = testOptions(null, 5);

// This file itself, read through k6/experimental/fs (init context only).
const self = await fsOpen('./scale.test.js');
const selfText = open('./scale.test.js');
// A file with raw UTF-8 (café ✓): lines of a varied corpus may hold it too.
const utf8File = await fsOpen('../../js/content.js');
const utf8Text = open('../../js/content.js');

const T = '00000000-0000-0000-0000-000000000000';
const S = '11111111-1111-4111-8111-111111111111';

function envelope(n) {
  return {
    ves_version: 1, event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, tenant_id: T, store_id: S,
    source_agent_id: T, agent_key_id: 1, entity_type: 'order', entity_id: `o-${n}`, event_type: 'order.created',
    created_at: '2025-01-01T00:00:00.000Z', payload_kind: 0, payload: { n },
    payload_plain_hash: '0x' + '00'.repeat(32), payload_cipher_hash: '0x' + '00'.repeat(32), agent_signature: '0x' + 'ab'.repeat(64),
  };
}

export default async function () {
  const h = new Harness(TEST);

  h.case('receipts-line');
  h.eq('receipts-line', receiptsLine(T, S, []), null, 'no line without new receipts');
  const line = receiptsLine(T, S.toUpperCase(), [['e', 7, 'aa', 'bb', 'cc']]);
  h.ok('receipts-line', line.startsWith(RECEIPTS_MARKER), 'the marker starts the message');
  h.eq('receipts-line', line.slice(RECEIPTS_MARKER.length), `{"v":1,"tenant":"${T}","store":"${S}","events":[["e",7,"aa","bb","cc"]]}`, 'compact JSON, v1, lowercase ids');
  h.eq('receipts-line', receiptsLogEnabled({ RECEIPTS_LOG: '1' }), true, 'RECEIPTS_LOG=1');
  h.eq('receipts-line', receiptsLogEnabled({ RECEIPTS_LOG: 'true' }), true, 'RECEIPTS_LOG=true');
  h.eq('receipts-line', receiptsLogEnabled({}), false, 'off by default');

  h.case('ledger-collect');
  const events = [envelope(1), envelope(2)];
  const receipts = events.map((e, i) => ({
    sequencerId: T, eventId: e.event_id, sequenceNumber: 5 + i, sequencedAt: '', signatureAlg: 'none', sequencerSignature: '', sequencerKeyVersion: 0,
    receiptHash: receiptHash(T, S, e.event_id, 5 + i, signingHash(e)),
  }));
  const collect = [];
  const outcome = new Ledger().recordIngest(events, { eventsAccepted: 2, sequenceStart: 5, sequenceEnd: 6, headSequence: 6, receipts }, { collect });
  h.eq('ledger-collect', outcome.collected === collect && collect.length, 2, 'every new receipt collected');
  h.eq('ledger-collect', JSON.stringify(collect[1]), JSON.stringify([events[1].event_id, 6, receipts[1].receiptHash, signingHash(events[1]), 'ab'.repeat(64)]), 'id, seq, receipt hash, signing hash, signature (bare hex)');
  const replay = [];
  new Ledger().recordIngest(events, { eventsAccepted: 0, sequenceStart: null, sequenceEnd: null, headSequence: 6, receipts }, { collect: replay });
  h.eq('ledger-collect', replay.length, 0, 'replayed receipts are not new acknowledgements');

  // RECEIPT_CHECK < 1: a clean answer left out of the sample is recorded from its numbers
  // (recordClean); a wrong receipt hash then goes unseen in k6 (ves audit finds it), but any
  // answer that is not clean at batch level is still checked receipt by receipt.
  h.case('receipt-check');
  const clean = { eventsAccepted: 2, sequenceStart: 5, sequenceEnd: 6, headSequence: 6, receipts };
  h.eq('receipt-check', isCleanAnswer(2, clean), true, 'clean answer');
  h.eq('receipt-check', isCleanAnswer(3, clean), false, 'fewer accepted than sent');
  h.eq('receipt-check', isCleanAnswer(2, Object.assign({}, clean, { sequenceEnd: 7 })), false, 'a range wider than the batch');
  h.eq('receipt-check', isCleanAnswer(2, Object.assign({}, clean, { rejections: [{ event_id: 'x' }] })), false, 'a rejection');
  h.eq('receipt-check', isCleanAnswer(2, Object.assign({}, clean, { receipts: receipts.slice(1) })), false, 'a receipt missing');
  const tampered = receipts.map((r) => Object.assign({}, r, { receiptHash: 'ff'.repeat(32) }));
  const skipped = new Ledger().recordIngest(events, Object.assign({}, clean, { receipts: tampered }), { receiptCheck: 0 });
  h.eq('receipt-check', [skipped.unchecked, skipped.newReceipts, skipped.invalidReceipts, skipped.anomalies].join(), '2,2,0,0', 'unchecked: numbers only, the bad hashes unseen');
  const full = new Ledger().recordIngest(events, Object.assign({}, clean, { receipts: tampered }), { receiptCheck: 1 });
  h.eq('receipt-check', [full.unchecked, full.invalidReceipts].join(), '0,2', 'RECEIPT_CHECK=1 checks every receipt');
  const unclean = new Ledger().recordIngest(events, Object.assign({}, clean, { sequenceEnd: 7, receipts: tampered }), { receiptCheck: 0 });
  h.eq('receipt-check', [unclean.unchecked, unclean.invalidReceipts].join(), '0,2', 'an unclean answer is checked in full whatever RECEIPT_CHECK says');
  const twice = new Ledger();
  twice.recordIngest(events, clean, { receiptCheck: 0 });
  h.eq('receipt-check', twice.recordIngest(events, clean, { receiptCheck: 0 }).anomalies, 2, 'a range seen before is an anomaly without per-receipt checks');
  // The v2 receipts line: the answer's receipts as sent, and the events' columns.
  const text = JSON.stringify(clean);
  h.eq('receipt-check', rawReceipts(text), JSON.stringify(receipts), 'receipts cut out of the answer text');
  h.eq('receipt-check', rawReceipts('{"receipts":[],"x":{"receipts":[]}}'), null, 'two receipts arrays: not cut');
  h.eq('receipt-check', rawReceipts('{"eventsAccepted":0}'), null, 'no receipts array');
  const v2 = JSON.parse(receiptsLineV2(events, rawReceipts(text)).slice(RECEIPTS_MARKER.length));
  h.eq('receipt-check', [v2.v, v2.tenant, v2.store, v2.receipts.length].join(), `2,${T},${S},2`, 'v2 head');
  h.eq('receipt-check', v2.ids + v2.hashes + v2.sigs, events.map((e) => e.event_id).join('') + events.map((e) => signingHash(e)).join('') + 'ab'.repeat(128), 'ids, signing hashes, signatures in the order sent');
  const line2 = `{"agentId":"${T}","events":[${events.map((e) => JSON.stringify(e)).join(',')}]}`;
  h.eq('receipt-check', countEvents(line2), 2, 'events of a corpus line counted without a parse');
  const pl = presignedLine(line2, JSON.stringify(events.map((e) => signingHash(e))), { tenantId: T, storeId: S, agentId: T });
  h.eq('receipt-check', [pl.count, pl.standIns().length, pl.presigned().events.length].join(), '2,2,2', 'a corpus line: count, stand-ins, events on demand');
  const standIn = JSON.parse(receiptsLineV2(pl.standIns(), '[]').slice(RECEIPTS_MARKER.length));
  h.eq('receipt-check', standIn.ids, undefined, 'a replayed line leaves the columns to --corpus');

  h.case('segment');
  h.eq('segment', segmentTag('0:1/2'), '0-1_2', 'first half');
  h.eq('segment', segmentTag('1/2:1'), '1_2-1', 'second half');
  h.eq('segment', segmentTag('0:1'), '', 'the whole test has no tag');
  h.eq('segment', segmentTag(''), '', 'no segment');
  h.eq('segment', [isFirstSegment(''), isFirstSegment('0:1/2'), isFirstSegment('0:1'), isFirstSegment('1/2:1'), isFirstSegment('1/4:2/4')].join(), 'true,true,true,false,false', 'the first segment starts at 0');

  h.case('shard-reader');
  const reader = new ShardReader(self, 64); // small chunks: lines cross chunk borders
  const lines = [];
  for (let l = await reader.nextLine(); l !== null; l = await reader.nextLine()) lines.push(l);
  const want = selfText.split('\n').filter((l) => l.length > 0);
  h.eq('shard-reader', lines.length, want.length, 'as many lines as the file');
  h.ok('shard-reader', lines.every((l, i) => l === want[i]), 'the same lines');
  h.eq('shard-reader', await reader.nextLine(), null, 'null after the end');
  // Raw UTF-8 cut at chunk borders (7-byte chunks split multi-byte characters) reads right.
  const utf8Reader = new ShardReader(utf8File, 7);
  const utf8Lines = [];
  for (let l = await utf8Reader.nextLine(); l !== null; l = await utf8Reader.nextLine()) utf8Lines.push(l);
  const utf8Want = utf8Text.split('\n').filter((l) => l.length > 0);
  h.ok('shard-reader', utf8Want.some((l) => /é/.test(l)), 'the UTF-8 file holds non-ASCII lines');
  h.ok('shard-reader', utf8Lines.length === utf8Want.length && utf8Lines.every((l, i) => l === utf8Want[i]), 'the same UTF-8 lines across chunk borders');

  h.case('presigned-events');
  const bodyEvents = [envelope(1), envelope(2)].map((e, i) => Object.assign(e, { agent_signature: '0x' + String(i).repeat(128) }));
  const body = JSON.stringify({ agentId: T, events: bodyEvents });
  const hashLine = JSON.stringify(bodyEvents.map((e) => signingHash(e)));
  const light = presignedEvents(body, hashLine, { tenantId: T, storeId: S, agentId: T });
  h.ok('presigned-events', light !== null && light.events.length === 2, 'both events found');
  h.eq('presigned-events', light && JSON.stringify(light.events[1]), JSON.stringify({ event_id: bodyEvents[1].event_id, tenant_id: T, store_id: S, agent_signature: '1'.repeat(128), $signingHash: signingHash(bodyEvents[1]) }), 'id, stream, signature and the corpus signing hash');
  h.eq('presigned-events', presignedEvents(body, JSON.stringify([signingHash(bodyEvents[0])]), { tenantId: T, storeId: S, agentId: T }), null, 'counts that disagree: null (the caller parses the body)');
  const outcomeLight = new Ledger().recordIngest(light.events, { eventsAccepted: 2, sequenceStart: 1, sequenceEnd: 2, headSequence: 2, receipts: light.events.map((e, i) => ({ eventId: e.event_id, sequenceNumber: 1 + i, receiptHash: receiptHash(T, S, e.event_id, 1 + i, e.$signingHash), signatureAlg: 'none', sequencerSignature: '' })) });
  h.eq('presigned-events', outcomeLight.invalidReceipts, 0, 'the ledger checks receipts with the corpus signing hash');

  h.finish();
}
