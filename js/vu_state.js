/**
 * Per-VU state of the shipped scenarios: signer, ledger, client, stream, and what the VU keeps
 * between iterations (its last accepted event, batches to replay, failures explained).
 *
 * @module vu_state
 */
import exec from 'k6/execution';
import { createSigner } from './ed25519.js';
import { RemoteSigner } from './remote_signer.js';
import { Ledger } from './ledger.js';
import { WriterContinuity, writerStream } from './streams.js';
import { ReplayBook } from './replay.js';
import { clientFor } from './setup.js';

/**
 * The share of a VU's accepted events its ledger keeps as proof targets (and always the first
 * of each batch): keeping every one cost about 15 µs of k6 CPU per event, and a proof check
 * samples one event anyway.
 */
export const PROOF_KEEP = 0.1;

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

/** A fresh state writing to one stream (also setup()'s, queries.js seedStreams). */
export function newState(cfg, data, streamIndex, storeId = cfg.streamStoreIds[streamIndex]) {
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
    proofOwed: false, // the mixed workload's proof iteration found nothing committed yet: the next one proves
    committer: null,
    explained: new Set(),
    replays: new ReplayBook(), // accepted batches to re-send (REPLAY_RATE, replay.js)
    // setup() read the server's /metrics and the run keeps the balance: accepted events count into
    // ves_server_gap (server_view.js).
    serverView: Boolean(data && data.server && data.server.balance),
  };
}

/** This VU's signer, made on first use (its base-point table is shared, see precomputeBaseTable). */
export function signerOf(state, data, cfg) {
  if (state.signer === null) state.signer = data.signer ? new RemoteSigner(data.signer, cfg.signerToken) : createSigner(data.agentSeed);
  return state.signer;
}
