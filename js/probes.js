/**
 * PROBES: requests the sequencer must refuse as a whole, each sent alone, and their judge.
 *
 * @module probes
 */
import { check } from 'k6';
import { blockChance, blockUuid, orderEventFields } from './content.js';
import { ingestBody } from './event.js';
import { buildBatchWith } from './remote_signer.js';
import * as metrics from './metrics.js';
import { excerpt, explainOnce } from './explain.js';
import { contentSource, currentSlot } from './slots.js';
import { signerOf } from './vu_state.js';

/**
 * The probes: requests the sequencer must refuse as a whole (HTTP 400), each sent alone. Events
 * refused one by one inside a batch are INVALID_RATE's (invalid.js), exact replays REPLAY_RATE's
 * (replay.js).
 */
export const PROBE_KINDS = Object.freeze(['agent_mismatch', 'malformed_body']);

/**
 * One probe, sent alone: agent_mismatch (the request's agentId is not the events'
 * source_agent_id) or malformed_body (the first half of a valid body: not JSON). Both must be
 * refused with HTTP 400. Correct answers count in ves_invalid_rejected{kind}, wrong ones in
 * ves_invalid_accepted{kind}; never in ves_events_rejected.
 * @param {string} kind one of PROBE_KINDS
 */
export function probe(cfg, data, state, kind, slot = currentSlot('probe')) {
  if (!PROBE_KINDS.includes(kind)) throw new Error(`probe: unknown kind ${kind}; expected one of ${PROBE_KINDS.join(', ')} (per-event kinds are INVALID_KINDS)`);
  const source = contentSource(cfg, data, slot);
  const fields = orderEventFields(source, 2, {
    tenant_id: cfg.tenantId,
    store_id: state.storeId,
    source_agent_id: cfg.agentId,
    agent_key_id: data.agentKeyId,
    created_at: cfg.createdAt !== null ? cfg.createdAt : new Date().toISOString(),
  })[1]; // event 0's block chose the probe (maybeProbe)
  const { events, body } = buildBatchWith(signerOf(state, data, cfg), cfg.agentId, [fields]);
  let agentId = cfg.agentId;
  let sent = body;
  if (kind === 'agent_mismatch') {
    agentId = blockUuid(source.block(2), 0);
    sent = ingestBody(agentId, events);
  } else {
    sent = body.slice(0, Math.floor(body.length / 2));
  }
  const r = state.client.ingest(agentId, sent, { expectedStatuses: [400], tags: { probe: kind } });
  const asExpected = r.status === 400;
  metrics.recordProbe(kind, asExpected);
  if (!asExpected && state.continuity !== null) state.continuity.advance(state.streamIndex, r.json);
  check(r, { [`probe ${kind}: refused as expected`]: () => asExpected });
  if (!asExpected) explainOnce(state, `probe:${kind}`, `probe ${kind} was not refused as expected (HTTP 400): HTTP ${r.status} ${excerpt(r.res.body)}`);
  return asExpected;
}

/**
 * With probability PROBES, sends one probe. Whether, and which kind, comes from block 0 of the
 * iteration's `probe` slot (bytes 0..3: the chance, byte 4: the kind), so that the same SEED
 * makes the same choices.
 */
export function maybeProbe(cfg, data, state, probability, slot = currentSlot('probe')) {
  if (!(probability > 0)) return;
  const b = contentSource(cfg, data, slot).block(0);
  if (blockChance(b, 0) >= probability) return;
  probe(cfg, data, state, PROBE_KINDS[b[4] % PROBE_KINDS.length], slot);
}


/** PROBES: the share of ingest iterations that also send one invalid-event probe. */
export function probeRate(env, fallback) {
  if (env.PROBES === undefined || env.PROBES === '') return fallback;
  const v = Number(env.PROBES);
  if (!(v >= 0 && v <= 1)) throw new Error(`PROBES: expected a share from 0 to 1 of iterations that also send an invalid-event probe, found ${JSON.stringify(env.PROBES)}`);
  return v;
}
