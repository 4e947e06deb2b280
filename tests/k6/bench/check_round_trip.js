// Benchmark (a `ves signer` running): what a separate POST /v1/check costs k6 beside letting the
// answer ride along in the next signing request (docs/SIGNER.md, "Checking answers"). Each
// iteration stands for one batch of 100 events and sends a real ingest answer's text (about
// 45 KB) to the signer, either in a request of its own after a small one (MODE=separate: the
// signing request, then the check) or in one request (MODE=ride: the answer inside the signing
// request). The signer answers 404 at once (no such handle; its first line is all it reads), so
// the k6 CPU of the two modes differs by one HTTP round trip. Run each mode under a CPU meter:
//
//   for m in separate ride; do /usr/bin/env python3 -c 'import os,subprocess,sys; p=subprocess.Popen(sys.argv[1:]); _,_,r=os.wait4(p.pid,0); print(sys.argv[-1], r.ru_utime+r.ru_stime)' \
//     k6 run -q --no-usage-report -e SIGNER_URL=http://127.0.0.1:8787 -e ITER=3000 -e MODE=$m tests/k6/bench/check_round_trip.js; done
//
// (k6 CPU seconds per mode; divide the difference by ITER x 100 events.) Not part of `make test`.
import http from 'k6/http';

export const options = { vus: 1, iterations: 1 };
const url = `${__ENV.SIGNER_URL || 'http://127.0.0.1:8787'}/v1/check`;
const iterations = Number(__ENV.ITER || 3000);
const mode = __ENV.MODE || 'separate';
const params = { responseCallback: http.expectedStatuses(404) };

// An ingest answer to 100 events as the devserver writes it (receipts of 440 bytes each).
function answer() {
  const receipts = [];
  for (let i = 0; i < 100; i++) {
    receipts.push({
      sequencerId: '09431686-bc32-4f09-b3a7-db0c35800ab5', eventId: `0f37bbf8-6051-4b69-838a-${String(i).padStart(12, '0')}`,
      sequenceNumber: 1000 + i, sequencedAt: '2026-11-28T01:15:34.766108976+00:00', receiptHash: 'c0'.repeat(32),
      signatureAlg: 'ed25519', sequencerSignature: 'd2'.repeat(64), sequencerKeyVersion: 0, receiptSignatureScheme: 1,
    });
  }
  return JSON.stringify({ batchId: '600152ba-cb04-4d3c-807e-c5949e15c50b', eventsAccepted: 100, eventsRejected: 0, sequenceStart: 1000, sequenceEnd: 1099, headSequence: 1099, receipts });
}

export default function () {
  const text = answer();
  const small = '{"handle":"none","status":200}\n';
  for (let i = 0; i < iterations; i++) {
    if (mode === 'separate') {
      http.post(url, small, params);
      http.post(url, `{"handle":"none","status":200}\n${text}`, params);
    } else {
      http.post(url, `{"handle":"none","status":200}\n${text}`, params);
    }
  }
}
