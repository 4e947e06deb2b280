/**
 * The committer: one per stream, commits each new range up to the stream's head and checks the
 * state-root chain of the answers.
 *
 * @module committer
 */
import { check, sleep } from 'k6';
import { stateRoot, ZERO_HASH } from './hash.js';
import * as metrics from './metrics.js';
import { excerpt, explainHttp, explainOnce } from './explain.js';
import { ingestBatch } from './ingest.js';
import { currentSlot } from './slots.js';

/** Largest range the committer asks for at once (the server loads a whole range in memory). */
export const MAX_COMMIT_RANGE = 10000;

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

/** Sleeps between committer rounds. */
export function pause(seconds) {
  sleep(seconds);
}

/** A hash as the kit compares it: no 0x, lower case ('' when not a string; proofs.js too). */
export function strip(hex) {
  return typeof hex === 'string' ? hex.replace(/^0x/i, '').toLowerCase() : '';
}
