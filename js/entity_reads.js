/**
 * What an entity read (`GET /api/v1/entities/{type}/{id}`) must satisfy, whatever the events:
 * the answer names the entity asked for, every event in it belongs to that entity (and to the
 * tenant and store asked), sequence numbers strictly increase (nothing reordered or repeated)
 * and no event id comes twice. The real sequencer serves this read from its legacy table, so
 * for VES events it returns an empty history: these checks then see nothing (LIVE_OBSERVED.md).
 *
 * @module entity_reads
 */

/** The kinds of violation, the `kind` tag of ves_entity_read_violations. */
export const ENTITY_READ_VIOLATIONS = Object.freeze(['wrong_entity', 'foreign_event', 'out_of_order', 'duplicate_event_id']);

/**
 * Judges one entity read answer (a parsed 200 body).
 * @param {object} answer `{entity_type, entity_id, events: [{envelope: {…}, sequenced_at}]}`
 * @param {{tenantId: string, storeId: string, entityType: string, entityId: string}} asked
 * @returns {{events: number, violations: Array<{kind: string, detail: string}>}} one violation
 *   per kind at most, with the first offending event
 */
export function judgeEntityRead(answer, asked) {
  const violations = [];
  const events = Array.isArray(answer && answer.events) ? answer.events : [];
  if (answer === null || typeof answer !== 'object' || answer.entity_type !== asked.entityType || answer.entity_id !== asked.entityId) {
    violations.push({ kind: 'wrong_entity', detail: `asked for ${asked.entityType}/${asked.entityId}, the answer is about ${answer && answer.entity_type}/${answer && answer.entity_id}` });
  }
  const seen = new Set();
  let previous = null;
  const found = {};
  for (let i = 0; i < events.length; i++) {
    // The legacy shape wraps each event: {envelope, sequenced_at}.
    const e = events[i] && typeof events[i].envelope === 'object' && events[i].envelope !== null ? events[i].envelope : events[i] || {};
    const id = String(e.event_id).toLowerCase();
    if (found.foreign_event === undefined && (e.entity_type !== asked.entityType || e.entity_id !== asked.entityId || !sameId(e.tenant_id, asked.tenantId) || !sameId(e.store_id, asked.storeId))) {
      found.foreign_event = `event ${i} (${e.event_id}) is ${e.entity_type}/${e.entity_id} of tenant ${e.tenant_id} store ${e.store_id}`;
    }
    const seq = e.sequence_number;
    if (found.out_of_order === undefined && (!Number.isSafeInteger(seq) || (previous !== null && seq <= previous))) {
      found.out_of_order = `event ${i} (${e.event_id}) has sequence number ${seq} after ${previous}`;
    }
    if (Number.isSafeInteger(seq)) previous = seq;
    if (found.duplicate_event_id === undefined && seen.has(id)) found.duplicate_event_id = `event id ${e.event_id} comes twice`;
    seen.add(id);
  }
  for (const kind of ENTITY_READ_VIOLATIONS) if (found[kind] !== undefined) violations.push({ kind, detail: found[kind] });
  return { events: events.length, violations };
}

function sameId(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}
