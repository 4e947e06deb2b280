/**
 * The proof check: the inclusion proof of one of the VU's own committed events, verified
 * client-side against its commitment.
 *
 * @module proofs
 */
import { check } from 'k6';
import { checkInclusion } from './merkle.js';
import * as metrics from './metrics.js';
import { excerpt, explainHttp, explainOnce } from './explain.js';
import { strip } from './committer.js';

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
