/**
 * Where an iteration's content comes from: its slot (scenario, iteration, purpose) and the
 * run's seed make the content source (content.js), and from it the order events' fields.
 *
 * @module slots
 */
import exec from 'k6/execution';
import { ContentSource, drawSeed, orderEntityId, orderEventFields } from './content.js';

/**
 * @typedef {object} ContentSlot where an iteration's content comes from (content.js)
 * @property {string} scenario k6's scenario name
 * @property {number} iteration exec.scenario.iterationInTest
 * @property {string} purpose batch, probe, heartbeat/<stream>, seed/<stream>
 */

/**
 * The running iteration's content slot: (exec.scenario.name, exec.scenario.iterationInTest,
 * purpose), never the VU; in setup() (no scenario), ('setup', 0, purpose).
 * @param {string} purpose
 * @returns {ContentSlot}
 */
export function currentSlot(purpose) {
  try {
    return { scenario: exec.scenario.name, iteration: exec.scenario.iterationInTest, purpose };
  } catch (e) {
    return { scenario: 'setup', iteration: 0, purpose };
  }
}

let fallbackSeed = null;

// The run's seed: setup()'s (data.seed), else SEED, else one per VU (a custom setup without setupRun).
export function seedOf(cfg, data) {
  if (data && Number.isSafeInteger(data.seed)) return data.seed;
  if (cfg.seed !== null) return cfg.seed;
  if (fallbackSeed === null) fallbackSeed = drawSeed();
  return fallbackSeed;
}

/** The content source of a slot under the run's seed. */
export function contentSource(cfg, data, slot) {
  return new ContentSource(seedOf(cfg, data), slot.scenario, slot.purpose, slot.iteration);
}

/**
 * Fields for `count` order events in this VU's stream (entity ids shared with the query mix):
 * ids and payloads from the slot's content blocks (content.js orderEventFields), created_at
 * CREATED_AT or the time of the call.
 * @param {ContentSlot} [slot] default: the running iteration's `batch`
 * @returns {import('./event.js').EventFields[]}
 */
export function orderFields(cfg, data, state, count, storeId = state.storeId, slot = currentSlot('batch')) {
  return orderEventFields(contentSource(cfg, data, slot), count, {
    tenant_id: cfg.tenantId,
    store_id: storeId,
    source_agent_id: cfg.agentId,
    agent_key_id: data.agentKeyId,
    created_at: cfg.createdAt !== null ? cfg.createdAt : new Date().toISOString(),
  });
}

export const entityId = orderEntityId;
