/**
 * HOT_ENTITIES (0..1): that share of live events goes to a few entity ids (HOT_ENTITY_COUNT of
 * them: `order-000000` …), so that per-entity state on the sequencer (versions, entity
 * history) is contended. The choice for event i comes from its block in the iteration's `hot`
 * slot (bytes 0..3 the chance, byte 4 which hot entity), so the same SEED picks the same events.
 * The hot ids are ordinary order ids; the query and mixed scenarios read them that share of
 * their entity reads (queries.js), and the query scenario's seed batches hold them too.
 *
 * @module hot
 */
import { blockChance, orderEntityId } from './content.js';

/** How many entity ids are hot. */
export const HOT_ENTITY_COUNT = 3;

/**
 * Moves a seeded share of events to the hot entities, in place (entity_id and the payload's
 * order_id; the fields are not signed yet).
 * @param {import('./event.js').EventFields[]} fields
 * @param {number} rate HOT_ENTITIES
 * @param {(i: number) => Uint8Array} blockOf
 * @returns {number} how many events were moved
 */
export function heatEntities(fields, rate, blockOf) {
  if (!(rate > 0)) return 0;
  let moved = 0;
  for (let i = 0; i < fields.length; i++) {
    const b = blockOf(i);
    if (blockChance(b, 0) >= rate) continue;
    const id = orderEntityId(b[4] % HOT_ENTITY_COUNT);
    fields[i].entity_id = id;
    if (fields[i].payload && typeof fields[i].payload === 'object') fields[i].payload = Object.assign({}, fields[i].payload, { order_id: id });
    moved++;
  }
  return moved;
}
