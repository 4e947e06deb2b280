/**
 * Seeded content: what the scenarios send is a function of (SEED, scenario, iteration, purpose,
 * index), never of the VU that happened to run the iteration, so that a failing run can be
 * repeated and a rerun with the same SEED, key and CREATED_AT sends the same bytes.
 *
 * Every choice comes from a 32-byte block:
 *
 *   block = SHA-256("ves-k6/content/v1" || u64be(seed) || u32be(len) || scenario ||
 *                   u32be(len) || purpose || u64be(iteration) || u32be(index) || u32be(counter))
 *
 * (strings as UTF-8, `len` their byte length; `counter` numbers further blocks when one is not
 * enough). `scenario` is k6's scenario name (exec.scenario.name), `iteration` its
 * exec.scenario.iterationInTest (distinct across VUs and execution segments), `purpose` says
 * what the bytes are for (`batch`, `probe`, `heartbeat/<stream>`, …) and `index` is the event's
 * place in its batch. ves-core's `content` module computes the same blocks and the same order
 * events (`ves presign --seed`), held equal by the `content` cases of `ves vectors`.
 *
 * @module content
 */
import crypto from 'k6/crypto';
import { describe, formatUuidHex, utf8Encode } from './bytes.js';

/** Domain prefix of content blocks. */
export const CONTENT_DOMAIN = 'ves-k6/content/v1';
/** Entity ids per stream that the order events use (and the query mix reads). */
export const ENTITIES_PER_STREAM = 100;
/** Order statuses, chosen by block byte 20. */
export const ORDER_STATUSES = Object.freeze(['created', 'paid', 'shipped', 'delivered']);

const DOMAIN_BYTES = utf8Encode(CONTENT_DOMAIN);

/**
 * The blocks of one (seed, scenario, purpose, iteration): the fixed part of the preimage is
 * built once, then each block costs one native SHA-256.
 */
export class ContentSource {
  /**
   * @param {number} seed integer 0..2^53-1
   * @param {string} scenario
   * @param {string} purpose
   * @param {number} iteration integer >= 0
   */
  constructor(seed, scenario, purpose, iteration) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new TypeError(`ContentSource: seed: expected an integer from 0 to 2^53-1, found ${describe(seed)}`);
    if (!Number.isSafeInteger(iteration) || iteration < 0) throw new TypeError(`ContentSource: iteration: expected an integer >= 0, found ${describe(iteration)}`);
    const s = utf8Encode(String(scenario));
    const p = utf8Encode(String(purpose));
    const n = DOMAIN_BYTES.length + 8 + 4 + s.length + 4 + p.length + 8 + 8;
    this.preimage = new Uint8Array(n);
    const view = new DataView(this.preimage.buffer);
    let o = 0;
    this.preimage.set(DOMAIN_BYTES, o);
    o += DOMAIN_BYTES.length;
    view.setBigUint64(o, BigInt(seed));
    o += 8;
    view.setUint32(o, s.length);
    this.preimage.set(s, o + 4);
    o += 4 + s.length;
    view.setUint32(o, p.length);
    this.preimage.set(p, o + 4);
    o += 4 + p.length;
    view.setBigUint64(o, BigInt(iteration));
    this.tail = o + 8;
    this.view = view;
  }

  /**
   * Block `counter` of event `index`.
   * @returns {Uint8Array} 32 bytes
   */
  block(index, counter = 0) {
    this.view.setUint32(this.tail, index);
    this.view.setUint32(this.tail + 4, counter);
    return new Uint8Array(crypto.sha256(this.preimage, 'binary'));
  }
}

/**
 * One content block (see the module comment).
 * @returns {Uint8Array} 32 bytes
 */
export function contentBlock(seed, scenario, purpose, iteration, index, counter = 0) {
  return new ContentSource(seed, scenario, purpose, iteration).block(index, counter);
}

/** Big-endian u32 of block bytes [offset, offset + 4). */
export function blockU32(block, offset) {
  return ((block[offset] << 24) >>> 0) + (block[offset + 1] << 16) + (block[offset + 2] << 8) + block[offset + 3];
}

/** A number in [0, 1) from block bytes [offset, offset + 4): u32 / 2^32. */
export function blockChance(block, offset) {
  return blockU32(block, offset) / 4294967296;
}

/** A version-4 UUID from block bytes [offset, offset + 16) (version and variant bits set). */
export function blockUuid(block, offset = 0) {
  const b = block.slice(offset, offset + 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return formatUuidHex(crypto.hexEncode(b));
}

/**
 * A seed for runs without SEED: random, 0..2^53-1 (printed at start and kept in the summary,
 * so the run can be repeated).
 */
export function drawSeed() {
  const b = new Uint8Array(crypto.randomBytes(8));
  b[0] = 0;
  b[1] &= 0x1f;
  return Number(new DataView(b.buffer).getBigUint64(0));
}

/**
 * `count` order events of one (seed, scenario, purpose, iteration): event `i` takes block
 * (i, 0): bytes 0..15 the event id (v4), 16..19 the entity (u32 mod ENTITIES_PER_STREAM), 20 the
 * status (mod 4), 21 the number of line items (1 + mod 3). The rest is fixed: sku
 * `SKU-<(entity*7+k) mod 1000>`, qty 1+k, price_cents 199+100k, total_cents the sum of qty x
 * price, currency USD, note "café ✓".
 * @param {ContentSource} source
 * @param {number} count
 * @param {{tenant_id: string, store_id: string, source_agent_id: string, agent_key_id: number, created_at: string}} base
 * @returns {import('./event.js').EventFields[]}
 */
export function orderEventFields(source, count, base) {
  const fields = new Array(count);
  for (let i = 0; i < count; i++) {
    const b = source.block(i);
    const entity = blockU32(b, 16) % ENTITIES_PER_STREAM;
    const status = ORDER_STATUSES[b[20] % ORDER_STATUSES.length];
    const lines = 1 + (b[21] % 3);
    const items = new Array(lines);
    let total = 0;
    for (let k = 0; k < lines; k++) {
      items[k] = { sku: `SKU-${(entity * 7 + k) % 1000}`, qty: 1 + k, price_cents: 199 + 100 * k };
      total += (1 + k) * (199 + 100 * k);
    }
    const id = orderEntityId(entity);
    fields[i] = {
      event_id: blockUuid(b, 0),
      tenant_id: base.tenant_id,
      store_id: base.store_id,
      source_agent_id: base.source_agent_id,
      agent_key_id: base.agent_key_id,
      entity_type: 'order',
      entity_id: id,
      event_type: `order.${status}`,
      created_at: base.created_at,
      payload: { order_id: id, status, items, total_cents: total, currency: 'USD', note: 'café ✓' },
    };
  }
  return fields;
}

/** `order-000042`. */
export function orderEntityId(n) {
  return `order-${String(n).padStart(6, '0')}`;
}
