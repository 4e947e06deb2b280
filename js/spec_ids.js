/**
 * Ids and agent keys of a `ves spec` run, derived from one seed exactly as the Rust runner
 * does (crates/ves-cli/src/cmd/spec/ids.rs; spec/README.md, "Ids").
 *
 * @module spec_ids
 */
import crypto from 'k6/crypto';
import { createSigner } from './ed25519.js';

const DOMAIN = 'ves-spec/v1';

function digestHex(seed, label) {
  return crypto.sha256(`${DOMAIN}\n${seed}\n${label}`, 'hex');
}

/**
 * A version-4 UUID from SHA-256("ves-spec/v1\n" seed "\n" label).
 * @param {string} seed
 * @param {string} label
 */
export function specUuid(seed, label) {
  const h = digestHex(seed, label).slice(0, 32).split('');
  h[12] = '4';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

const signers = new Map();

/**
 * The Ed25519 signer of an agent label (cached: building one costs a scalar multiplication).
 * @param {string} seed
 * @param {string} label
 */
export function specSigner(seed, label) {
  const k = `${seed}\n${label}`;
  let s = signers.get(k);
  if (s === undefined) {
    s = createSigner(digestHex(seed, `key:${label}`));
    if (signers.size > 256) signers.clear();
    signers.set(k, s);
  }
  return s;
}

/**
 * The label of an id: the main tenant and agent belong to the run, the rest to one property
 * in one pass.
 */
export function specLabel(kind, property, name, pass) {
  if (name === 'main' && (kind === 'tenant' || kind === 'agent')) return `${kind}:main`;
  return `${kind}:${property}:${name}:${pass}`;
}

/** Where a property's ids come from: {seed, property, pass}. */
export class SpecScope {
  constructor(seed, property, pass) {
    this.seed = seed;
    this.property = property;
    this.pass = pass;
  }
  uuid(kind, name) {
    return specUuid(this.seed, specLabel(kind, this.property, name, this.pass));
  }
  tenant(name) { return this.uuid('tenant', name); }
  store(name) { return this.uuid('store', name); }
  agent(name) { return this.uuid('agent', name); }
  eventId(name) { return this.uuid('event', name); }
  id(name) { return this.uuid('id', name); }
  signer(name) { return specSigner(this.seed, specLabel('agent', this.property, name, this.pass)); }
}
