/**
 * The k6 runner of the `ves spec` catalogue (spec/catalogue.json, format in spec/README.md):
 * the twin of crates/ves-cli/src/cmd/spec/runner.rs. Each property becomes a k6 check named
 * and tagged with its id (MUST and SHOULD properties; INFO ones are reported, never failed),
 * one point of `ves_spec_properties{property,class,level,verdict}`, and one log line
 * `ves-spec: VERDICT  id  LEVEL  title`, as `ves spec` prints it. A MUST or SHOULD failure
 * counts in `ves_spec_failures` (threshold count==0).
 *
 *   const CATALOGUE = parseSpecCatalogue(open('../spec/catalogue.json'));
 *   setup():   specSetup({baseUrl, adminKey, seed: specSeed(__ENV)})
 *   iteration: runSpecPass(CATALOGUE, specContext(cfg, data, pass))
 *
 * @module spec_run
 */
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import crypto from 'k6/crypto';
import { SpecScope } from './spec_ids.js';
import { buildSpecEvent } from './spec_events.js';
import { fill, forWire, renderRequest } from './spec_template.js';
import { SpecJudge, at, lostAnswer, shedReason, skipMatches } from './spec_judge.js';

export const specProperties = new Counter('ves_spec_properties');
export const specFailures = new Counter('ves_spec_failures');

const EXPECT_ALL = http.expectedStatuses({ min: 100, max: 599 });
const MAX_SEEN = 2000;

/**
 * Parses and checks the catalogue text (the caller opens the file: `open()` works in init code only).
 * @param {string} text
 */
export function parseSpecCatalogue(text) {
  const c = JSON.parse(text);
  if (c.format !== 'ves-spec/1') throw new Error(`spec catalogue: format ${JSON.stringify(c.format)}, expected "ves-spec/1"`);
  return c;
}

/** SPEC_SEED, or a fresh random seed (printed: it is not a secret, it lets a run be repeated). */
export function specSeed(env) {
  const given = env && env.SPEC_SEED;
  return given ? String(given) : crypto.hexEncode(crypto.randomBytes(8));
}

function answerOf(res) {
  const headers = {};
  for (const k of Object.keys(res.headers || {})) headers[k.toLowerCase()] = res.headers[k];
  const body = typeof res.body === 'string' ? res.body : '';
  let json = null;
  const t = body.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      json = JSON.parse(body);
    } catch (e) {
      json = null;
    }
  }
  return { status: res.status, headers, body, json, error: res.status === 0 ? (res.error || 'no answer') : null };
}

function params(req, tag) {
  const headers = {};
  for (const [k, v] of req.headers) headers[k] = v;
  return { headers, tags: { endpoint: 'spec', name: `spec:${tag}`, property: tag }, responseCallback: EXPECT_ALL, timeout: '60s' };
}

function sendOne(baseUrl, req, tag) {
  return answerOf(http.request(req.method, baseUrl + req.path, req.body, params(req, tag)));
}

function sendParallel(baseUrl, req, tag, n) {
  const list = [];
  for (let i = 0; i < n; i++) list.push([req.method, baseUrl + req.path, req.body, params(req, tag)]);
  return http.batch(list).map(answerOf);
}

/**
 * The run's setup: the server answers, and the run's agent key (derived from the seed) is
 * registered with the admin key. A shed registration is remembered: properties with events
 * are then skipped.
 * @param {{baseUrl: string, adminKey: string, seed: string}} o
 * @returns {{seed: string, setupShed: string|null}}
 */
export function specSetup(o) {
  const health = http.get(`${o.baseUrl}/health`, { tags: { endpoint: 'spec', name: 'spec:setup' }, responseCallback: EXPECT_ALL });
  if (health.status === 0) throw new Error(`ves-spec: ${o.baseUrl}: no answer to GET /health: ${health.error}`);
  const scope = new SpecScope(o.seed, 'setup', '0');
  const body = `{"tenantId":"${scope.tenant('main')}","agentId":"${scope.agent('main')}","keyId":1,"publicKey":"${scope.signer('main').publicKeyHex}"}`;
  const r = answerOf(http.post(`${o.baseUrl}/api/v1/agents/keys`, body, { headers: { Authorization: `ApiKey ${o.adminKey}`, 'Content-Type': 'application/json' }, tags: { endpoint: 'spec', name: 'spec:setup' }, responseCallback: EXPECT_ALL }));
  specFailures.add(0);
  if (r.status === 200) return { seed: o.seed, setupShed: null };
  if ((r.status === 429 || r.status === 503) && r.json && typeof r.json.code === 'string') {
    return { seed: o.seed, setupShed: `the run's agent key could not be registered: the server shed the request (${r.status} ${r.body.slice(0, 100)})` };
  }
  throw new Error(`ves-spec: registering the run's agent key: ${r.status} ${r.body.slice(0, 200)}${r.status === 401 || r.status === 403 ? ' (is ADMIN_API_KEY an admin key of this server?)' : ''}`);
}

function clip(s, n) {
  return s.length <= n ? s : `${s.slice(0, n)}… (${s.length} bytes in all)`;
}

function shownRequest(req, adminKey) {
  return {
    method: req.method,
    path: req.path,
    headers: req.headers.map(([k, v]) => [k, v.split(adminKey).join('<admin key>')]),
    body: req.body === null ? null : clip(req.body, 2000),
  };
}

/**
 * Runs one property.
 * @param {object} catalogue
 * @param {object} p the property
 * @param {{baseUrl: string, adminKey: string, seed: string, pass: string, sequencerKey: string|null, setupShed: string|null, seen: object[]}} ctx
 *   seen: this VU's answers so far (the shedding class observes them)
 */
export function runSpecProperty(catalogue, p, ctx) {
  const result = { id: p.id, class: p.class, level: p.level, title: p.title, source: p.source, verdict: 'PASS', why: null, failure: null };
  const failVerdict = p.level === 'INFO' ? 'INFO' : 'FAIL';
  const note = (req, a) => {
    ctx.seen.push({ status: a.status, code: a.json && typeof a.json.code === 'string' ? a.json.code : null, what: `${req.method} ${req.path}`, body: a.body.slice(0, 300) });
    if (ctx.seen.length > MAX_SEEN) ctx.seen.splice(0, ctx.seen.length - MAX_SEEN);
  };
  if (p.observe) {
    const seen = ctx.seen.filter((s) => s.status === p.observe.status);
    if (seen.length === 0) return Object.assign(result, { verdict: 'SKIP', why: p.observe.why_none });
    const bad = seen.filter((s) => s.code === null).map((s) => `${s.what} answered ${s.status} without a JSON code: ${JSON.stringify(s.body)}`);
    if (bad.length === 0) return Object.assign(result, { why: `${seen.length} answers of status ${p.observe.status} seen, each with a code` });
    return Object.assign(result, { verdict: failVerdict, failure: { step: 0, name: 'observed', request: null, answers: [], expected: { status: p.observe.status, code: 'present' }, problems: bad } });
  }
  const events = p.events || {};
  if (ctx.setupShed && Object.keys(events).length > 0) return Object.assign(result, { verdict: 'SKIP', why: ctx.setupShed });
  const scope = new SpecScope(ctx.seed, p.id, ctx.pass);
  const memory = { events: {}, answers: {}, seqs: {}, captures: {} };
  for (const name of Object.keys(events).sort()) memory.events[name] = buildSpecEvent(scope, catalogue.event_defaults, events, name);
  const rctx = { scope, adminKey: ctx.adminKey, events: memory.events, captures: memory.captures };
  const steps = p.steps || [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const label = step.name || `s${i + 1}`;
    const req = renderRequest(step.request, rctx);
    const wire = forWire(req);
    const n = Math.max(1, step.request.parallel || 1);
    const answers = n === 1 ? [sendOne(ctx.baseUrl, wire, p.id)] : sendParallel(ctx.baseUrl, wire, p.id, n);
    for (const a of answers) note(req, a);
    const bodyLength = wire.body === null ? 0 : wire.body.length;
    for (const a of answers) {
      const why = lostAnswer(bodyLength, a);
      if (why !== null) return Object.assign(result, { verdict: 'SKIP', why });
    }
    if (step.skip_when && answers.some((a) => skipMatches(step.skip_when, a))) {
      return Object.assign(result, { verdict: 'SKIP', why: step.why || "the server's answer says this does not apply" });
    }
    const expect = step.expect || {};
    for (const a of answers) {
      const why = shedReason(expect, a);
      if (why !== null) return Object.assign(result, { verdict: 'SKIP', why });
    }
    const judge = new SpecJudge(memory, ctx.sequencerKey, (s) => fill(s, rctx));
    const verdict = judge.check(expect, answers);
    const failure = (problems) => ({
      step: i + 1,
      name: label,
      request: shownRequest(req, ctx.adminKey),
      answers: answers.map((a) => ({ status: a.status, body: clip(a.body, 2000), error: a.error })),
      expected: expect,
      problems,
    });
    if (verdict.verdict === 'skip') return Object.assign(result, { verdict: 'SKIP', why: verdict.why });
    if (verdict.verdict === 'fail') return Object.assign(result, { verdict: failVerdict, failure: failure(verdict.problems) });
    const jsons = answers.map((a) => a.json).filter((j) => j !== null);
    const main = jsons.find((j) => Number.isSafeInteger(j.eventsAccepted) && j.eventsAccepted > 0) || jsons[0];
    for (const j of jsons) {
      for (const r of Array.isArray(j.receipts) ? j.receipts : []) {
        if (typeof r.eventId === 'string' && Number.isSafeInteger(r.sequenceNumber)) {
          const id = r.eventId.toLowerCase();
          if (!(id in memory.seqs)) memory.seqs[id] = r.sequenceNumber;
        }
      }
    }
    const missing = [];
    for (const name of Object.keys(step.capture || {}).sort()) {
      const v = main === undefined ? undefined : at(main, step.capture[name]);
      if (v === undefined) missing.push(`capture ${name}: the answer has no ${step.capture[name]}`);
      else memory.captures[name] = v;
    }
    if (missing.length > 0) return Object.assign(result, { verdict: failVerdict, failure: failure(missing) });
    if (main !== undefined) memory.answers[label] = main;
  }
  return result;
}

/** The line `ves spec` prints for a property. */
export function specLine(r) {
  let s = `${r.verdict}  ${r.id.padEnd(48)} ${r.level.padEnd(6)} ${r.title}`;
  if (r.verdict === 'SKIP' && r.why) s += ` (skipped: ${r.why})`;
  return s;
}

/**
 * Reports a property's result: the log line (with the failure's problems, request and answer),
 * a check named by its id (MUST and SHOULD only), the counters.
 */
export function recordSpecResult(r) {
  const tags = { property: r.id, class: r.class, level: r.level, verdict: r.verdict };
  specProperties.add(1, tags);
  if (r.level !== 'INFO' && r.verdict !== 'SKIP') {
    check(r, { [r.id]: (x) => x.verdict === 'PASS' }, { property: r.id, spec_level: r.level });
  }
  if (r.verdict === 'FAIL') specFailures.add(1, { property: r.id, level: r.level });
  const lines = [`ves-spec: ${specLine(r)}`];
  if (r.failure) {
    const f = r.failure;
    lines.push(`  step ${f.step} (${f.name}) ${r.verdict === 'INFO' ? 'differs from the reference' : 'failed'}:`);
    for (const problem of f.problems) lines.push(`    - ${problem}`);
    if (f.request) lines.push(`  request: ${f.request.method} ${f.request.path} ${f.request.body === null ? '' : clip(f.request.body.replace(/\n/g, '\\n'), 400)}`);
    for (const a of f.answers) lines.push(`  answer: ${a.error ? `none (${a.error})` : `${a.status} ${clip(a.body.replace(/\n/g, '\\n'), 400)}`}`);
    lines.push(`  expected: ${clip(JSON.stringify(f.expected), 400)}`);
  }
  if (r.verdict === 'FAIL') console.error(lines.join('\n'));
  else console.log(lines.join('\n'));
}

/**
 * One pass over the catalogue (optionally one class), each property reported as it ends.
 * @returns {object[]} the results
 */
export function runSpecPass(catalogue, ctx, only) {
  const out = [];
  for (const p of catalogue.properties) {
    if (only && p.class !== only) continue;
    const r = runSpecProperty(catalogue, p, ctx);
    recordSpecResult(r);
    out.push(r);
  }
  return out;
}

/**
 * The context of a VU's spec runs: the run's seed and setup outcome, the pass label (fresh
 * ids per VU and iteration), the VU's memory of answers.
 * @param {{baseUrl: string, adminApiKey: string|null, apiKey: string, sequencerPublicKey: string|null}} cfg
 * @param {{seed: string, setupShed: string|null}} spec what specSetup returned
 * @param {string} pass
 * @param {object[]} seen
 */
export function specContext(cfg, spec, pass, seen) {
  return { baseUrl: cfg.baseUrl, adminKey: cfg.adminApiKey || cfg.apiKey, seed: spec.seed, pass, sequencerKey: cfg.sequencerPublicKey, setupShed: spec.setupShed, seen };
}
