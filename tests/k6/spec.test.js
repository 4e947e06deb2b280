// The k6 runner of the `ves spec` catalogue writes the same request bytes as `ves spec`: every
// property's events and requests, rendered by js/spec_*.js with the fixed seed `golden`, equal
// the golden files spec/golden/<id>.http that the Rust runner's test regenerates
// (crates/ves-cli/src/cmd/spec/golden.rs). Also: the id derivation, the judge on answers made
// here, and that the catalogue is readable by k6's open().
//
//   k6 run --quiet --no-usage-report tests/k6/spec.test.js
import { Harness, testOptions } from './lib/harness.js';
import { SpecJudge, SpecScope, buildSpecEvent, expandPads, parseSpecCatalogue, renderRequest, specSeed, specUuid } from '../../js/ves.js';

const CATALOGUE = parseSpecCatalogue(open('../../spec/catalogue.json'));
const GOLDEN = {};
for (const p of CATALOGUE.properties) {
  try {
    GOLDEN[p.id] = open(`../../spec/golden/${p.id}.http`);
  } catch (e) {
    GOLDEN[p.id] = null;
  }
}

export const options = testOptions(null, CATALOGUE.properties.length + 3);

// The golden file of a property, as golden.rs writes it.
function golden(p) {
  const scope = new SpecScope('golden', p.id, '0');
  const out = [`# ${p.id} (${p.level}): ${p.title}\n`, `# source: ${p.source.doc}:${p.source.line}\n`];
  const events = {};
  const names = Object.keys(p.events || {}).sort();
  for (const n of names) events[n] = buildSpecEvent(scope, CATALOGUE.event_defaults, p.events, n);
  if (names.length > 0) {
    out.push('\n## events\n');
    for (const n of names) out.push(`${n}: ${events[n].text}\n`);
  }
  if (p.observe) out.push(`\n## observes every answer of status ${p.observe.status} in the run\n`);
  const ctx = { scope, adminKey: null, events, captures: {} };
  (p.steps || []).forEach((step, i) => {
    const req = renderRequest(step.request, ctx);
    const times = step.request.parallel || 1;
    out.push(`\n## step ${i + 1} (${step.name || `s${i + 1}`})${times > 1 ? `, sent ${times} times at once` : ''}\n${req.method} ${req.path}\n`);
    for (const [k, v] of req.headers) out.push(`${k}: ${v}\n`);
    if (req.body !== null) out.push(`\n${req.body}\n`);
  });
  return out.join('');
}

function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `at character ${i}: k6 ${JSON.stringify(a.slice(i, i + 80))}, golden ${JSON.stringify(b.slice(i, i + 80))}`;
}

export default function () {
  const h = new Harness('spec');
  for (const p of CATALOGUE.properties) {
    h.case('golden');
    h.guard('golden', p.id, () => {
      const want = GOLDEN[p.id];
      if (want === null) return h.ok('golden', false, `spec/golden/${p.id}.http is missing (cargo test -p ves-cli golden writes it with VES_SPEC_UPDATE_GOLDEN=1)`);
      const got = golden(p);
      return h.ok('golden', got === want, () => `${p.id}: the k6 runner's request bytes differ from spec/golden ${firstDifference(got, want)}`);
    });
  }

  h.case('ids');
  h.eq('ids', specUuid('golden', 'tenant:main').charAt(14), '4', 'a version-4 UUID');
  h.eq('ids', specUuid('golden', 'tenant:main'), specUuid('golden', 'tenant:main'), 'fixed by seed and label');
  h.ok('ids', specUuid('golden', 'tenant:main') !== specUuid('other', 'tenant:main'), 'another seed, another id');
  h.eq('ids', specSeed({ SPEC_SEED: '5eed' }), '5eed', 'SPEC_SEED repeats a run');
  h.ok('ids', /^[0-9a-f]{16}$/.test(specSeed({})) && specSeed({}) !== specSeed({}), 'without it, a fresh random seed');

  h.case('pads');
  h.eq('pads', expandPads('{"p":"{{pad:3}}"}'), '{"p":"xxx"}', 'pads expand to x');

  // The judge on answers made here: a replay with the original receipt passes, another fails.
  h.case('judge');
  const receipt = { eventId: '11111111-1111-4111-8111-111111111111', sequenceNumber: 1, sequencerId: '22222222-2222-4222-8222-222222222222', receiptHash: 'ab'.repeat(32), sequencerSignature: '' };
  const memory = { events: { a: { eventId: receipt.eventId } }, answers: { first: { receipts: [receipt] } }, seqs: {}, captures: {} };
  const judge = new SpecJudge(memory, null, (s) => s);
  const answer = (json) => ({ status: 200, headers: {}, body: JSON.stringify(json), json, error: null });
  const replay = { eventsAccepted: 0, eventsRejected: 0, sequenceStart: null, sequenceEnd: null, receipts: [receipt] };
  h.eq('judge', judge.check({ status: 200, events: { a: 'replay:first' } }, [answer(replay)]).verdict, 'pass', 'the original receipt is a replay');
  const moved = Object.assign({}, replay, { receipts: [Object.assign({}, receipt, { sequenceNumber: 2 })] });
  h.eq('judge', judge.check({ status: 200, events: { a: 'replay:first' } }, [answer(moved)]).verdict, 'fail', 'another sequence number is not');
  h.eq('judge', judge.check({ status: 200, events: { a: 'refused' } }, [answer(replay)]).verdict, 'fail', 'a receipt is not a refusal');
  h.eq('judge', judge.check({ status: 401, code: 'missing_auth' }, [answer({ code: 'missing_auth' })]).verdict, 'fail', 'the status counts');

  h.finish();
}
