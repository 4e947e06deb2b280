/**
 * Load profiles: which load options and thresholds a scenario exports.
 *
 * k6 gives a script's own `options` precedence over a `--config` file (and drops the file's
 * vus/duration/stages when the script sets any of them; thresholds are replaced, not merged),
 * and a script never sees that file. So the profile is chosen with an environment variable:
 *
 *   (unset)         the script's own default (ingest: 10 VUs for 30 s)
 *   PROFILE=smoke   load/profiles/smoke.json (also: sustained, stress; load/profiles/capacity.json
 *                   is `ves capacity`'s, refused here)
 *   PROFILE=<path>  that file, relative to the working directory (e.g. PROFILE=runner.json)
 *   PROFILE=none    no load options and no thresholds: `k6 run --config FILE -e PROFILE=none`
 *                   hands everything to k6's own config file
 *
 * Command-line flags (--vus, --duration, --iterations) override everything, as k6 does.
 *
 * A profile file is a k6 options file (so it also works with --config) plus a `ves` block that
 * k6 ignores:
 *   "ves": {
 *     "env":     { "BATCH_SIZE": "20" },                 defaults for variables the user did not set
 *     "mixed":   { "rate": 20, "duration": "15s", … }    the mixed workload's arrival rates
 *     "extends": "smoke"                                 this file on top of another profile
 *   }
 *
 * `extends` names a profile as PROFILE does (a shipped name or a path). The extending file wins
 * key by key: its thresholds replace the base's for the same metric key (the others stay), its
 * `ves.env`, `ves.targets` and `ves.mixed` values replace the base's one by one; load settings
 * are taken as a set, all from the extending file when it has any (vus, duration, stages,
 * iterations, scenarios; in `ves.mixed`: rate, duration, startRate, stages). The end-to-end tests use it to run the
 * shipped smoke profile with latency bounds in seconds (tests/e2e/profiles/smoke.json), so a
 * test does not depend on how fast the machine is and the shipped profile keeps production targets.
 *
 * k6's open() resolves relative paths against the entry script, not the calling module, so the
 * scenario passes its own `open`.
 *
 * @module profile
 */

/** Profile names shipped in load/profiles/. */
export const PROFILE_NAMES = Object.freeze(['smoke', 'sustained', 'stress']);

import { SUMMARY_TREND_STATS } from './summary.js';

const LOAD_KEYS = ['vus', 'duration', 'stages', 'iterations', 'scenarios'];
/** The mixed workload's load shape (mixed_workload.js mixSettings): a constant rate or stages. */
const MIXED_LOAD_KEYS = ['rate', 'duration', 'startRate', 'stages'];

/**
 * @typedef {object} Profile
 * @property {string} name 'default', 'none', a shipped name, or the file path
 * @property {object|null} options k6 options from the file (null for 'default' and 'none')
 * @property {object} ves the file's `ves` block ({} when absent; `extends` resolved)
 * @property {string[]} [extends] the profiles this one extends, nearest first
 */

/**
 * Reads the profile named by PROFILE.
 * @param {Record<string, string|undefined>} env usually __ENV
 * @param {(path: string) => string} openFile the entry script's `open`
 * @param {string} [profilesDir] folder of the shipped profiles, relative to the entry script
 * @returns {Profile}
 */
export function loadProfile(env, openFile, profilesDir = './profiles') {
  return readProfile((env.PROFILE || '').trim(), env, openFile, profilesDir, []);
}

function readProfile(raw, env, openFile, profilesDir, chain) {
  if (raw === '' || raw === 'default') return { name: 'default', options: null, ves: {} };
  if (raw === 'none') return { name: 'none', options: null, ves: {} };
  const what = chain.length === 0 ? `PROFILE=${raw}` : `PROFILE=${chain[0]}: extends ${raw}`;
  const isName = /^[a-z0-9_-]+$/.test(raw);
  const path = isName ? `${profilesDir}/${raw}.json` : userPath(raw, env);
  let text;
  try {
    text = openFile(path);
  } catch (e) {
    const hint = isName
      ? `the shipped profiles are ${PROFILE_NAMES.join(', ')}; a file path works too (PROFILE=runner.json), and PROFILE=none hands control to --config`
      : 'give a path relative to the directory k6 runs in, or an absolute path';
    throw new Error(`${what}: cannot read ${path} (${e && e.message ? e.message : e}); ${hint}`);
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: ${path} is not valid JSON (${e.message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${what}: ${path} must hold a JSON object of k6 options`);
  }
  const { ves = {}, ...options } = parsed;
  // load/profiles/capacity.json holds `ves capacity`'s settings, no k6 options: running a
  // scenario with it would silently fall back to the scenario's defaults.
  if (ves && typeof ves === 'object' && ves.capacity !== undefined) {
    throw new Error(`${what}: ${path} holds settings of \`ves capacity\` (docs/CAPACITY.md), not a load profile for this scenario; use it with \`ves capacity --profile ${raw}\`, and ${PROFILE_NAMES.join(', ')} here`);
  }
  const name = isName ? raw : path;
  if (chain.includes(name)) throw new Error(`${what}: ves.extends makes a cycle (${chain.concat([name]).join(' -> ')})`);
  if (ves.extends === undefined) return { name, options, ves };
  const base = ves.extends;
  if (typeof base !== 'string' || ['', 'default', 'none'].includes(base.trim())) {
    throw new Error(`${what}: ${path}: ves.extends must name a profile (a shipped name or a path), found ${JSON.stringify(base)}`);
  }
  const parent = readProfile(base.trim(), env, openFile, profilesDir, chain.concat([name]));
  return extend(parent, { name, options, ves });
}

/** A profile on top of its base (the rules in the module comment). */
function extend(base, top) {
  const options = overlay(base.options, top.options, LOAD_KEYS);
  if (base.options.thresholds !== undefined || top.options.thresholds !== undefined) {
    options.thresholds = mergeThresholds(base.options.thresholds, top.options.thresholds);
  }
  const { extends: parentName, ...topVes } = top.ves;
  const ves = Object.assign({}, base.ves, topVes);
  for (const k of ['env', 'targets']) {
    if (base.ves[k] !== undefined || topVes[k] !== undefined) ves[k] = Object.assign({}, base.ves[k], topVes[k]);
  }
  if (base.ves.mixed !== undefined || topVes.mixed !== undefined) ves.mixed = overlay(base.ves.mixed || {}, topVes.mixed || {}, MIXED_LOAD_KEYS);
  return { name: top.name, options, ves, extends: [parentName.trim()].concat(base.extends || []) };
}

/** `top` over `base` key by key, except that the `set` keys all come from `top` when it has any. */
function overlay(base, top, set) {
  const ownSet = Object.keys(pick(top, set)).length > 0;
  return Object.assign({}, ownSet ? omit(base, set) : base, top);
}

/**
 * A path the user gave, for open() in a script of load/: a relative path means "relative to
 * where k6 runs", but open() resolves against the entry script. PWD is how a k6 script learns
 * the working directory (k6 passes the process environment into __ENV); without it (e.g. a
 * container entrypoint), paths are taken relative to the repository root, the parent of load/.
 * @param {string} p
 * @param {Record<string, string|undefined>} env
 */
export function userPath(p, env) {
  if (p.startsWith('/')) return p;
  if (env.PWD) return `${env.PWD.replace(/\/+$/, '')}/${p}`;
  return `../${p}`;
}

/**
 * The environment with the profile's `ves.env` defaults filled in (the user's values win).
 * @param {Profile} profile
 * @param {Record<string, string|undefined>} env
 */
export function profileEnv(profile, env) {
  const defaults = (profile.ves && profile.ves.env) || {};
  const out = {};
  for (const k of Object.keys(defaults)) out[k] = String(defaults[k]);
  for (const k of Object.keys(env)) if (env[k] !== undefined && env[k] !== '') out[k] = env[k];
  return out;
}

/**
 * The options a closed-model script (fixed VUs, stages) exports.
 * @param {Profile} profile
 * @param {{load: object, thresholds: object, merged?: boolean}} defaults the script's defaults:
 *   load settings (vus/duration or stages) and its own thresholds (kept unless the profile sets
 *   the same key); with `merged`, the thresholds already hold the profile's (thresholds.js
 *   scenarioThresholds) and are used as they are
 * @returns {object} k6 options
 */
export function closedModelOptions(profile, defaults) {
  if (profile.name === 'none') return {};
  // p(99) in the summary too (summary.js SUMMARY_TREND_STATS), unless the profile chooses.
  const trendStats = { summaryTrendStats: SUMMARY_TREND_STATS.slice() };
  if (profile.options === null) return Object.assign(trendStats, defaults.load, { thresholds: defaults.thresholds });
  const load = pick(profile.options, LOAD_KEYS);
  if (Object.keys(load).length === 0) {
    throw new Error(`profile ${profile.name}: no load settings (one of ${LOAD_KEYS.join(', ')})`);
  }
  const rest = omit(profile.options, LOAD_KEYS.concat(['thresholds']));
  const thresholds = defaults.merged ? defaults.thresholds : mergeThresholds(defaults.thresholds, profile.options.thresholds);
  return Object.assign(trendStats, rest, load, { thresholds });
}

/**
 * Script thresholds overlaid with a profile's: a metric key set by the profile replaces the
 * script's expressions for that key; other script keys stay.
 */
export function mergeThresholds(scriptThresholds, profileThresholds) {
  return Object.assign({}, scriptThresholds || {}, profileThresholds || {});
}

function pick(obj, keys) {
  const out = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

function omit(obj, keys) {
  const out = {};
  for (const k of Object.keys(obj)) if (!keys.includes(k)) out[k] = obj[k];
  return out;
}
