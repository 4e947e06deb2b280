/**
 * The ingest iteration and its pass rule: one batch built (with the run's PAYLOAD,
 * HOT_ENTITIES, INVALID_RATE and REPLAY_RATE), sent, and judged event by event; a pre-signed
 * corpus line judged the same way.
 *
 * @module ingest
 */
import { check } from 'k6';
import { firstFailures, judgeAnswer } from './answer_rule.js';
import { blockChance } from './content.js';
import { ingestBody } from './event.js';
import { isCleanAnswer } from './ledger.js';
import { buildBatchWith, checkSpec, RemoteSigner } from './remote_signer.js';
import * as metrics from './metrics.js';
import { logReceipts, receiptsCollector } from './receipts_log.js';
import { corruptBatch } from './invalid.js';
import { heatEntities } from './hot.js';
import { shapePayloads } from './payload.js';
import { payloadExcerpt, resendOne } from './replay.js';
import { explainHttp, explainOnce, FROM_SIGNER } from './explain.js';
import { contentSource, currentSlot, orderFields, seedOf } from './slots.js';
import { SPELLING_PURPOSE, variedBody } from './spelling.js';
import { signerOf } from './vu_state.js';
import { countAccepted } from './server_view.js';

/**
 * One ingest request of BATCH_SIZE valid signed events and its pass rule: HTTP 200,
 * eventsAccepted equal to the batch, no rejection, every event answered, every receipt hash
 * right (and the sequencer signature on a sample when SEQUENCER_PUBLIC_KEY is set), sequence
 * numbers consecutive and never seen before, and with STREAMS=per-vu starting right after this
 * VU's previous batch. When the run is repeatable (SEED, CREATED_AT and AGENT_SEED fixed), an
 * event may instead come back as a replay with a receipt that verifies (a rerun).
 * @param {ContentSlot} [slot] default: the running iteration's `batch`; an iteration that sends
 *   more than one batch must give each its own purpose (the same slot makes the same events)
 * @returns {import('./ledger.js').IngestOutcome}
 */
export function ingestBatch(cfg, data, state, count = cfg.batchSize, storeId = state.storeId, streamIndex = state.streamIndex, slot = currentSlot('batch')) {
  const live = slot.purpose === 'batch';
  const signer = signerOf(state, data, cfg);
  // SIGNER_CHECK: `ves signer` checks the sequencer's answers natively (docs/SIGNER.md).
  const checker = signer instanceof RemoteSigner && cfg.signerCheck ? signer : null;
  if (live && cfg.replayRate > 0) resendOne(state.client, state.replays, (kind, message) => explainOnce(state, kind, message), streamIndex, checker);
  const t0 = Date.now();
  // SPELLING=varied: a live batch's body in the slot's varied spelling (spelling.js), attempt 0.
  const spelling = live && cfg.spelling === 'varied' ? contentSource(cfg, data, Object.assign({}, slot, { purpose: SPELLING_PURPOSE })) : null;
  let { events, body, bodyBytes, handle } = signer instanceof RemoteSigner
    ? signer.signContent(cfg.agentId, contentSpec(cfg, data, count, storeId, slot, live), checker === null ? null : checkSpec(cfg))
    : buildBatchWith(signer, cfg.agentId, liveFields(cfg, data, state, count, storeId, slot, live));
  if (spelling !== null && !(signer instanceof RemoteSigner)) {
    body = variedBody(cfg.agentId, events, spelling, 0);
    bodyBytes = undefined;
  }
  // INVALID_RATE: a seeded share of the batch's events made invalid (invalid.js).
  let invalid = [];
  if (live && cfg.invalidRate > 0) {
    const source = contentSource(cfg, data, Object.assign({}, slot, { purpose: 'invalid' }));
    const known = state.lastAccepted === null ? null : state.lastAccepted.event;
    invalid = corruptBatch(events, cfg.invalidRate, cfg.invalidKinds, (i) => source.block(i), { signer, agentKeyId: data.agentKeyId, known });
    if (invalid.length > 0) {
      body = spelling !== null ? variedBody(cfg.agentId, events, spelling, 0) : ingestBody(cfg.agentId, events);
      bodyBytes = undefined;
    }
  }
  metrics.recordSignDuration(Date.now() - t0, events.length);
  const remote = checker !== null && typeof handle === 'string';
  const r = state.client.ingest(cfg.agentId, body, { bodyBytes, parse: !remote });
  // REPLAY_RATE: the seeded choice of this slot, so that the same SEED replays the same batches.
  const replay = live && cfg.replayRate > 0 && blockChance(contentSource(cfg, data, Object.assign({}, slot, { purpose: 'replay' })).block(0), 0) < cfg.replayRate;
  let verdict = null;
  if (remote) {
    const request = { handle, status: r.status, keep: replay, replaysAllowed: cfg.repeatable };
    if (invalid.length > 0) request.invalid = invalid.map((i) => ({ index: i.index, kind: i.kind, code: i.expect, eventId: i.eventId }));
    verdict = checker.check(request, r.res.body);
    if (verdict === null) explainOnce(state, 'signer:unknown_handle', `ves signer no longer held batch ${handle} (unknown_handle: dropped unchecked after --check-ttl or beyond --check-batches): its answer was checked in k6 instead`);
  }
  const outcome = judgeIngest(cfg, state, events, r, streamIndex, cfg.repeatable, invalid, state.continuity !== null, cfg.receiptCheck, verdict);
  if (outcome.passed && outcome.seqs.length > 0) {
    const first = outcome.seqs[0];
    const event = events[first[0]];
    if (event) state.lastAccepted = { event, sequenceNumber: first[2] };
    if (replay) {
      if (verdict !== null) state.replays.remember(cfg.agentId, body, events, null, invalid, { handle, answer: r.res.body, spelling });
      else state.replays.remember(cfg.agentId, body, events, r.json.receipts, invalid, { spelling });
    }
  }
  return outcome;
}

// HOT_ENTITIES: a seeded share of live events goes to a few entity ids (hot.js); the query
// scenario's seed batches too, so that its entity reads find the hot entities' events.
function hotShare(cfg, slot, live) {
  return (live || slot.purpose.startsWith('seed/')) && cfg.hotEntities > 0 ? cfg.hotEntities : 0;
}

// The fields of a batch signed in k6: the slot's order events, with HOT_ENTITIES and PAYLOAD
// applied.
function liveFields(cfg, data, state, count, storeId, slot, live) {
  const fields = orderFields(cfg, data, state, count, storeId, slot);
  const hotRate = hotShare(cfg, slot, live);
  if (hotRate > 0) {
    const hot = contentSource(cfg, data, Object.assign({}, slot, { purpose: 'hot' }));
    heatEntities(fields, hotRate, (i) => hot.block(i));
  }
  // PAYLOAD: the live events' payload shape (payload.js).
  if (live && (cfg.payloadShape !== 'order' || cfg.payloadBytes > 0)) {
    const shape = contentSource(cfg, data, Object.assign({}, slot, { purpose: 'payload' }));
    shapePayloads(fields, cfg.payloadShape, (i) => shape.block(i), cfg.payloadBytes);
  }
  return fields;
}

// The same batch as liveFields, described by its slot for `ves signer` to make
// (RemoteSigner.signContent): no event is built or serialized in k6.
function contentSpec(cfg, data, count, storeId, slot, live) {
  return {
    seed: seedOf(cfg, data),
    scenario: slot.scenario,
    purpose: slot.purpose,
    iteration: slot.iteration,
    count,
    tenantId: cfg.tenantId,
    storeId,
    agentKeyId: data.agentKeyId,
    createdAt: cfg.createdAt !== null ? cfg.createdAt : new Date().toISOString(),
    hot: hotShare(cfg, slot, live),
    shape: live ? cfg.payloadShape : 'order',
    payloadBytes: live ? cfg.payloadBytes : 0,
    spelling: live && cfg.spelling === 'varied' ? 'varied' : undefined,
  };
}

/**
 * One pre-signed ingest body (replay mode, docs/REPLAY.md: a line of a `ves presign` shard),
 * with the pass rule of ingestBatch, except that events the sequencer already holds may come back
 * as idempotent replays (a corpus sent twice): each event must be accepted, or replayed with a
 * receipt that verifies.
 * @param {string} body the exact bytes to POST
 * @param {{agentId: string, events: object[]}|ReturnType<typeof import('./shard_reader.js').presignedLine>|null} [light]
 *   the body's agentId and, per event, what the ledger needs (shard_reader.js presignedEvents),
 *   to skip parsing the whole body; or a presignedLine, read only when the answer needs it
 *   (RECEIPT_CHECK)
 * @param {boolean} [ascii] the line is ASCII (a canonical corpus): its length is its byte count;
 *   false for a varied corpus (ves presign --spelling varied), which may hold raw UTF-8
 * @returns {import('./ledger.js').IngestOutcome}
 */
export function ingestPresigned(cfg, state, body, streamIndex, light = null, corpus = null, ascii = true) {
  const line = light !== null && typeof light.presigned === 'function' ? light : null;
  // With `ves signer` checking the answers (corpus: opened in setup), the line is not looked at.
  if (corpus !== null && line !== null) return ingestChecked(cfg, state, body, streamIndex, line, corpus, ascii);
  const parsed = line !== null ? null : light !== null ? light : parseCorpusLine(body);
  // A canonical corpus is ASCII: as many bytes as characters (else the client counts them).
  const r = state.client.ingest(line !== null ? line.agentId : parsed.agentId, body, ascii ? { bodyBytes: body.length } : {});
  // RECEIPT_CHECK: an answer left out of the sample and clean at batch level is recorded from
  // its numbers alone (ledger.js recordClean), so the line's events are not even looked at.
  let events;
  let receiptCheck = 1;
  if (line !== null && cfg.receiptCheck < 1 && Math.random() >= cfg.receiptCheck && r.status === 200 && isCleanAnswer(line.count, r.json)) {
    events = line.standIns();
    receiptCheck = 0;
  } else {
    events = line === null ? parsed.events : (line.presigned() || parseCorpusLine(body)).events;
  }
  // A corpus's shards are not single writers of their streams: no gap check between its lines.
  const outcome = judgeIngest(cfg, state, events, r, streamIndex, true, [], false, receiptCheck);
  explainReplayed(state, outcome);
  return outcome;
}

// A corpus line whose answer `ves signer` checks: k6 sends the line and hands the answer over
// with the line's place in the corpus (the signer reads its events and signing hashes there).
function ingestChecked(cfg, state, body, streamIndex, line, corpus, ascii) {
  const r = state.client.ingest(line.agentId, body, ascii ? { bodyBytes: body.length, parse: false } : { parse: false });
  let verdict = corpus.signer.check({ corpus: corpus.id, shard: corpus.shard, line: line.index, status: r.status, replaysAllowed: true }, r.res.body);
  let events = null;
  if (verdict === null) {
    events = (line.presigned() || parseCorpusLine(body)).events;
  }
  const outcome = judgeIngest(cfg, state, events, r, streamIndex, true, [], false, 1, verdict, { tenantId: line.tenantId, storeId: line.storeId });
  explainReplayed(state, outcome);
  return outcome;
}

function explainReplayed(state, outcome) {
  if (outcome.replayed > 0) {
    explainOnce(state, 'replayed', `${outcome.replayed} events of this corpus were sequenced before (an earlier run sent it): the sequencer returned their receipts, which verify`);
  }
}

function parseCorpusLine(body) {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new Error(`a corpus line is not JSON (${e.message}); re-create the corpus with ves presign`);
  }
}

// The pass rule of an ingest answer, fed to the ledger, the metrics and k6 checks; the first
// failure of each kind is explained in the log. The verdict is `ves signer`'s when it checked the
// answer (`signerVerdict`), else judged here (answer_rule.js, the mirror of the signer's rule).
// With `replaysAllowed`, an event may be answered by its original receipt instead of a new one.
// `receiptCheck`: RECEIPT_CHECK's share of clean answers whose receipts are checked one by one
// here (ledger.js recordClean). `stream`: the stream of a corpus line whose events k6 did not read.
function judgeIngest(cfg, state, events, r, streamIndex, replaysAllowed, invalid = [], singleWriter = state.continuity !== null, receiptCheck = cfg.receiptCheck, signerVerdict = null, stream = null) {
  const bySigner = signerVerdict !== null;
  const ingestedAt = Date.now();
  let v;
  if (bySigner) {
    v = signerVerdict;
    // Numbers new across this VU's answers: the part of the rule only k6 can judge.
    const where = stream !== null ? stream : { tenantId: events[0].tenant_id, storeId: events[0].store_id };
    const seen = state.ledger.recordVerdict(stream !== null ? null : events, v, Object.assign({ ingestedAt }, where));
    if (seen > 0) {
      v.anomalies += seen;
      v.failures.push({ eventId: '', check: 'sequence', code: 'seen_before', detail: `${seen} sequence numbers of this answer were given to earlier events of this VU` });
    }
  } else {
    v = judgeAnswer(state.ledger, events, r.json, r.status, { invalid, replaysAllowed }, {
      ingestedAt,
      sequencerPublicKeyHex: cfg.sequencerPublicKey,
      signatureSample: cfg.receiptSigSample,
      collect: receiptsCollector(),
      receiptCheck: invalid.length > 0 ? 1 : receiptCheck,
    });
  }
  const numbers = r.status !== 200 ? null : bySigner ? { sequenceStart: v.sequenceStart, sequenceEnd: v.sequenceEnd } : r.json;
  const gap = !singleWriter ? null : state.continuity.check(streamIndex, numbers, v.newReceipts);
  if (gap !== null) v.anomalies++;
  const sent = events !== null ? events : [{ tenant_id: stream.tenantId, store_id: stream.storeId, $signingHash: '' }];
  logReceipts(sent, v, r.res ? r.res.body : undefined, bySigner);
  metrics.recordVerdict(v, streamIndex, bySigner);
  if (state.serverView) countAccepted(v.accepted);
  const ok = r.status === 200;
  const allAccepted = ok && v.everyEventAccepted;
  const receiptsOk = ok && v.everyReceiptVerifies;
  check(r, {
    'ingest: HTTP 200': () => ok,
    [replaysAllowed ? 'ingest: every event accepted or replayed' : 'ingest: every event accepted']: () => allAccepted,
    'ingest: every receipt verifies': () => receiptsOk,
    'ingest: sequence numbers consecutive and new': () => v.anomalies === 0,
  });
  if (!ok) explainHttp(state, 'ingest', r);
  else explainVerdict(state, v, events, r, streamIndex, gap, bySigner);
  v.passed = allAccepted && receiptsOk && v.anomalies === 0;
  return v;
}

// The first failure of each kind in the log, naming the event, and whether `ves signer` found it.
function explainVerdict(state, v, events, r, streamIndex, gap, bySigner) {
  const by = bySigner ? FROM_SIGNER : '';
  for (const f of firstFailures(v)) {
    switch (f.check) {
      case 'receipt':
        explainOnce(state, `receipt:${f.code}`, `${by}invalid receipt of event ${f.eventId || '(none)'}: ${f.code}: ${f.detail}`);
        break;
      case 'rejected':
        explainOnce(state, `rejected:${f.code}`, `${by}the sequencer rejected valid events: event ${f.eventId}: ${f.detail}, ${v.rejected[f.code]} in this batch`);
        break;
      case 'invalid':
        explainOnce(state, `invalid:${f.code}`, `${by}invalid event ${f.eventId} (${f.code}) was not refused with its reason: ${f.detail.replace(/^.*; got /, '')}`);
        break;
      case 'replay':
        if (f.code === 'unexpected_replay') {
          explainOnce(state, 'unexpected-replay', `${by}${v.replayed} freshly signed events came back as replays of events the sequencer already had; the first: event ${f.eventId}`);
        } else {
          explainOnce(state, `replay:${f.code}`, `${by}replay violation (${f.code}): event ${f.eventId}, ${f.detail}; ${v.replayViolations[f.code]} in this batch; its payload: ${payloadExcerpt(sentEvent(events, f.eventId, r))}`);
        }
        break;
      case 'missing':
        explainOnce(state, 'missing', `${by}${v.missing} events got neither a receipt nor a rejection; the first: event ${f.eventId}`);
        break;
      case 'sequence':
        if (f.code !== 'seen_before') explainOnce(state, 'sequence', `${by}sequence anomaly in stream ${streamIndex}: sequenceStart=${v.sequenceStart} sequenceEnd=${v.sequenceEnd} eventsAccepted=${v.accepted}, receipts not consecutive or a number given twice (${f.code})`);
        else explainOnce(state, 'sequence-seen', `sequence anomaly in stream ${streamIndex}: ${f.detail}`);
        break;
      default:
        explainOnce(state, `${f.check}:${f.code}`, `${by}${f.check} ${f.code}: event ${f.eventId}: ${f.detail}`);
    }
  }
  if (gap !== null) explainOnce(state, 'sequence-gap', `sequence anomaly between batches in stream ${streamIndex} (this VU is its only writer): the previous batch ended at ${gap.expected - 1}, this one starts at ${gap.found}; ${gap.found > gap.expected ? `${gap.found - gap.expected} numbers skipped` : 'numbers repeated'}`);
}

// The event as sent, for a violation's log line: replayed corpus lines carry only what the
// ledger needs (shard_reader.js presignedEvents), so the payload comes from the request body,
// parsed only here, on the rare path of a violation.
function sentEvent(events, eventId, r) {
  const event = events === null ? undefined : events.find((e) => String(e.event_id).toLowerCase() === eventId);
  if (event !== undefined && event.payload !== undefined) return event;
  const body = r.res && r.res.request ? r.res.request.body : null;
  if (typeof body !== 'string') return event;
  try {
    const sent = JSON.parse(body).events.find((e) => String(e.event_id).toLowerCase() === eventId);
    return sent !== undefined ? sent : event;
  } catch (e) {
    return event;
  }
}
