/**
 * The building blocks of the shipped scenarios (load/*.js), for scenario authors too: setup
 * (health check, the run's agent key), per-VU state, the ingest iteration and its pass rule,
 * the committer, the proof check, the query mix and the invalid-event probes. Each feeds the
 * kit's metrics (metrics.js) and k6 checks, and explains the first failure of each kind in
 * the log, so that a red threshold comes with a reason.
 *
 * @module scenario
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { bytesToHex, randomBytes } from './bytes.js';
import { VesClient } from './client.js';
import { blockChance, blockUuid, ContentSource, drawSeed, ENTITIES_PER_STREAM, orderEntityId, orderEventFields } from './content.js';
import { createSigner } from './ed25519.js';
import { buildBatch, ingestBody } from './event.js';
import { buildBatchWith, RemoteSigner, signerForRun } from './remote_signer.js';
import { stateRoot, ZERO_HASH } from './hash.js';
import { isCleanAnswer, Ledger } from './ledger.js';
import { checkInclusion } from './merkle.js';
import * as metrics from './metrics.js';
import { gapCheckMode, WriterContinuity, writerStream } from './streams.js';
import { logReceipts, receiptsCollector } from './receipts_log.js';
import { isFirstSegment } from './segment.js';
import { corruptBatch, judgeInvalid } from './invalid.js';
import { parseWarmup, tagWarmup } from './warmup.js';
import { heatEntities } from './hot.js';
import { shapePayloads } from './payload.js';
import { payloadExcerpt, ReplayBook, resendOne, takeRenumberedReplays, takeReplayRefusals } from './replay.js';

/** Largest range the committer asks for at once (the server loads a whole range in memory). */
export const MAX_COMMIT_RANGE = 10000;
export { ENTITIES_PER_STREAM };

/**
 * The share of a VU's accepted events its ledger keeps as proof targets (and always the first
 * of each batch): keeping every one cost about 15 µs of k6 CPU per event, the proofs sample
 * one event per check anyway.
 */
export const PROOF_KEEP = 0.1;

const HEALTH_TIMEOUT = '5s';
const SHEDDING_WAIT_S = 30;
const SHEDDING_HINT = 'the sequencer is shedding load (503 pool_exhausted): its database pool was saturated at its last 15 s sample, so it refuses every API request until the next one; raise MAX_DB_CONNECTIONS (and PostgreSQL max_connections) or lower the load';

function isShedding(r) {
  return r.status === 503 && r.json !== null && r.json.code === 'pool_exhausted';
}

/** A client with the run's URL and keys. */
export function clientFor(cfg, timeout = '30s') {
  return new VesClient({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey, adminApiKey: cfg.adminApiKey || cfg.apiKey, timeout });
}

/**
 * setup(): checks that the sequencer answers, then registers an ephemeral agent key with a random
 * key id (unless AGENT_SEED and AGENT_KEY_ID name a registered one). Aborts the whole test with
 * a message that says what to do when either fails. Fixes the run's content seed (SEED, or one
 * drawn and printed now). The returned data reaches every VU and handleSummary (setup_data).
 * @param {import('./config.js').VesConfig} cfg
 * @returns {{agentSeed: string, agentKeyId: number, registered: boolean, publicKeyHex: string, seed: number}}
 */
export function setupRun(cfg) {
  const client = clientFor(cfg);
  warnUnverifiedSignatures(cfg);
  requireHealthy(cfg, clientFor(cfg, HEALTH_TIMEOUT));
  const seed = runSeed(cfg);
  // SIGNER_URL: `ves signer` holds the run's key (generated there; only its public key comes back).
  const remote = cfg.signerUrl ? remoteSignerForRun(cfg) : null;
  if (!cfg.registerKey) {
    return { agentSeed: cfg.agentSeed, agentKeyId: cfg.agentKeyId, registered: false, publicKeyHex: createSigner(cfg.agentSeed).publicKeyHex, seed, signer: remote };
  }
  const agentSeed = remote ? null : bytesToHex(randomBytes(32));
  const signer = remote || createSigner(agentSeed);
  // A fresh key id each run: the real server answers 500 when a (tenant, agent, key id) is registered twice.
  const agentKeyId = 1 + Math.floor(Math.random() * 0x7ffffffe);
  const register = () => client.registerKey({ tenantId: cfg.tenantId, agentId: cfg.agentId, keyId: agentKeyId, publicKeyHex: signer.publicKeyHex });
  let r = register();
  // The real server sheds load in whole 15 s windows: wait one out rather than abort the run.
  for (let waited = 0; isShedding(r) && waited < SHEDDING_WAIT_S; waited++) {
    if (waited === 0) console.warn(`ves-k6: setup: ${SHEDDING_HINT}; retrying for up to ${SHEDDING_WAIT_S} s`);
    sleep(1);
    r = register();
  }
  if (r.status !== 200) {
    const hints = {
      503: SHEDDING_HINT,
      401: 'ADMIN_API_KEY was refused: the sequencer needs an admin key that starts with ss_ (the real server: BOOTSTRAP_ADMIN_API_KEY; the devserver: --admin-key, default ss_local_devserver_admin_key)',
      403: 'ADMIN_API_KEY is valid but has no admin permission for this tenant',
    };
    abort(`registering the run's agent key failed: HTTP ${r.status} ${excerpt(r.res.body)}. ${hints[r.status] || 'Or register a key yourself and pass AGENT_SEED and AGENT_KEY_ID.'}`);
  }
  return { agentSeed, agentKeyId, registered: true, publicKeyHex: signer.publicKeyHex, seed, signer: remote };
}

/** SEED, or a drawn one; printed either way, so that the run can be repeated. */
export function runSeed(cfg) {
  if (cfg.seed !== null) {
    console.log(`ves-k6: SEED=${cfg.seed}${cfg.createdAt !== null ? ` CREATED_AT=${cfg.createdAt}` : ''}`);
    return cfg.seed;
  }
  const seed = drawSeed();
  console.log(`ves-k6: SEED=${seed} (drawn; repeat this run's content with -e SEED=${seed})`);
  return seed;
}

/**
 * What the summary records about a run besides the seed (summary.js runRecord): CREATED_AT,
 * the profile, the k6 version (K6_VERSION: k6 does not tell a script its own), the stream mode
 * and how gaps between batches are checked.
 * @param {import('./config.js').VesConfig} cfg
 * @param {{name: string}} profile
 * @param {{committer?: boolean, ingests?: boolean}} [what] the scenario runs a committer / ingests in its main loop
 */
export function runInfo(cfg, profile, what = {}) {
  const env = typeof __ENV !== 'undefined' ? __ENV : {};
  return {
    createdAt: cfg.createdAt,
    profile: profile ? profile.name : 'default',
    k6Version: env.K6_VERSION || 'unknown (k6 does not tell a script its version; pass -e K6_VERSION="$(k6 version)")',
    streams: cfg.perVuStreams ? 'per-vu' : cfg.streams,
    repeatable: cfg.repeatable,
    interBatchGaps: what.ingests === false ? 'not applicable: no ingest in the main loop' : gapCheckMode(cfg, what.committer === true),
    sequencerPublicKey: cfg.sequencerPublicKey !== null,
    receiptSigSample: cfg.receiptSigSample,
    receiptCheck: cfg.receiptCheck,
  };
}

/** One line at start when receipts from a remote sequencer will not have their signatures checked. */
export function warnUnverifiedSignatures(cfg) {
  if (!cfg.loopback && cfg.sequencerPublicKey === null) {
    console.warn(`ves-k6: WARNING: SEQUENCER_PUBLIC_KEY is not set: no receipt signature from ${cfg.baseUrl} will be checked (only receipt hashes); set it to the sequencer's receipt-signing key`);
  }
}

// setup() with SIGNER_URL: the signer answers and holds the run's key, or the run aborts.
function remoteSignerForRun(cfg) {
  try {
    return signerForRun(cfg, cfg.registerKey ? null : createSigner(cfg.agentSeed).publicKeyHex);
  } catch (e) {
    abort(e.message);
    throw e;
  }
}

/** Aborts the test unless GET /health answers 200 (the seed's "Connection refused" case). */
export function requireHealthy(cfg, client) {
  const r = client.request('GET', '/health', null, 'health', { tags: {} });
  if (r.status === 200) return;
  if (r.status === 0) {
    abort(`cannot reach the sequencer at ${cfg.baseUrl} (${r.res.error || 'no answer'}). Is it running? ` +
      `Start the local one with 'make devserver', or point SEQUENCER_BASE_URL at yours; check with: curl ${cfg.baseUrl}/health`);
  }
  abort(`the sequencer at ${cfg.baseUrl} answered GET /health with HTTP ${r.status} ${excerpt(r.res.body)}; is SEQUENCER_BASE_URL right?`);
}

function abort(message) {
  console.error(`ves-k6: ${message}`);
  exec.test.abort(message);
}

let vuState = null;

/**
 * This VU's state, made on first use: signer (its tables cost a few ms, once), ledger, client,
 * stream. VU n writes to stream (n-1) mod STREAMS, or with STREAMS=per-vu to its own stream n-1
 * (streams.js).
 */
export function vuStateFor(cfg, data) {
  if (vuState !== null) return vuState;
  const stream = writerStream(cfg, exec.vu.idInTest);
  vuState = newState(cfg, data, stream.index, stream.storeId);
  return vuState;
}

function newState(cfg, data, streamIndex, storeId = cfg.streamStoreIds[streamIndex]) {
  return {
    signer: null, // made on first use (signerOf): replay VUs never sign
    ledger: new Ledger({ keepFraction: PROOF_KEEP }),
    client: clientFor(cfg),
    streamIndex,
    storeId,
    continuity: cfg.perVuStreams ? new WriterContinuity() : null,
    iteration: 0,
    lastAccepted: null, // {event, sequenceNumber, receiptHash}: INVALID_RATE's known_id_other_contents
    proven: new Set(),
    committer: null,
    explained: new Set(),
    replays: new ReplayBook(), // accepted batches to re-send (REPLAY_RATE, replay.js)
  };
}

/** This VU's signer, made on first use (its base-point table is shared, see precomputeBaseTable). */
function signerOf(state, data, cfg) {
  if (state.signer === null) state.signer = data.signer ? new RemoteSigner(data.signer, cfg.signerToken) : createSigner(data.agentSeed);
  return state.signer;
}

/**
 * setup() data for read-only scenarios: one batch into every stream, then a commitment of each,
 * so that the query endpoints have something to return.
 */
export function seedStreams(cfg, data) {
  const state = newState(cfg, data, 0);
  for (let i = 0; i < cfg.streams; i++) {
    ingestBatch(cfg, data, state, cfg.batchSize, cfg.streamStoreIds[i], i, { scenario: 'setup', iteration: 0, purpose: `seed/${i}` });
    // One committer per stream: of several k6 processes (execution segments), the first commits.
    if (isFirstSegment()) commitStream(cfg, data, state, i);
  }
}

/**
 * Wraps an exec function so that a JavaScript error in it fails the `checks` threshold: k6 only
 * logs an exception in an iteration, which would let a broken scenario pass.
 * @template T
 * @param {string} name shown in the check and the log
 * @param {(data: T) => void} fn
 * @returns {(data: T) => void}
 */
export function guard(name, fn) {
  return function guarded(data) {
    try {
      tagWarmup(warmupMs());
      fn(data);
    } catch (e) {
      check(null, { [`${name}: no script error`]: () => false });
      console.error(`ves-k6 [VU ${exec.vu.idInTest}] ${name}: script error: ${e && e.stack ? e.stack : e}`);
    }
  };
}

/**
 * guard() for an async exec function (one that awaits, e.g. k6/experimental/fs reads): a
 * rejected promise fails the `checks` threshold the same way.
 * @template T
 * @param {string} name
 * @param {(data: T) => Promise<void>} fn
 * @returns {(data: T) => Promise<void>}
 */
export function guardAsync(name, fn) {
  return async function guarded(data) {
    try {
      tagWarmup(warmupMs());
      await fn(data);
    } catch (e) {
      check(null, { [`${name}: no script error`]: () => false });
      console.error(`ves-k6 [VU ${exec.vu.idInTest}] ${name}: script error: ${e && e.stack ? e.stack : e}`);
    }
  };
}

let warmup = null;
// WARMUP of the run (validated by config(); read here so that guard() needs no cfg).
function warmupMs() {
  if (warmup === null) warmup = parseWarmup(typeof __ENV !== 'undefined' ? __ENV.WARMUP : undefined);
  return warmup;
}

/** Logs a failure the first time this VU sees its kind, so a red threshold comes with a reason. */
export function explainOnce(state, kind, message) {
  if (state.explained.has(kind)) return;
  state.explained.add(kind);
  console.warn(`ves-k6 [VU ${exec.vu.idInTest}] ${message}`);
}

/**
 * @typedef {object} ContentSlot where an iteration's content comes from (content.js)
 * @property {string} scenario k6's scenario name
 * @property {number} iteration exec.scenario.iterationInTest
 * @property {string} purpose batch, probe, heartbeat/<stream>, seed/<stream>
 */

/**
 * The running iteration's content slot: (exec.scenario.name, exec.scenario.iterationInTest,
 * purpose), never the VU; in setup() (no scenario), ('setup', 0, purpose).
 * @param {string} purpose
 * @returns {ContentSlot}
 */
export function currentSlot(purpose) {
  try {
    return { scenario: exec.scenario.name, iteration: exec.scenario.iterationInTest, purpose };
  } catch (e) {
    return { scenario: 'setup', iteration: 0, purpose };
  }
}

let fallbackSeed = null;

// The run's seed: setup()'s (data.seed), else SEED, else one per VU (a custom setup without setupRun).
function seedOf(cfg, data) {
  if (data && Number.isSafeInteger(data.seed)) return data.seed;
  if (cfg.seed !== null) return cfg.seed;
  if (fallbackSeed === null) fallbackSeed = drawSeed();
  return fallbackSeed;
}

/** The content source of a slot under the run's seed. */
export function contentSource(cfg, data, slot) {
  return new ContentSource(seedOf(cfg, data), slot.scenario, slot.purpose, slot.iteration);
}

/**
 * Fields for `count` order events in this VU's stream (entity ids shared with the query mix):
 * ids and payloads from the slot's content blocks (content.js orderEventFields), created_at
 * CREATED_AT or the time of the call.
 * @param {ContentSlot} [slot] default: the running iteration's `batch`
 * @returns {import('./event.js').EventFields[]}
 */
export function orderFields(cfg, data, state, count, storeId = state.storeId, slot = currentSlot('batch')) {
  return orderEventFields(contentSource(cfg, data, slot), count, {
    tenant_id: cfg.tenantId,
    store_id: storeId,
    source_agent_id: cfg.agentId,
    agent_key_id: data.agentKeyId,
    created_at: cfg.createdAt !== null ? cfg.createdAt : new Date().toISOString(),
  });
}

export const entityId = orderEntityId;

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
  let { events, body } = signer instanceof RemoteSigner
    ? signer.signContent(cfg.agentId, contentSpec(cfg, data, count, storeId, slot, live))
    : buildBatchWith(signer, cfg.agentId, liveFields(cfg, data, state, count, storeId, slot, live));
  // INVALID_RATE: a seeded share of the batch's events made invalid (invalid.js).
  let invalid = [];
  if (live && cfg.invalidRate > 0) {
    const source = contentSource(cfg, data, Object.assign({}, slot, { purpose: 'invalid' }));
    const known = state.lastAccepted === null ? null : state.lastAccepted.event;
    invalid = corruptBatch(events, cfg.invalidRate, cfg.invalidKinds, (i) => source.block(i), { signer: signerOf(state, data, cfg), agentKeyId: data.agentKeyId, known });
    if (invalid.length > 0) body = ingestBody(cfg.agentId, events);
  }
  metrics.recordSignDuration(Date.now() - t0, events.length);
  const r = state.client.ingest(cfg.agentId, body);
  const outcome = judgeIngest(cfg, state, events, r, streamIndex, cfg.repeatable, invalid);
  if (outcome.passed && Array.isArray(r.json.receipts) && r.json.receipts.length > 0) {
    const receipt = r.json.receipts[0];
    const event = events.find((e) => e.event_id === String(receipt.eventId).toLowerCase());
    if (event) state.lastAccepted = { event, sequenceNumber: receipt.sequenceNumber, receiptHash: receipt.receiptHash };
    // REPLAY_RATE: the seeded choice of this slot, so that the same SEED replays the same batches.
    if (live && cfg.replayRate > 0 && blockChance(contentSource(cfg, data, Object.assign({}, slot, { purpose: 'replay' })).block(0), 0) < cfg.replayRate) {
      state.replays.remember(cfg.agentId, body, events, r.json.receipts, invalid);
    }
  }
  return outcome;
}

// The fields of a batch signed in k6: the slot's order events, with HOT_ENTITIES and PAYLOAD
// applied to live batches.
function liveFields(cfg, data, state, count, storeId, slot, live) {
  const fields = orderFields(cfg, data, state, count, storeId, slot);
  // HOT_ENTITIES: a seeded share of the events goes to a few entity ids (hot.js).
  if (live && cfg.hotEntities > 0) {
    const hot = contentSource(cfg, data, Object.assign({}, slot, { purpose: 'hot' }));
    heatEntities(fields, cfg.hotEntities, (i) => hot.block(i));
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
    hot: live ? cfg.hotEntities : 0,
    shape: live ? cfg.payloadShape : 'order',
    payloadBytes: live ? cfg.payloadBytes : 0,
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
 * @returns {import('./ledger.js').IngestOutcome}
 */
export function ingestPresigned(cfg, state, body, streamIndex, light = null) {
  const line = light !== null && typeof light.presigned === 'function' ? light : null;
  const parsed = line !== null ? null : light !== null ? light : parseCorpusLine(body);
  const r = state.client.ingest(line !== null ? line.agentId : parsed.agentId, body);
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
    metrics.recordReplayViolation(refusals.length);
    const event = sentEvent(events, refusals[0].eventId, r);
    explainOnce(state, 'replay:refused', `replay violation (refused): event ${refusals[0].eventId}, sent before with these exact bytes, was refused: ${refusals[0].reason} (${refusals[0].message}); ${refusals.length} in this batch; its payload: ${payloadExcerpt(event)}`);
  }
  // A re-sent event answered with a number above the head got a new number: a replay violation.
  const renumbered = replaysAllowed ? takeRenumberedReplays(outcome, r.status === 200 ? r.json : null) : [];
  if (renumbered.length > 0) {
    metrics.recordReplayViolation(renumbered.length);
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

/** Logs what a non-200 answer means (pool exhaustion, auth, limits), once per status. */
export function explainHttp(state, endpoint, r) {
  const code = r.json && typeof r.json.code === 'string' ? r.json.code : '';
  let why = '';
  if (r.status === 0) why = `no answer (${r.res.error}): the sequencer stopped or the network failed`;
  else if (r.status === 503 && code === 'pool_exhausted') why = SHEDDING_HINT;
  else if (r.status === 429) why = 'rate limited (429): raise or unset RATE_LIMIT_PER_MINUTE on the sequencer, or the key\'s rateLimit';
  else if (r.status === 401) why = 'authentication refused (401): API_KEY must be a valid key starting with ss_';
  else if (r.status === 403) why = 'permission denied (403): the key cannot write this tenant/store/agent';
  else if (r.status === 413) why = 'too large (413): at most 1000 events, 10 MiB per request, 1 MiB per payload';
  else why = excerpt(r.res.body);
  explainOnce(state, `${endpoint}:${r.status}`, `${endpoint}: HTTP ${r.status}: ${why}`);
}

/**
 * The committer: exactly one per stream (commitments must be contiguous). It learns a stream's
 * head from a one-event heartbeat ingest (the real server has no VES head endpoint), then
 * commits [last end + 1, head] (at most MAX_COMMIT_RANGE at once) and checks the answer: the
 * range, the leaf count, and the state-root chain (prev_state_root is the previous
 * new_state_root; new_state_root recomputes). A range the server cannot commit because events
 * are missing is a gap in the numbering: a sequence anomaly.
 * @param {number} streamIndex
 */
export function commitStream(cfg, data, state, streamIndex) {
  const storeId = cfg.streamStoreIds[streamIndex];
  state.committer = state.committer || {};
  let st = state.committer[streamIndex];
  if (st === undefined) {
    const found = lastCommitment(cfg, state, storeId);
    if (found === null) return; // the listing failed (explained); ask again next round
    st = state.committer[streamIndex] = found;
  }
  if (st.broken) return;
  const heartbeat = ingestBatch(cfg, data, state, 1, storeId, streamIndex, currentSlot(`heartbeat/${streamIndex}`));
  const head = heartbeat.headSequence;
  if (!Number.isSafeInteger(head) || head <= st.end) return;
  const start = st.end + 1;
  const end = Math.min(head, st.end + MAX_COMMIT_RANGE);
  const r = state.client.commit(cfg.tenantId, storeId, start, end);
  const c = r.json;
  if (r.status === 400 && /contains \d+ events but expected|no VES events in range/.test(r.res.body || '')) {
    metrics.sequenceAnomalies.add(1, { stream: String(streamIndex) });
    st.broken = true;
    explainOnce(state, `gap:${streamIndex}`, `the sequencer cannot commit [${start}, ${end}] of stream ${streamIndex} although its head is ${head}: ${excerpt(r.res.body)}. Sequence numbers have a gap; the committer stops for this stream`);
    return;
  }
  const ok = r.status === 200 && c !== null;
  const rangeOk = ok && c.sequence_start === start && c.sequence_end === end && c.leaf_count === end - start + 1;
  let chainOk = false;
  if (rangeOk) {
    const prevOk = strip(c.prev_state_root) === st.stateRoot;
    const recomputed = stateRoot(cfg.tenantId, storeId, strip(c.prev_state_root), strip(c.merkle_root), start, end, c.leaf_count);
    chainOk = prevOk && recomputed === strip(c.new_state_root);
  }
  check(r, {
    'commit: HTTP 200': () => ok,
    'commit: range and leaf count as asked': () => rangeOk,
    'commit: state-root chain intact': () => chainOk,
  });
  if (!ok) explainHttp(state, 'commit', r);
  else if (!rangeOk) explainOnce(state, `commit-range:${streamIndex}`, `commit [${start}, ${end}] answered [${c.sequence_start}, ${c.sequence_end}] with leaf_count ${c.leaf_count}`);
  else if (!chainOk) explainOnce(state, `chain:${streamIndex}`, `commitment ${c.batch_id} breaks the state-root chain of stream ${streamIndex}`);
  if (rangeOk) {
    st.end = end;
    st.stateRoot = strip(c.new_state_root);
  }
}

// Where the stream's chain stands now: {end, stateRoot}, from the server's list (null on error).
function lastCommitment(cfg, state, storeId) {
  const r = state.client.commitments(cfg.tenantId, storeId);
  if (r.status !== 200 || r.json === null || !Array.isArray(r.json.commitments)) {
    explainHttp(state, 'commitments', r);
    return null;
  }
  let last = null;
  for (const c of r.json.commitments) if (last === null || c.sequence_end > last.sequence_end) last = c;
  return last === null ? { end: 0, stateRoot: ZERO_HASH, broken: false } : { end: last.sequence_end, stateRoot: strip(last.new_state_root), broken: false };
}

/**
 * One proof check: picks one of this VU's own events inside the newest commitment that covers
 * any, fetches its inclusion proof, rebuilds the leaf from the ledger and verifies the path
 * against the commitment (depth, index bound, directions, root). Records ves_proofs_verified or
 * ves_proofs_failed, and ves_time_to_proof the first time an event is proven.
 * @returns {boolean|null} null when none of the VU's events is committed yet
 */
export function proveOwnEvent(cfg, data, state) {
  const list = state.client.commitments(cfg.tenantId, state.storeId);
  if (list.status !== 200 || list.json === null || !Array.isArray(list.json.commitments)) {
    explainHttp(state, 'commitments', list);
    return null;
  }
  const target = state.ledger.proofTarget(cfg.tenantId, state.storeId, list.json.commitments);
  if (target === null) return null;
  const { commitment, entry } = target;
  const r = state.client.proof(entry.sequenceNumber, cfg.tenantId, state.storeId, commitment.batch_id);
  const leaf = state.ledger.leafHash(entry);
  let result;
  if (r.status !== 200 || r.json === null) result = { ok: false, reason: `HTTP ${r.status} ${excerpt(r.res.body)}` };
  else if (strip(r.json.leaf_hash) !== leaf) result = { ok: false, reason: `the proof's leaf_hash ${r.json.leaf_hash} is not the leaf of our event (${leaf})` };
  else if (strip(r.json.merkle_root) !== strip(commitment.merkle_root)) result = { ok: false, reason: "the proof's merkle_root is not the commitment's" };
  else result = checkInclusion(r.json, leaf, commitment);
  const key = `${entry.sequenceNumber}`;
  const first = !state.proven.has(key);
  if (result.ok && first) {
    if (state.proven.size > 10000) state.proven.clear();
    state.proven.add(key);
  }
  metrics.recordProof(result.ok, result.ok && first ? Date.now() - entry.ingestedAt : undefined);
  check(r, { 'proof: own event verifies against the commitment': () => result.ok });
  if (!result.ok) explainOnce(state, 'proof', `inclusion proof of seq ${entry.sequenceNumber} in ${commitment.batch_id} failed: ${result.reason}`);
  return result.ok;
}

/**
 * One read: the legacy head, events and entity history, and the VES commitment list, in turn.
 * (The real server serves the first three from its legacy table: empty for VES-only streams.)
 */
export function queryOnce(cfg, state) {
  const which = state.iteration % 4;
  const stream = Math.floor(Math.random() * cfg.streams);
  const storeId = cfg.streamStoreIds[stream];
  let r;
  let shapeOk;
  if (which === 0) {
    r = state.client.head(cfg.tenantId, storeId);
    shapeOk = () => r.json !== null && Number.isSafeInteger(r.json.head_sequence);
  } else if (which === 1) {
    r = state.client.events(cfg.tenantId, storeId, 1, 20);
    shapeOk = () => r.json !== null && Array.isArray(r.json.events) && r.json.count === r.json.events.length;
  } else if (which === 2) {
    r = state.client.entity(cfg.tenantId, storeId, 'order', entityId(Math.floor(Math.random() * ENTITIES_PER_STREAM)));
    shapeOk = () => r.json !== null && Array.isArray(r.json.events) && r.json.entity_type === 'order';
  } else {
    r = state.client.commitments(cfg.tenantId, storeId);
    shapeOk = () => r.json !== null && Array.isArray(r.json.commitments) && r.json.count === r.json.commitments.length;
  }
  const endpoint = ['head', 'events', 'entity', 'commitments'][which];
  check(r, { [`query ${endpoint}: HTTP 200`]: () => r.status === 200, [`query ${endpoint}: response shape`]: shapeOk });
  if (r.status !== 200) explainHttp(state, endpoint, r);
  return r;
}

/**
 * The probes: requests the sequencer must refuse as a whole (HTTP 400), each sent alone. Events
 * refused one by one inside a batch are INVALID_RATE's (invalid.js), exact replays REPLAY_RATE's
 * (replay.js).
 */
export const PROBE_KINDS = Object.freeze(['agent_mismatch', 'malformed_body']);

/**
 * One probe, sent alone: agent_mismatch (the request's agentId is not the events'
 * source_agent_id) or malformed_body (the first half of a valid body: not JSON). Both must be
 * refused with HTTP 400. Correct answers count in ves_invalid_rejected{kind}, wrong ones in
 * ves_invalid_accepted{kind}; never in ves_events_rejected.
 * @param {string} kind one of PROBE_KINDS
 */
export function probe(cfg, data, state, kind, slot = currentSlot('probe')) {
  if (!PROBE_KINDS.includes(kind)) throw new Error(`probe: unknown kind ${kind}; expected one of ${PROBE_KINDS.join(', ')} (per-event kinds are INVALID_KINDS)`);
  const source = contentSource(cfg, data, slot);
  const fields = orderEventFields(source, 2, {
    tenant_id: cfg.tenantId,
    store_id: state.storeId,
    source_agent_id: cfg.agentId,
    agent_key_id: data.agentKeyId,
    created_at: cfg.createdAt !== null ? cfg.createdAt : new Date().toISOString(),
  })[1]; // event 0's block chose the probe (maybeProbe)
  const { events, body } = buildBatchWith(signerOf(state, data, cfg), cfg.agentId, [fields]);
  let agentId = cfg.agentId;
  let sent = body;
  if (kind === 'agent_mismatch') {
    agentId = blockUuid(source.block(2), 0);
    sent = ingestBody(agentId, events);
  } else {
    sent = body.slice(0, Math.floor(body.length / 2));
  }
  const r = state.client.ingest(agentId, sent, { expectedStatuses: [400], tags: { probe: kind } });
  const asExpected = r.status === 400;
  metrics.recordProbe(kind, asExpected);
  if (!asExpected && state.continuity !== null) state.continuity.advance(state.streamIndex, r.json);
  check(r, { [`probe ${kind}: refused as expected`]: () => asExpected });
  if (!asExpected) explainOnce(state, `probe:${kind}`, `probe ${kind} was not refused as expected (HTTP 400): HTTP ${r.status} ${excerpt(r.res.body)}`);
  return asExpected;
}

/**
 * With probability PROBES, sends one probe. Whether, and which kind, comes from block 0 of the
 * iteration's `probe` slot (bytes 0..3: the chance, byte 4: the kind), so that the same SEED
 * makes the same choices.
 */
export function maybeProbe(cfg, data, state, probability, slot = currentSlot('probe')) {
  if (!(probability > 0)) return;
  const b = contentSource(cfg, data, slot).block(0);
  if (blockChance(b, 0) >= probability) return;
  probe(cfg, data, state, PROBE_KINDS[b[4] % PROBE_KINDS.length], slot);
}

/**
 * The same instant as another string (the signature covers the exact string): without its
 * fraction, or with `.0` added when it has none.
 * @param {string} createdAt
 */
export function reformatCreatedAt(createdAt) {
  if (/\.\d+/.test(createdAt)) return createdAt.replace(/\.\d+/, '');
  return createdAt.replace(/(\d{2}:\d{2}:\d{2})/, '$1.0');
}

/** PROBES: the share of ingest iterations that also send one invalid-event probe. */
export function probeRate(env, fallback) {
  if (env.PROBES === undefined || env.PROBES === '') return fallback;
  const v = Number(env.PROBES);
  if (!(v >= 0 && v <= 1)) throw new Error(`PROBES: expected a share from 0 to 1 of iterations that also send an invalid-event probe, found ${JSON.stringify(env.PROBES)}`);
  return v;
}

/** Sleeps between committer rounds. */
export function pause(seconds) {
  sleep(seconds);
}

function strip(hex) {
  return typeof hex === 'string' ? hex.replace(/^0x/i, '').toLowerCase() : '';
}

/** The first 200 characters of a response body, for logs. */
export function excerpt(body) {
  if (typeof body !== 'string' || body.length === 0) return '(empty body)';
  return body.length > 200 ? `${body.slice(0, 200)}…` : body;
}
