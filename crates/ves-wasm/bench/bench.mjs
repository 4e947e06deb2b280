// Node + wasm versus native, in one run: signed events/s (batch 100, order payloads, each event
// built, canonicalized, hashed twice, signed and serialized into the ingest body, as in
// `ves bench`) and depth-16 inclusion-proof verifications/s against a commitment head.
// Usage: node crates/ves-wasm/bench/bench.mjs [seconds]   (make bench-wasm)
// Runs `target/release/ves bench` (VES_BIN) before and after the same two measurements in Node.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ves = createRequire(import.meta.url)(process.env.VES_WASM_PKG || resolve(REPO, 'crates/ves-wasm/pkg/node'));
const seconds = Number(process.argv[2] || 5);
const BATCH = 100;

// Native before and after the Node measurements: on a shared machine the load moves, and the
// ratio uses the mean of the two native runs.
function runNative() {
  const out = execFileSync(process.env.VES_BIN || resolve(REPO, 'target/release/ves'), ['bench', '--seconds', String(seconds)], { encoding: 'utf8' });
  const m = /ves-bench: events_per_s=(\d+) proofs_per_s=(\d+)/.exec(out);
  if (!m) throw new Error(`no ves-bench line in:\n${out}`);
  return { out, events: Number(m[1]), proofs: Number(m[2]) };
}
const native1 = runNative();

// Order payloads shaped like ves-core's generator (generate.rs, order_payload).
let state = 1;
const rand = () => (state = (state * 1103515245 + 12345) >>> 0);
const pick = (xs) => xs[rand() % xs.length];
const AGENT = '33333333-3333-4333-8333-333333333333';
function fields() {
  const entity = rand() % 1000;
  const items = Array.from({ length: 1 + (rand() % 3) }, () => ({
    sku: `SKU-${String(rand() % 10000).padStart(4, '0')}`, qty: 1 + (rand() % 5), price_cents: 100 + (rand() % 50000),
  }));
  return {
    tenant_id: '11111111-1111-4111-8111-111111111111', store_id: '22222222-2222-4222-8222-222222222222',
    source_agent_id: AGENT, agent_key_id: 1, entity_type: 'order', entity_id: `order-${String(entity).padStart(6, '0')}`,
    event_type: 'order.updated', created_at: '2025-01-01T00:00:00.000Z',
    payload: {
      order_id: `order-${String(entity).padStart(6, '0')}`, status: pick(['created', 'paid', 'shipped', 'delivered']),
      total_cents: rand() % 1000000, currency: pick(['USD', 'EUR', 'JPY']), items, note: pick(['', 'gift', 'café ✓', 'leave at door']),
    },
  };
}

function benchEvents() {
  const signer = ves.createSigner('07'.repeat(32));
  let count = 0, bytes = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const list = Array.from({ length: BATCH }, fields);
    const { body } = ves.buildBatch(signer, AGENT, list);
    bytes += body.length;
    count += BATCH;
  }
  return count / ((performance.now() - start) / 1000);
}

function benchProofs() {
  const leaves = Array.from({ length: 1 << 16 }, () => randomBytes(32).toString('hex'));
  const levels = ves.merkleLevels(leaves);
  const root = levels.at(-1)[0];
  const commitment = { merkle_root: root, leaf_count: leaves.length, tree_depth: 16, padded_leaf_count: leaves.length };
  const pool = Array.from({ length: 4096 }, () => {
    const i = rand() % leaves.length;
    const path = [], directions = [];
    for (let d = 0, j = i; d < 16; d++, j >>= 1) { path.push(levels[d][j ^ 1]); directions.push((j & 1) === 0); }
    return { proof: { leaf_index: i, proof_path: path, directions }, leaf: leaves[i] };
  });
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (const { proof, leaf } of pool) {
      if (!ves.verifyInclusion(proof, leaf, commitment)) throw new Error('a valid proof was rejected');
      count++;
    }
  }
  return count / ((performance.now() - start) / 1000);
}

// Where a wasm proof verification goes: the JSON crossing (JSON.stringify of the proof and the
// commitment; serde_json parses it inside) and SHA-256 without the CPU's SHA extensions.
function breakdown() {
  const leaves = Array.from({ length: 1 << 16 }, () => randomBytes(32).toString('hex'));
  const proof = ves.merkleProof(leaves, 12345);
  const commitment = { merkle_root: proof.merkle_root, leaf_count: leaves.length, tree_depth: 16 };
  const n = 20000;
  const time = (f) => { const s = performance.now(); for (let i = 0; i < n; i++) f(); return ((performance.now() - s) * 1000) / n; };
  const signer = ves.createSigner('07'.repeat(32));
  const list = Array.from({ length: BATCH }, fields);
  const m = 50;
  const perEvent = (f) => { const s = performance.now(); for (let i = 0; i < m; i++) f(); return ((performance.now() - s) * 1000) / (m * BATCH); };
  return {
    batch: perEvent(() => ves.buildBatch(signer, AGENT, list)),
    fieldsJson: perEvent(() => JSON.stringify(list)),
    sign: perEvent(() => { for (let i = 0; i < BATCH; i++) signer.sign('ab'.repeat(32)); }),
    jcs: perEvent(() => { for (const f of list) ves.jcs(f.payload); }),
    stringify: time(() => JSON.stringify(proof) + JSON.stringify(commitment)),
    nodeHash: time(() => ves.nodeHash(leaves[0], leaves[1])),
    emptyPath: time(() => ves.verifyInclusion({ leaf_index: 0, proof_path: [], directions: [] }, leaves[0], leaves[0])),
  };
}

const events = benchEvents();
const proofs = benchProofs();
const parts = breakdown();
const native2 = runNative();
const native = native1.out;
const nativeEvents = (native1.events + native2.events) / 2, nativeProofs = (native1.proofs + native2.proofs) / 2;
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(native.trimEnd());
console.log('');
console.log(`node ${process.version}, ves-wasm ${ves.version()}, ${seconds} s per measurement; native = mean of a run before (${native1.events} events/s, ${native1.proofs} proofs/s) and after (${native2.events}, ${native2.proofs})`);
console.log(`${'measurement'.padEnd(40)} ${'native'.padStart(12)} ${'node+wasm'.padStart(12)}  native/wasm`);
console.log(`${'signed events/s (batch 100, with body)'.padEnd(40)} ${fmt(nativeEvents).padStart(12)} ${fmt(events).padStart(12)}  ${(nativeEvents / events).toFixed(2)}x`);
console.log(`${'proof verifications/s (depth 16)'.padEnd(40)} ${fmt(nativeProofs).padStart(12)} ${fmt(proofs).padStart(12)}  ${(nativeProofs / proofs).toFixed(2)}x`);
console.log(`  per wasm proof: ${(1e6 / proofs).toFixed(1)} us = JSON.stringify of proof + commitment ${parts.stringify.toFixed(1)} us, ` +
  `a call with an empty path ${parts.emptyPath.toFixed(1)} us, nodeHash (1 SHA-256 + 2 hex decodes + a call) ${parts.nodeHash.toFixed(1)} us; native: ${(1e6 / nativeProofs).toFixed(1)} us`);
console.log(`  per wasm event: ${parts.batch.toFixed(1)} us in buildBatch; alone: Ed25519 sign call ${parts.sign.toFixed(1)} us, jcs(payload) call ${parts.jcs.toFixed(1)} us, ` +
  `JSON.stringify of the fields ${parts.fieldsJson.toFixed(1)} us; native: ${(1e6 / nativeEvents).toFixed(1)} us (its stages are in the ves bench output above)`);
console.log(`ves-wasm-bench: native_events_per_s=${Math.round(nativeEvents)} wasm_events_per_s=${Math.round(events)} native_proofs_per_s=${Math.round(nativeProofs)} wasm_proofs_per_s=${Math.round(proofs)}`);
