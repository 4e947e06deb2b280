/**
 * Which VU writes where, and the check that only a single writer can make.
 *
 * Shared streams (STREAMS=n, the default 1): VU v writes to stream (v-1) mod n, so a stream has
 * several writers (and, in the mixed workload, the committer's heartbeats): each response is
 * checked to be consecutive inside itself, but a gap between two batches is invisible to the
 * VUs; only the committer notices it, as a range it cannot commit.
 *
 * STREAMS=per-vu: VU v (exec.vu.idInTest, unique across execution segments) is the only writer
 * of stream v-1 (store id streamStoreId(STORE_ID, v-1)), so each of its batches must start right
 * after its previous one: a gap or a repeat between batches is a sequence anomaly.
 *
 * @module streams
 */
import { streamStoreId } from './hash.js';

/**
 * The stream a VU writes to.
 * @param {import('./config.js').VesConfig} cfg
 * @param {number} vuId exec.vu.idInTest (1-based)
 * @returns {{index: number, storeId: string}}
 */
export function writerStream(cfg, vuId) {
  const v = Math.max(1, vuId);
  if (cfg.perVuStreams) return { index: v - 1, storeId: streamStoreId(cfg.storeId, v - 1) };
  const index = (v - 1) % cfg.streams;
  return { index, storeId: cfg.streamStoreIds[index] };
}

/**
 * How the run checks gaps between batches, for the summary.
 * @param {import('./config.js').VesConfig} cfg
 * @param {boolean} committer the scenario runs a committer (the mixed workload)
 */
export function gapCheckMode(cfg, committer) {
  if (cfg.perVuStreams) return 'per-vu: each VU is the only writer of its stream; a gap or repeat between its batches is a sequence anomaly';
  if (committer) return 'shared streams with several writers: gaps between batches are checked only by the committer (a range it cannot commit)';
  return 'shared streams: gaps between batches are not checked (STREAMS=per-vu checks them)';
}

/**
 * The single writer's expectation: where its next batch must start, per stream.
 */
export class WriterContinuity {
  constructor() {
    this.next = new Map();
  }

  /**
   * Checks an ingest answer of this writer and moves the expectation on. Returns null when the
   * batch starts where expected (or nothing is known yet), else {expected, found}.
   * @param {number} streamIndex
   * @param {object|null} body the parsed response
   * @param {number} newEvents events newly sequenced in it
   */
  check(streamIndex, body, newEvents) {
    if (body === null || typeof body !== 'object') {
      // No answer: events may or may not have been sequenced; start over.
      this.next.delete(streamIndex);
      return null;
    }
    if (newEvents === 0 || !Number.isSafeInteger(body.sequenceStart) || !Number.isSafeInteger(body.sequenceEnd)) return null;
    const expected = this.next.get(streamIndex);
    this.next.set(streamIndex, body.sequenceEnd + 1);
    if (expected === undefined || body.sequenceStart === expected) return null;
    return { expected, found: body.sequenceStart };
  }

  /** Events of this writer sequenced outside the checked batches (a probe wrongly accepted). */
  advance(streamIndex, body) {
    if (body && Number.isSafeInteger(body.sequenceEnd) && body.eventsAccepted > 0 && this.next.has(streamIndex)) {
      this.next.set(streamIndex, body.sequenceEnd + 1);
    }
  }

  /** Forgets the expectation (after a request whose fate is unknown). */
  reset(streamIndex) {
    this.next.delete(streamIndex);
  }
}
