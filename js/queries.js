/**
 * The read side: the data the query scenario reads (seedStreams, in setup()) and the query mix
 * over the read endpoints.
 *
 * @module queries
 */
import { check } from 'k6';
import { ENTITIES_PER_STREAM } from './content.js';
import { isFirstSegment } from './segment.js';
import { explainHttp } from './explain.js';
import { commitStream } from './committer.js';
import { ingestBatch } from './ingest.js';
import { entityId } from './slots.js';
import { newState } from './vu_state.js';

/**
 * setup() data for read-only scenarios: one batch into every stream, then a commitment of each,
 * so that the query endpoints have something to return.
 */
export function seedStreams(cfg, data) {
  const state = newState(cfg, data, 0);
  for (let i = 0; i < cfg.streams; i++) {
    ingestBatch(cfg, data, state, cfg.batchSize, cfg.streamStoreIds[i], i, { scenario: 'setup', iteration: 0, purpose: `seed/${i}` });
    // One committer per stream: of several k6 processes (execution segments), the first commits.
    if (isFirstSegment()) commitStream(cfg, data, state, i);
  }
}

/**
 * One read: the legacy head, events and entity history, and the VES commitment list, in turn.
 * (The real server serves the first three from its legacy table: empty for VES-only streams.)
 */
export function queryOnce(cfg, state) {
  const which = state.iteration % 4;
  const stream = Math.floor(Math.random() * cfg.streams);
  const storeId = cfg.streamStoreIds[stream];
  let r;
  let shapeOk;
  if (which === 0) {
    r = state.client.head(cfg.tenantId, storeId);
    shapeOk = () => r.json !== null && Number.isSafeInteger(r.json.head_sequence);
  } else if (which === 1) {
    r = state.client.events(cfg.tenantId, storeId, 1, 20);
    shapeOk = () => r.json !== null && Array.isArray(r.json.events) && r.json.count === r.json.events.length;
  } else if (which === 2) {
    r = state.client.entity(cfg.tenantId, storeId, 'order', entityId(Math.floor(Math.random() * ENTITIES_PER_STREAM)));
    shapeOk = () => r.json !== null && Array.isArray(r.json.events) && r.json.entity_type === 'order';
  } else {
    r = state.client.commitments(cfg.tenantId, storeId);
    shapeOk = () => r.json !== null && Array.isArray(r.json.commitments) && r.json.count === r.json.commitments.length;
  }
  const endpoint = ['head', 'events', 'entity', 'commitments'][which];
  check(r, { [`query ${endpoint}: HTTP 200`]: () => r.status === 200, [`query ${endpoint}: response shape`]: shapeOk });
  if (r.status !== 200) explainHttp(state, endpoint, r);
  return r;
}
