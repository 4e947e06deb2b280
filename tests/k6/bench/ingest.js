// Benchmark (no server): k6 CPU per event of the ingest answer path — JSON.parse of a
// sequencer's answer and Ledger.recordIngest (every receipt hash checked, sequence checks,
// ledger entries) — on fixed inputs built in init: BATCHES answers of BATCH_SIZE receipts for
// events signed in k6 ("js": plain envelopes) and by `ves signer` ("signer": SignedEvent records
// built from the same bytes the signer sends). One VU, one iteration, ROUNDS passes over the
// answers per mode, modes interleaved; prints one `bench-ingest:` line with the best µs per
// event of each mode (wall time of a single-threaded loop). For CPU time on a busy machine, run
// one mode (MODES=signer) with ROUNDS=N and ROUNDS=0 and divide the difference of k6's CPU
// seconds (utime + stime) by N x BATCHES x BATCH_SIZE.
//
//   k6 run --quiet --no-usage-report tests/k6/bench/ingest.js
import encoding from 'k6/encoding';
import { Ledger, SignedEvent, buildBatch, createSigner, receiptHash, signingHash } from '../../../js/ves.js';

const BATCH_SIZE = Number(__ENV.BATCH_SIZE || 100);
const BATCHES = Number(__ENV.BATCHES || 50);
const ROUNDS = Number(__ENV.ROUNDS || 5);
const MODES = (__ENV.MODES || 'js,signer').split(',').filter((m) => m);
const TENANT = '00000000-0000-0000-0000-000000000001';
const STORE = '00000000-0000-0000-0000-000000000002';
const AGENT = '22222222-2222-2222-2222-222222222222';

const signer = createSigner('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');

// Fixed inputs: per batch the signed envelopes, the signer's answer layout and the sequencer's answer.
const batches = [];
let seq = 0;
for (let b = 0; b < BATCHES; b++) {
  const fields = [];
  for (let i = 0; i < BATCH_SIZE; i++) {
    fields.push({ tenant_id: TENANT, store_id: STORE, source_agent_id: AGENT, agent_key_id: 1, entity_type: 'order', entity_id: `order-${b}-${i}`, event_type: 'order.created', payload: { n: i } });
  }
  const { events, body } = buildBatch(signer, AGENT, fields);
  const hashes = events.map((e) => signingHash(e));
  const parts = new Uint8Array(48 * BATCH_SIZE);
  for (let i = 0; i < BATCH_SIZE; i++) {
    const id = events[i].event_id.replace(/-/g, '');
    for (let k = 0; k < 16; k++) parts[48 * i + k] = parseInt(id.substr(2 * k, 2), 16);
    for (let k = 0; k < 32; k++) parts[48 * i + 16 + k] = parseInt(hashes[i].substr(2 * k, 2), 16);
  }
  const start = seq + 1;
  const receipts = events.map((e, i) => ({
    eventId: e.event_id,
    sequenceNumber: start + i,
    receiptHash: '0x' + receiptHash(TENANT, STORE, e.event_id, start + i, hashes[i]),
    signatureAlg: 'ed25519',
    sequencerSignature: '0x' + '11'.repeat(64),
  }));
  seq += BATCH_SIZE;
  const answer = JSON.stringify({ eventsAccepted: BATCH_SIZE, sequenceStart: start, sequenceEnd: seq, headSequence: seq, receipts, rejections: [] });
  batches.push({
    events,
    fields,
    answer,
    signed: { body, partsB64: encoding.b64encode(parts.buffer, 'std'), hashes: hashes.join(''), signatures: events.map((e) => e.agent_signature.slice(2)).join('') },
  });
}

export const options = { iterations: 1, vus: 1 };

function signedEvents(b) {
  const s = b.signed;
  const batch = { body: s.body, envelopes: null, partsB64: s.partsB64, parts: null, count: BATCH_SIZE, hashes: s.hashes, signatures: s.signatures };
  const out = new Array(BATCH_SIZE);
  for (let i = 0; i < BATCH_SIZE; i++) out[i] = new SignedEvent(batch, i, b.events[i].event_id, b.fields[i]);
  return out;
}

// One pass over all answers with a fresh ledger; returns µs per event. Fails on any finding.
function pass(mode) {
  const ledger = new Ledger();
  const inputs = batches.map((b) => (mode === 'signer' ? signedEvents(b) : b.events));
  const t0 = Date.now();
  for (let k = 0; k < batches.length; k++) {
    const outcome = ledger.recordIngest(inputs[k], JSON.parse(batches[k].answer), { ingestedAt: t0 });
    if (outcome.invalidReceipts || outcome.anomalies || outcome.missing || outcome.newReceipts !== BATCH_SIZE) {
      throw new Error(`bench-ingest: ${mode}: unexpected outcome ${JSON.stringify(outcome)}`);
    }
  }
  return ((Date.now() - t0) * 1000) / (BATCHES * BATCH_SIZE);
}

export default function () {
  const best = { js: Infinity, signer: Infinity };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of MODES) best[mode] = Math.min(best[mode], pass(mode));
  }
  console.log(`bench-ingest: batch=${BATCH_SIZE} events_per_pass=${BATCHES * BATCH_SIZE} rounds=${ROUNDS} us_per_event_js=${best.js.toFixed(1)} us_per_event_signer=${best.signer.toFixed(1)}`);
}
