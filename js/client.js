/**
 * HTTP client for a VES v1 sequencer (VES_V1.md sections 4, 5, 7, 8, 9), on k6/http.
 *
 * Every request carries `Authorization: ApiKey <key>`, a JSON content type where it has a body,
 * and the tags `endpoint` (ingest, commit, proof, head, …; set thresholds per endpoint with
 * `http_req_duration{endpoint:ingest}`) and `name` (the URL template, so ids in paths do not
 * create one time series per URL), and `body` (`large` above 256 KiB, else `normal`: body_size.js). Methods return `{res, status, json}`: the k6 response, its
 * status, and the parsed JSON body or null. They never throw on non-JSON bodies (the real
 * server answers many errors as plain text).
 *
 * @module client
 */
import http from 'k6/http';
import { describe, normalizeHex, strip0x } from './bytes.js';
import { bodyClass } from './body_size.js';
import { canonicalBody } from './spelling.js';

/**
 * @typedef {object} VesResponse
 * @property {import('k6/http').RefinedResponse<any>} res the k6 response
 * @property {number} status HTTP status (0 when the request failed at the network level)
 * @property {any} json parsed JSON body, or null (no body, plain text, invalid JSON)
 */

/**
 * @typedef {object} RequestOptions
 * @property {number[]} [expectedStatuses] statuses that count as expected besides 2xx/3xx (not in http_req_failed), e.g. [400] for a probe
 * @property {Record<string, string>} [tags] extra tags for this request
 * @property {number} [bodyBytes] the body's UTF-8 length when the caller knows it: the `body`
 *   tag (body_size.js) is taken from it instead of counting the bytes in JavaScript
 * @property {boolean} [parse] false: parse the answer's JSON only when `json` is read (an
 *   answer handed to `ves signer` unparsed is never decoded in k6)
 */

export class VesClient {
  /**
   * @param {{baseUrl: string, apiKey: string, adminApiKey?: string, timeout?: string|number, tags?: Record<string, string>}} options
   *   timeout: k6 duration ('30s') or ms; tags: added to every request
   */
  constructor(options) {
    if (!options || typeof options !== 'object') throw new TypeError('VesClient: expected {baseUrl, apiKey, adminApiKey?, timeout?, tags?}');
    const { baseUrl, apiKey, adminApiKey = apiKey, timeout = '30s', tags = {} } = options;
    if (typeof baseUrl !== 'string' || !/^https?:\/\/[^\s/]+/i.test(baseUrl)) {
      throw new TypeError(`VesClient: baseUrl: expected an http(s) URL like http://localhost:8080, found ${describe(baseUrl)}`);
    }
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw new TypeError('VesClient: apiKey: expected the API key (the real sequencer needs keys starting with ss_)');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeout = timeout;
    this.tags = tags;
    // Kept out of enumerable properties so that logging a client never prints the keys.
    Object.defineProperty(this, 'apiKey', { value: apiKey, enumerable: false });
    Object.defineProperty(this, 'adminApiKey', { value: adminApiKey, enumerable: false });
  }

  /**
   * Registers an agent's Ed25519 public key (`POST /api/v1/agents/keys`, admin key).
   * @param {{tenantId: string, agentId: string, keyId: number, publicKeyHex: string, validFrom?: string, validTo?: string}} key
   * @param {RequestOptions} [options]
   * @returns {VesResponse}
   */
  registerKey(key, options) {
    const body = {
      tenantId: key.tenantId,
      agentId: key.agentId,
      keyId: key.keyId,
      publicKey: '0x' + normalizeHex(key.publicKeyHex, 32, 'registerKey: publicKeyHex'),
    };
    if (key.validFrom !== undefined) body.validFrom = key.validFrom;
    if (key.validTo !== undefined) body.validTo = key.validTo;
    return this.request('POST', '/api/v1/agents/keys', JSON.stringify(body), 'register_key', options, this.adminApiKey);
  }

  /**
   * Sends a batch (`POST /api/v1/ves/events/ingest`).
   * @param {string} agentId
   * @param {object[]|string} eventsOrBody envelopes (sent in the canonical spelling), or a ready
   *   body from buildBatch/ingestBody
   * @param {RequestOptions} [options]
   * @returns {VesResponse}
   */
  ingest(agentId, eventsOrBody, options) {
    const body = typeof eventsOrBody === 'string' ? eventsOrBody : canonicalBody(agentId, eventsOrBody);
    return this.request('POST', '/api/v1/ves/events/ingest', body, 'ingest', options);
  }

  /**
   * Creates (or returns, if identical) the commitment over [start, end] (`POST /api/v1/ves/commitments`).
   * @returns {VesResponse}
   */
  commit(tenantId, storeId, sequenceStart, sequenceEnd, options) {
    const body = JSON.stringify({ tenant_id: tenantId, store_id: storeId, sequence_start: sequenceStart, sequence_end: sequenceEnd });
    return this.request('POST', '/api/v1/ves/commitments', body, 'commit', options);
  }

  /**
   * Lists a stream's (unanchored) commitments (`GET /api/v1/ves/commitments`).
   * @returns {VesResponse} json: {commitments: [...], count}
   */
  commitments(tenantId, storeId, options) {
    return this.request('GET', `/api/v1/ves/commitments?${query({ tenant_id: tenantId, store_id: storeId })}`, null, 'commitments', options, undefined, '/api/v1/ves/commitments');
  }

  /**
   * One commitment by batch id (`GET /api/v1/ves/commitments/{batch_id}`).
   * @returns {VesResponse}
   */
  commitment(batchId, options) {
    return this.request('GET', `/api/v1/ves/commitments/${encodeURIComponent(batchId)}`, null, 'commitment', options, undefined, '/api/v1/ves/commitments/{batch_id}');
  }

  /**
   * Inclusion proof of a sequence number in a commitment (`GET /api/v1/ves/proofs/{seq}`).
   * @returns {VesResponse}
   */
  proof(sequenceNumber, tenantId, storeId, batchId, options) {
    const path = `/api/v1/ves/proofs/${encodeURIComponent(String(sequenceNumber))}?${query({ tenant_id: tenantId, store_id: storeId, batch_id: batchId })}`;
    return this.request('GET', path, null, 'proof', options, undefined, '/api/v1/ves/proofs/{sequence_number}');
  }

  /**
   * Asks the server to verify a proof (`POST /api/v1/ves/proofs/verify`); hex is sent bare, as
   * the server requires.
   * @param {{leaf_hash: string, merkle_root: string, proof_path: string[], leaf_index: number}} proof
   * @returns {VesResponse} json: {valid, leaf_hash, merkle_root}
   */
  verifyProof(proof, options) {
    const body = JSON.stringify({
      leaf_hash: bare(proof.leaf_hash),
      merkle_root: bare(proof.merkle_root),
      proof_path: Array.isArray(proof.proof_path) ? proof.proof_path.map(bare) : proof.proof_path,
      leaf_index: proof.leaf_index,
    });
    return this.request('POST', '/api/v1/ves/proofs/verify', body, 'verify_proof', options);
  }

  /**
   * The legacy head (`GET /api/v1/head`): the real server reads the legacy table, so it is 0 for
   * VES-only streams; the VES head is headSequence in ingest responses.
   * @returns {VesResponse}
   */
  head(tenantId, storeId, options) {
    return this.request('GET', `/api/v1/head?${query({ tenant_id: tenantId, store_id: storeId })}`, null, 'head', options, undefined, '/api/v1/head');
  }

  /**
   * Legacy events (`GET /api/v1/events`), sequences from..from+limit-1.
   * @returns {VesResponse}
   */
  events(tenantId, storeId, from, limit, options) {
    const params = { tenant_id: tenantId, store_id: storeId };
    if (from !== undefined && from !== null) params.from = from;
    if (limit !== undefined && limit !== null) params.limit = limit;
    return this.request('GET', `/api/v1/events?${query(params)}`, null, 'events', options, undefined, '/api/v1/events');
  }

  /**
   * Legacy entity history (`GET /api/v1/entities/{type}/{id}`).
   * @returns {VesResponse}
   */
  entity(tenantId, storeId, entityType, entityId, from, limit, options) {
    const params = { tenant_id: tenantId, store_id: storeId };
    if (from !== undefined && from !== null) params.from = from;
    if (limit !== undefined && limit !== null) params.limit = limit;
    const path = `/api/v1/entities/${encodeURIComponent(entityType)}/${encodeURIComponent(entityId)}?${query(params)}`;
    return this.request('GET', path, null, 'entity', options, undefined, '/api/v1/entities/{entity_type}/{entity_id}');
  }

  /**
   * The sequencer's own metrics (`GET /metrics`, Prometheus text), with the admin key: the real
   * server serves them behind the API's authentication and only to admin keys (401 without a
   * key, 403 "Admin permission required" with another; LIVE_OBSERVED.md sections 2 and 11).
   * @param {RequestOptions} [options]
   * @returns {VesResponse} json is null: the body is text
   */
  metrics(options) {
    return this.request('GET', '/metrics', null, 'metrics', options, this.adminApiKey);
  }

  /**
   * Any request with the client's auth, timeout and tags.
   * @param {string} method
   * @param {string} path starting with /
   * @param {string|null} body JSON text
   * @param {string} endpoint tag value
   * @param {RequestOptions} [options]
   * @param {string} [apiKey] overrides the client's key
   * @param {string} [nameTemplate] URL template for the `name` tag (defaults to the path)
   * @returns {VesResponse}
   */
  request(method, path, body, endpoint, options, apiKey, nameTemplate) {
    const headers = { Authorization: `ApiKey ${apiKey || this.apiKey}` };
    if (body !== null && body !== undefined) headers['Content-Type'] = 'application/json';
    const tags = Object.assign({}, this.tags, { endpoint, name: this.baseUrl + (nameTemplate || path), body: bodyClass(body, options && options.bodyBytes) }, options && options.tags);
    const params = { headers, tags, timeout: this.timeout };
    if (options && Array.isArray(options.expectedStatuses)) {
      // 2xx/3xx stay expected; the listed statuses (a probe's 400, say) are expected too.
      params.responseCallback = http.expectedStatuses({ min: 200, max: 399 }, ...options.expectedStatuses);
    }
    const res = http.request(method, this.baseUrl + path, body === null ? null : body, params);
    if (options && options.parse === false) return lazyJson(res);
    return { res, status: res.status, json: parseJson(res) };
  }
}

// A VesResponse whose `json` is parsed on first read.
function lazyJson(res) {
  let json;
  return {
    res,
    status: res.status,
    get json() {
      if (json === undefined) json = parseJson(res);
      return json;
    },
  };
}

/**
 * The parsed JSON body of a k6 response, or null (empty, plain text, invalid JSON). Never throws.
 * @param {import('k6/http').RefinedResponse<any>} res
 */
export function parseJson(res) {
  if (!res || typeof res.body !== 'string' || res.body.length === 0) return null;
  const c = res.body.charCodeAt(0);
  if (c !== 123 && c !== 91) return null; // neither { nor [: plain-text error bodies
  try {
    // k6's own decoder (Response.json, in Go) costs about a third of JSON.parse in the JS
    // runtime on an ingest answer (tests/k6/bench/ingest.js notes); objects without it use JSON.parse.
    return typeof res.json === 'function' ? res.json() : JSON.parse(res.body);
  } catch (e) {
    return null;
  }
}

function bare(hex) {
  return typeof hex === 'string' ? strip0x(hex).toLowerCase() : hex;
}

function query(params) {
  return Object.keys(params)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(params[k]))}`)
    .join('&');
}
