// Envelope helpers shared by the conformance tests: rebuild an envelope's fields for
// buildEvent(s), and compare two envelopes field by field (payloads by their JCS).
import { jcs } from '../../../js/ves.js';

/** buildEvent fields from an envelope (ids and created_at kept, so the result is deterministic). */
export function fieldsOf(env) {
  return {
    tenant_id: env.tenant_id,
    store_id: env.store_id,
    source_agent_id: env.source_agent_id,
    agent_key_id: env.agent_key_id,
    entity_type: env.entity_type,
    entity_id: env.entity_id,
    event_type: env.event_type,
    payload: env.payload,
    event_id: env.event_id,
    created_at: env.created_at,
  };
}

const ENVELOPE_FIELDS = ['ves_version', 'event_id', 'tenant_id', 'store_id', 'source_agent_id', 'agent_key_id', 'entity_type', 'entity_id', 'event_type', 'created_at', 'payload_kind', 'payload_plain_hash', 'payload_cipher_hash', 'agent_signature'];

/** True when every envelope field is identical and the payloads canonicalize alike. */
export function sameEnvelope(a, b) {
  for (const k of ENVELOPE_FIELDS) if (a[k] !== b[k]) return false;
  return jcs(a.payload) === jcs(b.payload);
}
