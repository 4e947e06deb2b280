// The JavaScript surface: errors are Error objects with the core's messages, checks never
// throw, ephemeral keys are random, batches round-trip, the inspector reports departures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ves } from './helpers.mjs';

const AGENT = '33333333-3333-4333-8333-333333333333';
const fields = (extra = {}) => ({
  tenant_id: '11111111-1111-4111-8111-111111111111', store_id: '22222222-2222-4222-8222-222222222222',
  source_agent_id: AGENT, agent_key_id: 1, entity_type: 'order', entity_id: 'o-1', event_type: 'order.created',
  payload: { total: 99.99 }, ...extra,
});

test('core messages arrive as JavaScript Errors', () => {
  assert.throws(() => ves.createSigner('abc'), (e) => e instanceof Error && e.message.startsWith('Ed25519 seed: expected 32 bytes as hex'));
  const signer = ves.createSigner('01'.repeat(32));
  assert.throws(() => ves.buildEvent(signer, fields({ entity_type: 'x'.repeat(129) })),
    { message: 'fields[0]: entity_type: expected 1..=128 bytes of UTF-8, found 129 bytes' });
  assert.throws(() => ves.buildEvents(signer, [fields(), fields({ payload: null })]),
    { message: 'fields[1]: payload: a plaintext event (payload_kind 0) needs a payload' });
  assert.throws(() => ves.buildEvent(signer, fields({ created_at: 'yesterday' })), /fields\[0\]: created_at: expected an RFC 3339 timestamp/);
  assert.throws(() => ves.buildEvent(signer, fields({ entity_id: 'a\u0000b' })), /fields\[0\]: entity_id: contains U\+0000/);
  assert.throws(() => ves.buildBatch(signer, AGENT, []), { message: 'events: expected at least one event, found an empty batch' });
  assert.throws(() => ves.leafHash('nope', AGENT, 1, '00'.repeat(32), '00'.repeat(64)), /^Error: tenant_id: expected a UUID/);
  assert.throws(() => ves.receiptHash(AGENT, AGENT, AGENT, 1.5, '00'.repeat(32)), /sequence_number: expected an integer/);
  assert.throws(() => ves.jcs(undefined), /expected a JSON value/);
  assert.throws(() => ves.jcsText('{"a":'), /^Error: invalid JSON: /);
});

test('checks never throw and give the core reason', () => {
  const bad = ves.checkInclusion(null, 'zz', 'zz');
  assert.equal(bad.ok, false);
  assert.match(bad.reason, /^invalid JSON: proof: invalid type: null/);
  const leaves = ['01', '02', '03'].map((b) => b.repeat(32));
  const p = ves.merkleProof(leaves, 2);
  const commitment = { merkle_root: p.merkle_root, leaf_count: 3, tree_depth: 2 };
  assert.deepEqual(ves.checkInclusion(p, leaves[2], commitment), { ok: true, reason: 'ok' });
  assert.deepEqual(ves.checkInclusion({ ...p, leaf_hash: undefined }, leaves[1], commitment),
    { ok: false, reason: 'inclusion proof rejected: the path does not lead to the root' });
  assert.deepEqual(ves.checkInclusion({ ...p, leaf_index: 3, leaf_hash: undefined }, leaves[2], commitment).ok, false);
  assert.equal(ves.verify('00', 'zz', '00'), false);
  assert.equal(ves.checkChain('not a list', true).ok, false);
  assert.equal(ves.checkReceipt({}, {}).ok, false);
});

test('ephemeral signers are random and sign verifiably', () => {
  const a = ves.createSigner(), b = ves.createSigner();
  assert.notEqual(a.publicKeyHex, b.publicKeyHex);
  const h = 'ab'.repeat(32);
  assert.ok(ves.verify(a.publicKeyHex, h, a.sign(h)));
  assert.ok(!ves.verify(b.publicKeyHex, h, a.sign(h)));
});

test('buildBatch: body and events agree, ids are v4, created_at defaults to now', () => {
  const signer = ves.createSigner();
  const before = Date.now();
  const { events, body } = ves.buildBatch(signer, AGENT, [fields(), fields({ event_id: '44444444-4444-4444-8444-444444444444', created_at: '2025-01-01T00:00:00.000Z' })]);
  assert.deepEqual(JSON.parse(body), { agentId: AGENT, events });
  assert.match(events[0].event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(Math.abs(Date.parse(events[0].created_at) - before) < 60_000);
  assert.equal(events[1].event_id, '44444444-4444-4444-8444-444444444444');
  for (const e of events) assert.ok(ves.verify(signer.publicKeyHex, ves.signingHash(e), e.agent_signature));
  const resigned = ves.signEvent(signer, { ...events[1], agent_key_id: 9 });
  assert.ok(ves.verify(signer.publicKeyHex, ves.signingHash(resigned), resigned.agent_signature));
  assert.equal(ves.ingestBody(AGENT, events), body);
  assert.throws(() => ves.buildBatch(signer, '55555555-5555-4555-8555-555555555555', [fields()]), /must equal agentId/);
});

test('inspectProof: one level per depth, departures at the leaf, a level and the root', () => {
  const leaves = ['01', '02', '03', '04', '05'].map((b) => b.repeat(32));
  const proof = ves.merkleProof(leaves, 1);
  const commitment = { merkle_root: proof.merkle_root, leaf_count: 5, tree_depth: 3 };
  const ok = ves.inspectProof({ proof, commitment });
  assert.equal(ok.ok, true);
  assert.equal(ok.levels.length, 3);
  assert.equal(ok.computed_root, ok.expected_root);
  assert.equal(ok.departs, null);
  const swapped = ves.inspectProof({ proof: { ...proof, directions: [true, true, true] }, commitment });
  assert.deepEqual([swapped.ok, swapped.departs.at], [false, 0]);
  const tampered = ves.inspectProof({ proof: { ...proof, proof_path: [proof.proof_path[0], '00'.repeat(32), proof.proof_path[2]] }, commitment });
  assert.deepEqual([tampered.ok, tampered.departs.at], [false, 'root']);
  // Leaf 4 of 5: its level-0 sibling is a pad leaf, which the inspector can check.
  const last = ves.merkleProof(leaves, 4);
  const badPad = ves.inspectProof({ proof: { ...last, proof_path: ['00'.repeat(32), ...last.proof_path.slice(1)] }, commitment });
  assert.deepEqual([badPad.ok, badPad.departs.at, badPad.levels[0].sibling_padding], [false, 0, 'all']);
});
