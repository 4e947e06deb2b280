// Per-call costs of the parts of a signed event in wasm, after 3 s of warm-up (so that V8 has
// tiered the module up): one Ed25519 signature, JCS from text and from an object, the payload
// hash, and buildBatch per event. Usage: node crates/ves-wasm/bench/parts.mjs
import { createRequire } from 'node:module';
const ves = createRequire(import.meta.url)(process.env.VES_WASM_PKG || new URL('../pkg/node/', import.meta.url).pathname);
const s = ves.createSigner('07'.repeat(32));
const payload = { order_id: 'order-000123', status: 'paid', total_cents: 123456, currency: 'USD', items: [{ sku: 'SKU-0001', qty: 2, price_cents: 1234 }, { sku: 'SKU-0002', qty: 1, price_cents: 99 }], note: 'café ✓' };
const text = JSON.stringify(payload);
const fields = { tenant_id: '11111111-1111-4111-8111-111111111111', store_id: '22222222-2222-4222-8222-222222222222', source_agent_id: '33333333-3333-4333-8333-333333333333', agent_key_id: 1, entity_type: 'order', entity_id: 'order-000123', event_type: 'order.updated', created_at: '2025-01-01T00:00:00.000Z', payload };
const list = Array.from({ length: 100 }, () => fields);
function t(f, n) { const st = performance.now(); for (let i = 0; i < n; i++) f(); return (performance.now() - st) * 1000 / n; }
const w = performance.now(); while (performance.now() - w < 3000) { s.sign('ab'.repeat(32)); ves.jcsText(text); ves.buildBatch(s, fields.source_agent_id, list.slice(0, 10)); }
for (let r = 0; r < 3; r++) {
  console.log(`sign ${t(() => s.sign('ab'.repeat(32)), 2000).toFixed(1)} us | jcsText ${t(() => ves.jcsText(text), 5000).toFixed(1)} us | jcs(obj) ${t(() => ves.jcs(payload), 5000).toFixed(1)} us | payloadHashOfJcs ${t(() => ves.payloadHashOfJcs(text), 5000).toFixed(1)} us | buildBatch/event ${(t(() => ves.buildBatch(s, fields.source_agent_id, list), 30) / 100).toFixed(1)} us`);
}
