// Conformance of the k6 library against `ves vectors` output (format ves-vectors/1,
// docs/VECTORS.md): every value computed by ves-core is recomputed here and compared byte for
// byte — JCS, payload hashes, signing preimages and hashes, signatures, receipt hashes,
// sequencer signatures, leaves, stream store ids, Merkle roots and proofs, every mutation
// judged as the file says: rejected in each mode of `must_fail`, accepted in each of `must_pass`
// (the one rule set of js/merkle.js checkInclusion and ves-core's verify_inclusion), and the
// seeded content (SEED: the same blocks, ids, payloads and signed events as ves-core's content
// module and `ves presign`).
//
//   target/release/ves vectors --seed 1 --count 2000 --out /tmp/vectors.json
//   k6 run --quiet --no-usage-report -e VES_VECTORS_FILE=/tmp/vectors.json tests/k6/ves_vectors.test.js
//
// Without VES_VECTORS_FILE, or with a file that is unreadable or in another format, the test
// FAILS saying so: it never skips.
import {
  ContentSource,
  buildEvents,
  bytesToHex,
  orderEventFields,
  shapePayloads,
  checkInclusion,
  createSigner,
  jcs,
  jcsReference,
  leafHash,
  merkleProof,
  merkleRoot,
  payloadHash,
  publicKeyOf,
  receiptHash,
  signingHash,
  signingPreimage,
  streamStoreId,
  treeShape,
  utf8Encode,
  utf8Length,
  verify,
} from '../../js/ves.js';
import { Harness, readJson, testOptions } from './lib/harness.js';
import { fieldsOf, sameEnvelope } from './lib/envelopes.js';

const TEST = 'ves_vectors';
const MIN_JCS = 2000;
const MIN_EVENTS = 2000;
const TREES = 300;
const CONTENT_CASES = 48;
// Every PAYLOAD shape must appear among them (ves-core shapes = js/payload.js).
const SHAPES = ['order', 'small', 'medium', 'large', 'unicode', 'floats', 'nested', 'mixed'];
const SEQUENCER_SIGNATURES_VERIFIED = 50; // JS verification costs ms: a spread sample
const AGENT_SIGNATURES_VERIFIED = 50;
const BUILD_CHUNK = 100;
const MUTATION_KINDS = ['flip_leaf_bit', 'flip_root_bit', 'flip_sibling_bit', 'wrong_index', 'flip_direction', 'extra_sibling', 'missing_sibling', 'pad_leaf_beyond_count', 'drop_directions', 'short_directions'];

const path = __ENV.VES_VECTORS_FILE;
let loadError = null;
let file = null;
if (!path) {
  loadError = 'VES_VECTORS_FILE is not set (generate one with `ves vectors --seed 1 --count 2000 --out FILE` and pass -e VES_VECTORS_FILE=/absolute/FILE)';
} else {
  const r = readJson(path);
  if (r.error) loadError = r.error;
  else if (!r.value || r.value.format !== 'ves-vectors/1') loadError = `${path}: expected "format": "ves-vectors/1", found ${JSON.stringify(r.value && r.value.format)}`;
  else file = r.value;
}

// jcs + events + stream ids + trees; the bound fails a run that silently covered less.
export const options = testOptions(null, MIN_JCS + MIN_EVENTS + TREES + CONTENT_CASES);

export default function () {
  const h = new Harness(TEST);
  if (loadError) {
    h.ok('file', false, loadError);
    h.finish();
    return;
  }
  console.log(`${TEST}: ${path}: generator ${file.generator}, seed ${file.seed}, count ${file.count}`);
  h.guard('keys', 'keys', () => testKeys(h));
  h.guard('jcs', 'jcs', () => testJcs(h));
  h.guard('events', 'events', () => testEvents(h));
  h.guard('stream_store_ids', 'stream store ids', () => testStreams(h));
  h.guard('merkle', 'merkle', () => testMerkle(h));
  h.guard('content', 'content', () => testContent(h));
  h.finish();
}

function testKeys(h) {
  h.ok('keys', Array.isArray(file.keys) && file.keys.length > 0, 'the file has agent keys');
  for (const k of file.keys.concat([file.sequencer_key])) {
    h.case('keys');
    h.eq('keys', publicKeyOf(k.seed_hex), k.public_key_hex, `public key of ${k.seed_hex.slice(0, 8)}…`);
  }
}

function testJcs(h) {
  h.ok('jcs', file.jcs.length >= MIN_JCS, `expected at least ${MIN_JCS} jcs cases, found ${file.jcs.length}`);
  for (const c of file.jcs) {
    h.case('jcs');
    h.guard('jcs', c.name, () => {
      const value = JSON.parse(c.input_json);
      const text = jcs(value);
      h.eq('jcs', text, c.jcs, `${c.name} jcs`);
      h.eq('jcs', jcsReference(value), c.jcs, `${c.name} jcsReference`);
      const utf8 = utf8Encode(text);
      h.eq('jcs', bytesToHex(utf8), c.jcs_utf8_hex, `${c.name} utf8`);
      h.eq('jcs', utf8Length(text), utf8.length, `${c.name} utf8Length`);
      h.eq('jcs', payloadHash(value), c.payload_plain_hash, `${c.name} payload hash`);
    });
  }
}

function testEvents(h) {
  const cases = file.events;
  h.ok('events', cases.length >= MIN_EVENTS, `expected at least ${MIN_EVENTS} event cases, found ${cases.length}`);
  const signers = file.keys.map((k) => createSigner(k.seed_hex));
  const sequencer = createSigner(file.sequencer_key.seed_hex);
  const sequencerEvery = Math.max(1, Math.floor(cases.length / SEQUENCER_SIGNATURES_VERIFIED));
  const agentEvery = Math.max(1, Math.floor(cases.length / AGENT_SIGNATURES_VERIFIED));
  let sequencerVerified = 0;
  let agentVerified = 0;
  cases.forEach((c, i) => {
    h.case('events');
    h.guard('events', `event ${i}`, () => {
      const env = c.envelope;
      const label = `event ${i} (${env.event_id})`;
      h.eq('events', jcs(env.payload), c.payload_jcs, `${label} payload jcs`);
      h.eq('events', payloadHash(env.payload), c.payload_plain_hash, `${label} payload hash`);
      h.eq('events', env.payload_plain_hash, '0x' + c.payload_plain_hash, `${label} envelope payload hash`);
      h.eq('events', bytesToHex(signingPreimage(env)), c.signing_preimage_hex, `${label} signing preimage`);
      const sh = signingHash(env);
      h.eq('events', sh, c.event_signing_hash, `${label} signing hash`);
      const signer = signers[c.key_index];
      h.ok('events', signer !== undefined, `${label}: key_index ${c.key_index} has no key`);
      h.eq('events', signer.sign(sh), c.agent_signature, `${label} agent signature`);
      h.eq('events', env.agent_signature, '0x' + c.agent_signature, `${label} envelope signature`);
      h.eq('events', receiptHash(env.tenant_id, env.store_id, env.event_id, c.sequence_number, sh), c.receipt_hash, `${label} receipt hash`);
      h.eq('events', sequencer.sign(c.receipt_hash), c.sequencer_signature, `${label} sequencer signature`);
      h.eq('events', leafHash(env.tenant_id, env.store_id, c.sequence_number, sh, env.agent_signature), c.leaf_hash, `${label} leaf`);
      if (i % sequencerEvery === 0) {
        sequencerVerified++;
        h.ok('events.verify', verify(file.sequencer_key.public_key_hex, c.receipt_hash, c.sequencer_signature), `${label} sequencer signature verifies`);
      }
      if (i % agentEvery === 0) {
        agentVerified++;
        h.ok('events.verify', verify(file.keys[c.key_index].public_key_hex, sh, c.agent_signature), `${label} agent signature verifies`);
      }
    });
  });
  h.ok('events.verify', sequencerVerified >= Math.min(SEQUENCER_SIGNATURES_VERIFIED, cases.length), `verified ${sequencerVerified} sequencer signatures`);
  console.log(`${TEST}: verified ${sequencerVerified} sequencer and ${agentVerified} agent signatures with the JS verifier; signed and compared all ${cases.length} of each`);

  // buildEvents (the batch signer) reproduces every envelope from its fields.
  for (let start = 0; start < cases.length; start += BUILD_CHUNK) {
    const chunk = cases.slice(start, start + BUILD_CHUNK);
    const byKey = {};
    chunk.forEach((c, j) => (byKey[c.key_index] = byKey[c.key_index] || []).push(start + j));
    for (const keyIndex of Object.keys(byKey)) {
      const indices = byKey[keyIndex];
      h.guard('events.build', `build chunk ${start} key ${keyIndex}`, () => {
        const built = buildEvents(signers[keyIndex], indices.map((k) => fieldsOf(cases[k].envelope)));
        indices.forEach((k, j) => {
          h.case('events.build');
          h.ok('events.build', sameEnvelope(built[j], cases[k].envelope), () => `event ${k}: buildEvents produced ${JSON.stringify(built[j]).slice(0, 300)}`);
        });
      });
    }
  }
}

function testStreams(h) {
  h.ok('stream_store_ids', Array.isArray(file.stream_store_ids) && file.stream_store_ids.length > 0, 'the file has stream store id cases');
  for (const c of file.stream_store_ids) {
    h.case('stream_store_ids');
    h.eq('stream_store_ids', streamStoreId(c.store_id, c.index), c.derived, `${c.store_id} #${c.index}`);
  }
}

// Seeded content: blocks, then the order events built from them and signed with keys[0].
function testContent(h) {
  h.ok('content', Array.isArray(file.content) && file.content.length === CONTENT_CASES, () => `expected ${CONTENT_CASES} content cases, found ${file.content ? file.content.length : 'none'}`);
  const seen = new Set((file.content || []).map((c) => c.shape));
  for (const shape of SHAPES) h.ok('content', seen.has(shape), `no content case of shape ${shape}`);
  const signer = createSigner(file.keys[0].seed_hex);
  for (const c of file.content || []) {
    h.case('content');
    h.guard('content', `content ${c.scenario}/${c.purpose}/${c.iteration}`, () => {
      const label = `seed ${c.seed} scenario ${JSON.stringify(c.scenario)} purpose ${c.purpose} iteration ${c.iteration} shape ${c.shape} payload_bytes ${c.payload_bytes}`;
      const source = new ContentSource(c.seed, c.scenario, c.purpose, c.iteration);
      c.blocks.forEach(([b0, b1], i) => {
        h.eq('content', bytesToHex(source.block(i, 0)), b0, `${label} block (${i}, 0)`);
        h.eq('content', bytesToHex(source.block(i, 1)), b1, `${label} block (${i}, 1)`);
      });
      const fields = orderEventFields(source, c.envelopes.length, {
        tenant_id: c.tenant_id, store_id: c.store_id, source_agent_id: c.agent_id, agent_key_id: c.agent_key_id, created_at: c.created_at,
      });
      // PAYLOAD shapes: block (i, 0) of the `payload` purpose of the same seed, scenario, iteration.
      const shaper = new ContentSource(c.seed, c.scenario, 'payload', c.iteration);
      shapePayloads(fields, c.shape, (i) => shaper.block(i), c.payload_bytes);
      const built = buildEvents(signer, fields);
      built.forEach((e, i) => {
        h.ok('content', sameEnvelope(e, c.envelopes[i]), () => `${label} event ${i}: built ${JSON.stringify(e).slice(0, 300)}, ves-core ${JSON.stringify(c.envelopes[i]).slice(0, 300)}`);
        h.eq('content', jcs(e.payload), jcs(c.envelopes[i].payload), `${label} event ${i} payload JCS`);
        h.eq('content', signingHash(e), c.event_signing_hashes[i], `${label} event ${i} signing hash`);
        h.eq('content', payloadHash(e.payload), String(c.envelopes[i].payload_plain_hash).replace(/^0x/, '').toLowerCase(), `${label} event ${i} payload hash`);
      });
    });
  }
}

function testMerkle(h) {
  const sizes = file.merkle.map((t) => t.leaf_count).sort((a, b) => a - b);
  h.ok('merkle', sizes.length === TREES && sizes.every((n, i) => n === i + 1), `expected every tree size 1..${TREES} once, found ${sizes.length} trees`);
  const mutationKinds = {};
  for (const t of file.merkle) {
    h.case('merkle');
    h.guard('merkle', `tree ${t.leaf_count}`, () => {
      const n = t.leaf_count;
      const label = `tree n=${n}`;
      h.eq('merkle', t.leaves.length, n, `${label} leaves`);
      const shape = treeShape(n);
      h.eq('merkle', shape.padded_leaf_count, t.padded_leaf_count, `${label} padded_leaf_count`);
      h.eq('merkle', shape.tree_depth, t.tree_depth, `${label} tree_depth`);
      h.eq('merkle', merkleRoot(t.leaves), t.merkle_root, `${label} root`);
      if (n <= 16) h.eq('merkle', t.proofs.length, n, `${label}: every index has a proof`);
      const commitment = { merkle_root: t.merkle_root, leaf_count: n, padded_leaf_count: t.padded_leaf_count, tree_depth: t.tree_depth };
      for (const p of t.proofs) {
        h.case('merkle.proofs');
        const pl = `${label} index ${p.leaf_index}`;
        h.eq('merkle.proofs', p.leaf_hash, t.leaves[p.leaf_index], `${pl} leaf`);
        const built = merkleProof(t.leaves, p.leaf_index);
        h.eq('merkle.proofs', JSON.stringify(built.proof_path), JSON.stringify(p.proof_path), `${pl} path`);
        h.eq('merkle.proofs', JSON.stringify(built.directions), JSON.stringify(p.directions), `${pl} directions`);
        const withCommitment = checkInclusion(p, p.leaf_hash, commitment);
        h.ok('merkle.proofs', withCommitment.ok, `${pl} rejected with the commitment: ${withCommitment.reason}`);
        const withRoot = checkInclusion(p, p.leaf_hash, t.merkle_root);
        h.ok('merkle.proofs', withRoot.ok, `${pl} rejected with the bare root: ${withRoot.reason}`);
      }
      for (const m of t.mutations) {
        h.case('merkle.mutations');
        mutationKinds[m.kind] = (mutationKinds[m.kind] || 0) + 1;
        h.ok('merkle.mutations', Array.isArray(m.must_fail) && m.must_fail.length > 0, `${label} ${m.kind}: must_fail lists no mode`);
        h.ok('merkle.mutations', Array.isArray(m.must_pass), `${label} ${m.kind}: must_pass is not a list`);
        // Every mode has a verdict: rejected (must_fail) or accepted (must_pass), as in Rust.
        const modes = m.must_fail.concat(m.must_pass || []).sort();
        h.eq('merkle.mutations', modes.join(','), 'commitment,root', `${label} ${m.kind}: modes`);
        for (const [list, mustAccept] of [[m.must_fail, false], [m.must_pass || [], true]]) {
          for (const mode of list) {
            const target = mode === 'commitment' ? Object.assign({}, commitment, { merkle_root: m.merkle_root }) : mode === 'root' ? m.merkle_root : null;
            h.ok('merkle.mutations', target !== null, `${label} ${m.kind}: unknown mode ${mode}`);
            if (target === null) continue;
            const r = checkInclusion(m.proof, m.leaf_hash, target);
            h.ok('merkle.mutations', r.ok === mustAccept, `${label} ${m.kind} ${r.ok ? 'accepted' : `rejected (${r.reason})`} in mode ${mode}, must be ${mustAccept ? 'accepted' : 'rejected'}`);
          }
        }
      }
    });
  }
  // The kinds that pin where the modes differ must be there (docs/VECTORS.md).
  for (const kind of MUTATION_KINDS) {
    h.ok('merkle.mutations', mutationKinds[kind] > 0, `no ${kind} mutation in the file`);
  }
  console.log(`${TEST}: mutations by kind: ${JSON.stringify(mutationKinds)}`);
}

