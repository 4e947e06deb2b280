/**
 * The read side: the data the query scenario reads (seedStreams, in setup()) and the query mix
 * over the read endpoints.
 *
 * @module queries
 */
import { check } from 'k6';
import { ENTITIES_PER_STREAM } from './content.js';
import { judgeEntityRead } from './entity_reads.js';
import { HOT_ENTITY_COUNT } from './hot.js';
import * as metrics from './metrics.js';
import { isFirstSegment } from './segment.js';
import { explainHttp, explainOnce } from './explain.js';
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
 * An entity read asks for a hot entity (HOT_ENTITIES, hot.js) that share of the time, and its
 * answer is checked (entity_reads.js): ves_entity_read_violations, ves_entity_reads_checked.
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
    const hot = cfg.hotEntities > 0 && Math.random() < cfg.hotEntities;
    const id = entityId(Math.floor(Math.random() * (hot ? HOT_ENTITY_COUNT : ENTITIES_PER_STREAM)));
    r = state.client.entity(cfg.tenantId, storeId, 'order', id);
    shapeOk = () => r.json !== null && Array.isArray(r.json.events) && r.json.entity_type === 'order';
    if (r.status === 200 && r.json !== null) checkEntityRead(state, r.json, { tenantId: cfg.tenantId, storeId, entityType: 'order', entityId: id }, hot);
  } else {
    r = state.client.commitments(cfg.tenantId, storeId);
    shapeOk = () => r.json !== null && Array.isArray(r.json.commitments) && r.json.count === r.json.commitments.length;
  }
  const endpoint = ['head', 'events', 'entity', 'commitments'][which];
  check(r, { [`query ${endpoint}: HTTP 200`]: () => r.status === 200, [`query ${endpoint}: response shape`]: shapeOk });
  if (r.status !== 200) explainHttp(state, endpoint, r);
  return r;
}

// An entity read's answer against what can be checked without knowing the events (entity_reads.js).
function checkEntityRead(state, answer, asked, hot) {
  const judged = judgeEntityRead(answer, asked);
  metrics.recordEntityRead(judged, hot);
  check(answer, { 'query entity: its own events, in order, each once': () => judged.violations.length === 0 });
  for (const v of judged.violations) explainOnce(state, `entity:${v.kind}`, `entity read of ${asked.entityType}/${asked.entityId} (${v.kind}): ${v.detail}`);
}

/**
 * Says at start what the entity reads can check (the query scenario always; others when
 * HOT_ENTITIES > 0): on the real sequencer they show legacy events only, so they check nothing.
 * @param {import('./config.js').VesConfig} cfg
 * @param {boolean} always
 */
export function noteEntityReads(cfg, always) {
  if (!always && !(cfg.hotEntities > 0)) return;
  const hot = cfg.hotEntities > 0 ? ` (${Math.round(cfg.hotEntities * 100)} % of them of the hot ids ${entityId(0)}…${entityId(HOT_ENTITY_COUNT - 1)})` : '';
  console.log(`ves-k6: entity reads${hot} check that every event returned is the entity's, in strictly increasing sequence order, each once (ves_entity_read_violations); on the real sequencer entity reads show legacy events only (VES events are not in its legacy table), so these checks see nothing there (ves_entity_reads_checked stays 0)`);
}
