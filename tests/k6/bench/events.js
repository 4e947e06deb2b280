// Benchmark (no server): signed events per second per VU in live mode — build the fields, JCS,
// payload hash, signing hash, Ed25519 signature and the JSON ingest body, batch of BATCH_SIZE.
// Run by scripts/bench-k6.sh; prints one `bench-events:` line. LEDGER_EVENTS=N also keeps a
// ledger of N entries per VU (for the memory measurement).
//
//   k6 run --quiet --no-usage-report -e VUS=1 -e DURATION=10s tests/k6/bench/events.js
import { Counter } from 'k6/metrics';
import { Ledger, buildBatch, createSigner, precomputeBaseTable, randomUuid, sha256Hex } from '../../../js/ves.js';

const VUS = Number(__ENV.VUS || 1);
const DURATION = __ENV.DURATION || '10s';
const BATCH_SIZE = Number(__ENV.BATCH_SIZE || 100);
const TENANT = '00000000-0000-0000-0000-000000000001';
const STORE = '00000000-0000-0000-0000-000000000002';
const AGENT = '22222222-2222-2222-2222-222222222222';

const benchEvents = new Counter('bench_events');
const tableMs = new Counter('bench_table_build_ms');

// Per VU, in init: the fixed-base table (built once per VU, its time reported) and the signer.
const builtInMs = precomputeBaseTable();
const signer = createSigner('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');

// LEDGER_EVENTS=N fills a Ledger with N entries in init, to measure a VU's memory with a ledger.
const LEDGER_EVENTS = Number(__ENV.LEDGER_EVENTS || 0);
const ledger = new Ledger({ maxEvents: Math.max(1, LEDGER_EVENTS) });
for (let i = 1; i <= LEDGER_EVENTS; i++) {
  ledger.record(TENANT, STORE, { sequenceNumber: i, eventId: randomUuid(), signingHash: sha256Hex(`h${__VU}/${i}`), signature: sha256Hex(`s${i}`) + sha256Hex(`t${i}`), ingestedAt: Date.now() });
}

export const options = {
  scenarios: { events: { executor: 'constant-vus', vus: VUS, duration: DURATION } },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'max'],
};

let counter = 0;
let reportedTable = false;

export default function () {
  if (!reportedTable) {
    tableMs.add(builtInMs);
    reportedTable = true;
  }
  // A typical order event: small nested payload with a non-ASCII string.
  const fields = new Array(BATCH_SIZE);
  for (let i = 0; i < BATCH_SIZE; i++) {
    counter++;
    fields[i] = {
      tenant_id: TENANT,
      store_id: STORE,
      source_agent_id: AGENT,
      agent_key_id: 1,
      entity_type: 'order',
      entity_id: `order-${__VU}-${counter}`,
      event_type: 'order.created',
      payload: { order_id: `o-${counter}`, amount: 1234.5, currency: 'EUR', items: [{ sku: 'SKU-1', qty: 2 }], note: 'café' },
    };
  }
  const { body } = buildBatch(signer, AGENT, fields);
  if (body.length < BATCH_SIZE * 500) throw new Error('body unexpectedly short');
  benchEvents.add(BATCH_SIZE);
}

export function handleSummary(data) {
  const m = data.metrics;
  const events = m.bench_events ? m.bench_events.values.count : 0;
  const seconds = data.state.testRunDurationMs / 1000;
  const perVu = events / seconds / VUS;
  // Each VU adds its own table build time once (VUs that never iterate add nothing).
  const table = m.bench_table_build_ms ? m.bench_table_build_ms.values.count / VUS : 0;
  const line = `bench-events: vus=${VUS} batch=${BATCH_SIZE} events=${events} seconds=${seconds.toFixed(2)} events_per_s=${(events / seconds).toFixed(0)} events_per_s_per_vu=${perVu.toFixed(0)} table_build_ms=${table.toFixed(0)}\n`;
  return { stdout: line };
}
