// Benchmark (a devserver and a `ves signer` running): where one VU's time goes on the live
// ingest path with SIGNER_URL, step by step, over N batches of BATCH_SIZE: building the order
// fields in k6 (`fields`) and serializing them (`stringify`, what the `events` form of the
// signer request costs), the signer round trip (`sign`: a content batch with CONTENT=1, else
// the fields), the ingest POST (`post`, the devserver's time included), decoding the answer
// (`json`) and Ledger.recordIngest (`record`; RECEIPT_CHECK's share with RC, default 1). Prints
// one `signer-path:` line of wall µs per event (single-threaded: close to k6 CPU for the JS
// steps, the servers' time included for `sign` and `post`). Not part of `make test`.
//
//   k6 run -e SEQUENCER_BASE_URL=http://127.0.0.1:8080 -e SIGNER_URL=http://127.0.0.1:8787 \
//     -e PROFILE=none -e N=300 -e CONTENT=1 -e RC=0 tests/k6/bench/signer_path.js
import http from 'k6/http';
import { config, orderFields, receiptsCollector, RemoteSigner, setupRun, vuStateFor } from '../../../js/ves.js';

const cfg = config();
export const options = { vus: 1, iterations: 1 };
export function setup() {
  return setupRun(cfg);
}

export default function (data) {
  const state = vuStateFor(cfg, data);
  const signer = new RemoteSigner(data.signer, cfg.signerToken);
  const n = Number(__ENV.N || 300);
  const receiptCheck = Number(__ENV.RC || 1);
  const params = { headers: { 'Content-Type': 'application/json', Authorization: `ApiKey ${cfg.apiKey}` } };
  const t = { fields: 0, stringify: 0, sign: 0, post: 0, json: 0, record: 0 };
  let events = 0;
  const lap = (step, since) => {
    const now = Date.now();
    t[step] += now - since;
    return now;
  };
  for (let it = 0; it < n; it++) {
    const slot = { scenario: 'signer-path', iteration: it, purpose: 'batch' };
    let t0 = Date.now();
    const fields = orderFields(cfg, data, state, cfg.batchSize, state.storeId, slot);
    t0 = lap('fields', t0);
    JSON.stringify({ events: fields });
    t0 = lap('stringify', t0);
    const signed = __ENV.CONTENT
      ? signer.signContent(cfg.agentId, { seed: data.seed, scenario: slot.scenario, purpose: slot.purpose, iteration: it, count: cfg.batchSize, tenantId: cfg.tenantId, storeId: state.storeId, agentKeyId: data.agentKeyId, createdAt: new Date().toISOString() })
      : signer.signBatch(cfg.agentId, fields);
    t0 = lap('sign', t0);
    const res = http.post(`${cfg.baseUrl}/api/v1/ves/events/ingest`, signed.body, params);
    t0 = lap('post', t0);
    const json = res.json();
    t0 = lap('json', t0);
    const outcome = state.ledger.recordIngest(signed.events, json, { collect: receiptsCollector(), receiptCheck });
    lap('record', t0);
    if (outcome.newReceipts !== signed.events.length || outcome.anomalies > 0 || outcome.invalidReceipts > 0) throw new Error(`batch ${it} not accepted cleanly: ${JSON.stringify(outcome).slice(0, 300)}`);
    events += signed.events.length;
  }
  const per = Object.keys(t).map((k) => `${k}=${((t[k] * 1000) / events).toFixed(1)}`).join(' ');
  console.log(`signer-path: ${events} events, wall µs per event: ${per}`);
}
