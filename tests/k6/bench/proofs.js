// Benchmark (no server): depth-16 inclusion-proof verifications per second per VU
// (verifyInclusion against a commitment of 65,536 leaves). Prints one `bench-proofs:` line.
//
//   k6 run --quiet --no-usage-report -e VUS=1 -e DURATION=10s tests/k6/bench/proofs.js
import crypto from 'k6/crypto';
import { Counter } from 'k6/metrics';
import { nodeHash, verifyInclusion } from '../../../js/ves.js';

const VUS = Number(__ENV.VUS || 1);
const DURATION = __ENV.DURATION || '10s';
const DEPTH = 16;
const PROOFS = 64;

const benchProofs = new Counter('bench_proofs');

// Random proofs at random indices of a full depth-16 tree; the root is walked with nodeHash
// (hash.js), independently of the verifier's own walk.
const cases = [];
for (let p = 0; p < PROOFS; p++) {
  const leaf = crypto.hexEncode(crypto.randomBytes(32));
  const index = Math.floor(Math.random() * 2 ** DEPTH);
  const path = [];
  const directions = [];
  let node = leaf;
  for (let d = 0; d < DEPTH; d++) {
    const sibling = crypto.hexEncode(crypto.randomBytes(32));
    const left = Math.floor(index / 2 ** d) % 2 === 0;
    node = left ? nodeHash(node, sibling) : nodeHash(sibling, node);
    path.push(sibling);
    directions.push(left);
  }
  cases.push({
    leaf,
    proof: { leaf_index: index, proof_path: path, directions },
    commitment: { merkle_root: node, leaf_count: 2 ** DEPTH, padded_leaf_count: 2 ** DEPTH, tree_depth: DEPTH },
  });
}

export const options = {
  scenarios: { proofs: { executor: 'constant-vus', vus: VUS, duration: DURATION } },
};

export default function () {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    if (!verifyInclusion(c.proof, c.leaf, c.commitment)) throw new Error(`proof ${i} did not verify`);
  }
  benchProofs.add(cases.length);
}

export function handleSummary(data) {
  const proofs = data.metrics.bench_proofs ? data.metrics.bench_proofs.values.count : 0;
  const seconds = data.state.testRunDurationMs / 1000;
  return { stdout: `bench-proofs: vus=${VUS} depth=${DEPTH} proofs=${proofs} seconds=${seconds.toFixed(2)} proofs_per_s=${(proofs / seconds).toFixed(0)} proofs_per_s_per_vu=${(proofs / seconds / VUS).toFixed(0)}\n` };
}
