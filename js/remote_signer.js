/**
 * Signing through `ves signer` (docs/SIGNER.md): a native process on loopback holds the run's
 * key and turns the fields a scenario chooses into the exact ingest body, so that k6 spends no
 * CPU on JCS, hashes and Ed25519. Used by the ingest path when SIGNER_URL is set; without it
 * nothing here runs.
 *
 * What comes back per batch is the body to POST plus, per event, its id, signing hash and
 * signature: the ledger and the receipt check take those instead of recomputing them, and the
 * body is never parsed in k6 (a probe that needs a whole envelope parses its batch on demand).
 *
 * With `check` (SIGNER_CHECK, on by default) the signer also keeps each batch under a handle
 * and checks the sequencer's answer to it (`check`: POST /v1/check, the answer's text as it
 * came, unparsed in k6), returning a compact verdict (answer_rule.js describes it).
 *
 * @module remote_signer
 */
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import http from 'k6/http';
import { bytesToHex, describe, normalizeHex } from './bytes.js';
import { buildBatch } from './event.js';
import { receiptPreimage } from './hash.js';
import { jsonText } from './spelling.js';

const TIMEOUT = '30s';
const TAGS = Object.freeze({ endpoint: 'signer' });

/** Thrown when the signer cannot be reached or refuses a request; the message says what to do. */
export class SignerError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SignerError';
  }
}

/**
 * The run's key in `ves signer`: usable wherever a signer from createSigner() is (its
 * `signMany` signs bare signing hashes remotely, which the probes use), and `signBatch` for
 * whole batches.
 */
export class RemoteSigner {
  /**
   * @param {{url: string, publicKeyHex: string}} where from setup data (`data.signer`)
   * @param {string|null} token SIGNER_TOKEN (secret: not enumerable, never logged)
   */
  constructor(where, token) {
    if (where === null || typeof where !== 'object' || typeof where.url !== 'string') {
      throw new TypeError(`RemoteSigner: expected {url, publicKeyHex} from setup data, found ${describe(where)}`);
    }
    this.url = where.url.replace(/\/+$/, '');
    this.publicKeyHex = normalizeHex(where.publicKeyHex, 32, 'RemoteSigner: publicKeyHex');
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    Object.defineProperty(this, 'params', { value: { headers, tags: TAGS, timeout: TIMEOUT }, enumerable: false });
    // A check of a batch the signer no longer holds (404 unknown_handle) is expected: k6 then checks the answer itself.
    Object.defineProperty(this, 'checkParams', { value: { headers, tags: TAGS, timeout: TIMEOUT, responseCallback: http.expectedStatuses(200, 404) }, enumerable: false });
  }

  /**
   * Signs bare 32-byte messages (signing hashes) with the held key: the same answer as
   * createSigner(seed).signMany for the same key.
   * @param {Array<Uint8Array|ArrayBuffer>} messages
   * @returns {string[]} signatures, bare hex
   */
  signMany(messages) {
    const hashes = messages.map((m) => bytesToHex(m));
    const r = http.post(`${this.url}/v1/sign-hashes`, JSON.stringify({ key: this.publicKeyHex, hashes }), this.params);
    const json = r.status === 200 ? parseOrNull(r.body) : null;
    if (json === null || !Array.isArray(json.signatures) || json.signatures.length !== hashes.length) {
      throw new SignerError(failure(this.url, 'POST /v1/sign-hashes', r));
    }
    return json.signatures;
  }

  /**
   * Signs a batch remotely: the same result shape as buildBatch (events, body), where each
   * event is a light record (event_id, tenant_id, store_id, agent_signature, signingHashHex)
   * that serializes (toJSON) to its full envelope, read from the body on demand.
   * @param {string} agentId
   * @param {import('./event.js').EventFields[]} fieldsList
   * @returns {{events: SignedEvent[], body: string}}
   */
  signBatch(agentId, fieldsList, check = null) {
    // jsonText, not JSON.stringify: k6 1.1.0 prints some doubles wrongly (jcs.js numberText).
    const request = jsonText(check === null ? { key: this.publicKeyHex, agentId, events: fieldsList } : { key: this.publicKeyHex, agentId, events: fieldsList, check });
    return this.signed(request, fieldsList.length, (i) => fieldsList[i]);
  }

  /**
   * Signs a batch of the library's seeded order content (content.js; HOT_ENTITIES and PAYLOAD
   * applied as hot.js and payload.js do), made by the signer from its slot instead of built and
   * serialized here: the same events as orderFields + signBatch for the same slot, for far less
   * k6 CPU (docs/SIGNER.md).
   * @param {string} agentId
   * @param {{seed: number, scenario: string, purpose: string, iteration: number, count: number,
   *   tenantId: string, storeId: string, agentKeyId: number, createdAt: string, hot?: number,
   *   shape?: string, payloadBytes?: number, spelling?: string, attempt?: number}} content
   *   spelling `varied` (SPELLING, spelling.js): the body in the slot's varied spelling of attempt
   * @param {{sequencerPublicKey?: string, signatureSample?: number}|null} [check] keep the batch
   *   to check the sequencer's answer to it (`check`), verifying sequencer signatures on that share
   * @returns {{events: SignedEvent[], body: string, bodyBytes: number, handle?: string}}
   */
  signContent(agentId, content, check = null) {
    const request = JSON.stringify(check === null ? { key: this.publicKeyHex, agentId, content } : { key: this.publicKeyHex, agentId, content, check });
    const stream = { tenant_id: content.tenantId, store_id: content.storeId };
    return this.signed(request, content.count, () => stream);
  }

  // POST /v1/batches and the answer as SignedEvents; fieldsOf(i) gives event i's tenant and store.
  signed(request, n, fieldsOf) {
    const r = http.post(`${this.url}/v1/batches`, request, this.params);
    if (r.status !== 200 || typeof r.body !== 'string') throw new SignerError(failure(this.url, 'POST /v1/batches', r));
    const text = r.body;
    const nl = text.indexOf('\n');
    const meta = nl > 0 ? parseOrNull(text.substring(0, nl)) : null;
    if (meta === null || meta.events !== n || !sized(meta.eventIds, 36 * n) || !sized(meta.signingHashes, 64 * n) || !sized(meta.signatures, 128 * n) || typeof meta.receiptParts !== 'string') {
      throw new SignerError(`ves signer at ${this.url} answered POST /v1/batches with an unexpected layout (expected a JSON line with ${n} event ids, hashes and signatures, then the body); is SIGNER_URL a ves signer of this kit's version?`);
    }
    const batch = { body: text.substring(nl + 1), ids: meta.eventIds, envelopes: null, partsB64: meta.receiptParts, parts: null, count: n, hashes: meta.signingHashes.toLowerCase(), signatures: meta.signatures.toLowerCase() };
    const ids = meta.eventIds;
    const events = new Array(n);
    for (let i = 0; i < n; i++) events[i] = new SignedEvent(batch, i, ids.substring(36 * i, 36 * i + 36), fieldsOf(i));
    return { events, body: batch.body, bodyBytes: meta.bodyBytes, handle: meta.handle };
  }

  /**
   * Has the signer check the sequencer's answer to a batch (POST /v1/check): which batch
   * (`handle`; `resendOf` for its re-send; `corpus`, `shard`, `line` for a corpus line), the
   * answer's HTTP status, the events made invalid on purpose, whether to keep the receipts for a
   * re-send; and the answer's text, as it came. Returns the verdict, or null when the signer
   * does not hold that batch (404 unknown_handle: already checked, or dropped after
   * --check-ttl or beyond --check-batches); the caller then judges the answer itself.
   * @param {object} request
   * @param {string} answer the sequencer's answer body
   * @returns {object|null}
   */
  check(request, answer) {
    const r = http.post(`${this.url}/v1/check`, `${JSON.stringify(request)}\n${typeof answer === 'string' ? answer : ''}`, this.checkParams);
    if (r.status === 200) {
      const verdict = parseOrNull(r.body);
      if (verdict !== null && Number.isSafeInteger(verdict.events) && Array.isArray(verdict.seqs)) return verdict;
    }
    if (r.status === 404) {
      const json = parseOrNull(r.body);
      if (json !== null && json.error === 'unknown_handle') return null;
    }
    throw new SignerError(failure(this.url, 'POST /v1/check', r));
  }

  /**
   * Opens a `ves presign` corpus in the signer (POST /v1/corpora), so that it checks a replay
   * run's answers by line; `dir` must be a path the signer can open.
   * @param {string} dir
   * @param {{sequencerPublicKey?: string, signatureSample?: number}} check
   * @returns {{corpus: string, shards: number}}
   */
  openCorpus(dir, check) {
    const r = http.post(`${this.url}/v1/corpora`, JSON.stringify({ dir, check }), this.params);
    const json = r.status === 200 ? parseOrNull(r.body) : null;
    if (json === null || typeof json.corpus !== 'string') throw new SignerError(failure(this.url, `POST /v1/corpora (open the corpus ${dir})`, r));
    return json;
  }
}

/**
 * What the signer needs to check sequencer signatures, from the run's config
 * (SEQUENCER_PUBLIC_KEY, RECEIPT_SIG_SAMPLE).
 * @param {import('./config.js').VesConfig} cfg
 */
export function checkSpec(cfg) {
  return cfg.sequencerPublicKey ? { sequencerPublicKey: cfg.sequencerPublicKey, signatureSample: cfg.receiptSigSample } : { signatureSample: 0 };
}

/**
 * One event signed by the service: what the ledger and the receipt check read, without the
 * payload. `JSON.stringify` of it gives the full envelope as sent (parsed from its batch's body
 * once, on first use). `receiptHashOf(seq)` computes the receipt hash from bytes the signer
 * sent in binary (base64), which costs far less k6 CPU than parsing ids and hashes from hex.
 */
export class SignedEvent {
  constructor(batch, index, eventId, fields) {
    this.event_id = eventId;
    this.tenant_id = fields.tenant_id;
    this.store_id = fields.store_id;
    this.batch = batch;
    this.index = index;
  }

  /** The signing hash the signer computed, bare hex. */
  get signingHashHex() {
    return this.batch.hashes.substring(64 * this.index, 64 * this.index + 64);
  }

  /** The signature, bare lowercase hex (what the ledger keeps). */
  get signatureHex() {
    return this.batch.signatures.substring(128 * this.index, 128 * this.index + 128);
  }

  /** 0x + the signature, as in the envelope. */
  get agent_signature() {
    return '0x' + this.batch.signatures.substring(128 * this.index, 128 * this.index + 128);
  }

  /** The full envelope, exactly as the body carries it. */
  envelope() {
    if (this.batch.envelopes === null) this.batch.envelopes = JSON.parse(this.batch.body).events;
    return this.batch.envelopes[this.index];
  }

  /** The full envelope as sent (JSON.stringify of a SignedEvent gives it). */
  toJSON() {
    return this.envelope();
  }

  /**
   * receiptHash(tenant, store, event_id, seq, signing hash), bare hex: the same bytes as
   * hash.js receiptPreimage, with event id and signing hash taken from the batch's binary parts.
   * @param {number} seq
   */
  receiptHashOf(seq) {
    const b = this.batch;
    if (b.parts === null) {
      b.parts = new Uint8Array(encoding.b64decode(b.partsB64, 'std'));
      if (b.parts.length !== 48 * b.count) throw new SignerError(`ves signer sent ${b.parts.length} bytes of receiptParts for ${b.count} events (expected 48 each)`);
    }
    // One preimage buffer for all events (hashing is synchronous): only the stream prefix (when
    // the stream changes), the event id, the sequence number and the signing hash are written.
    const out = receiptScratch(this.tenant_id, this.store_id);
    const at = 48 * this.index;
    out.set(b.parts.subarray(at, at + 16), 46);
    const hi = Math.floor(seq / 0x100000000);
    const lo = seq >>> 0;
    out[62] = hi >>> 24;
    out[63] = (hi >>> 16) & 0xff;
    out[64] = (hi >>> 8) & 0xff;
    out[65] = hi & 0xff;
    out[66] = lo >>> 24;
    out[67] = (lo >>> 16) & 0xff;
    out[68] = (lo >>> 8) & 0xff;
    out[69] = lo & 0xff;
    out.set(b.parts.subarray(at + 16, at + 48), 70);
    return crypto.sha256(out.buffer, 'hex');
  }
}

// "VES_RECEIPT_V1" || tenant || store (46 bytes), per stream.
const prefixes = new Map();
function receiptPrefix(tenantId, storeId) {
  const key = `${tenantId}|${storeId}`;
  let p = prefixes.get(key);
  if (p === undefined) {
    p = receiptPreimage(tenantId, storeId, '00000000-0000-0000-0000-000000000000', 0, '0'.repeat(64)).slice(0, 46);
    if (prefixes.size >= 256) prefixes.clear();
    prefixes.set(key, p);
  }
  return p;
}

// The shared 102-byte receipt preimage, its first 46 bytes set for (tenant, store).
const scratch = new Uint8Array(102);
let scratchTenant = null;
let scratchStore = null;
function receiptScratch(tenantId, storeId) {
  if (tenantId !== scratchTenant || storeId !== scratchStore) {
    scratch.set(receiptPrefix(tenantId, storeId), 0);
    scratchTenant = tenantId;
    scratchStore = storeId;
  }
  return scratch;
}

/**
 * buildBatch through whichever signer the run has: `ves signer` (a RemoteSigner) or the
 * in-k6 signer from createSigner.
 */
export function buildBatchWith(signer, agentId, fieldsList) {
  return signer instanceof RemoteSigner ? signer.signBatch(agentId, fieldsList) : buildBatch(signer, agentId, fieldsList);
}

/**
 * setup(): checks that `ves signer` at cfg.signerUrl answers and holds the run's key. With a
 * key the run registers itself (no AGENT_SEED), the signer generates it (POST /v1/keys) and
 * only its public key comes back, for the caller to register with the sequencer; with
 * AGENT_SEED and AGENT_KEY_ID, the signer must have been started with that seed
 * (`ves signer --seed-file`). Throws a SignerError that says what to do otherwise.
 * @param {import('./config.js').VesConfig} cfg
 * @param {string|null} publicKeyHex the registered key's public key, or null to generate one
 * @returns {{url: string, publicKeyHex: string}} for setup data (`data.signer`)
 */
export function signerForRun(cfg, publicKeyHex) {
  const url = cfg.signerUrl.replace(/\/+$/, '');
  const probe = new RemoteSigner({ url, publicKeyHex: '0'.repeat(64) }, cfg.signerToken);
  const health = http.get(`${url}/health`, probe.params);
  if (health.status !== 200) throw new SignerError(failure(url, 'GET /health', health));
  if (publicKeyHex === null) {
    const r = http.post(`${url}/v1/keys`, '{}', probe.params);
    const json = r.status === 201 ? parseOrNull(r.body) : null;
    if (json === null || typeof json.publicKey !== 'string') throw new SignerError(failure(url, 'POST /v1/keys (generate the run key)', r));
    return { url, publicKeyHex: normalizeHex(json.publicKey, 32, 'ves signer: publicKey') };
  }
  const r = http.get(`${url}/v1/keys/${publicKeyHex}`, probe.params);
  if (r.status === 404) {
    throw new SignerError(`ves signer at ${url} does not hold the key of AGENT_SEED (public key ${publicKeyHex}). Start it with that seed: ves signer --seed-file FILE (64 hex digits), or unset AGENT_SEED and AGENT_KEY_ID to let the run make its own key`);
  }
  if (r.status !== 200) throw new SignerError(failure(url, `GET /v1/keys/${publicKeyHex}`, r));
  return { url, publicKeyHex };
}

/**
 * setup() of a replay run with SIGNER_URL (and SIGNER_CHECK): checks that `ves signer` answers
 * and has it open the corpus, so that it checks every answer by its line (the signer reads the
 * corpus's signing hashes itself). Throws a SignerError that says what to do otherwise.
 * @param {import('./config.js').VesConfig} cfg
 * @param {string} dir the corpus folder, as the signer can open it
 * @returns {{url: string, corpus: string}} for setup data (`data.corpusChecker`)
 */
export function corpusCheckerForRun(cfg, dir) {
  const url = cfg.signerUrl.replace(/\/+$/, '');
  const signer = new RemoteSigner({ url, publicKeyHex: '0'.repeat(64) }, cfg.signerToken);
  const health = http.get(`${url}/health`, signer.params);
  if (health.status !== 200) throw new SignerError(failure(url, 'GET /health', health));
  const opened = signer.openCorpus(dir, checkSpec(cfg));
  return { url, corpus: opened.corpus };
}

// What went wrong with a signer request, and what to do.
function failure(url, what, r) {
  if (r.status === 0) {
    return `cannot reach ves signer at ${url} (${what}: ${r.error || 'no answer'}). Is it running? Start it with 'ves signer' (or 'make demo-signer'), or unset SIGNER_URL to sign in k6`;
  }
  const json = parseOrNull(r.body);
  const message = json !== null && typeof json.message === 'string' ? json.message : excerpt(r.body);
  if (r.status === 401) return `ves signer at ${url} refused ${what}: HTTP 401: ${message}. Set SIGNER_TOKEN to the signer's token`;
  if (r.status === 404 && json !== null && json.error === 'unknown_key') {
    return `ves signer at ${url} refused ${what}: HTTP 404: ${message}. The key setup() made lives only in the signer it asked (a restarted signer forgets generated keys): every k6 process must talk to the signer its setup() used, or give every signer the same --seed-file and pass AGENT_SEED and AGENT_KEY_ID (docs/SIGNER.md)`;
  }
  return `ves signer at ${url} refused ${what}: HTTP ${r.status}: ${message}`;
}

function sized(s, length) {
  return typeof s === 'string' && s.length === length;
}

function parseOrNull(text) {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' ? v : null;
  } catch (e) {
    return null;
  }
}

function excerpt(body) {
  if (typeof body !== 'string' || body.length === 0) return '(empty body)';
  return body.length > 200 ? `${body.slice(0, 200)}…` : body;
}
