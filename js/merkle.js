/**
 * VES v1 Merkle trees (VES_V1.md sections 8.2, 9): roots, proofs, and an inclusion-proof
 * verifier that checks the proof's shape before hashing (like transparency-dev/merkle).
 *
 * Tree: leaves padded to the next power of two with PAD_LEAF = SHA-256("VES_PAD_LEAF_V1");
 * node = SHA-256("VES_NODE_V1" || left || right); one leaf is its own root; no leaves -> 32
 * zero bytes. Proofs (the server's JSON): `leaf_index`, `proof_path` (siblings bottom-up, bare
 * hex) and `directions` (true = the running node is the LEFT child at that level).
 *
 * @module merkle
 */
import crypto from 'k6/crypto';
import { normalizeHex, writeHex } from './bytes.js';
import { DOMAIN, PAD_LEAF, ZERO_HASH, asciiBytes } from './hash.js';

const NODE_PREFIX = asciiBytes(DOMAIN.NODE);
const LEFT = 11; // offset of the left child in a node preimage
const RIGHT = 43;
const MAX_DEPTH = 64;
const HASH_HEX = /^(?:0[xX])?[0-9a-fA-F]{64}$/; // 32 bytes, optional 0x

/**
 * Padded size and depth of a tree of `leafCount` leaves (leafCount >= 1).
 * @param {number} leafCount
 * @returns {{padded_leaf_count: number, tree_depth: number}}
 */
export function treeShape(leafCount) {
  let depth = leafCount <= 1 ? 0 : leafCount <= 0x100000000 ? 32 - Math.clz32(leafCount - 1) : 32;
  while (2 ** depth < leafCount) depth++;
  return { padded_leaf_count: 2 ** depth, tree_depth: depth };
}

/**
 * All levels of the tree, bottom (padded leaves) to top (the root), as bare hex.
 * @param {string[]} leafHexes 32-byte hashes (optional 0x)
 * @returns {string[][]}
 */
export function merkleLevels(leafHexes) {
  if (!Array.isArray(leafHexes)) throw new TypeError('merkleLevels: expected an array of 32-byte hex leaf hashes');
  if (leafHexes.length === 0) return [[ZERO_HASH]];
  const { padded_leaf_count: padded } = treeShape(leafHexes.length);
  let level = new Uint8Array(32 * padded);
  for (let i = 0; i < padded; i++) {
    const hex = i < leafHexes.length ? normalizeHex(leafHexes[i], 32, `leaf ${i}`) : PAD_LEAF;
    writeHex(level, 32 * i, hex);
  }
  const levels = [splitHex(level)];
  const input = new Uint8Array(75);
  input.set(NODE_PREFIX, 0);
  while (level.length > 32) {
    const next = new Uint8Array(level.length / 2);
    for (let j = 0; j < next.length / 32; j++) {
      input.set(level.subarray(64 * j, 64 * j + 64), LEFT);
      next.set(new Uint8Array(crypto.sha256(input, 'binary')), 32 * j);
    }
    level = next;
    levels.push(splitHex(level));
  }
  return levels;
}

/**
 * Merkle root of leaf hashes, bare hex.
 * @param {string[]} leafHexes
 */
export function merkleRoot(leafHexes) {
  const levels = merkleLevels(leafHexes);
  return levels[levels.length - 1][0];
}

/**
 * Inclusion proof for leaf `index`, in the server's shape.
 * @param {string[]} leafHexes
 * @param {number} index
 * @returns {{leaf_index: number, leaf_hash: string, merkle_root: string, proof_path: string[], directions: boolean[]}}
 */
export function merkleProof(leafHexes, index) {
  if (!Number.isInteger(index) || index < 0 || index >= leafHexes.length) {
    throw new RangeError(`merkleProof: expected a leaf index from 0 to ${leafHexes.length - 1}, found ${index}`);
  }
  const levels = merkleLevels(leafHexes);
  const path = [];
  const directions = [];
  let i = index;
  for (let d = 0; d + 1 < levels.length; d++) {
    path.push(levels[d][i ^ 1]);
    directions.push((i & 1) === 0);
    i >>= 1;
  }
  return { leaf_index: index, leaf_hash: levels[0][index], merkle_root: levels[levels.length - 1][0], proof_path: path, directions };
}

/**
 * @typedef {object} Commitment
 * @property {string} merkle_root
 * @property {number} leaf_count
 * @property {number} [padded_leaf_count]
 * @property {number} [tree_depth]
 * @property {number} [sequence_start] when present with the proof's sequence_number, leaf_index must equal their difference
 */

/**
 * Verifies an inclusion proof and says why it fails. Never throws.
 *
 * With a commitment object: the path length must equal the tree depth (from tree_depth or
 * padded_leaf_count, consistent with leaf_count), leaf_index < leaf_count, directions (if
 * present) must agree with the bits of leaf_index. With a bare root: directions are required,
 * their count must equal the path length and agree with the index bits, and
 * leaf_index < 2^len. Then the walk; the result must equal the root (and the proof's own
 * merkle_root / leaf_hash, when it carries them). At most 64 siblings in either mode.
 * This is the one rule set of the kit (DESIGN.md "Proofs"): ves-core's `verify_inclusion`
 * applies the same, and the mutation cases of `ves vectors` (must_fail / must_pass per mode,
 * tests/k6/ves_vectors.test.js) hold the two equal.
 *
 * @param {object} proof `{leaf_index, proof_path, directions}` (server JSON)
 * @param {string} leafHashHex the leaf you rebuilt yourself
 * @param {Commitment|string} rootOrCommitment
 * @returns {{ok: boolean, reason: string}} reason is 'ok' or a short code with detail
 */
export function checkInclusion(proof, leafHashHex, rootOrCommitment) {
  try {
    return checkInclusionUnsafe(proof, leafHashHex, rootOrCommitment);
  } catch (e) {
    return fail('error', String(e && e.message ? e.message : e));
  }
}

/**
 * True when the proof is valid for the leaf and root/commitment; see {@link checkInclusion}.
 * @param {object} proof
 * @param {string} leafHashHex
 * @param {Commitment|string} rootOrCommitment
 * @returns {boolean}
 */
export function verifyInclusion(proof, leafHashHex, rootOrCommitment) {
  return checkInclusion(proof, leafHashHex, rootOrCommitment).ok;
}

function checkInclusionUnsafe(proof, leafHashHex, rootOrCommitment) {
  if (proof === null || typeof proof !== 'object') return fail('bad_proof', 'not an object');
  const index = proof.leaf_index;
  if (!Number.isSafeInteger(index) || index < 0) return fail('bad_leaf_index', `leaf_index must be a non-negative integer, found ${index}`);
  const path = proof.proof_path;
  if (!Array.isArray(path)) return fail('bad_proof_path', 'proof_path must be an array');
  if (path.length > MAX_DEPTH) return fail('bad_proof_path', `proof_path has ${path.length} entries, more than ${MAX_DEPTH}`);
  const directions = proof.directions;
  if (directions !== undefined && directions !== null && !Array.isArray(directions)) return fail('bad_directions', 'directions must be an array');
  const leaf = hash32(leafHashHex);
  if (leaf === null) return fail('bad_leaf_hash', 'the leaf hash is not 32 bytes of hex');
  if (proof.leaf_hash !== undefined && hash32(proof.leaf_hash) !== leaf) {
    return fail('leaf_hash_mismatch', "the proof's leaf_hash differs from the leaf rebuilt locally");
  }

  let root;
  if (typeof rootOrCommitment === 'string') {
    root = hash32(rootOrCommitment);
    if (root === null) return fail('bad_root', 'the root is not 32 bytes of hex');
    if (!Array.isArray(directions)) return fail('bad_directions', 'directions are required to verify against a bare root');
    if (directions.length !== path.length) return fail('path_length_mismatch', `${path.length} siblings but ${directions.length} directions`);
    if (path.length < 53 && index >= 2 ** path.length) return fail('index_out_of_range', `leaf_index ${index} needs more than ${path.length} levels`);
  } else {
    const c = rootOrCommitment;
    if (c === null || typeof c !== 'object') return fail('bad_commitment', 'expected a root hex string or a commitment object');
    root = hash32(c.merkle_root);
    if (root === null) return fail('bad_commitment', 'merkle_root is not 32 bytes of hex');
    const leafCount = c.leaf_count;
    if (!Number.isSafeInteger(leafCount) || leafCount < 1) return fail('bad_commitment', `leaf_count must be a positive integer, found ${leafCount}`);
    const shape = treeShape(leafCount);
    if (c.tree_depth !== undefined && c.tree_depth !== shape.tree_depth) return fail('bad_commitment', `tree_depth ${c.tree_depth} does not fit leaf_count ${leafCount}`);
    if (c.padded_leaf_count !== undefined && c.padded_leaf_count !== shape.padded_leaf_count) {
      return fail('bad_commitment', `padded_leaf_count ${c.padded_leaf_count} does not fit leaf_count ${leafCount}`);
    }
    if (c.tree_depth === undefined && c.padded_leaf_count === undefined) return fail('bad_commitment', 'needs tree_depth or padded_leaf_count');
    if (path.length !== shape.tree_depth) return fail('path_length_mismatch', `${path.length} siblings for a tree of depth ${shape.tree_depth}`);
    if (index >= leafCount) return fail('index_out_of_range', `leaf_index ${index} is not below leaf_count ${leafCount}`);
    if (Array.isArray(directions) && directions.length !== path.length) return fail('path_length_mismatch', `${path.length} siblings but ${directions.length} directions`);
    if (Number.isSafeInteger(c.sequence_start) && Number.isSafeInteger(proof.sequence_number) && proof.sequence_number - c.sequence_start !== index) {
      return fail('leaf_index_mismatch', `leaf_index ${index} is not sequence_number ${proof.sequence_number} - sequence_start ${c.sequence_start}`);
    }
  }
  if (proof.merkle_root !== undefined && hash32(proof.merkle_root) !== root) {
    return fail('proof_root_mismatch', "the proof's merkle_root differs from the commitment's");
  }

  const walked = walk(leaf, path, index, Array.isArray(directions) ? directions : null);
  if (typeof walked !== 'string') return walked;
  return walked === root ? OK : fail('root_mismatch', 'the walked root differs from the expected root');
}

// Hashes from the leaf to the root, checking each sibling's hex and each direction on the way;
// returns the root as bare hex, or a failure. The hot loop of proof verification, written for
// k6's slow JS: per level one regex test, one BigInt parse and four 64-bit stores decode the
// sibling (no per-byte loop), the running digest is copied into its slot, one native SHA-256.
const walkInput = new Uint8Array(75);
const walkView = new DataView(walkInput.buffer);
walkInput.set(NODE_PREFIX, 0);

function walk(leafHex, path, index, directions) {
  if (path.length === 0) return leafHex;
  const view = walkView;
  let bits = index;
  let isLeft = bits % 2 === 0;
  storeHash(view, isLeft ? LEFT : RIGHT, leafHex);
  for (let d = 0; ; d++) {
    const sibling = path[d];
    if (typeof sibling !== 'string' || !HASH_HEX.test(sibling)) return fail('bad_proof_path', `proof_path[${d}] is not 32 bytes of hex`);
    if (directions !== null && directions[d] !== isLeft) {
      return fail('directions_mismatch', `directions[${d}] is ${directions[d]}, but bit ${d} of leaf_index ${index} says ${isLeft ? 'left (true)' : 'right (false)'}`);
    }
    // storeHash, inlined: this loop runs 16 times per depth-16 proof.
    const v = BigInt(sibling.length === 64 ? '0x' + sibling : sibling);
    const at = isLeft ? RIGHT : LEFT;
    view.setBigUint64(at, v >> 192n);
    view.setBigUint64(at + 8, v >> 128n);
    view.setBigUint64(at + 16, v >> 64n);
    view.setBigUint64(at + 24, v);
    if (d + 1 === path.length) return crypto.sha256(walkInput, 'hex');
    bits = (bits - (isLeft ? 0 : 1)) / 2;
    isLeft = bits % 2 === 0;
    walkInput.set(new Uint8Array(crypto.sha256(walkInput, 'binary')), isLeft ? LEFT : RIGHT);
  }
}

// Writes 32 bytes given as validated hex (optional 0x) at `offset`. DataView.setBigUint64 keeps
// the low 64 bits of its argument, so shifts alone select the lanes.
function storeHash(view, offset, hex) {
  const v = BigInt(hex.length === 64 ? '0x' + hex : hex);
  view.setBigUint64(offset, v >> 192n);
  view.setBigUint64(offset + 8, v >> 128n);
  view.setBigUint64(offset + 16, v >> 64n);
  view.setBigUint64(offset + 24, v);
}

// Bare lowercase hex of a 32-byte hash given as hex (optional 0x), or null.
function hash32(value) {
  if (typeof value !== 'string' || !HASH_HEX.test(value)) return null;
  return (value.length === 64 ? value : value.slice(2)).toLowerCase();
}

const OK = Object.freeze({ ok: true, reason: 'ok' });

function fail(code, detail) {
  return { ok: false, reason: `${code}: ${detail}` };
}

function splitHex(bytes) {
  const hex = crypto.hexEncode(bytes);
  const out = new Array(bytes.length / 32);
  for (let i = 0; i < out.length; i++) out[i] = hex.substring(64 * i, 64 * i + 64);
  return out;
}
