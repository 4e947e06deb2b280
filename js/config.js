/**
 * Run configuration from environment variables (`k6 run -e NAME=value` or the process
 * environment), validated at init: anything missing or malformed throws one ConfigError that
 * lists every problem with the variable, what was expected, what was found and how to fix it.
 * Every variable, its default, bounds and values are declared once, in variables.js (which also
 * makes docs/CONFIG.md); this module reads them by kind and adds the rules that tie variables
 * together (a registered key is an id and a seed; API keys default only on loopback; a batch must
 * stay under the request limit; a remote signer needs a token).
 *
 * Secrets (API keys, the agent seed) are never printed: use `redacted(cfg)` for logs;
 * JSON.stringify(cfg) also yields the redacted view.
 *
 * @module config
 */
import { isHex, isUuid, strip0x } from './bytes.js';
import { streamStoreId } from './hash.js';
import { parseWarmup } from './warmup.js';
import { MAX_BODY_BYTES, batchBytesBound, maxBatchFor } from './payload.js';
import { largeBodies } from './body_size.js';
import { DEVSERVER_ADMIN_KEY, NIL_UUID, variable } from './variables.js';

export { DEVSERVER_ADMIN_KEY, NIL_UUID };
export const DEFAULT_BASE_URL = variable('SEQUENCER_BASE_URL').default;
/** SERVER_AGREES's values (server_view.js): report is the default. */
export const SERVER_AGREES_MODES = Object.freeze(variable('SERVER_AGREES').values.slice());
const SECRET_FIELDS = ['apiKey', 'adminApiKey', 'agentSeed', 'signerToken'];

/** Thrown when the environment does not describe a usable run. */
export class ConfigError extends Error {
  constructor(problems) {
    super(`ves-k6 configuration: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * @typedef {object} VesConfig
 * @property {string} baseUrl without a trailing slash
 * @property {boolean} loopback the URL host is localhost, 127.0.0.0/8 or ::1
 * @property {string} apiKey secret
 * @property {string|null} adminApiKey secret; null when no key needs registering and none was given
 * @property {string} tenantId lowercase UUID
 * @property {string} storeId lowercase UUID (stream 0)
 * @property {string} agentId lowercase UUID
 * @property {number|null} agentKeyId
 * @property {string|null} agentSeed secret, bare lowercase hex
 * @property {boolean} registerKey true when the run must create and register its own key
 * @property {number} batchSize
 * @property {number} streams shared streams (1 with STREAMS=per-vu: stream 0, for setup and reads)
 * @property {boolean} perVuStreams STREAMS=per-vu: VU n is the only writer of stream n-1
 * @property {string[]} streamStoreIds store id of each shared stream (index 0 = storeId)
 * @property {number|null} seed SEED as given (null: setup() draws one)
 * @property {string|null} createdAt CREATED_AT as given (null: each batch takes the time it is built)
 * @property {boolean} repeatable SEED, CREATED_AT and a registered key (AGENT_SEED) all fixed: a rerun sends the same bytes, so events may come back as replays
 * @property {string|null} sequencerPublicKey bare lowercase hex
 * @property {number} receiptSigSample
 * @property {number} receiptCheck RECEIPT_CHECK
 * @property {number} invalidRate INVALID_RATE: the share of events made invalid inside valid batches (invalid.js)
 * @property {string[]} invalidKinds INVALID_KINDS (default: every kind of invalid.js)
 * @property {number} warmupMs WARMUP in ms: requests before it are left out of the latency thresholds (warmup.js)
 * @property {number} hotEntities HOT_ENTITIES: the share of events sent to a few entity ids (hot.js)
 * @property {'none'|'some'|'all'} largeBodies whether PAYLOAD makes ingest bodies above 256 KiB, tagged body:large and left out of the latency thresholds (body_size.js)
 * @property {string} payloadShape PAYLOAD: order, small, medium, large, unicode, floats, nested or mixed (payload.js)
 * @property {number} payloadBytes PAYLOAD_BYTES: pad payloads to about this many bytes of JCS (0: none)
 * @property {number} replayRate REPLAY_RATE: the share of accepted batches re-sent later (replay.js): byte for byte, or with SPELLING=varied in another spelling
 * @property {number} specRate SPEC_RATE: the share of ingest iterations that run one property of the spec catalogue instead (spec_hook.js)
 * @property {string} spelling SPELLING: canonical or varied (spelling.js)
 * @property {string} resultsDir
 * @property {string|null} signerUrl `ves signer` URL (SIGNER_URL), null: sign in k6
 * @property {string|null} signerToken secret
 * @property {'report'|'exact'|'off'} serverAgrees SERVER_AGREES: read the server's /metrics at setup() and teardown() and report (report), also fail on a difference (exact), or never read it (off) (server_view.js)
 * @property {boolean} signerCheck SIGNER_CHECK: with a signer, it checks the answers
 */

/**
 * Reads and validates the configuration. Throws a ConfigError listing every problem.
 * @param {Record<string, string|undefined>} [env] defaults to k6's __ENV
 * @returns {Readonly<VesConfig>}
 */
export function config(env) {
  const source = env === undefined ? __ENV : env;
  const problems = [];
  const get = (name) => {
    const v = source[name];
    return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
  };
  // A variable by its declaration (variables.js): its default when unset, a problem when malformed.
  const read = (name) => readVariable(variable(name), get(name), source[name], problems);

  // SEQUENCER_BASE_URL
  const rawUrl = get('SEQUENCER_BASE_URL');
  let baseUrl = DEFAULT_BASE_URL;
  let loopback = true;
  if (rawUrl !== undefined) {
    const host = urlHost(rawUrl);
    if (host === null) {
      problems.push(declaredProblem(variable('SEQUENCER_BASE_URL'), show(rawUrl)));
    } else {
      baseUrl = rawUrl.replace(/\/+$/, '');
      loopback = isLoopbackHost(host);
    }
  }

  // AGENT_KEY_ID and AGENT_SEED come together
  const agentKeyId = read('AGENT_KEY_ID');
  const agentSeed = read('AGENT_SEED');
  const rawKeyId = get('AGENT_KEY_ID');
  const rawSeed = get('AGENT_SEED');
  if ((rawKeyId === undefined) !== (rawSeed === undefined)) {
    const missing = rawKeyId === undefined ? 'AGENT_KEY_ID' : 'AGENT_SEED';
    const given = rawKeyId === undefined ? 'AGENT_SEED' : 'AGENT_KEY_ID';
    problems.push(problem(missing, `to be set together with ${given} (a registered key is its id and its seed)`, 'it unset', `set both, or neither to let the run create and register its own key`));
  }
  const registerKey = rawKeyId === undefined || rawSeed === undefined;

  // API keys: the devserver default only on loopback
  const apiKey = apiKeyFrom(get('API_KEY'), 'API_KEY', loopback, baseUrl, true, problems);
  const adminApiKey = apiKeyFrom(get('ADMIN_API_KEY'), 'ADMIN_API_KEY', loopback, baseUrl, registerKey, problems);

  const tenantId = read('TENANT_ID');
  const storeId = read('STORE_ID');
  const agentId = read('AGENT_ID');

  const batchSize = read('BATCH_SIZE');
  const perVuStreams = get('STREAMS') === 'per-vu';
  const streams = perVuStreams ? 1 : read('STREAMS');
  const seed = read('SEED');
  const createdAt = read('CREATED_AT');
  const sequencerPublicKey = read('SEQUENCER_PUBLIC_KEY');
  const receiptSigSample = read('RECEIPT_SIG_SAMPLE');
  // RECEIPT_CHECK: sampled per-receipt checks (ledger.js recordIngest, docs/SCALE.md).
  const receiptCheck = read('RECEIPT_CHECK');
  // Deliberate replays (replay.js) and invalid events (invalid.js).
  const replayRate = read('REPLAY_RATE');
  // SPEC_RATE: properties of the `ves spec` catalogue among ingest iterations (spec_hook.js).
  const specRate = read('SPEC_RATE');
  const invalidRate = read('INVALID_RATE');
  const invalidKinds = read('INVALID_KINDS');

  const payloadShape = read('PAYLOAD');
  const payloadBytes = read('PAYLOAD_BYTES');
  // A request must stay under the sequencer's 10 MiB limit: refuse the combination at start.
  const bound = batchBytesBound(payloadShape, payloadBytes, batchSize);
  if (bound > MAX_BODY_BYTES) {
    const most = maxBatchFor(payloadShape, payloadBytes);
    problems.push(problem('BATCH_SIZE', `at most ${most} with PAYLOAD=${payloadShape}${payloadBytes > 0 ? ` PAYLOAD_BYTES=${payloadBytes}` : ''} (requests of up to about ${bound} bytes are above the ${MAX_BODY_BYTES} byte request limit)`, String(batchSize), `-e BATCH_SIZE=${most}${payloadBytes > 0 ? ' or a smaller PAYLOAD_BYTES' : ''}`));
  }
  const spelling = read('SPELLING');
  const hotEntities = read('HOT_ENTITIES');
  const warmupMs = read('WARMUP');

  const resultsDir = read('RESULTS_DIR').replace(/\/+$/, '') || '/';

  // SIGNER_URL / SIGNER_TOKEN: sign through `ves signer` (docs/SIGNER.md)
  const { signerUrl, signerToken } = signerFrom(get('SIGNER_URL'), get('SIGNER_TOKEN'), problems);
  // SIGNER_CHECK: the signer checks the sequencer's answers (docs/SIGNER.md "Checking answers").
  const signerCheck = ['1', 'true'].includes(read('SIGNER_CHECK'));

  // SERVER_AGREES: the server's own view of the run (server_view.js, docs/OBSERVE.md)
  const serverAgrees = read('SERVER_AGREES');

  if (problems.length > 0) throw new ConfigError(problems);

  const streamStoreIds = [storeId];
  for (let i = 1; i < streams; i++) streamStoreIds.push(streamStoreId(storeId, i));

  const cfg = {
    baseUrl,
    loopback,
    apiKey,
    adminApiKey,
    tenantId,
    storeId,
    agentId,
    agentKeyId,
    agentSeed,
    registerKey,
    batchSize,
    streams,
    perVuStreams,
    streamStoreIds: Object.freeze(streamStoreIds),
    seed,
    createdAt,
    repeatable: seed !== null && createdAt !== null && !registerKey,
    sequencerPublicKey,
    receiptSigSample,
    receiptCheck,
    invalidRate,
    invalidKinds: Object.freeze(invalidKinds),
    replayRate,
    specRate,
    spelling,
    warmupMs,
    hotEntities,
    payloadShape,
    payloadBytes,
    largeBodies: largeBodies(payloadShape, payloadBytes, batchSize),
    resultsDir,
    signerUrl,
    signerToken,
    serverAgrees,
    signerCheck,
  };
  Object.defineProperty(cfg, 'toJSON', { value: () => redacted(cfg), enumerable: false });
  return Object.freeze(cfg);
}

/**
 * A copy of the configuration that is safe to log: secrets replaced by "<redacted>"
 * (or "<unset>").
 * @param {VesConfig} cfg
 * @returns {object}
 */
export function redacted(cfg) {
  const out = {};
  for (const k of Object.keys(cfg)) out[k] = cfg[k];
  for (const k of SECRET_FIELDS) {
    if (k in out) out[k] = out[k] === null || out[k] === undefined ? '<unset>' : '<redacted>';
  }
  return out;
}

/**
 * True when a URL host (as in a URL, IPv6 in brackets) is a loopback address: localhost,
 * 127.0.0.0/8 or ::1.
 * @param {string} host
 */
export function isLoopbackHost(host) {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === 'localhost.') return true;
  if (h === '[::1]' || h === '[0:0:0:0:0:0:0:1]') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

// Host part of an http(s) URL, or null when the URL is malformed.
function urlHost(url) {
  const m = /^https?:\/\/(\[[0-9a-fA-F:.]+\]|[^\s/:?#@[\]]+)(:(\d{1,5}))?(\/[^\s?#]*)?$/i.exec(url);
  if (m === null) return null;
  if (m[3] !== undefined && Number(m[3]) > 65535) return null;
  return m[1];
}

function signerFrom(url, token, problems) {
  if (url === undefined) return { signerUrl: null, signerToken: token || null };
  const host = urlHost(url);
  if (host === null) {
    problems.push(declaredProblem(variable('SIGNER_URL'), show(url)));
  } else if (!isLoopbackHost(host) && token === undefined) {
    problems.push(problem('SIGNER_TOKEN', `the signer's token (required because ${url} is not a loopback address: a remote signer must be started with --allow-remote and a token)`, 'it unset', '-e SIGNER_TOKEN=<the value of the signer\'s --token-file>'));
  }
  return { signerUrl: url.replace(/\/+$/, ''), signerToken: token || null };
}

function apiKeyFrom(value, name, loopback, baseUrl, required, problems) {
  if (value === undefined) {
    if (loopback) return DEVSERVER_ADMIN_KEY;
    if (required) {
      problems.push(problem(name, `an API key (required because ${baseUrl} is not a loopback address, so the devserver default does not apply)`, 'it unset', `-e ${name}=ss_<key>`));
    }
    return null;
  }
  if (!value.startsWith('ss_')) {
    problems.push(problem(name, 'an API key starting with ss_ (the sequencer answers any other key with 401 invalid_api_key)', `a key of ${value.length} characters that does not start with ss_ (not shown: it is a secret)`, `-e ${name}=ss_<key>`));
  }
  return value;
}

// The value of a declared variable (variables.js) read by its kind: its default when unset
// (`raw` undefined), the default and a problem when malformed. `untrimmed` is the value as given.
function readVariable(decl, raw, untrimmed, problems) {
  if (raw === undefined) return decl.kind === 'list' ? decl.default.slice() : decl.default;
  const reader = READERS[decl.kind];
  if (reader === undefined) return raw;
  const value = reader(decl, raw, untrimmed);
  if (value !== INVALID) return value;
  problems.push(declaredProblem(decl, decl.secret ? secretFound(raw) : show(decl.kind === 'rfc3339' ? untrimmed : raw), untrimmed));
  return decl.kind === 'list' ? decl.default.slice() : decl.default;
}

const INVALID = Symbol('invalid');

// How each kind reads a set value (INVALID when it is malformed).
const READERS = {
  uuid: (d, raw) => (isUuid(raw) ? raw.toLowerCase() : INVALID),
  integer: (d, raw) => {
    const n = parseInteger(raw, d.min, d.max);
    return n === null ? INVALID : n;
  },
  hex32: (d, raw) => (isHex(raw, 32) ? strip0x(raw).toLowerCase() : INVALID),
  share: (d, raw) => {
    const v = (d.exponent ? WITH_EXPONENT : PLAIN).test(raw) ? Number(raw) : NaN;
    return v >= 0 && v <= 1 ? v : INVALID;
  },
  oneOf: (d, raw) => {
    const v = d.anyCase ? raw.toLowerCase() : raw;
    return d.values.includes(v) ? v : INVALID;
  },
  list: (d, raw) => {
    const items = raw.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
    return items.length > 0 && items.every((k) => d.values.includes(k)) ? items : INVALID;
  },
  duration: (d, raw) => {
    try {
      return parseWarmup(raw);
    } catch (e) {
      return INVALID;
    }
  },
  // CREATED_AT is kept exactly as given: it is the string the events are signed with.
  rfc3339: (d, raw, untrimmed) => (rfc3339Problem(untrimmed) === null ? untrimmed : INVALID),
};

// "NAME: expected …; found …. Fix: …" from the declaration.
function declaredProblem(decl, found, untrimmed) {
  return problem(decl.name, expectation(decl, untrimmed), found, fixFor(decl));
}

function expectation(decl, untrimmed) {
  switch (decl.kind) {
    case 'integer': return `an integer from ${decl.min} to ${decl.max} (${decl.why})`;
    case 'share': return `a number from 0 to 1 (${decl.why})`;
    case 'uuid': return 'a UUID like 00000000-0000-0000-0000-000000000000';
    case 'oneOf': return decl.expect !== undefined ? decl.expect : `one of ${decl.values.join(', ')}`;
    case 'list': return `a comma-separated list of ${decl.values.join(', ')}`;
    case 'rfc3339': return `${decl.expect} (${rfc3339Problem(untrimmed)})`;
    default: return decl.expect;
  }
}

function fixFor(decl) {
  if (decl.fix !== undefined) return decl.fix;
  if (decl.example !== undefined) return `-e ${decl.name}=${decl.example}`;
  if (decl.kind === 'uuid') return `-e ${decl.name}=<uuid> or leave it unset for the nil UUID`;
  const fallback = decl.default;
  return fallback === null ? `-e ${decl.name}=<integer> or leave it unset` : `-e ${decl.name}=${fallback} or leave it unset for the default ${fallback}`;
}

// A malformed secret is described by its length, never shown.
function secretFound(raw) {
  return `a value of ${raw.length} characters that is not 64 hex digits (not shown: it is a secret)`;
}

function parseInteger(value, min, max) {
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Why a string is not RFC 3339 as the real server reads it (chrono's parse_from_rfc3339:
 * `T`, `t` or a space, any fraction, `Z`/`z` or an offset below 24 h, second 60 as a leap second
 * at any minute: `ves presign --created-at` agrees on each case of tests/k6/scenario_lib.test.js),
 * or null when it is.
 * @param {string} s
 * @returns {string|null}
 */
export function rfc3339Problem(s) {
  const m = RFC3339_RE.exec(s);
  if (m === null) return 'the form is YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)';
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12) return `month ${month}`;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day < 1 || day > days) return `day ${day} of month ${month}`;
  if (hour > 23 || minute > 59 || second > 60) return 'time out of range';
  const offHours = m[10] === undefined ? 0 : Number(m[10]);
  const offMinutes = m[11] === undefined ? 0 : Number(m[11]);
  if (offHours > 23 || offMinutes > 59) return 'offset out of range';
  return null;
}

// Decimal shares: the sampling knobs also take an exponent (1e-3), the rates do not.
const WITH_EXPONENT = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const PLAIN = /^(\d+(\.\d*)?|\.\d+)$/;

function problem(name, expected, found, fix) {
  return `${name}: expected ${expected}; found ${found}. Fix: ${fix}.`;
}

function show(value) {
  const s = value.length > 60 ? value.slice(0, 57) + '...' : value;
  return JSON.stringify(s);
}
