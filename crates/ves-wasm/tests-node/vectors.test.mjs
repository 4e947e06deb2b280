// The wasm package against the repository's vector files (VES_VECTORS_DIR): every value
// byte-equal to what the files (and so the native core, which `ves conformance` checks
// against the same files) say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bare, hex, ves, vectorFile } from './helpers.mjs';

const kat = vectorFile('ves_v1_computed_kat.json');
const live = vectorFile('live_ves_v1_dev.json');
const sig1 = vectorFile('ves_sig_1_test_vectors.json');
const enc1 = vectorFile('ves_enc_1_test_vectors.json');

test('KAT payload hashes: JCS text, its UTF-8 bytes and the hash', () => {
  for (const v of kat.payload_plain_hash.vectors) {
    const canonical = ves.jcsText(v.input_json);
    assert.equal(canonical, v.jcs, v.name);
    assert.equal(hex(new TextEncoder().encode(canonical)), v.jcs_utf8_hex, v.name);
    assert.equal(ves.payloadHashOfJcs(canonical), bare(v.payload_plain_hash), v.name);
  }
});

test('KAT signing hashes: preimage bytes and hash', () => {
  for (const v of kat.event_signing_hash.vectors) {
    const envelope = {
      ...v.fields,
      payload_plain_hash: v.payload_plain_hash,
      payload_cipher_hash: v.payload_cipher_hash,
      agent_signature: '0x' + '00'.repeat(64),
    };
    if (envelope.payload_kind === 0 && envelope.payload === undefined) envelope.payload = {};
    assert.equal(hex(ves.signingPreimage(envelope)), bare(v.preimage_hex), v.name);
    assert.equal(ves.signingHash(envelope), bare(v.event_signing_hash), v.name);
  }
});

test('KAT worked example: events, signatures, leaves, receipts, tree, proofs, state root', () => {
  const w = kat.worked_example;
  const signer = ves.createSigner(w.agent_secret_key_hex);
  assert.equal(signer.publicKeyHex, bare(w.agent_public_key_hex));
  const c = w.commitment;
  for (const e of w.events) {
    const env = e.envelope;
    assert.equal(ves.jcs(env.payload), e.payload_jcs);
    assert.equal(hex(ves.signingPreimage(env)), bare(e.event_signing_preimage_hex));
    assert.equal(ves.signingHash(env), bare(e.event_signing_hash));
    assert.equal(signer.sign(e.event_signing_hash), bare(e.agent_signature));
    assert.equal(ves.leafHash(env.tenant_id, env.store_id, e.sequence_number, e.event_signing_hash, e.agent_signature), bare(e.leaf_hash));
    assert.equal(ves.receiptHash(env.tenant_id, env.store_id, env.event_id, e.sequence_number, e.event_signing_hash), bare(e.receipt_hash));
    // Rebuilt from its fields, the event signs to the same bytes.
    const rebuilt = ves.buildEvent(signer, env);
    assert.equal(rebuilt.agent_signature, '0x' + bare(e.agent_signature));
  }
  // Same values; the core writes the fields in its own order (the KAT puts event_id later).
  assert.deepEqual(JSON.parse(ves.ingestBody(w.ingest_body.agentId, w.ingest_body.events)), w.ingest_body);
  const leaves = w.events.map((e) => bare(e.leaf_hash));
  assert.deepEqual(ves.merkleLevels(leaves).slice(0, 2), [c.level0_padded_leaves.map(bare), c.level1.map(bare)]);
  assert.equal(ves.merkleRoot(leaves), bare(c.merkle_root));
  const t = w.events[0].envelope;
  assert.equal(ves.streamId(t.tenant_id, t.store_id), bare(c.stream_id));
  assert.equal(ves.stateRoot(t.tenant_id, t.store_id, c.prev_state_root, c.merkle_root, c.sequence_start, c.sequence_end, c.leaf_count), bare(c.new_state_root));
  for (const p of w.inclusion_proofs) {
    const own = ves.merkleProof(leaves, p.leaf_index);
    assert.deepEqual([own.proof_path, own.directions], [p.proof_path.map(bare), p.directions]);
    assert.deepEqual(ves.checkInclusion(p, p.leaf_hash, c), { ok: true, reason: 'ok' });
  }
});

test('KAT generic trees: roots and the padded proof', () => {
  for (const v of kat.merkle_generic.vectors) {
    assert.equal(ves.merkleRoot(v.leaves), bare(v.root), v.name);
    if (v.proof_for_index_4) {
      const p = { leaf_index: 4, ...v.proof_for_index_4 };
      assert.ok(ves.verifyInclusion(p, v.leaves[4], { merkle_root: v.root, leaf_count: v.leaves.length, tree_depth: 3 }), v.name);
    }
  }
});

test('RFC 8032 keys and signatures (ves_sig_1)', () => {
  for (const k of sig1.key_generation.vectors) {
    assert.equal(ves.publicKeyOf(k.seed_hex), bare(k.public_key_hex), k.name);
  }
  for (const v of sig1.ed25519_signatures.vectors) {
    const msg = Buffer.from(v.message_hex, 'hex');
    assert.equal(ves.createSigner(v.private_key_hex).signBytes(msg), bare(v.signature_hex), v.name);
    assert.ok(ves.verify(v.public_key_hex, msg, v.signature_hex), v.name);
    assert.ok(!ves.verify(v.public_key_hex, Buffer.concat([msg, Buffer.from([1])]), v.signature_hex), v.name);
  }
  for (const v of sig1.payload_plain_hash.vectors) {
    assert.equal(ves.jcs(v.payload), v.canonical_json, v.name);
  }
});

test('JCS vectors of ves_enc_1', () => {
  assert.ok(enc1.canonicalization.vectors.length > 0);
  for (const v of enc1.canonicalization.vectors) {
    assert.equal(ves.jcs(v.input), v.expected, v.name);
  }
});

test('live capture: every event, receipt (with the sequencer signature), proof and the commitment', () => {
  const signer = ves.createSigner(live.agent_seed_hex);
  assert.equal(signer.publicKeyHex, bare(live.agent_public_key_hex));
  const seqKey = live.sequencer.receipt_signing_public_key_hex;
  for (const e of live.events) {
    const i = e.intermediates;
    assert.equal(ves.jcs(e.envelope.payload), i.payload_jcs);
    assert.equal(ves.payloadHash(e.envelope.payload), bare(i.payload_plain_hash));
    assert.equal(hex(ves.signingPreimage(e.envelope)), bare(i.signing_preimage_hex));
    assert.equal(ves.signingHash(e.envelope), bare(i.event_signing_hash));
    assert.equal(signer.sign(i.event_signing_hash), bare(i.agent_signature));
    assert.equal(ves.leafHash(live.tenant_id, live.store_id, e.sequence_number, i.event_signing_hash, i.agent_signature), bare(i.leaf_hash));
    assert.equal(ves.receiptHash(live.tenant_id, live.store_id, e.envelope.event_id, e.sequence_number, i.event_signing_hash), bare(i.receipt_hash));
    assert.deepEqual(ves.checkReceipt(e.envelope, e.receipt, seqKey), { ok: true, reason: 'ok' });
  }
  const commitment = live.commitment.get_by_batch_id.response.body;
  const leaves = live.events.map((e) => e.intermediates.leaf_hash);
  assert.equal(ves.merkleRoot(leaves), commitment.merkle_root);
  assert.deepEqual(ves.merkleLevels(leaves), live.commitment.local.tree_levels);
  assert.deepEqual(ves.checkChain([commitment], true), { ok: true, reason: 'ok' });
  for (const p of live.inclusion_proofs) {
    const proof = p.response.body;
    assert.deepEqual(ves.checkInclusion(proof, proof.leaf_hash, commitment), { ok: true, reason: 'ok' }, `seq ${p.sequence_number}`);
    assert.ok(ves.verifyInclusion(proof, proof.leaf_hash, proof.merkle_root));
  }
});

test('live capture in the inspector: the leaf rebuilt from the event, a wrong signature departs at the leaf, a wrong sequence_number at the shape', () => {
  const commitment = live.commitment.get_by_batch_id.response.body;
  const proof = live.inclusion_proofs[5].response.body;
  const e = live.events.find((x) => x.sequence_number === proof.sequence_number);
  const event = { signing_hash: e.intermediates.event_signing_hash, signature: e.intermediates.agent_signature };
  const ok = ves.inspectProof({ proof, commitment, event });
  assert.deepEqual([ok.ok, ok.leaf.source, ok.leaf.hash, ok.departs], [true, 'event', proof.leaf_hash, null]);
  assert.equal(ok.levels.length, commitment.tree_depth);
  const badSig = { ...event, signature: event.signature.replace(/^(0x)?./, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')) };
  const leaf = ves.inspectProof({ proof, commitment, event: badSig });
  assert.deepEqual([leaf.ok, leaf.departs.at], [false, 'leaf']);
  assert.match(leaf.reason, /leaf_hash differs/);
  const shape = ves.inspectProof({ proof: { ...proof, sequence_number: proof.sequence_number + 1 }, commitment });
  assert.deepEqual([shape.ok, shape.departs.at], [false, 'shape']);
  assert.match(shape.departs.why, /is not sequence_number/);
});
