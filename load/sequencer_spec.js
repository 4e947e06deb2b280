// The protocol's promises, checked one by one under k6: the `ves spec` catalogue
// (spec/catalogue.json; docs/SPEC.md). One VU runs the properties in order; each MUST or SHOULD
// property is a check named by its id (tag property:<id>), each result a point of
// ves_spec_properties{property,class,level,verdict} and a log line `ves-spec: VERDICT id ...`.
// A failure counts in ves_spec_failures (threshold count==0). Run it alone, or beside any
// scenario (another k6 process on the same server) to see which promise breaks under load.
//
//   k6 run load/sequencer_spec.js                              (one pass)
//   k6 run -e SPEC_DURATION=2m load/sequencer_spec.js          (passes for two minutes)
//   k6 run -e SPEC_ONLY=idempotency load/sequencer_spec.js     (one class)
//
// The run's own tenant, agent and store ids come from SPEC_SEED (random when unset, printed).
import { config, loadProfile, parseSpecCatalogue, profileEnv, runInfo, runSpecPass, scenarioThresholds, specContext, specSeed, specSetup, summary, touchMetrics } from '../js/ves.js';
import exec from 'k6/execution';

const CATALOGUE = parseSpecCatalogue(open('../spec/catalogue.json'));
const profile = loadProfile(__ENV, (path) => open(path));
const cfg = config(profileEnv(profile, __ENV));
const ONLY = __ENV.SPEC_ONLY || null;
if (ONLY !== null && !CATALOGUE.classes.some((c) => c.id === ONLY)) {
  throw new Error(`SPEC_ONLY: expected one of ${CATALOGUE.classes.map((c) => c.id).join(', ')}, found ${JSON.stringify(ONLY)}`);
}
const DURATION = __ENV.SPEC_DURATION || null;
if (DURATION !== null && !/^\d+(ms|s|m|h)$/.test(DURATION)) throw new Error(`SPEC_DURATION: expected a k6 duration such as 30s or 2m, found ${JSON.stringify(DURATION)}`);

// One VU: one pass (or passes for SPEC_DURATION); correctness thresholds from the one table.
export const options = profile.name === 'none' ? {} : {
  scenarios: {
    spec: DURATION === null
      ? { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '15m' }
      : { executor: 'constant-vus', vus: 1, duration: DURATION },
  },
  thresholds: scenarioThresholds('sequencer_spec', {}, profile, {}),
};

export function setup() {
  touchMetrics();
  const seed = specSeed(__ENV);
  console.log(`ves-spec: ${CATALOGUE.properties.filter((p) => ONLY === null || p.class === ONLY).length} properties against ${cfg.baseUrl}, seed ${seed}${cfg.sequencerPublicKey ? '' : ' (no SEQUENCER_PUBLIC_KEY: receipt signatures are skipped)'}`);
  return specSetup({ baseUrl: cfg.baseUrl, adminKey: cfg.adminApiKey || cfg.apiKey, seed });
}

const seen = [];

export default function (data) {
  runSpecPass(CATALOGUE, specContext(cfg, data, `vu${exec.vu.idInTest}.${exec.vu.iterationInScenario}`, seen), ONLY);
}

export function handleSummary(data) {
  return summary(data, 'sequencer_spec', cfg.resultsDir, runInfo(cfg, profile, { ingests: false }));
}
