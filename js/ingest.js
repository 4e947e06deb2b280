/**
 * The ingest iteration and its pass rule: one batch built (with the run's PAYLOAD,
 * HOT_ENTITIES, INVALID_RATE and REPLAY_RATE), sent, and judged event by event; a pre-signed
 * corpus line judged the same way.
 *
 * @module ingest
 */
import { check } from 'k6';
import { blockChance } from './content.js';
import { ingestBody } from './event.js';
import { isCleanAnswer } from './ledger.js';
import { buildBatchWith, RemoteSigner } from './remote_signer.js';
import * as metrics from './metrics.js';
import { logReceipts, receiptsCollector } from './receipts_log.js';
import { corruptBatch, judgeInvalid } from './invalid.js';
import { heatEntities } from './hot.js';
import { shapePayloads } from './payload.js';
import { payloadExcerpt, resendOne, takeRenumberedReplays, takeReplayRefusals } from './replay.js';
import { explainHttp, explainOnce } from './explain.js';
import { contentSource, currentSlot, orderFields, seedOf } from './slots.js';
import { SPELLING_PURPOSE, variedBody } from './spelling.js';
import { signerOf } from './vu_state.js';

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
  if (live && cfg.replayRate > 0) resendOne(state.client, state.replays, (kind, message) => explainOnce(state, kind, message), streamIndex);
  const t0 = Date.now();
  const signer = signerOf(state, data, cfg);
  // SPELLING=varied: a live batch's body in the slot's varied spelling (spelling.js), attempt 0.
  const spelling = live && cfg.spelling === 'varied' ? contentSource(cfg, data, Object.assign({}, slot, { purpose: SPELLING_PURPOSE })) : null;
  let { events, body, bodyBytes } = signer instanceof RemoteSigner
    ? signer.signContent(cfg.agentId, contentSpec(cfg, data, count, storeId, slot, live))
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
    invalid = corruptBatch(events, cfg.invalidRate, cfg.invalidKinds, (i) => source.block(i), { signer: signerOf(state, data, cfg), agentKeyId: data.agentKeyId, known });
    if (invalid.length > 0) {
      body = spelling !== null ? variedBody(cfg.agentId, events, spelling, 0) : ingestBody(cfg.agentId, events);
      bodyBytes = undefined;
    }
  }
  metrics.recordSignDuration(Date.now() - t0, events.length);
  const r = state.client.ingest(cfg.agentId, body, bodyBytes === undefined ? undefined : { bodyBytes });
  const outcome = judgeIngest(cfg, state, events, r, streamIndex, cfg.repeatable, invalid);
  if (outcome.passed && Array.isArray(r.json.receipts) && r.json.receipts.length > 0) {
    const receipt = r.json.receipts[0];
    const event = events.find((e) => e.event_id === String(receipt.eventId).toLowerCase());
    if (event) state.lastAccepted = { event, sequenceNumber: receipt.sequenceNumber, receiptHash: receipt.receiptHash };
    // REPLAY_RATE: the seeded choice of this slot, so that the same SEED replays the same batches.
    if (live && cfg.replayRate > 0 && blockChance(contentSource(cfg, data, Object.assign({}, slot, { purpose: 'replay' })).block(0), 0) < cfg.replayRate) {
      state.replays.remember(cfg.agentId, body, events, r.json.receipts, invalid, spelling);
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
export function ingestPresigned(cfg, state, body, streamIndex, light = null, ascii = true) {
  const line = light !== null && typeof light.presigned === 'function' ? light : null;
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
  if (outcome.replayed > 0) {
    explainOnce(state, 'replayed', `${outcome.replayed} events of this corpus were sequenced before (an earlier run sent it): the sequencer returned their receipts, which verify`);
  }
  return outcome;
}

function parseCorpusLine(body) {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new Error(`a corpus line is not JSON (${e.message}); re-create the corpus with ves presign`);
  }
}

// The pass rule of an ingest answer, fed to the ledger, the metrics and k6 checks; the first
// failure of each kind is explained in the log. With `replaysAllowed`, an event may be answered
// by its original receipt instead of a new one. `receiptCheck`: RECEIPT_CHECK's share of clean
// answers whose receipts are checked one by one (ledger.js recordClean).
function judgeIngest(cfg, state, events, r, streamIndex, replaysAllowed, invalid = [], singleWriter = state.continuity !== null, receiptCheck = cfg.receiptCheck) {
  const outcome = state.ledger.recordIngest(events, r, {
    ingestedAt: Date.now(),
    sequencerPublicKeyHex: cfg.sequencerPublicKey,
    signatureSample: cfg.receiptSigSample,
    collect: receiptsCollector(),
    receiptCheck: invalid.length > 0 ? 1 : receiptCheck,
  });
  // A re-sent event refused as "different contents" broke idempotency: a replay violation.
  const refusals = replaysAllowed ? takeReplayRefusals(outcome) : [];
  if (refusals.length > 0) {
    metrics.recordReplayViolation(refusals.length, 'refused');
    const event = sentEvent(events, refusals[0].eventId, r);
    explainOnce(state, 'replay:refused', `replay violation (refused): event ${refusals[0].eventId}, sent before (a corpus or rerun sent again, in these bytes or another spelling of them), was refused: ${refusals[0].reason} (${refusals[0].message}); ${refusals.length} in this batch; its payload: ${payloadExcerpt(event)}`);
  }
  // A re-sent event answered with a number above the head got a new number: a replay violation.
  const renumbered = replaysAllowed ? takeRenumberedReplays(outcome, r.status === 200 ? r.json : null) : [];
  if (renumbered.length > 0) {
    metrics.recordReplayViolation(renumbered.length, 'new_sequence');
    const event = sentEvent(events, renumbered[0].eventId, r);
    explainOnce(state, 'replay:new_sequence', `replay violation (new_sequence): event ${renumbered[0].eventId}, sent before, came back with sequence number ${renumbered[0].sequenceNumber}, above the stream's head ${renumbered[0].head}; ${renumbered.length} in this batch; its payload: ${payloadExcerpt(event)}`);
  }
  // Deliberately invalid events (INVALID_RATE): their rejections are judged apart (invalid.js).
  const wrongInvalid = judgeInvalid(outcome, invalid, r.status === 200 ? r.json : null);
  for (const w of wrongInvalid) explainOnce(state, `invalid:${w.kind}`, `invalid event ${w.eventId} (${w.kind}) was not refused with its reason: ${w.got}`);
  const valid = events.length - invalid.length;
  const gap = !singleWriter ? null : state.continuity.check(streamIndex, r.status === 200 ? r.json : null, outcome.newReceipts);
  if (gap !== null) outcome.anomalies++;
  logReceipts(events, outcome, r.res ? r.res.body : undefined);
  metrics.recordIngestOutcome(outcome, streamIndex);
  const ok = r.status === 200;
  const answered = outcome.accepted + (replaysAllowed ? outcome.replayed : 0);
  const allAccepted = ok && answered === valid && outcome.rejected.length === 0 && refusals.length === 0 && renumbered.length === 0 && outcome.missing === 0;
  const receiptsOk = ok && outcome.invalidReceipts === 0 && outcome.newReceipts + (replaysAllowed ? outcome.replayed : 0) === valid;
  check(r, {
    'ingest: HTTP 200': () => ok,
    [replaysAllowed ? 'ingest: every event accepted or replayed' : 'ingest: every event accepted']: () => allAccepted,
    'ingest: every receipt verifies': () => receiptsOk,
    'ingest: sequence numbers consecutive and new': () => outcome.anomalies === 0,
  });
  if (!ok) explainHttp(state, 'ingest', r);
  else {
    if (outcome.rejected.length > 0) {
      const first = outcome.rejected[0];
      explainOnce(state, `rejected:${first.code}`, `the sequencer rejected valid events: ${first.reason} (${first.message}), ${outcome.rejected.length} in this batch`);
    }
    if (outcome.invalidReceipts > 0) explainOnce(state, 'receipt', `invalid receipt: ${outcome.invalidReasons[0]}`);
    if (gap !== null) explainOnce(state, 'sequence-gap', `sequence anomaly between batches in stream ${streamIndex} (this VU is its only writer): the previous batch ended at ${gap.expected - 1}, this one starts at ${gap.found}; ${gap.found > gap.expected ? `${gap.found - gap.expected} numbers skipped` : 'numbers repeated'}`);
    if (outcome.anomalies > (gap === null ? 0 : 1)) explainOnce(state, 'sequence', `sequence anomaly in stream ${streamIndex}: sequenceStart=${r.json.sequenceStart} sequenceEnd=${r.json.sequenceEnd} eventsAccepted=${r.json.eventsAccepted}, receipts not consecutive or a number seen before`);
    if (outcome.missing > 0) explainOnce(state, 'missing', `${outcome.missing} events got neither a receipt nor a rejection`);
    if (!replaysAllowed && outcome.replayed > 0) explainOnce(state, 'unexpected-replay', `${outcome.replayed} freshly signed events came back as replays of events the sequencer already had`);
  }
  outcome.passed = allAccepted && receiptsOk && outcome.anomalies === 0;
  return outcome;
}

// The event as sent, for a violation's log line: replayed corpus lines carry only what the
// ledger needs (shard_reader.js presignedEvents), so the payload comes from the request body,
// parsed only here, on the rare path of a violation.
function sentEvent(events, eventId, r) {
  const event = events.find((e) => String(e.event_id).toLowerCase() === eventId);
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
