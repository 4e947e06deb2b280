// A typed scenario written against js/ves.d.ts: if the declarations drift from the library's
// shape, this stops compiling (scripts/check-types.sh runs tsc; k6 itself never sees this file).
import {
  Ledger, VesClient, buildBatch, checkInclusion, config, createSigner, loadProfile, profileEnv,
  recordIngestOutcome, setupRun, summary, verdictLine, vuStateFor, ingestBatch, proveOwnEvent,
  closedModelOptions, jcs, payloadHash, signingHash, receiptHash, leafHash, merkleRoot, streamStoreId,
  ContentSource, orderEventFields, scenarioThresholds, runInfo, currentSlot, WriterContinuity,
} from '../../js/ves';

declare const __ENV: Record<string, string | undefined>;
declare function open(path: string): string;
declare const console: { log(...values: unknown[]): void };

const profile = loadProfile(__ENV, (p) => open(p));
const cfg = config(profileEnv(profile, __ENV));
export const options = closedModelOptions(profile, { load: { vus: 1, duration: '1s' }, thresholds: scenarioThresholds('sequencer_ingest', { checks: ['rate==1'] }, profile, { probes: 0 }), merged: true });

export function setup() {
  return setupRun(cfg);
}

export default function (data: ReturnType<typeof setup>) {
  const state = vuStateFor(cfg, data);
  const outcome = ingestBatch(cfg, data, state, 10, state.storeId, state.streamIndex, currentSlot('batch'));
  const seed: number = data.seed;
  const fields = orderEventFields(new ContentSource(seed, 'default', 'batch', 0), 2, {
    tenant_id: cfg.tenantId, store_id: cfg.storeId, source_agent_id: cfg.agentId, agent_key_id: data.agentKeyId, created_at: cfg.createdAt ?? '2025-01-01T00:00:00Z',
  });
  const gap = new WriterContinuity().check(0, null, fields.length);
  void gap;
  const accepted: number = outcome.accepted;
  const proven: boolean | null = proveOwnEvent(cfg, data, state);

  const signer = createSigner(data.agentSeed);
  const client = new VesClient({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey });
  const ledger = new Ledger();
  const { events, body } = buildBatch(signer, cfg.agentId, [{
    tenant_id: cfg.tenantId, store_id: streamStoreId(cfg.storeId, 1), source_agent_id: cfg.agentId,
    agent_key_id: data.agentKeyId, entity_type: 'order', entity_id: 'o-1', event_type: 'order.created',
    payload: { total: 1 },
  }]);
  const r = client.ingest(cfg.agentId, body);
  recordIngestOutcome(ledger.recordIngest(events, r), 0);
  const canonical: string = jcs({ b: 1, a: [true, null] });
  const hashes: string[] = [payloadHash({ a: 1 }), signingHash(events[0]), receiptHash(cfg.tenantId, cfg.storeId, events[0].event_id, 1, signingHash(events[0]))];
  const leaf = leafHash(cfg.tenantId, cfg.storeId, 1, hashes[1], events[0].agent_signature);
  const check = checkInclusion({ leaf_index: 0, proof_path: [], directions: [] }, leaf, merkleRoot([leaf]));
  void accepted; void proven; void canonical; void check.reason;
}

export function handleSummary(data: Record<string, unknown>) {
  console.log(verdictLine(data));
  return summary(data, 'typed_example', cfg.resultsDir, runInfo(cfg, profile));
}
