// The wasm package against `ves vectors` (the native core's own output): JCS cases, signed
// events (preimage, hashes, signatures, receipts, leaves, rebuilt envelopes), stream store ids,
// trees with their proofs, and the mutations (rejected in each mode of must_fail, accepted in
// each of must_pass).
// VES_VECTORS_FILE names a file already written; otherwise `ves vectors` (VES_BIN, default
// target/release/ves) writes one to a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, bare, hex, ves } from './helpers.mjs';

function load() {
  let file = process.env.VES_VECTORS_FILE;
  if (!file) {
    const bin = process.env.VES_BIN || resolve(REPO, 'target/release/ves');
    if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo build --release -p ves-cli`);
    file = join(mkdtempSync(join(tmpdir(), 'ves-wasm-')), 'vectors.json');
    execFileSync(bin, ['vectors', '--seed', '7', '--count', '400', '--out', file], { stdio: 'inherit' });
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}
const v = load();

test('keys: public keys from seeds', () => {
  for (const k of [...v.keys, v.sequencer_key]) assert.equal(ves.publicKeyOf(k.seed_hex), k.public_key_hex);
});

test(`JCS cases: text, UTF-8 bytes and payload hash`, () => {
  assert.ok(v.jcs.length > 0);
  for (const c of v.jcs) {
    const canonical = ves.jcsText(c.input_json);
    assert.equal(canonical, c.jcs, c.name);
    assert.equal(hex(new TextEncoder().encode(canonical)), c.jcs_utf8_hex, c.name);
    assert.equal(ves.payloadHashOfJcs(canonical), c.payload_plain_hash, c.name);
  }
});

test('signed events: every intermediate, the receipt, the leaf, and the envelope rebuilt', () => {
  assert.ok(v.events.length > 0);
  const signers = v.keys.map((k) => ves.createSigner(k.seed_hex));
  const sequencer = ves.createSigner(v.sequencer_key.seed_hex);
  v.events.forEach((c, i) => {
    const e = c.envelope;
    const signer = signers[c.key_index];
    const at = `event ${i}`;
    assert.equal(ves.jcs(e.payload), c.payload_jcs, at);
    assert.equal(ves.payloadHash(e.payload), c.payload_plain_hash, at);
    assert.equal(hex(ves.signingPreimage(e)), c.signing_preimage_hex, at);
    assert.equal(ves.signingHash(e), c.event_signing_hash, at);
    assert.equal(signer.sign(c.event_signing_hash), c.agent_signature, at);
    assert.ok(ves.verify(signer.publicKeyHex, c.event_signing_hash, c.agent_signature), at);
    assert.equal(ves.receiptHash(e.tenant_id, e.store_id, e.event_id, c.sequence_number, c.event_signing_hash), c.receipt_hash, at);
    assert.equal(sequencer.sign(c.receipt_hash), c.sequencer_signature, at);
    assert.equal(ves.leafHash(e.tenant_id, e.store_id, c.sequence_number, c.event_signing_hash, c.agent_signature), c.leaf_hash, at);
    const receipt = {
      sequencerId: '00000000-0000-0000-0000-000000000000', eventId: e.event_id, sequenceNumber: c.sequence_number,
      sequencedAt: '2025-01-01T00:00:00Z', receiptHash: c.receipt_hash, signatureAlg: 'ed25519',
      sequencerSignature: c.sequencer_signature, sequencerKeyVersion: 1,
    };
    assert.deepEqual(ves.checkReceipt(e, receipt, v.sequencer_key.public_key_hex), { ok: true, reason: 'ok' }, at);
    const rebuilt = ves.buildEvent(signer, e);
    assert.equal(rebuilt.agent_signature, e.agent_signature, at);
    assert.equal(rebuilt.payload_plain_hash, e.payload_plain_hash, at);
  });
});

test('stream store ids', () => {
  for (const s of v.stream_store_ids) assert.equal(ves.streamStoreId(s.store_id, s.index), s.derived, `${s.store_id} ${s.index}`);
});

test('trees: shape, root, proofs, and every mutation judged as the file says', () => {
  let mutations = 0;
  let accepted = 0;
  for (const t of v.merkle) {
    const at = `${t.leaf_count} leaves`;
    assert.deepEqual(ves.treeShape(t.leaf_count), { padded_leaf_count: t.padded_leaf_count, tree_depth: t.tree_depth }, at);
    if (t.leaf_count <= 4096) assert.equal(ves.merkleRoot(t.leaves), t.merkle_root, at);
    const commitment = { merkle_root: t.merkle_root, leaf_count: t.leaf_count, tree_depth: t.tree_depth, padded_leaf_count: t.padded_leaf_count };
    for (const p of t.proofs) {
      if (t.leaf_count <= 4096) {
        const own = ves.merkleProof(t.leaves, p.leaf_index);
        assert.deepEqual([own.proof_path, own.directions], [p.proof_path, p.directions], `${at}, leaf ${p.leaf_index}`);
      }
      assert.deepEqual(ves.checkInclusion(p, p.leaf_hash, commitment), { ok: true, reason: 'ok' }, `${at}, leaf ${p.leaf_index}`);
      assert.ok(ves.verifyInclusion(p, p.leaf_hash, t.merkle_root), `${at}, leaf ${p.leaf_index} (bare root)`);
    }
    for (const m of t.mutations) {
      const anchors = { commitment: { ...commitment, merkle_root: m.merkle_root }, root: m.merkle_root };
      for (const kind of m.must_fail) {
        const r = ves.checkInclusion(m.proof, m.leaf_hash, anchors[kind]);
        assert.equal(r.ok, false, `${at}: mutation ${m.kind} passed against the ${kind}`);
        assert.ok(r.reason.length > 0);
        mutations++;
      }
      // The one rule set (docs/VECTORS.md): some mutations must still pass in a mode, e.g.
      // directions dropped are fine against a commitment, where they follow from leaf_index.
      for (const kind of m.must_pass || []) {
        const r = ves.checkInclusion(m.proof, m.leaf_hash, anchors[kind]);
        assert.deepEqual(r, { ok: true, reason: 'ok' }, `${at}: mutation ${m.kind} must pass against the ${kind}`);
        accepted++;
      }
    }
  }
  assert.ok(mutations > 0);
  assert.ok(accepted > 0, 'no must_pass mutation in the file: an old `ves vectors` output?');
});
