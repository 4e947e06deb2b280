// Unit tests of the scenario layer, run by k6 itself (no server): profiles (PROFILE resolution,
// env defaults, option merging), end-of-test summaries (verdict, JUnit XML, files), the PROBES
// parser, seeded content, the entity read judge, large bodies and latency thresholds, CREATED_AT and STREAMS=per-vu, the single writer's gap check, and the
// thresholds table with the config files made from it. The behaviour against a real server is
// tested by tests/e2e/.
//
//   k6 run --quiet --no-usage-report tests/k6/scenario_lib.test.js
import {
  CORRECTNESS,
  ContentSource,
  UNIVERSAL,
  WriterContinuity,
  cannotMove,
  closedModelOptions,
  config,
  correctnessThresholds,
  LARGE_BODY_BYTES,
  bodyClass,
  largeBodies,
  largeBodiesExcluded,
  normalBodiesOnly,
  scenarioThresholds,
  judgeEntityRead,
  junitXml,
  k6VersionOf,
  loadProfile,
  mergeThresholds,
  orderEventFields,
  probeRate,
  profileEnv,
  rateThresholds,
  reformatCreatedAt,
  rfc3339Problem,
  runRecord,
  summary,
  textSummary,
  verdict,
  verdictLine,
  writerStream,
} from '../../js/ves.js';
import { Harness, testOptions } from './lib/harness.js';

const TEST = 'scenario_lib';
export const options = testOptions(null, 13); // thirteen categories, each a case

// The shipped options files, read in init context.
const CONFIG_FILES = {
  sequencer_ingest: JSON.parse(open('../../load/config/sequencer_ingest.json')),
  sequencer_query: JSON.parse(open('../../load/config/sequencer_query.json')),
  mixed_workload: JSON.parse(open('../../load/config/mixed_workload.json')),
};
const RUNNER = JSON.parse(open('../../runner.json'));

const SMOKE = JSON.stringify({ vus: 2, duration: '15s', thresholds: { checks: ['rate==1'], 'http_req_duration{endpoint:ingest}': ['p(95)<50'] }, ves: { env: { BATCH_SIZE: '20' }, mixed: { rate: 10 } } });

// A stand-in for k6's open(): records the paths asked for.
function fakeOpen(files) {
  const asked = [];
  const fn = (path) => {
    asked.push(path);
    if (!(path in files)) throw new Error(`no such file: ${path}`);
    return files[path];
  };
  fn.asked = asked;
  return fn;
}

// handleSummary data as k6 1.1 passes it (the fields summary.js reads).
function summaryData({ rejected = 0, thresholdOk = true } = {}) {
  return {
    root_group: { name: '', path: '', groups: [], checks: [{ name: 'ingest: HTTP 200', passes: 10, fails: 0 }] },
    options: { summaryTrendStats: ['avg', 'p(95)'] },
    state: { testRunDurationMs: 1500 },
    setup_data: { seed: 1 },
    metrics: {
      iterations: { type: 'counter', contains: 'default', values: { count: 10, rate: 6.6 } },
      checks: { type: 'rate', contains: 'default', values: { rate: 1, passes: 10, fails: 0 }, thresholds: { 'rate==1': { ok: thresholdOk } } },
      ves_events_accepted: { type: 'counter', contains: 'default', values: { count: 1000, rate: 666 } },
      ves_events_rejected: { type: 'counter', contains: 'default', values: { count: rejected, rate: 0 } },
      'http_req_duration{endpoint:<ingest>}': { type: 'trend', contains: 'time', values: { avg: 5, 'p(95)': 9 }, thresholds: { 'p(95)<50': { ok: true } } },
    },
  };
}

export default function () {
  const h = new Harness(TEST);

  // --- loadProfile
  h.case('profile');
  h.eq('profile', loadProfile({}, fakeOpen({})).name, 'default', 'unset PROFILE');
  h.eq('profile', loadProfile({ PROFILE: 'none' }, fakeOpen({})).options, null, 'PROFILE=none has no options');
  const open1 = fakeOpen({ './profiles/smoke.json': SMOKE });
  const smoke = loadProfile({ PROFILE: 'smoke' }, open1);
  h.eq('profile', open1.asked[0], './profiles/smoke.json', 'a name is looked up in load/profiles');
  h.eq('profile', smoke.options.vus, 2, 'load settings kept');
  h.eq('profile', 'ves' in smoke.options, false, 'the ves block is not passed to k6');
  h.eq('profile', smoke.ves.mixed.rate, 10, 'the ves block is returned');
  const open2 = fakeOpen({ '/work/x/runner.json': SMOKE });
  loadProfile({ PROFILE: 'runner.json', PWD: '/work/x/' }, open2);
  h.eq('profile', open2.asked[0], '/work/x/runner.json', 'a relative path is taken from the working directory');
  const open3 = fakeOpen({ '../runner.json': SMOKE });
  loadProfile({ PROFILE: 'runner.json' }, open3);
  h.eq('profile', open3.asked[0], '../runner.json', 'without PWD, relative to the repository root');
  h.throws('profile', () => loadProfile({ PROFILE: 'nosuch' }, fakeOpen({})), /PROFILE=nosuch: cannot read .*smoke, sustained, stress/, 'unknown name lists the shipped ones');
  h.throws('profile', () => loadProfile({ PROFILE: 'bad' }, fakeOpen({ './profiles/bad.json': '{"vus":' })), /not valid JSON/, 'bad JSON');
  h.throws('profile', () => loadProfile({ PROFILE: 'arr' }, fakeOpen({ './profiles/arr.json': '[1]' })), /JSON object of k6 options/, 'not an object');
  h.throws('profile', () => loadProfile({ PROFILE: 'capacity' }, fakeOpen({ './profiles/capacity.json': '{"ves": {"capacity": {"start": 1}}}' })), /settings of `ves capacity`/, 'the capacity profile is not a scenario profile');

  // --- ves.extends: a profile on top of another (the test profiles' seconds-bound smoke)
  h.case('profile_extends');
  const SMOKE_FULL = JSON.stringify({ vus: 2, duration: '15s', thresholds: { 'http_req_duration{endpoint:ingest}': ['p(50)<20', 'p(95)<50'], checks: ['rate==1'] }, ves: { description: 'base', env: { BATCH_SIZE: '20', STREAMS: 'per-vu' }, mixed: { rate: 10, duration: '15s' }, targets: { events_per_second: 5 } } });
  const SLOW = JSON.stringify({ thresholds: { 'http_req_duration{endpoint:ingest}': ['p(95)<30000'] }, ves: { extends: 'smoke', description: 'seconds', env: { STREAMS: '1' }, mixed: { rate: 3 } } });
  const openX = fakeOpen({ './profiles/smoke.json': SMOKE_FULL, '/w/slow.json': SLOW });
  const slow = loadProfile({ PROFILE: 'slow.json', PWD: '/w' }, openX);
  h.eq('profile_extends', openX.asked.join(' '), '/w/slow.json ./profiles/smoke.json', 'the base is looked up as PROFILE would be');
  h.eq('profile_extends', slow.name, '/w/slow.json', 'the name is the extending file');
  h.eq('profile_extends', slow.extends.join(','), 'smoke', 'what it extends is recorded');
  h.eq('profile_extends', `${slow.options.vus} ${slow.options.duration}`, '2 15s', "the base's load settings when the file has none");
  h.eq('profile_extends', JSON.stringify(slow.options.thresholds), JSON.stringify({ 'http_req_duration{endpoint:ingest}': ['p(95)<30000'], checks: ['rate==1'] }), "a threshold key of the file replaces the base's whole; the base's other keys stay");
  h.eq('profile_extends', JSON.stringify(slow.ves.env), JSON.stringify({ BATCH_SIZE: '20', STREAMS: '1' }), 'ves.env merged value by value, the file winning');
  h.eq('profile_extends', JSON.stringify(slow.ves.mixed), JSON.stringify({ rate: 3 }), "ves.mixed: the file's rate drops the base's duration (rate and duration are one load shape)");
  const roomy = loadProfile({ PROFILE: '/w/roomy.json' }, fakeOpen({ './profiles/smoke.json': SMOKE_FULL, '/w/roomy.json': JSON.stringify({ ves: { extends: 'smoke', mixed: { maxVUs: 12 } } }) }));
  h.eq('profile_extends', JSON.stringify(roomy.ves.mixed), JSON.stringify({ rate: 10, duration: '15s', maxVUs: 12 }), 'ves.mixed merged value by value when the file sets no load shape');
  const ramp = loadProfile({ PROFILE: '/w/ramp.json' }, fakeOpen({ './profiles/smoke.json': SMOKE_FULL, '/w/ramp.json': JSON.stringify({ ves: { extends: 'smoke', mixed: { startRate: 1, stages: [{ duration: '1s', target: 2 }] } } }) }));
  h.eq('profile_extends', `${ramp.ves.mixed.rate} ${ramp.ves.mixed.duration} ${ramp.ves.mixed.startRate}`, 'undefined undefined 1', "ves.mixed: the file's stages drop the base's rate and duration");
  h.eq('profile_extends', `${slow.ves.targets.events_per_second} ${slow.ves.description} ${'extends' in slow.ves}`, '5 seconds false', 'ves.targets kept, description replaced, extends consumed');
  h.eq('profile_extends', profileEnv(slow, {}).STREAMS, '1', 'profileEnv sees the merged env');
  h.eq('profile_extends', closedModelOptions(slow, { load: { vus: 10, duration: '30s' }, thresholds: {} }).vus, 2, 'closedModelOptions takes the inherited load settings');
  const staged = loadProfile({ PROFILE: '/w/staged.json' }, fakeOpen({ './profiles/smoke.json': SMOKE_FULL, '/w/staged.json': JSON.stringify({ stages: [{ duration: '1s', target: 1 }], ves: { extends: 'smoke' } }) }));
  h.eq('profile_extends', `${staged.options.vus} ${staged.options.duration} ${staged.options.stages.length}`, 'undefined undefined 1', "load settings are a set: the file's stages drop the base's vus and duration");
  const chained = loadProfile({ PROFILE: '/w/c.json' }, fakeOpen({ './profiles/smoke.json': SMOKE_FULL, '/w/b.json': SLOW, '/w/c.json': JSON.stringify({ ves: { extends: '/w/b.json', env: { BATCH_SIZE: '5' } } }) }));
  h.eq('profile_extends', `${chained.extends.join(',')} ${chained.ves.env.BATCH_SIZE} ${chained.ves.env.STREAMS} ${chained.options.thresholds['http_req_duration{endpoint:ingest}']}`, '/w/b.json,smoke 5 1 p(95)<30000', 'a chain: nearest first, each level on top of the next');
  h.throws('profile_extends', () => loadProfile({ PROFILE: '/w/a.json' }, fakeOpen({ '/w/a.json': '{"ves": {"extends": "/w/b.json"}}', '/w/b.json': '{"ves": {"extends": "/w/a.json"}}' })), /PROFILE=\/w\/a.json: extends \/w\/a.json: ves.extends makes a cycle \(\/w\/a.json -> \/w\/b.json -> \/w\/a.json\)/, 'a cycle is refused');
  h.throws('profile_extends', () => loadProfile({ PROFILE: '/w/a.json' }, fakeOpen({ '/w/a.json': '{"ves": {"extends": "nosuch"}}' })), /PROFILE=\/w\/a.json: extends nosuch: cannot read .\/profiles\/nosuch.json/, 'a missing base names both files');
  h.throws('profile_extends', () => loadProfile({ PROFILE: '/w/a.json' }, fakeOpen({ '/w/a.json': '{"ves": {"extends": "none"}}' })), /ves.extends must name a profile/, 'extends none is refused');
  h.throws('profile_extends', () => loadProfile({ PROFILE: '/w/a.json' }, fakeOpen({ '/w/a.json': '{"ves": {"extends": "capacity"}}', './profiles/capacity.json': '{"ves": {"capacity": {"start": 1}}}' })), /settings of `ves capacity`/, 'extending the capacity profile is refused');

  // --- profileEnv: the profile's defaults, the user's values win (an empty value does not)
  h.case('profile_env');
  const env = profileEnv(smoke, { BATCH_SIZE: '500', STREAMS: '3' });
  h.eq('profile_env', env.BATCH_SIZE, '500', 'user value wins');
  h.eq('profile_env', env.STREAMS, '3', 'other user values kept');
  h.eq('profile_env', profileEnv(smoke, {}).BATCH_SIZE, '20', 'default filled in');
  h.eq('profile_env', profileEnv(smoke, { BATCH_SIZE: '' }).BATCH_SIZE, '20', 'an empty value does not replace the default');

  // --- closedModelOptions and mergeThresholds
  h.case('options');
  const defaults = { load: { vus: 10, duration: '30s' }, thresholds: { checks: ['rate==0.9'], ves_events_rejected: ['count==0'] } };
  h.eq('options', JSON.stringify(closedModelOptions({ name: 'none', options: null, ves: {} }, defaults)), '{}', 'PROFILE=none exports nothing');
  const dflt = closedModelOptions({ name: 'default', options: null, ves: {} }, defaults);
  h.eq('options', `${dflt.vus} ${dflt.duration} ${dflt.thresholds.checks}`, '10 30s rate==0.9', 'script defaults');
  const merged = closedModelOptions(smoke, defaults);
  h.eq('options', merged.vus, 2, 'profile load settings');
  h.eq('options', merged.thresholds.checks[0], 'rate==1', "the profile's expression replaces the script's for the same metric");
  h.eq('options', merged.thresholds.ves_events_rejected[0], 'count==0', "the script's other thresholds stay");
  h.eq('options', merged.thresholds['http_req_duration{endpoint:ingest}'][0], 'p(95)<50', "the profile's own thresholds are added");
  h.throws('options', () => closedModelOptions({ name: 'x', options: { thresholds: {} }, ves: {} }, defaults), /no load settings/, 'a profile without load settings');
  h.eq('options', JSON.stringify(mergeThresholds(undefined, undefined)), '{}', 'nothing to merge');

  // --- summary: verdict, JUnit, files
  h.case('summary');
  h.eq('summary', verdict(summaryData()).pass, true, 'all thresholds ok and no correctness counter');
  h.eq('summary', verdictLine(summaryData()), 'ves-verdict: accepted=1000 rejected=0 receipts_invalid=0 proofs_verified=0 proofs_failed=0 signatures_checked=0 receipts_checked=0 result=PASS', 'verdict line');
  const signed = summaryData();
  signed.metrics.ves_receipt_signatures_checked = { type: 'counter', contains: 'default', values: { count: 12, rate: 1 } };
  signed.metrics.ves_receipts_checked = { type: 'counter', contains: 'default', values: { count: 1200, rate: 1 } };
  h.ok('summary', / signatures_checked=12 receipts_checked=\d+ result=PASS$/.test(verdictLine(signed)), 'signatures checked: a field before result=, which stays last');
  h.ok('summary', textSummary(signed, 'x').includes('receipt signatures checked: 12 of 1200 receipts (1.00 %)'), 'the text gives the share of receipts');
  signed.setup_data = { seed: 77 };
  const rec = JSON.parse(summary(signed, 'x', 'out', { createdAt: null, profile: 'smoke', k6Version: 'k6 v1.1.0' })['out/x-summary.json']).ves;
  h.eq('summary', `${rec.seed} ${rec.createdAt} ${rec.profile} ${rec.k6Version} ${rec.receiptSignaturesChecked}`, '77 null smoke k6 v1.1.0 12', 'the summary JSON records seed, CREATED_AT, profile, k6 version, signatures');
  h.ok('summary', verdictLine(summaryData({ thresholdOk: false })).endsWith('result=FAIL'), 'a failed threshold fails the verdict');
  const rejected = verdict(summaryData({ rejected: 3 }));
  h.ok('summary', !rejected.pass && rejected.nonZero.join() === 'ves_events_rejected', 'a rejected event fails the verdict even without a threshold on it');
  const failedCheck = summaryData();
  failedCheck.metrics.checks.values = { rate: 0.9, passes: 9, fails: 1 };
  h.ok('summary', verdict(failedCheck).failedChecks === 1 && verdictLine(failedCheck).endsWith('result=FAIL'), 'a failed check fails the verdict even without a threshold');
  const nothing = summaryData();
  delete nothing.metrics.checks;
  h.ok('summary', verdict(nothing).nothingChecked && verdictLine(nothing).endsWith('result=FAIL'), 'a run in which no check ran is not a pass');
  const xml = junitXml(summaryData({ rejected: 3 }), 'sequencer_ingest');
  h.ok('summary', /<testsuites tests="11" failures="1"/.test(xml), () => `JUnit counts: ${xml.slice(0, 200)}`);
  h.ok('summary', xml.includes('name="http_req_duration{endpoint:&lt;ingest&gt;} p(95)&lt;50"'), 'names are XML-escaped');
  h.ok('summary', xml.includes('<failure message="ves_events_rejected = 3"/>'), 'the counter failure is a JUnit failure');
  const text = textSummary(summaryData({ rejected: 3 }), 'sequencer_ingest');
  h.ok('summary', text.includes('✗ ves_events_rejected = 3 (must be 0)') && text.trim().endsWith('result=FAIL'), 'the text ends with the verdict and says why');
  const files = summary(summaryData(), 'sequencer_ingest', 'out/');
  h.eq('summary', Object.keys(files).sort().join(' '), 'out/sequencer_ingest-junit.xml out/sequencer_ingest-summary.json stdout', 'summary files');
  h.eq('summary', JSON.parse(files['out/sequencer_ingest-summary.json']).state.testRunDurationMs, 1500, 'the JSON is the whole data');
  // Stopped in setup() (k6 1.1: handleSummary still runs, with no setup_data and no iteration;
  // k6 prints its own error after it): no table of empty metrics, no SEED=null, a failed verdict.
  const stopped = summaryData();
  delete stopped.setup_data;
  delete stopped.metrics.iterations;
  delete stopped.metrics.checks;
  const stoppedText = summary(stopped, 'sequencer_ingest', 'out', { createdAt: null, profile: 'smoke', k6Version: null }).stdout;
  h.ok('summary', stoppedText.includes('no load ran: setup() did not complete') && !stoppedText.includes('METRICS') && !stoppedText.includes('SEED=') && stoppedText.trim().endsWith('result=FAIL'), () => `a run stopped in setup(): ${stoppedText}`);
  h.ok('summary', junitXml(stopped, 'x').includes('name="setup() completed"><failure'), 'a run stopped in setup() is a JUnit failure');
  const noSetupFn = summaryData();
  delete noSetupFn.setup_data;
  h.ok('summary', textSummary(noSetupFn, 'x').includes('METRICS'), 'a script without setup() whose VUs ran gets the whole summary');
  // The k6 version: K6_VERSION, else what setup() read from the User-Agent, else unknown.
  const fromUa = summaryData();
  fromUa.setup_data = { seed: 1, k6Version: 'v1.1.0' };
  const version = (data, given) => runRecord(data, { k6Version: given }).k6Version;
  h.eq('summary', `${version(fromUa, null)}|${version(fromUa, 'k6 v9')}|${version(summaryData(), null).split(' ')[0]}`, 'v1.1.0|k6 v9|unknown', 'k6 version: the User-Agent, K6_VERSION wins, else unknown');
  h.eq('summary', `${k6VersionOf({ request: { headers: { 'User-Agent': ['Grafana k6/1.1.0'] } } })} ${k6VersionOf({ request: { headers: { 'User-Agent': ['k6/0.49.0 (https://k6.io/)'] } } })} ${k6VersionOf({ request: { headers: { 'User-Agent': ['curl/8'] } } })}`, 'v1.1.0 v0.49.0 null', 'the version in a User-Agent');

  // --- PROBES
  h.case('probes');
  h.eq('probes', probeRate({}, 0.02), 0.02, 'unset: the script default');
  h.eq('probes', probeRate({ PROBES: '0.5' }, 0), 0.5, 'a share');
  h.throws('probes', () => probeRate({ PROBES: '2' }, 0), /PROBES: expected a share from 0 to 1/, 'out of range');
  h.throws('probes', () => probeRate({ PROBES: 'often' }, 0), /PROBES/, 'not a number');

  // --- seeded content: a function of (seed, scenario, purpose, iteration, index) only
  h.case('content');
  const base = { tenant_id: NIL, store_id: NIL, source_agent_id: NIL, agent_key_id: 1, created_at: '2025-01-01T00:00:00.000Z' };
  const batch = (seed, scenario, purpose, iteration) => JSON.stringify(orderEventFields(new ContentSource(seed, scenario, purpose, iteration), 5, base));
  h.eq('content', batch(1, 'default', 'batch', 3), batch(1, 'default', 'batch', 3), 'the same inputs give the same events');
  for (const [label, other] of [['seed', batch(2, 'default', 'batch', 3)], ['scenario', batch(1, 'ingest', 'batch', 3)], ['purpose', batch(1, 'default', 'probe', 3)], ['iteration', batch(1, 'default', 'batch', 4)]]) {
    h.ok('content', other !== batch(1, 'default', 'batch', 3), `another ${label} gives other events`);
  }
  const ids = new Set(orderEventFields(new ContentSource(1, 'default', 'batch', 0), 200, base).map((f) => f.event_id));
  h.eq('content', ids.size, 200, 'event ids within a batch are distinct');
  const f0 = orderEventFields(new ContentSource(9, 'default', 'batch', 0), 50, base);
  h.ok('content', f0.every((f) => /^order-0000\d\d$/.test(f.entity_id) && f.payload.order_id === f.entity_id && f.event_type === `order.${f.payload.status}`), 'entity ids below 100, consistent payloads');
  h.ok('content', f0.every((f) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(f.event_id)), 'event ids are v4 UUIDs');

  // --- CREATED_AT, STREAMS=per-vu, SEED in the configuration
  h.case('config');
  h.eq('config', rfc3339Problem('2025-01-01T00:00:00.000Z'), null, 'toISOString form');
  for (const ok of ['2021-01-01t00:00:00z', '2021-01-01 00:00:00Z', '2020-08-25T18:01:21-00:00', '2016-12-31T23:59:60Z', '2017-01-01T01:59:60+02:00', '2021-01-01T12:00:60Z', '2021-01-01T00:00:00+23:59', '2021-01-01T00:00:00.123456789+14:00', '2024-02-29T00:00:00Z']) {
    h.eq('config', rfc3339Problem(ok), null, `accepted like the server: ${ok}`);
  }
  for (const bad of ['2021-01-01', '2021-01-01T00:00:00', '2023-02-29T00:00:00Z', '2021-13-01T00:00:00Z', '2021-01-01T24:00:00Z', '2021-01-01T00:00:61Z', '2021-01-01T00:00:00+24:00', '2021-01-01T00:00:00.Z', ' 2021-01-01T00:00:00Z']) {
    h.ok('config', rfc3339Problem(bad) !== null, `refused: ${JSON.stringify(bad)}`);
  }
  const fixed = config({ SEED: '5', CREATED_AT: '2025-01-01T00:00:00Z', AGENT_SEED: '11'.repeat(32), AGENT_KEY_ID: '3', STREAMS: 'per-vu' });
  h.ok('config', fixed.repeatable && fixed.perVuStreams && fixed.seed === 5 && fixed.createdAt === '2025-01-01T00:00:00Z', 'SEED, CREATED_AT and a key make a repeatable run');
  h.ok('config', !config({ SEED: '5', CREATED_AT: '2025-01-01T00:00:00Z' }).repeatable, 'with a fresh key a rerun cannot replay');
  h.throws('config', () => config({ CREATED_AT: 'yesterday' }), /CREATED_AT: expected an RFC 3339 timestamp/, 'a bad CREATED_AT is a configuration error');
  h.throws('config', () => config({ STREAMS: 'per-stream' }), /STREAMS: expected an integer .*per-vu/, 'STREAMS names per-vu in its error');
  h.eq('config', reformatCreatedAt('2025-01-01T00:00:00.123Z'), '2025-01-01T00:00:00Z', 'the probe drops a fraction');
  h.eq('config', reformatCreatedAt('2025-01-01T00:00:00+02:00'), '2025-01-01T00:00:00.0+02:00', 'or adds one');

  // --- which VU writes where; the single writer's gap check
  h.case('streams');
  const perVu = config({ STREAMS: 'per-vu' });
  h.eq('streams', `${writerStream(perVu, 1).storeId} ${writerStream(perVu, 3).index}`, `${NIL} 2`, 'per-vu: VU 1 writes STORE_ID, VU 3 stream 2');
  h.eq('streams', writerStream(config({ STREAMS: '2' }), 3).index, 0, 'shared: VU 3 of 2 streams writes stream 0');
  const w = new WriterContinuity();
  h.eq('streams', w.check(0, { sequenceStart: 1, sequenceEnd: 20 }, 20), null, 'the first batch sets the expectation');
  h.eq('streams', w.check(0, { sequenceStart: 21, sequenceEnd: 40 }, 20), null, 'the next batch starts right after');
  h.eq('streams', JSON.stringify(w.check(0, { sequenceStart: 42, sequenceEnd: 61 }, 20)), '{"expected":41,"found":42}', 'a gap between batches');
  h.eq('streams', JSON.stringify(w.check(0, { sequenceStart: 61, sequenceEnd: 61 }, 1)), '{"expected":62,"found":61}', 'a repeat');
  h.eq('streams', w.check(0, { sequenceStart: null, sequenceEnd: null }, 0), null, 'a batch of replays takes no numbers');
  h.eq('streams', w.check(0, null, 0), null, 'no answer: the expectation is dropped');
  h.eq('streams', w.check(0, { sequenceStart: 100, sequenceEnd: 101 }, 2), null, '… and starts over');

  // --- the thresholds table: each threshold only where its metric can move
  h.case('thresholds');
  h.ok('thresholds', cannotMove('sequencer_query', 'ves_events_accepted', 'rate>=1000') !== null, 'no rate target where ingest happens only in setup()');
  h.eq('thresholds', cannotMove('sequencer_ingest', 'ves_events_accepted', 'rate>=1000'), null, 'a rate target where the main loop ingests');
  h.ok('thresholds', cannotMove('sequencer_ingest', 'ves_proofs_verified', 'count>0') !== null, 'no proof threshold without proofs');
  h.ok('thresholds', cannotMove('sequencer_ingest', 'ves_invalid_accepted', 'count==0', { probes: 0 }) !== null, 'no probe threshold when probes are off');
  h.eq('thresholds', cannotMove('sequencer_ingest', 'ves_invalid_accepted', 'count==0', { probes: 0.1 }), null, 'a probe threshold when probes are on');
  h.ok('thresholds', cannotMove('sequencer_query', 'http_req_duration{endpoint:ingest}', 'p(95)<50') !== null, 'no latency threshold of an endpoint not in the main loop');
  h.eq('thresholds', cannotMove('sequencer_ingest', 'my_metric', 'count<5'), null, "a user's own metric is kept");
  h.eq('thresholds', Object.keys(correctnessThresholds('mixed_workload', { probes: 0.02, specRate: 0.05 })).length, Object.keys(CORRECTNESS).length, 'the mixed workload with SPEC_RATE moves every correctness metric');
  h.ok('thresholds', cannotMove('mixed_workload', 'ves_spec_failures', 'count==0', { probes: 0.02 }) !== null, 'no spec threshold without SPEC_RATE');
  h.eq('thresholds', cannotMove('sequencer_spec', 'ves_spec_failures', 'count==0'), null, 'the spec scenario moves ves_spec_failures');
  h.eq('thresholds', JSON.stringify(rateThresholds('sequencer_query', { name: 'sustained', ves: { targets: { events_per_second: 1000 } } })), '{}', 'PROFILE=sustained adds no rate target to the query scenario');
  h.eq('thresholds', JSON.stringify(Object.keys(RUNNER.thresholds).sort()), JSON.stringify(UNIVERSAL.slice().sort()), 'runner.json holds exactly the universal thresholds');

  // --- each config file carries its scenario's correctness thresholds, and only movable ones
  h.case('config_files');
  const defaultProbes = { sequencer_ingest: 0, sequencer_query: 0, mixed_workload: 0.02 };
  for (const [scenario, file] of Object.entries(CONFIG_FILES)) {
    const ctx = { probes: defaultProbes[scenario], openModel: Object.values(file.scenarios || {}).some((sc) => /arrival-rate/.test(sc.executor)) };
    for (const [metric, exprs] of Object.entries(correctnessThresholds(scenario, ctx))) {
      h.eq('config_files', JSON.stringify(file.thresholds[metric]), JSON.stringify(exprs), `load/config/${scenario}.json: ${metric}`);
    }
    for (const [key, exprs] of Object.entries(file.thresholds)) {
      for (const e of exprs) h.eq('config_files', cannotMove(scenario, key, e, ctx), null, `load/config/${scenario}.json: ${key} ${e} can move`);
    }
  }
  h.eq('config_files', JSON.stringify(CONFIG_FILES.mixed_workload.thresholds.ves_proofs_verified), '["count>0"]', 'the mixed workload fails without a verified proof under its config file');

  // --- large bodies (PAYLOAD): tagged body:large, left out of the latency thresholds
  h.case('large_bodies');
  h.eq('large_bodies', LARGE_BODY_BYTES, 262144, '256 KiB');
  h.eq('large_bodies', `${bodyClass('a'.repeat(262144))} ${bodyClass('a'.repeat(262145))}`, 'normal large', 'ASCII: large above 262144 bytes');
  h.eq('large_bodies', `${bodyClass(new Array(131073).join('é'))} ${bodyClass(new Array(131074).join('é'))}`, 'normal large', 'counted in UTF-8 bytes, not characters');
  h.eq('large_bodies', `${bodyClass(null)} ${bodyClass('{}')}`, 'normal normal', 'no body, a small one');
  h.eq('large_bodies', `${bodyClass('{}', 262145)} ${bodyClass('a'.repeat(262145), 262144)}`, 'large normal', 'a byte length the caller knows is taken as it is');
  const lb = (shape, bytes, batch) => largeBodies(shape, bytes, batch);
  h.eq('large_bodies', [lb('order', 0, 1000), lb('mixed', 0, 20), lb('large', 0, 10), lb('medium', 0, 20), lb('medium', 0, 100), lb('floats', 0, 20), lb('order', 20000, 20)].join(' '), 'none some all none all none all', 'which PAYLOAD makes large bodies, some or all');
  h.eq('large_bodies', JSON.stringify(normalBodiesOnly({ 'http_req_duration{endpoint:ingest}': ['p(95)<50'], http_req_duration: ['p(99)<1'], 'http_req_waiting{body:large}': ['p(95)<9'], checks: ['rate==1'] })),
    '{"http_req_duration{endpoint:ingest,body:normal}":["p(95)<50"],"http_req_duration{body:normal}":["p(99)<1"],"http_req_waiting{body:large}":["p(95)<9"],"checks":["rate==1"]}', 'latency keys filtered on body:normal, others kept');
  const none = { name: 'default', options: null, ves: {} };
  const keys = (ctx) => Object.keys(scenarioThresholds('sequencer_ingest', { 'http_req_duration{endpoint:ingest}': ['p(95)<50'] }, none, ctx)).filter((k) => k.startsWith('http_req_duration')).join(' ');
  h.eq('large_bodies', keys({ largeBodies: 'some', warmupMs: 3000 }), 'http_req_duration{endpoint:ingest,warmup:false,body:normal}', 'with WARMUP too');
  h.eq('large_bodies', keys({ largeBodies: 'none' }), 'http_req_duration{endpoint:ingest}', 'unchanged without large bodies');
  const ran = summaryData();
  ran.metrics['http_req_duration{endpoint:ingest,body:normal}'] = { type: 'trend', contains: 'time', values: { avg: 5, 'p(95)': 9 }, thresholds: { 'p(95)<50': { ok: true } } };
  h.ok('large_bodies', largeBodiesExcluded(ran) && !largeBodiesExcluded(summaryData()), 'the summary knows when large bodies were left out');
  h.ok('large_bodies', textSummary(ran, 'x').includes('latency thresholds: only requests whose body is at most 262144 bytes (body:normal)'), 'and says so');
  h.eq('large_bodies', JSON.parse(summary(ran, 'x', 'out', {})['out/x-summary.json']).ves.largeBodiesExcluded, true, 'the summary JSON records it');

  // --- entity reads: what an answer must satisfy whatever the events (entity_reads.js)
  h.case('entity_reads');
  const T = '0dabcf3c-9e24-4f21-87b9-803879a5619c';
  const S = '5e9d7a10-0000-4000-8000-0000000000a2';
  const asked = { tenantId: T, storeId: S, entityType: 'order', entityId: 'order-000001' };
  const ev = (seq, id, over = {}) => ({ envelope: Object.assign({ event_id: id, tenant_id: T, store_id: S, entity_type: 'order', entity_id: 'order-000001', sequence_number: seq }, over), sequenced_at: '2026-01-01T00:00:00Z' });
  const answer = (events, over = {}) => Object.assign({ entity_type: 'order', entity_id: 'order-000001', events, count: events.length, total: events.length, has_more: false }, over);
  const kinds = (a) => judgeEntityRead(a, asked).violations.map((v) => v.kind).join(',');
  const good = answer([ev(1, 'a'), ev(6, 'b'), ev(11, 'c')]);
  h.eq('entity_reads', JSON.stringify(judgeEntityRead(good, asked)), '{"events":3,"violations":[]}', 'an entity history in order passes');
  h.eq('entity_reads', kinds(answer([])), '', 'an empty history (the real server, VES events) passes and checks nothing');
  h.eq('entity_reads', kinds(answer([ev(11, 'c'), ev(6, 'b'), ev(1, 'a')])), 'out_of_order', 'reversed (the reorder_entity_reads fault)');
  h.eq('entity_reads', kinds(answer([ev(1, 'a'), ev(1, 'b')])), 'out_of_order', 'a sequence number twice');
  h.eq('entity_reads', kinds(answer([ev(1, 'a'), ev(2, 'A')])), 'duplicate_event_id', 'an event id twice (case-insensitive)');
  h.eq('entity_reads', kinds(answer([ev(1, 'a'), ev(2, 'b', { entity_id: 'order-000002' })])), 'foreign_event', "another entity's event");
  h.eq('entity_reads', kinds(answer([ev(1, 'a', { store_id: T })])), 'foreign_event', "another store's event");
  h.eq('entity_reads', kinds(answer([ev(1, 'a')], { entity_id: 'order-000002' })), 'wrong_entity', 'the answer names another entity');
  h.eq('entity_reads', kinds(answer([ev(1, 'a', { sequence_number: undefined })])), 'out_of_order', 'an event without a sequence number');
  const upper = answer([ev(1, 'a', { tenant_id: T.toUpperCase() })]);
  h.eq('entity_reads', kinds(upper), '', 'ids compare case-insensitively');

  h.finish();
}

const NIL = '00000000-0000-0000-0000-000000000000';
