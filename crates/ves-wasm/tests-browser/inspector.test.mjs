// The proof inspector in headless Chromium: the page is served by the same one-line static
// server as `make inspect` (python3 -m http.server, 127.0.0.1, a free port), a valid proof from
// the live capture and a tampered copy go in the URL fragment, and the dumped DOM must show the
// verdicts and one SVG level group per tree level; the Example button's data and the curl commands
// the page shows are checked too. Screenshots go to results/.
// Chromium is required: a machine without it fails here with what to install.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, vectorFile } from '../tests-node/helpers.mjs';

const RESULTS = resolve(REPO, 'results');

function findChromium() {
  const names = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['chromium', 'chromium-headless-shell', 'chromium-browser', 'google-chrome'];
  for (const name of names) {
    try {
      return execFileSync('sh', ['-c', `command -v "${name}"`], { encoding: 'utf8' }).trim();
    } catch { /* try the next */ }
  }
  throw new Error('headless Chromium not found: install it (Debian: apt-get install -y chromium) or set CHROMIUM to its path');
}

let server;
let base;
let profile;
const chromium = findChromium();

before(async () => {
  if (!existsSync(resolve(REPO, 'crates/ves-wasm/pkg/web/ves_wasm_bg.wasm'))) throw new Error('no web package: run make wasm first');
  server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', resolve(REPO, 'crates/ves-wasm')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`http.server did not start: ${out}`)), 10_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) { clearTimeout(timer); ok(Number(m[1])); }
    });
    server.on('exit', (code) => fail(new Error(`http.server exited with ${code}: ${out}`)));
  });
  base = `http://127.0.0.1:${port}/inspector/index.html`;
  profile = mkdtempSync(join(tmpdir(), 'ves-inspector-chromium-'));
  mkdirSync(RESULTS, { recursive: true });
});

after(() => {
  if (server) server.kill();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

function chrome(args, url) {
  return execFileSync(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`, '--virtual-time-budget=20000', '--window-size=1100,1700',
    ...args, url,
  ], { encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

const live = vectorFile('live_ves_v1_dev.json');
const commitment = live.commitment.get_by_batch_id.response.body;
const entry = live.inclusion_proofs.find((p) => p.sequence_number === 37) || live.inclusion_proofs.at(-1);
const proof = entry.response.body;
const event = live.events.find((e) => e.sequence_number === proof.sequence_number);

function link(p) {
  const params = new URLSearchParams({
    proof: JSON.stringify(p),
    commitment: JSON.stringify(commitment),
    signing_hash: event.intermediates.event_signing_hash,
    signature: event.intermediates.agent_signature,
  });
  return `${base}#${params}`;
}

function checkPage(name, url, verdict) {
  const dom = chrome(['--dump-dom'], url);
  const body = /<body[^>]*data-verdict="([a-z]+)"/.exec(dom);
  assert.ok(body, `${name}: the page set no verdict; DOM starts: ${dom.slice(0, 400)}`);
  assert.equal(body[1], verdict, `${name}: verdict`);
  const levels = dom.match(/<g class="level" /g) || [];
  assert.equal(levels.length, proof.proof_path.length, `${name}: one SVG level group per tree level`);
  const shot = join(RESULTS, `inspector-${name}.png`);
  chrome([`--screenshot=${shot}`], url);
  assert.ok(statSync(shot).size > 10_000, `${name}: screenshot ${shot} is too small`);
  return dom;
}

test('a valid proof from the live capture: VALID, one node per level', () => {
  const dom = checkPage('valid', link(proof), 'valid');
  assert.match(dom, /VALID: leaf 36 is in the tree/);
});

test('a tampered proof: INVALID, with the first departing level', () => {
  const path = [...proof.proof_path];
  // Leaf 36 of 37: its level-0 sibling is the pad leaf, so a change there is caught at level 0.
  path[0] = path[0].slice(0, -1) + (path[0].endsWith('0') ? '1' : '0');
  const dom = checkPage('tampered', link({ ...proof, proof_path: path }), 'invalid');
  assert.match(dom, /INVALID: inclusion proof rejected: the path does not lead to the root \(departs at level 0\)/);
  const mid = [...proof.proof_path];
  mid[2] = '00'.repeat(32); // level 2's sibling (leaves 32..35) is real: only the root can tell
  const dom2 = chrome(['--dump-dom'], link({ ...proof, proof_path: mid }));
  assert.match(dom2, /data-verdict="invalid"/);
  assert.match(dom2, /departs at root/);
});

test('the example is a real proof: the live capture\'s proof 37, its commitment and event', () => {
  const html = readFileSync(resolve(REPO, 'crates/ves-wasm/inspector/index.html'), 'utf8');
  const m = /<script type="application\/json" id="example-data">([^<]*)<\/script>/.exec(html);
  assert.ok(m, 'index.html holds the example data');
  const example = JSON.parse(m[1]);
  assert.deepEqual(example.proof, proof, 'the example proof is the captured one');
  assert.deepEqual(example.commitment, commitment, 'the example commitment is the captured one');
  assert.deepEqual(example.event, { signing_hash: event.intermediates.event_signing_hash, signature: event.intermediates.agent_signature });
  assert.match(html, /<button id="example">Example<\/button>/, 'the page has the Example button');
});

test('#example (what the Example button does): VALID, and the curl commands that fetch that proof', () => {
  const dom = checkPage('example', `${base}#example`, 'valid');
  assert.match(dom, /VALID: leaf 36 is in the tree/);
  const curl = /<pre id="curl">([^<]*)<\/pre>/.exec(dom);
  assert.ok(curl, 'the page shows the curl commands');
  const text = curl[1].replace(/&amp;/g, '&').replace(/&gt;/g, '>');
  const q = `tenant_id=${commitment.tenant_id}&store_id=${commitment.store_id}&batch_id=${commitment.batch_id}`;
  assert.ok(text.includes(`curl -sf -H "Authorization: ApiKey $API_KEY" 'http://localhost:8080/api/v1/ves/proofs/37?${q}' > proof.json`), text);
  assert.ok(text.includes(`'http://localhost:8080/api/v1/ves/commitments/${commitment.batch_id}' > commitment.json`), text);
});
