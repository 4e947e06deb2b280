/**
 * Run configuration from environment variables (`k6 run -e NAME=value` or the process
 * environment), validated at init: anything missing or malformed throws one ConfigError that
 * lists every problem with the variable, what was expected, what was found and how to fix it.
 *
 * Secrets (API keys, the agent seed) are never printed: use `redacted(cfg)` for logs;
 * JSON.stringify(cfg) also yields the redacted view.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | SEQUENCER_BASE_URL | http://localhost:8080 | sequencer URL |
 * | API_KEY | ss_local_devserver_admin_key on loopback only | key for ingest, commitments, proofs |
 * | ADMIN_API_KEY | ss_local_devserver_admin_key on loopback only | key that registers the agent key |
 * | TENANT_ID, STORE_ID, AGENT_ID | nil UUID | the stream and the agent |
 * | AGENT_KEY_ID, AGENT_SEED | unset | both set: sign with this registered key, register nothing |
 * | BATCH_SIZE | 100 | events per ingest request, 1..1000 |
 * | STREAMS | 1 | streams per run; stream 0 is STORE_ID, others derived (streamStoreId); `per-vu`: each VU the only writer of its own stream |
 * | SEED | drawn at start | integer seed of the content (ids, payloads, probe choices; content.js) |
 * | CREATED_AT | unset (now) | a fixed created_at (RFC 3339 as the server parses it) for every event |
 * | SEQUENCER_PUBLIC_KEY | unset | check receipt signatures with this key |
 * | RECEIPT_SIG_SAMPLE | 0.01 | share of receipt signatures to check, 0..1 |
 * | RECEIPT_CHECK | 1 | share of clean ingest answers whose receipts are checked one by one in k6, 0..1 (the rest: batch-level checks, and `ves audit`) |
 * | RESULTS_DIR | results | where summaries are written |
 * | SIGNER_URL | unset | sign through `ves signer` at this URL (docs/SIGNER.md) |
 * | SIGNER_TOKEN | unset | the signer's token; required when SIGNER_URL is not loopback |
 * | SPELLING | canonical | how ingest bodies are spelled: canonical, or varied (the same signed events in other legal JSON spellings; spelling.js) |
 *
 * @module config
 */
import { isHex, isUuid, strip0x } from './bytes.js';
import { streamStoreId } from './hash.js';
import { INVALID_KINDS, parseInvalidKinds } from './invalidkinds.js';
import { parseWarmup } from './warmup.js';
import { MAX_BODY_BYTES, PAYLOAD_SHAPES, batchBytesBound, maxBatchFor, parsePayloadBytes, parsePayloadShape } from './payload.js';
import { largeBodies } from './body_size.js';
import { SPELLINGS, parseSpelling } from './spelling.js';

/** The devserver's default admin key; a default only for loopback URLs. */
export const DEVSERVER_ADMIN_KEY = 'ss_local_devserver_admin_key';
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_BASE_URL = 'http://localhost:8080';
const MAX_STREAMS = 10000;
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
 * @property {string} spelling SPELLING: canonical or varied (spelling.js)
 * @property {string} resultsDir
 * @property {string|null} signerUrl `ves signer` URL (SIGNER_URL), null: sign in k6
 * @property {string|null} signerToken secret
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

  // SEQUENCER_BASE_URL
  const rawUrl = get('SEQUENCER_BASE_URL');
  let baseUrl = DEFAULT_BASE_URL;
  let loopback = true;
  if (rawUrl !== undefined) {
    const host = urlHost(rawUrl);
    if (host === null) {
      problems.push(problem('SEQUENCER_BASE_URL', 'an http(s) URL such as http://localhost:8080 (scheme, host, optional port and path)', show(rawUrl), '-e SEQUENCER_BASE_URL=http://host:port'));
    } else {
      baseUrl = rawUrl.replace(/\/+$/, '');
      loopback = isLoopbackHost(host);
    }
  }

  // AGENT_KEY_ID and AGENT_SEED come together
  const rawKeyId = get('AGENT_KEY_ID');
  const rawSeed = get('AGENT_SEED');
  let agentKeyId = null;
  let agentSeed = null;
  if (rawKeyId !== undefined) {
    agentKeyId = parseInteger(rawKeyId, 0, 0xffffffff);
    if (agentKeyId === null) problems.push(problem('AGENT_KEY_ID', 'an integer from 0 to 4294967295 (the registered key id)', show(rawKeyId), '-e AGENT_KEY_ID=1'));
  }
  if (rawSeed !== undefined) {
    if (isHex(rawSeed, 32)) agentSeed = strip0x(rawSeed).toLowerCase();
    else problems.push(problem('AGENT_SEED', 'the 32-byte Ed25519 seed as 64 hex digits (optional 0x)', `a value of ${rawSeed.length} characters that is not 64 hex digits (not shown: it is a secret)`, 'pass the seed the key was registered with, e.g. from `ves keygen`'));
  }
  if ((rawKeyId === undefined) !== (rawSeed === undefined)) {
    const missing = rawKeyId === undefined ? 'AGENT_KEY_ID' : 'AGENT_SEED';
    const given = rawKeyId === undefined ? 'AGENT_SEED' : 'AGENT_KEY_ID';
    problems.push(problem(missing, `to be set together with ${given} (a registered key is its id and its seed)`, 'it unset', `set both, or neither to let the run create and register its own key`));
  }
  const registerKey = rawKeyId === undefined || rawSeed === undefined;

  // API keys: the devserver default only on loopback
  const apiKey = apiKeyFrom(get('API_KEY'), 'API_KEY', loopback, baseUrl, true, problems);
  const adminApiKey = apiKeyFrom(get('ADMIN_API_KEY'), 'ADMIN_API_KEY', loopback, baseUrl, registerKey, problems);

  const tenantId = uuidFrom(get('TENANT_ID'), 'TENANT_ID', problems);
  const storeId = uuidFrom(get('STORE_ID'), 'STORE_ID', problems);
  const agentId = uuidFrom(get('AGENT_ID'), 'AGENT_ID', problems);

  const batchSize = integerFrom(get('BATCH_SIZE'), 'BATCH_SIZE', 100, 1, 1000, 'the sequencer takes at most 1000 events per request', problems);
  const rawStreams = get('STREAMS');
  const perVuStreams = rawStreams === 'per-vu';
  const streams = perVuStreams ? 1 : integerFrom(rawStreams, 'STREAMS', 1, 1, MAX_STREAMS, 'stream 0 is STORE_ID, streams 1..n-1 get derived store ids; or per-vu: each VU writes only its own stream', problems);
  const seed = integerFrom(get('SEED'), 'SEED', null, 0, Number.MAX_SAFE_INTEGER, 'the seed of event ids, payloads and probe choices; a run without SEED prints the one it drew', problems);

  const createdAt = get('CREATED_AT') === undefined ? null : source.CREATED_AT;
  if (createdAt !== null) {
    const why = rfc3339Problem(createdAt);
    if (why !== null) problems.push(problem('CREATED_AT', `an RFC 3339 timestamp as the sequencer parses it, e.g. 2025-01-01T00:00:00.000Z (${why})`, show(createdAt), '-e CREATED_AT=2025-01-01T00:00:00.000Z, or leave it unset for the time each batch is built'));
  }

  let sequencerPublicKey = null;
  const rawPublicKey = get('SEQUENCER_PUBLIC_KEY');
  if (rawPublicKey !== undefined) {
    if (isHex(rawPublicKey, 32)) sequencerPublicKey = strip0x(rawPublicKey).toLowerCase();
    else problems.push(problem('SEQUENCER_PUBLIC_KEY', "the sequencer's 32-byte Ed25519 receipt-signing public key as 64 hex digits", show(rawPublicKey), 'copy it from the devserver start-up log or its data folder, or leave it unset to skip signature checks'));
  }

  const receiptSigSample = shareFrom(get('RECEIPT_SIG_SAMPLE'), 'RECEIPT_SIG_SAMPLE', 0.01, 'the share of receipt signatures to verify', '0.01', problems, WITH_EXPONENT);
  // RECEIPT_CHECK: sampled per-receipt checks (ledger.js recordIngest, docs/SCALE.md).
  const receiptCheck = shareFrom(get('RECEIPT_CHECK'), 'RECEIPT_CHECK', 1, 'the share of clean ingest answers whose receipts are checked one by one in k6', '0.1', problems, WITH_EXPONENT);
  // Issue #9: deliberate replays (replay.js) and invalid events (invalid.js).
  const replayRate = shareFrom(get('REPLAY_RATE'), 'REPLAY_RATE', 0, 'the share of accepted batches re-sent byte for byte later in the run', '0.1', problems, PLAIN);
  const invalidRate = shareFrom(get('INVALID_RATE'), 'INVALID_RATE', 0, 'the share of events made invalid inside otherwise valid batches', '0.1', problems, PLAIN);
  let invalidKinds = INVALID_KINDS.slice();
  try {
    invalidKinds = parseInvalidKinds(get('INVALID_KINDS'));
  } catch (e) {
    problems.push(problem('INVALID_KINDS', `a comma-separated list of ${INVALID_KINDS.join(', ')}`, show(get('INVALID_KINDS')), '-e INVALID_KINDS=bad_signature,unknown_key'));
  }

  let payloadShape = 'order';
  try {
    payloadShape = parsePayloadShape(get('PAYLOAD'));
  } catch (e) {
    problems.push(problem('PAYLOAD', `one of ${PAYLOAD_SHAPES.join(', ')}`, show(get('PAYLOAD')), '-e PAYLOAD=floats'));
  }
  let payloadBytes = 0;
  try {
    payloadBytes = parsePayloadBytes(get('PAYLOAD_BYTES'));
  } catch (e) {
    problems.push(problem('PAYLOAD_BYTES', 'an integer from 0 to 1000000 (bytes of JCS per payload; 0: no padding)', show(get('PAYLOAD_BYTES')), '-e PAYLOAD_BYTES=4096'));
  }
  // A request must stay under the sequencer's 10 MiB limit: refuse the combination at start.
  const bound = batchBytesBound(payloadShape, payloadBytes, batchSize);
  if (bound > MAX_BODY_BYTES) {
    const most = maxBatchFor(payloadShape, payloadBytes);
    problems.push(problem('BATCH_SIZE', `at most ${most} with PAYLOAD=${payloadShape}${payloadBytes > 0 ? ` PAYLOAD_BYTES=${payloadBytes}` : ''} (requests of up to about ${bound} bytes are above the ${MAX_BODY_BYTES} byte request limit)`, String(batchSize), `-e BATCH_SIZE=${most}${payloadBytes > 0 ? ' or a smaller PAYLOAD_BYTES' : ''}`));
  }
  let spelling = 'canonical';
  try {
    spelling = parseSpelling(get('SPELLING'));
  } catch (e) {
    problems.push(problem('SPELLING', `one of ${SPELLINGS.join(', ')} (how ingest bodies are spelled)`, show(get('SPELLING')), '-e SPELLING=varied'));
  }
  let hotEntities = 0;
  const rawHot = get('HOT_ENTITIES');
  if (rawHot !== undefined) {
    const v = /^(\d+(\.\d*)?|\.\d+)$/.test(rawHot) ? Number(rawHot) : NaN;
    if (v >= 0 && v <= 1) hotEntities = v;
    else problems.push(problem('HOT_ENTITIES', 'a number from 0 to 1 (the share of events sent to a few hot entity ids)', show(rawHot), '-e HOT_ENTITIES=0.2'));
  }
  let warmupMs = 0;
  try {
    warmupMs = parseWarmup(get('WARMUP'));
  } catch (e) {
    problems.push(problem('WARMUP', 'a duration such as 3s, 500ms or 1m', show(get('WARMUP')), '-e WARMUP=3s'));
  }

  const resultsDir = (get('RESULTS_DIR') || 'results').replace(/\/+$/, '') || '/';

  // SIGNER_URL / SIGNER_TOKEN: sign through `ves signer` (docs/SIGNER.md)
  const { signerUrl, signerToken } = signerFrom(get('SIGNER_URL'), get('SIGNER_TOKEN'), problems);

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
    spelling,
    warmupMs,
    hotEntities,
    payloadShape,
    payloadBytes,
    largeBodies: largeBodies(payloadShape, payloadBytes, batchSize),
    resultsDir,
    signerUrl,
    signerToken,
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
    problems.push(problem('SIGNER_URL', 'the http URL of a `ves signer`, such as http://127.0.0.1:8787', show(url), '-e SIGNER_URL=http://127.0.0.1:8787, or leave it unset to sign in k6'));
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

function uuidFrom(value, name, problems) {
  if (value === undefined) return NIL_UUID;
  if (isUuid(value)) return value.toLowerCase();
  problems.push(problem(name, 'a UUID like 00000000-0000-0000-0000-000000000000', show(value), `-e ${name}=<uuid> or leave it unset for the nil UUID`));
  return NIL_UUID;
}

function integerFrom(value, name, fallback, min, max, why, problems) {
  if (value === undefined) return fallback;
  const n = parseInteger(value, min, max);
  if (n !== null) return n;
  problems.push(problem(name, `an integer from ${min} to ${max} (${why})`, show(value), fallback === null ? `-e ${name}=<integer> or leave it unset` : `-e ${name}=${fallback} or leave it unset for the default ${fallback}`));
  return fallback;
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

// A share from 0 to 1 written as `pattern` allows; `fallback` when unset, a problem otherwise.
function shareFrom(raw, name, fallback, meaning, example, problems, pattern) {
  if (raw === undefined) return fallback;
  const v = pattern.test(raw) ? Number(raw) : NaN;
  if (v >= 0 && v <= 1) return v;
  problems.push(problem(name, `a number from 0 to 1 (${meaning})`, show(raw), `-e ${name}=${example}`));
  return fallback;
}

function problem(name, expected, found, fix) {
  return `${name}: expected ${expected}; found ${found}. Fix: ${fix}.`;
}

function show(value) {
  const s = value.length > 60 ? value.slice(0, 57) + '...' : value;
  return JSON.stringify(s);
}
