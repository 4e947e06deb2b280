/**
 * A `ves spec` property's events: the envelope text that is sent (byte for byte what
 * crates/ves-cli/src/cmd/spec/events.rs writes) and what the judge needs (signing hash and
 * signature of the event as sent).
 *
 * @module spec_events
 */
import { payloadHashOfJcs, signingDigest } from './hash.js';
import { jcs } from './jcs.js';

const ZERO = '0'.repeat(64);
const FIELDS = ['ves_version', 'event_id', 'tenant_id', 'store_id', 'source_agent_id', 'agent_key_id', 'entity_type', 'entity_id', 'event_type', 'created_at', 'payload_kind', 'payload', 'payload_plain_hash', 'payload_cipher_hash', 'agent_signature'];

/**
 * Expands `{{pad:N}}` into N times `x`.
 * @param {string} text
 */
export function expandPads(text) {
  return text.replace(/\{\{pad:(\d+)\}\}/g, (_, n) => 'x'.repeat(Number(n)));
}

function hexSpelled(hex, form) {
  if (form === '0x') return '0x' + hex;
  if (form === 'bare') return hex;
  if (form === 'upper') return '0x' + hex.toUpperCase();
  throw new Error(`spelling.hex ${JSON.stringify(form)}: expected 0x, bare or upper`);
}

function flipFirstBit(hex) {
  const b = (parseInt(hex.slice(0, 2), 16) ^ 1).toString(16).padStart(2, '0');
  return b + hex.slice(2);
}

/**
 * Builds event `name` of a property.
 * @param {import('./spec_ids.js').SpecScope} scope
 * @param {object} defaults the catalogue's event_defaults
 * @param {Record<string, object>} specs the property's events
 * @param {string} name
 * @returns {{eventId: string, tenant: string, store: string, agentName: string, text: string, signingHash: string, signature: string}}
 */
export function buildSpecEvent(scope, defaults, specs, name) {
  const spec = specs[name];
  if (spec === undefined) throw new Error(`event ${JSON.stringify(name)} is not defined in the property`);
  const agentName = spec.agent || 'main';
  const signerName = spec.signer || agentName;
  const eventId = scope.eventId(spec.id_of || name);
  const tenant = scope.tenant(spec.tenant || 'main');
  const store = scope.store(spec.store || 'main');
  const agent = scope.agent(agentName);
  const keyId = spec.key_id === undefined ? 1 : spec.key_id;
  const entityType = spec.entity_type === undefined ? defaults.entity_type : spec.entity_type;
  const entityId = spec.entity_id === undefined ? defaults.entity_id : spec.entity_id;
  const eventType = spec.event_type === undefined ? defaults.event_type : spec.event_type;
  const createdAt = spec.created_at === undefined ? defaults.created_at : spec.created_at;
  const set = spec.set || {};
  const vesVersion = set.ves_version === undefined ? 1 : set.ves_version;
  const cipher = set.payload_cipher_hash === undefined ? ZERO : set.payload_cipher_hash.replace(/^0x/, '').toLowerCase();

  let payloadText;
  let payloadJcs;
  if (spec.payload !== undefined && spec.payload_text !== undefined) throw new Error(`event ${name}: payload and payload_text are exclusive`);
  if (spec.payload_text !== undefined) {
    payloadText = spec.payload_text;
    payloadJcs = jcs(JSON.parse(expandPads(spec.payload_text)));
  } else {
    payloadJcs = jcs(spec.payload !== undefined ? spec.payload : { event: name });
    payloadText = payloadJcs;
  }
  const signedAs = spec.signed_as || {};
  const sentPlain = payloadHashOfJcs(payloadJcs);
  const signedPlain = signedAs.payload !== undefined ? payloadHashOfJcs(jcs(signedAs.payload)) : sentPlain;
  const signedCreatedAt = signedAs.created_at !== undefined ? signedAs.created_at : createdAt;

  const envelope = (created, plain) => ({
    ves_version: vesVersion,
    event_id: eventId,
    tenant_id: tenant,
    store_id: store,
    source_agent_id: agent,
    agent_key_id: keyId,
    entity_type: entityType,
    entity_id: entityId,
    event_type: eventType,
    created_at: created,
    payload_kind: 0,
    payload_plain_hash: plain,
    payload_cipher_hash: cipher,
  });
  const signedHash = signingDigest(envelope(signedCreatedAt, signedPlain)).hex;
  let signature = scope.signer(signerName).sign(signedHash);
  let plainSent = signedPlain;
  for (const field of spec.flip || []) {
    if (field === 'agent_signature') signature = flipFirstBit(signature);
    else if (field === 'payload_plain_hash') plainSent = flipFirstBit(plainSent);
    else throw new Error(`event ${name}: flip ${JSON.stringify(field)}: expected agent_signature or payload_plain_hash`);
  }
  const signingHash = signingDigest(envelope(createdAt, plainSent)).hex;

  const spelling = spec.spelling || {};
  const hexForm = spelling.hex || '0x';
  const values = FIELDS.map((field) => {
    switch (field) {
      case 'ves_version': return [field, String(vesVersion)];
      case 'event_id': return [field, JSON.stringify(eventId)];
      case 'tenant_id': return [field, JSON.stringify(tenant)];
      case 'store_id': return [field, JSON.stringify(store)];
      case 'source_agent_id': return [field, JSON.stringify(agent)];
      case 'agent_key_id': return [field, String(keyId)];
      case 'entity_type': return [field, JSON.stringify(entityType)];
      case 'entity_id': return [field, JSON.stringify(entityId)];
      case 'event_type': return [field, JSON.stringify(eventType)];
      case 'created_at': return [field, JSON.stringify(createdAt)];
      case 'payload_kind': return [field, '0'];
      case 'payload': return [field, payloadText];
      case 'payload_plain_hash': return [field, JSON.stringify(hexSpelled(plainSent, hexForm))];
      case 'payload_cipher_hash': return [field, JSON.stringify(hexSpelled(cipher, hexForm))];
      default: return [field, JSON.stringify(hexSpelled(signature, hexForm))];
    }
  });
  // Extra raw fields in sorted order, as the Rust runner's map keeps them.
  const raw = spec.raw || {};
  for (const field of Object.keys(raw).sort()) {
    const slot = values.find((v) => v[0] === field);
    if (slot) slot[1] = raw[field];
    else values.push([field, raw[field]]);
  }
  const omit = spec.omit || [];
  const kept = values.filter((v) => !omit.includes(v[0]));
  const layout = spelling.layout || 'compact';
  let text;
  if (layout === 'compact') text = `{${kept.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  else if (layout === 'spaced') text = `{ ${kept.slice().reverse().map(([k, v]) => `${JSON.stringify(k)} : ${v}`).join(' , ')} }`;
  else throw new Error(`event ${name}: spelling.layout ${JSON.stringify(layout)}: expected compact or spaced`);
  return { eventId, tenant, store, agentName, text, signingHash, signature };
}
