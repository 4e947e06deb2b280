// Unit tests of the scenario layer, run by k6 itself (no server): profiles (PROFILE resolution,
// env defaults, option merging), end-of-test summaries (verdict, JUnit XML, files), and the
// PROBES parser. The behaviour against a real server is tested by scripts/scenario-tests.sh.
//
//   k6 run --quiet --no-usage-report tests/k6/scenario_lib.test.js
import { closedModelOptions, junitXml, loadProfile, mergeThresholds, probeRate, profileEnv, summary, textSummary, verdict, verdictLine } from '../../js/ves.js';
import { Harness, testOptions } from './lib/harness.js';

const TEST = 'scenario_lib';
export const options = testOptions(null, 5); // five categories, each a case

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
    metrics: {
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
  h.eq('summary', verdictLine(summaryData()), 'ves-verdict: accepted=1000 rejected=0 receipts_invalid=0 proofs_verified=0 proofs_failed=0 result=PASS', 'verdict line');
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
  h.ok('summary', /<testsuites tests="9" failures="1"/.test(xml), () => `JUnit counts: ${xml.slice(0, 200)}`);
  h.ok('summary', xml.includes('name="http_req_duration{endpoint:&lt;ingest&gt;} p(95)&lt;50"'), 'names are XML-escaped');
  h.ok('summary', xml.includes('<failure message="ves_events_rejected = 3"/>'), 'the counter failure is a JUnit failure');
  const text = textSummary(summaryData({ rejected: 3 }), 'sequencer_ingest');
  h.ok('summary', text.includes('✗ ves_events_rejected = 3 (must be 0)') && text.trim().endsWith('result=FAIL'), 'the text ends with the verdict and says why');
  const files = summary(summaryData(), 'sequencer_ingest', 'out/');
  h.eq('summary', Object.keys(files).sort().join(' '), 'out/sequencer_ingest-junit.xml out/sequencer_ingest-summary.json stdout', 'summary files');
  h.eq('summary', JSON.parse(files['out/sequencer_ingest-summary.json']).state.testRunDurationMs, 1500, 'the JSON is the whole data');

  // --- PROBES
  h.case('probes');
  h.eq('probes', probeRate({}, 0.02), 0.02, 'unset: the script default');
  h.eq('probes', probeRate({ PROBES: '0.5' }, 0), 0.5, 'a share');
  h.throws('probes', () => probeRate({ PROBES: '2' }, 0), /PROBES: expected a share from 0 to 1/, 'out of range');
  h.throws('probes', () => probeRate({ PROBES: 'often' }, 0), /PROBES/, 'not a number');

  h.finish();
}
