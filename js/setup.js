/**
 * setup() of the shipped scenarios: the health check, the run's agent key (registered, or given,
 * or held by `ves signer`), the content seed, and what the summary records about the run.
 *
 * @module setup
 */
import { sleep } from 'k6';
import exec from 'k6/execution';
import { bytesToHex, randomBytes } from './bytes.js';
import { VesClient } from './client.js';
import { drawSeed } from './content.js';
import { createSigner } from './ed25519.js';
import { signerForRun } from './remote_signer.js';
import { gapCheckMode } from './streams.js';
import { excerpt, SHEDDING_HINT } from './explain.js';

const HEALTH_TIMEOUT = '5s';
const SHEDDING_WAIT_S = 30;

function isShedding(r) {
  return r.status === 503 && r.json !== null && r.json.code === 'pool_exhausted';
}

/** A client with the run's URL and keys. */
export function clientFor(cfg, timeout = '30s') {
  return new VesClient({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey, adminApiKey: cfg.adminApiKey || cfg.apiKey, timeout });
}

/**
 * setup(): checks that the sequencer answers, then registers an ephemeral agent key with a random
 * key id (unless AGENT_SEED and AGENT_KEY_ID name a registered one). Aborts the whole test with
 * a message that says what to do when either fails. Fixes the run's content seed (SEED, or one
 * drawn and printed now). The returned data reaches every VU and handleSummary (setup_data).
 * @param {import('./config.js').VesConfig} cfg
 * @returns {{agentSeed: string, agentKeyId: number, registered: boolean, publicKeyHex: string, seed: number, k6Version: string|null}}
 */
export function setupRun(cfg) {
  const client = clientFor(cfg);
  warnUnverifiedSignatures(cfg);
  const k6Version = requireHealthy(cfg, clientFor(cfg, HEALTH_TIMEOUT));
  const seed = runSeed(cfg);
  // SIGNER_URL: `ves signer` holds the run's key (generated there; only its public key comes back).
  const remote = cfg.signerUrl ? remoteSignerForRun(cfg) : null;
  if (!cfg.registerKey) {
    return { agentSeed: cfg.agentSeed, agentKeyId: cfg.agentKeyId, registered: false, publicKeyHex: createSigner(cfg.agentSeed).publicKeyHex, seed, signer: remote, k6Version };
  }
  const agentSeed = remote ? null : bytesToHex(randomBytes(32));
  const signer = remote || createSigner(agentSeed);
  // A fresh key id each run: the real server answers 500 when a (tenant, agent, key id) is registered twice.
  const agentKeyId = 1 + Math.floor(Math.random() * 0x7ffffffe);
  const register = () => client.registerKey({ tenantId: cfg.tenantId, agentId: cfg.agentId, keyId: agentKeyId, publicKeyHex: signer.publicKeyHex });
  let r = register();
  // The real server sheds load in whole 15 s windows: wait one out rather than abort the run.
  for (let waited = 0; isShedding(r) && waited < SHEDDING_WAIT_S; waited++) {
    if (waited === 0) console.warn(`ves-k6: setup: ${SHEDDING_HINT}; retrying for up to ${SHEDDING_WAIT_S} s`);
    sleep(1);
    r = register();
  }
  if (r.status !== 200) {
    const hints = {
      503: SHEDDING_HINT,
      401: 'ADMIN_API_KEY was refused: the sequencer needs an admin key that starts with ss_ (the real server: BOOTSTRAP_ADMIN_API_KEY; the devserver: --admin-key, default ss_local_devserver_admin_key)',
      403: 'ADMIN_API_KEY is valid but has no admin permission for this tenant',
    };
    abort(`registering the run's agent key failed: HTTP ${r.status} ${excerpt(r.res.body)}. ${hints[r.status] || 'Or register a key yourself and pass AGENT_SEED and AGENT_KEY_ID.'}`);
  }
  return { agentSeed, agentKeyId, registered: true, publicKeyHex: signer.publicKeyHex, seed, signer: remote, k6Version };
}

/** SEED, or a drawn one; printed either way, so that the run can be repeated. */
export function runSeed(cfg) {
  if (cfg.seed !== null) {
    console.log(`ves-k6: SEED=${cfg.seed}${cfg.createdAt !== null ? ` CREATED_AT=${cfg.createdAt}` : ''}`);
    return cfg.seed;
  }
  const seed = drawSeed();
  console.log(`ves-k6: SEED=${seed} (drawn; repeat this run's content with -e SEED=${seed})`);
  return seed;
}

/**
 * What the summary records about a run besides the seed (summary.js runRecord): CREATED_AT,
 * the profile, K6_VERSION when given (else the summary takes the version setup() read from k6's
 * User-Agent), the stream mode and how gaps between batches are checked.
 * @param {import('./config.js').VesConfig} cfg
 * @param {{name: string}} profile
 * @param {{committer?: boolean, ingests?: boolean}} [what] the scenario runs a committer / ingests in its main loop
 */
export function runInfo(cfg, profile, what = {}) {
  const env = typeof __ENV !== 'undefined' ? __ENV : {};
  return {
    createdAt: cfg.createdAt,
    profile: profileLabel(profile),
    k6Version: env.K6_VERSION || null,
    streams: cfg.perVuStreams ? 'per-vu' : cfg.streams,
    repeatable: cfg.repeatable,
    interBatchGaps: what.ingests === false ? 'not applicable: no ingest in the main loop' : gapCheckMode(cfg, what.committer === true),
    sequencerPublicKey: cfg.sequencerPublicKey !== null,
    receiptSigSample: cfg.receiptSigSample,
    receiptCheck: cfg.receiptCheck,
    signerCheck: cfg.signerUrl !== null && cfg.signerCheck,
  };
}

/** The profile's name, and what it extends (`ves.extends`, profile.js). */
function profileLabel(profile) {
  if (!profile) return 'default';
  return profile.extends && profile.extends.length > 0 ? `${profile.name} (extends ${profile.extends.join(', ')})` : profile.name;
}

/**
 * One line at start when receipts from a remote sequencer will not have their signatures
 * checked, and when RECEIPT_CHECK has nothing to sample because `ves signer` checks every answer.
 */
export function warnUnverifiedSignatures(cfg) {
  if (!cfg.loopback && cfg.sequencerPublicKey === null) {
    console.warn(`ves-k6: WARNING: SEQUENCER_PUBLIC_KEY is not set: no receipt signature from ${cfg.baseUrl} will be checked (only receipt hashes); set it to the sequencer's receipt-signing public key: \`ves pubkey\` of its VES_SEQUENCER_SIGNING_KEY`);
  }
  if (cfg.signerUrl !== null && cfg.signerCheck && cfg.receiptCheck < 1) {
    console.warn(`ves-k6: RECEIPT_CHECK=${cfg.receiptCheck} does not apply: ves signer checks every answer natively (SIGNER_CHECK=1); with SIGNER_CHECK=0, k6 checks them and samples with RECEIPT_CHECK`);
  }
}

// setup() with SIGNER_URL: the signer answers and holds the run's key, or the run aborts.
function remoteSignerForRun(cfg) {
  try {
    return signerForRun(cfg, cfg.registerKey ? null : createSigner(cfg.agentSeed).publicKeyHex);
  } catch (e) {
    abort(e.message);
    throw e;
  }
}

/**
 * Aborts the test unless GET /health answers 200 (nothing listening: "connection refused").
 * Returns the k6 version the request's User-Agent names (`Grafana k6/1.1.0` -> `v1.1.0`), or null:
 * k6 tells a script its version nowhere else.
 * @returns {string|null}
 */
export function requireHealthy(cfg, client) {
  const r = client.request('GET', '/health', null, 'health', { tags: {} });
  if (r.status === 200) return k6VersionOf(r.res);
  if (r.status === 0) {
    abort(`cannot reach the sequencer at ${cfg.baseUrl} (${r.res.error || 'no answer'}). Is it running? ` +
      `Start the local one with 'make devserver', or point SEQUENCER_BASE_URL at yours; check with: curl ${cfg.baseUrl}/health`);
  }
  abort(`the sequencer at ${cfg.baseUrl} answered GET /health with HTTP ${r.status} ${excerpt(r.res.body)}; is SEQUENCER_BASE_URL right?`);
}

// k6 prints the message once, as `test aborted: …`, after the (short) summary.
function abort(message) {
  exec.test.abort(`ves-k6: ${message}`);
}

/** The k6 version in a response's request User-Agent (`Grafana k6/1.1.0`, `k6/0.49.0 (…)`), or null. */
export function k6VersionOf(res) {
  const headers = (res && res.request && res.request.headers) || {};
  const ua = [].concat(headers['User-Agent'] || headers['user-agent'] || [])[0];
  const m = /\bk6\/(\d+\.\d+\.\d+[\w.+-]*)/.exec(String(ua || ''));
  return m === null ? null : `v${m[1]}`;
}
