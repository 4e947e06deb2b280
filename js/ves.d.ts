// Type declarations for js/ves.js (the ves-k6 library), for editors. The library itself is
// plain ES modules run by k6; nothing here is needed at run time. See docs/JS.md.

import type { RefinedResponse, ResponseType } from 'k6/http';
import type { Counter, Trend } from 'k6/metrics';

// ---- bytes.js -------------------------------------------------------------------------------

/** Bytes accepted by the hashing helpers. */
export type Bytes = Uint8Array | ArrayBuffer;

export function strip0x(hex: string): string;
export function isHex(value: unknown, byteLength?: number): boolean;
/** Bare lowercase hex, or throws a TypeError naming `what`. */
export function normalizeHex(value: string, byteLength?: number, what?: string): string;
export function hexToBytes(hex: string, byteLength?: number): Uint8Array;
export function tryHexToBytes(hex: string, byteLength?: number): Uint8Array | null;
export function bytesToHex(bytes: Bytes): string;
export function utf8Length(str: string): number;
export function utf8Encode(str: string): Uint8Array;
export function u32be(n: number): Uint8Array;
export function u64be(n: number | bigint): Uint8Array;
export function isUuid(value: unknown): boolean;
export function uuidToBytes(uuid: string, what?: string): Uint8Array;
export function bytesToUuid(bytes: Bytes): string;
export function concatBytes(...parts: Bytes[]): Uint8Array;
export function randomBytes(n: number): Uint8Array;
export function randomUuid(): string;
export function randomUuids(count: number): string[];

// ---- jcs.js ---------------------------------------------------------------------------------

/** RFC 8785 canonical JSON text (keys by UTF-16 code units, ECMAScript number format). */
export function jcs(value: unknown): string;
/** The same through a plain recursive serializer (used as a cross-check). */
export function jcsReference(value: unknown): string;
/** ECMAScript Number::toString of a finite double, right also where k6 1.1.0 prints it wrongly. */
export function numberText(x: number): string;
/** numberText's slow path: the shortest digits computed exactly with BigInt. */
export function exactText(x: number): string;

// ---- spelling.js ----------------------------------------------------------------------------
/** How ingest bodies are spelled (SPELLING): canonical or varied. */
export const SPELLINGS: readonly string[];
export const SPELLING_PURPOSE: string;
export const ENVELOPE_KEYS: readonly string[];
export function parseSpelling(raw: string | undefined): string;
/** JSON text with every non-ASCII UTF-16 code unit as a \uxxxx escape. */
export function asciiJson(text: string): string;
export function canonicalString(s: string): string;
/** JSON text in the canonical spelling (numberText for numbers, ASCII), objects in their own key order. */
export function jsonText(value: unknown): string;
export function envelopeText(envelope: object): string;
export function canonicalBody(agentId: string, envelopes: object[]): string;
export interface BlockSource { block(index: number, counter?: number): Uint8Array }
/** The body in the varied spelling of `source` (the slot's `spelling` purpose) and `attempt`. */
export function variedBody(agentId: string, envelopes: object[], source: BlockSource, attempt: number): string;
export function decompose(text: string): { digits: string; point: number };
export class Speller {
  constructor(block: Uint8Array, trace?: Array<[string, string]> | null);
  event(envelope: object): string;
  value(v: unknown, path: string | null): string;
  string(s: string, path: string | null): string;
  number(x: number, path: string | null): string;
}
/** The first value of an envelope spelled differently by two attempts (null: canonical). */
export function firstRespelled(envelope: object, index: number, source: BlockSource, attemptA: number | null, attemptB: number | null): { path: string; first: string; second: string | undefined } | null;
export function sortUtf16(keys: string[]): string[];
export function compareUtf16(a: string, b: string): number;

// ---- hash.js --------------------------------------------------------------------------------

export const DOMAIN: Readonly<{
  PAYLOAD_PLAIN: 'VES_PAYLOAD_PLAIN_V1';
  PAYLOAD_AAD: 'VES_PAYLOAD_AAD_V1';
  PAYLOAD_CIPHER: 'VES_PAYLOAD_CIPHER_V1';
  RECIPIENTS: 'VES_RECIPIENTS_V1';
  EVENTSIG: 'VES_EVENTSIG_V1';
  LEAF: 'VES_LEAF_V1';
  PAD_LEAF: 'VES_PAD_LEAF_V1';
  NODE: 'VES_NODE_V1';
  STREAM: 'VES_STREAM_V1';
  RECEIPT: 'VES_RECEIPT_V1';
  STATE_ROOT: 'VES_STATE_ROOT_V1';
}>;
export const STREAM_STORE_ID_DOMAIN: 'ves-k6/stream/v1';
/** 64 zeros. */
export const ZERO_HASH: string;
/** SHA-256("VES_PAD_LEAF_V1"), bare hex. */
export const PAD_LEAF: string;

export function sha256Hex(data: Bytes | string): string;
/** SHA-256("VES_PAYLOAD_PLAIN_V1" || UTF-8(JCS(payload))), bare hex. */
export function payloadHash(payload: unknown): string;
export function payloadHashOfJcs(canonicalJson: string): string;
export function signingPreimage(event: Envelope): Uint8Array;
/** event_signing_hash of an envelope, bare hex (hashes in the envelope with or without 0x). */
export function signingHash(event: Envelope): string;
export function signingDigest(event: Envelope): { hex: string; bytes: ArrayBuffer };
export function receiptPreimage(tenantId: string, storeId: string, eventId: string, sequenceNumber: number | bigint, signingHashHex: string): Uint8Array;
export function receiptHash(tenantId: string, storeId: string, eventId: string, sequenceNumber: number | bigint, signingHashHex: string): string;
export function leafPreimage(tenantId: string, storeId: string, sequenceNumber: number | bigint, signingHashHex: string, signatureHex: string): Uint8Array;
export function leafHash(tenantId: string, storeId: string, sequenceNumber: number | bigint, signingHashHex: string, signatureHex: string): string;
export function nodeHash(leftHex: string, rightHex: string): string;
export function streamId(tenantId: string, storeId: string): string;
export function stateRootPreimage(streamIdHex: string, prevStateRootHex: string, merkleRootHex: string, sequenceStart: number, sequenceEnd: number, leafCount: number): Uint8Array;
export function stateRoot(tenantId: string, storeId: string, prevStateRootHex: string, merkleRootHex: string, sequenceStart: number, sequenceEnd: number, leafCount: number): string;
/** Store id of stream `index` (0 is the base itself), as ves-core derives it. */
export function streamStoreId(baseStoreId: string, index: number): string;

// ---- ed25519.js -----------------------------------------------------------------------------

/** A test-key Ed25519 signer (RFC 8032). Not constant-time. */
export interface Signer {
  /** 32-byte compressed public key, bare lowercase hex. */
  readonly publicKeyHex: string;
  /** Signs the 32 raw bytes of a hash (hex, optional 0x); returns the signature as bare hex. */
  sign(hashHex: string): string;
  /** Signs arbitrary bytes. */
  signBytes(message: Bytes): string;
  /** Signs many messages with one shared field inversion. */
  signMany(messages: Bytes[]): string[];
}
export const ED25519_ORDER: bigint;
export function createSigner(seedHex: string): Signer;
export function publicKeyOf(seedHex: string): string;
/** ed25519-dalek `verify` semantics; never throws. Costs milliseconds: sample it. */
export function verify(publicKeyHex: string, message: string | Bytes, signatureHex: string): boolean;
/** Builds this VU's fixed-base table now; returns the build time in ms (0 if already built). */
export function precomputeBaseTable(): number;

// ---- event.js -------------------------------------------------------------------------------

/** A signed VES v1 envelope (snake_case; hashes and signature as 0x + lowercase hex). */
export interface Envelope {
  ves_version: number;
  event_id: string;
  tenant_id: string;
  store_id: string;
  source_agent_id: string;
  agent_key_id: number;
  entity_type: string;
  entity_id: string;
  event_type: string;
  created_at: string;
  payload_kind: number;
  payload?: unknown;
  payload_plain_hash: string;
  payload_cipher_hash: string;
  agent_signature: string;
}

export interface EventFields {
  tenant_id: string;
  store_id: string;
  source_agent_id: string;
  agent_key_id: number;
  /** 1..128 UTF-8 bytes */
  entity_type: string;
  /** 1..512 UTF-8 bytes */
  entity_id: string;
  /** 1..256 UTF-8 bytes */
  event_type: string;
  payload: unknown;
  /** default: a random v4 UUID */
  event_id?: string;
  /** signed verbatim; default new Date().toISOString() */
  created_at?: string;
}

export function buildEvent(signer: Signer, fields: EventFields): Envelope;
export function buildEvents(signer: Signer, fieldsList: EventFields[]): Envelope[];
/** Envelopes plus the ingest body made from the same values (a snapshot). */
export function buildBatch(signer: Signer, agentId: string, fieldsList: EventFields[]): { events: Envelope[]; body: string };
export function ingestBody(agentId: string, events: Envelope[]): string;
/** Recomputes the signature of a (deliberately changed) envelope; returns a new envelope. */
export function signEvent(signer: Signer, envelope: Envelope): Envelope;

// ---- receipt.js -----------------------------------------------------------------------------

/** The server's receipt (camelCase). */
export interface Receipt {
  sequencerId?: string;
  eventId: string;
  sequenceNumber: number;
  sequencedAt?: string;
  receiptHash: string;
  signatureAlg: 'ed25519' | 'none';
  sequencerSignature: string;
  sequencerKeyVersion?: number;
  receiptSignatureScheme?: number;
}
export interface Check {
  ok: boolean;
  /** 'ok', or a code and detail such as 'receipt_hash_mismatch: …' */
  reason: string;
}
export function checkReceipt(event: Envelope, receipt: Receipt, sequencerPublicKeyHex?: string, options?: { signingHashHex?: string }): Check;
export function verifyReceipt(event: Envelope, receipt: Receipt, sequencerPublicKeyHex?: string): boolean;

// ---- merkle.js ------------------------------------------------------------------------------

export interface InclusionProof {
  leaf_index: number;
  /** siblings bottom-up, bare hex */
  proof_path: string[];
  /** true = the running node is the LEFT child at that level */
  directions?: boolean[];
  sequence_number?: number;
  batch_id?: string;
  merkle_root?: string;
  leaf_hash?: string;
}
export interface Commitment {
  merkle_root: string;
  leaf_count: number;
  padded_leaf_count?: number;
  tree_depth?: number;
  sequence_start?: number;
  sequence_end?: number;
  batch_id?: string;
  [key: string]: unknown;
}
export function treeShape(leafCount: number): { padded_leaf_count: number; tree_depth: number };
export function merkleLevels(leafHexes: string[]): string[][];
export function merkleRoot(leafHexes: string[]): string;
export function merkleProof(leafHexes: string[], index: number): Required<Pick<InclusionProof, 'leaf_index' | 'leaf_hash' | 'merkle_root' | 'proof_path' | 'directions'>>;
/** Never throws; `reason` says why a proof fails. */
export function checkInclusion(proof: InclusionProof, leafHashHex: string, rootOrCommitment: Commitment | string): Check;
export function verifyInclusion(proof: InclusionProof, leafHashHex: string, rootOrCommitment: Commitment | string): boolean;

// ---- ledger.js ------------------------------------------------------------------------------

export const DEFAULT_MAX_EVENTS: number;
export const DEFAULT_MAX_SEEN_RANGES: number;
export interface LedgerEntry {
  tenantId: string;
  storeId: string;
  sequenceNumber: number;
  eventId: string;
  signingHash: string;
  signature: string;
  /** ms since the epoch, when the ingest response arrived */
  ingestedAt: number;
}
export interface IngestOutcome {
  stream: string;
  parsed: boolean;
  accepted: number;
  headSequence: number | null;
  rejected: Array<{ eventId: string; code: string; reason: string; message: string }>;
  newReceipts: number;
  replayed: number;
  invalidReceipts: number;
  invalidReasons: string[];
  signaturesChecked: number;
  anomalies: number;
  missing: number;
  /** New receipts recorded without a one-by-one check (RECEIPT_CHECK sampling). */
  unchecked: number;
  /** What is wrong, event by event (receipts, numbering, missing events). */
  failures: AnswerFailure[];
  /** Per new receipt (in arrival order), its event's index and its number. */
  newIdx: number[];
  newSeqs: number[];
}
export interface AnswerFailure { eventId: string; check: 'receipt' | 'rejected' | 'invalid' | 'replay' | 'missing' | 'sequence'; code: string; detail: string }
/** The verdict on one ingest answer: `ves signer`'s (POST /v1/check) or judgeAnswer's (answer_rule.js). */
export interface AnswerVerdict {
  events: number;
  accepted: number;
  newReceipts: number;
  replayed: number;
  receiptsChecked: number;
  signaturesChecked: number;
  invalidReceipts: number;
  anomalies: number;
  missing: number;
  sequenceStart: number | null;
  sequenceEnd: number | null;
  headSequence: number | null;
  /** New receipts by event: runs [first index, count, first number]. */
  seqs: Array<[number, number, number]>;
  rejected: Record<string, number>;
  invalidRejected: Record<string, number>;
  invalidAccepted: Record<string, number>;
  replayViolations: Record<string, number>;
  failures: AnswerFailure[];
  failuresTotal: number;
  everyEventAccepted: boolean;
  everyReceiptVerifies: boolean;
  unanswered: boolean;
  /** Set by the ingest pass rule: the answer passed (with its HTTP status and the numbering across answers). */
  passed?: boolean;
}
export const MAX_LISTED_FAILURES: number;
/** The pass rule of one answer in k6 (the mirror of ves_core::answer), recorded in `ledger`. */
export function judgeAnswer(ledger: Ledger, events: object[], body: unknown, status: number, expect?: { invalid?: InvalidEvent[]; replaysAllowed?: boolean }, options?: Record<string, unknown>): AnswerVerdict;
/** Each invalid event's answer (null: rejected as expected), its rejection taken out of outcome.rejected. */
export function judgeInvalidEvents(outcome: IngestOutcome, invalid: InvalidEvent[], body: unknown): Array<{ kind: string; eventId: string; expect: string; got: string | null }>;
export function runs(idx: number[], seqs: number[]): Array<[number, number, number]>;
export function sequenceOf(seqs: Array<[number, number, number]>, index: number): number | null;
export class Ledger {
  constructor(options?: { maxEvents?: number; maxSeenRanges?: number; keepFraction?: number; random?: () => number });
  readonly size: number;
  readonly evicted: number;
  recordIngest(events: Envelope[], response: unknown, options?: { ingestedAt?: number; sequencerPublicKeyHex?: string | null; signatureSample?: number; receiptCheck?: number; skip?: Set<number> | null; replaysAllowed?: boolean }): IngestOutcome;
  /** A verdict of `ves signer`: marks its numbers seen (returns those seen before) and keeps proof targets. */
  recordVerdict(events: object[] | null, verdict: AnswerVerdict, stream: { tenantId: string; storeId: string; ingestedAt?: number }): number;
  record(tenantId: string, storeId: string, entry: Omit<LedgerEntry, 'tenantId' | 'storeId'>): void;
  hasSeen(tenantId: string, storeId: string, seq: number): boolean;
  get(tenantId: string, storeId: string, seq: number): LedgerEntry | undefined;
  pick(tenantId: string, storeId: string, start: number, end: number): LedgerEntry | null;
  proofTarget(tenantId: string, storeId: string, commitments: Commitment[]): { commitment: Commitment; entry: LedgerEntry } | null;
  leafHash(entry: LedgerEntry): string;
}
/** The part of a rejection reason before any ':' (the metric tag). */
export function reasonCode(reason: string): string;

// ---- client.js ------------------------------------------------------------------------------

export interface VesResponse {
  res: RefinedResponse<ResponseType | undefined>;
  /** 0 when the request failed at the network level */
  status: number;
  /** parsed JSON body, or null (plain text, empty, invalid) */
  json: any;
}
export interface RequestOptions {
  /** statuses expected besides 2xx/3xx (kept out of http_req_failed) */
  expectedStatuses?: number[];
  tags?: Record<string, string>;
  /** the body's UTF-8 length when known: the `body` tag is then taken from it, not counted */
  bodyBytes?: number;
  /** false: parse the answer's JSON only when `json` is read */
  parse?: boolean;
}
export class VesClient {
  constructor(options: { baseUrl: string; apiKey: string; adminApiKey?: string; timeout?: string | number; tags?: Record<string, string> });
  readonly baseUrl: string;
  registerKey(key: { tenantId: string; agentId: string; keyId: number; publicKeyHex: string; validFrom?: string; validTo?: string }, options?: RequestOptions): VesResponse;
  ingest(agentId: string, eventsOrBody: Envelope[] | string, options?: RequestOptions): VesResponse;
  commit(tenantId: string, storeId: string, sequenceStart: number, sequenceEnd: number, options?: RequestOptions): VesResponse;
  commitments(tenantId: string, storeId: string, options?: RequestOptions): VesResponse;
  commitment(batchId: string, options?: RequestOptions): VesResponse;
  proof(sequenceNumber: number, tenantId: string, storeId: string, batchId: string, options?: RequestOptions): VesResponse;
  verifyProof(proof: { leaf_hash: string; merkle_root: string; proof_path: string[]; leaf_index: number }, options?: RequestOptions): VesResponse;
  head(tenantId: string, storeId: string, options?: RequestOptions): VesResponse;
  events(tenantId: string, storeId: string, from?: number, limit?: number, options?: RequestOptions): VesResponse;
  entity(tenantId: string, storeId: string, entityType: string, entityId: string, from?: number, limit?: number, options?: RequestOptions): VesResponse;
  /** GET /metrics (Prometheus text) with the admin key: the real server serves it to admin keys only. */
  metrics(options?: RequestOptions): VesResponse;
  request(method: string, path: string, body: string | null, endpoint: string, options?: RequestOptions, apiKey?: string, nameTemplate?: string): VesResponse;
}
export function parseJson(res: { body?: unknown } | null): any;

// ---- metrics.js -----------------------------------------------------------------------------

export const eventsAccepted: Counter;
export const eventsRejected: Counter;
export const receiptsInvalid: Counter;
export const proofsVerified: Counter;
export const proofsFailed: Counter;
export const timeToProof: Trend;
export const signDuration: Trend;
export const sequenceAnomalies: Counter;
export const invalidRejected: Counter;
export const invalidAccepted: Counter;
export const replayViolations: Counter;
/** ves_events_replayed: events answered by their original receipt (a rerun; replay mode). */
export const eventsReplayed: Counter;
/** ves_receipts_checked: receipts checked during the run, in k6 or by `ves signer` (replays: compared whole with the original). */
export const receiptsChecked: Counter;
/** ves_receipts_checked_by_signer: of those, the ones `ves signer` checked. */
export const receiptsCheckedBySigner: Counter;
/** ves_receipt_signatures_checked: receipts whose sequencer signature was checked (the sample). */
export const receiptSignaturesChecked: Counter;
/** ves_entity_read_violations{kind}: entity reads that broke a rule (entity_reads.js). */
export const entityReadViolations: Counter;
/** ves_entity_reads_checked{hot}: entity reads that returned events, all checked. */
export const entityReadsChecked: Counter;
export const METRIC_NAMES: Readonly<Record<string, string>>;
export function touchMetrics(): void;
export function recordIngestOutcome(outcome: IngestOutcome, stream: string | number): void;
/** Feeds a verdict on an ingest answer into the counters (bySigner: ves_receipts_checked_by_signer too). */
export function recordVerdict(verdict: AnswerVerdict, stream: string | number, bySigner: boolean): void;
/** Feeds a verdict on a re-sent batch into the counters. */
export function recordResendVerdict(verdict: AnswerVerdict, stream: string | number, bySigner: boolean): void;
export function recordRejection(reason: string, count?: number): void;
export function recordSignDuration(elapsedMs: number, eventCount: number): void;
export function recordProof(ok: boolean, timeToProofMs?: number): void;
export function recordProbe(kind: string, rejected: boolean): void;
export function recordReplayViolation(count?: number, kind?: string): void;
/** The kinds of ves_replay_violations. */
export const REPLAY_VIOLATION_KINDS: readonly string[];
export function recordEntityRead(judged: EntityReadJudgement, hot: boolean): void;

// ---- config.js ------------------------------------------------------------------------------

export const DEVSERVER_ADMIN_KEY: 'ss_local_devserver_admin_key';
export const NIL_UUID: '00000000-0000-0000-0000-000000000000';
export const DEFAULT_BASE_URL: 'http://localhost:8080';
/** SERVER_AGREES's values (server_view.js). */
export const SERVER_AGREES_MODES: readonly ['report', 'exact', 'off'];
export interface VesConfig {
  baseUrl: string;
  loopback: boolean;
  apiKey: string;
  adminApiKey: string | null;
  tenantId: string;
  storeId: string;
  agentId: string;
  agentKeyId: number | null;
  agentSeed: string | null;
  registerKey: boolean;
  batchSize: number;
  /** shared streams; 1 with STREAMS=per-vu (stream 0, for setup and reads) */
  streams: number;
  /** STREAMS=per-vu: VU n is the only writer of stream n-1 */
  perVuStreams: boolean;
  streamStoreIds: readonly string[];
  /** SEED as given; null: setup() draws one */
  seed: number | null;
  /** CREATED_AT as given; null: the time each batch is built */
  createdAt: string | null;
  /** SEED, CREATED_AT and a registered key fixed: a rerun sends the same bytes (replays accepted) */
  repeatable: boolean;
  sequencerPublicKey: string | null;
  receiptSigSample: number;
  /** RECEIPT_CHECK: share of clean ingest answers whose receipts are checked one by one. */
  receiptCheck: number;
  /** INVALID_RATE (invalid.js) */
  invalidRate: number;
  /** INVALID_KINDS */
  invalidKinds: readonly string[];
  /** REPLAY_RATE (replay.js) */
  replayRate: number;
  /** SPEC_RATE: the share of ingest iterations that run one property of the spec catalogue. */
  specRate: number;
  /** SPELLING (spelling.js): canonical or varied */
  spelling: string;
  /** WARMUP in ms (warmup.js) */
  warmupMs: number;
  /** HOT_ENTITIES (hot.js) */
  hotEntities: number;
  /** whether PAYLOAD makes ingest bodies above LARGE_BODY_BYTES (tagged body:large, left out of latency thresholds) */
  largeBodies: 'none' | 'some' | 'all';
  /** PAYLOAD (payload.js) */
  payloadShape: string;
  resultsDir: string;
  /** SIGNER_URL: sign through `ves signer` (docs/SIGNER.md); null: sign in k6 */
  signerUrl: string | null;
  /** SIGNER_CHECK: with a signer, it checks the sequencer's answers. */
  signerCheck: boolean;
  /** SIGNER_TOKEN (secret) */
  signerToken: string | null;
  /** SERVER_AGREES: compare the server's /metrics with k6's counts (report), fail on a difference (exact), or never read it (off) */
  serverAgrees: 'report' | 'exact' | 'off';
}
export class ConfigError extends Error {
  readonly problems: string[];
}
/** Reads and validates the environment (default __ENV); throws a ConfigError listing every problem. */
export function config(env?: Record<string, string | undefined>): Readonly<VesConfig>;
/** A copy safe to log: secrets replaced by "<redacted>" / "<unset>". */
export function redacted(cfg: VesConfig): Record<string, unknown>;
export function isLoopbackHost(host: string): boolean;
/** Why a string is not RFC 3339 as the real server parses it, or null when it is. */
export function rfc3339Problem(s: string): string | null;

// ---- seeded content (content.js) ----
export const CONTENT_DOMAIN: 'ves-k6/content/v1';
export const ORDER_STATUSES: readonly ['created', 'paid', 'shipped', 'delivered'];
/** The 32-byte blocks of one (seed, scenario, purpose, iteration): SHA-256 in counter mode. */
export class ContentSource {
  constructor(seed: number, scenario: string, purpose: string, iteration: number);
  block(index: number, counter?: number): Uint8Array;
}
export function contentBlock(seed: number, scenario: string, purpose: string, iteration: number, index: number, counter?: number): Uint8Array;
export function blockU32(block: Uint8Array, offset: number): number;
export function blockChance(block: Uint8Array, offset: number): number;
export function blockUuid(block: Uint8Array, offset?: number): string;
/** A random seed 0..2^53-1 for runs without SEED. */
export function drawSeed(): number;
/** `count` order events of a content source (ids and payloads from its blocks), as ves-core's content::order_events. */
export function orderEventFields(source: ContentSource, count: number, base: { tenant_id: string; store_id: string; source_agent_id: string; agent_key_id: number; created_at: string }): EventFields[];
export function orderEntityId(n: number): string;

// ---- streams (streams.js) ----
/** The stream a VU writes to: (vu-1) mod STREAMS, or its own with STREAMS=per-vu. */
export function writerStream(cfg: VesConfig, vuId: number): { index: number; storeId: string };
/** How gaps between batches are checked, for the summary. */
export function gapCheckMode(cfg: VesConfig, committer: boolean): string;
/** The single writer's expectation of where its next batch starts, per stream. */
export class WriterContinuity {
  check(streamIndex: number, body: Record<string, any> | null, newEvents: number): { expected: number; found: number } | null;
  advance(streamIndex: number, body: Record<string, any> | null): void;
  reset(streamIndex: number): void;
}

// ---- thresholds (thresholds.js): the one table ----
export const CORRECTNESS: Readonly<Record<string, string[]>>;
/** Counters the summary breaks down by a tag (thresholds on each value). */
export const BREAKDOWNS: Readonly<Record<string, { tag: string; values: readonly string[] }>>;
export function withBreakdowns(thresholds: Record<string, string[]>): Record<string, string[]>;
export const SCENARIOS: Readonly<Record<string, { endpoints: string[]; ingests: boolean; proofs: boolean; probes: boolean; openModel: boolean }>>;
export const UNIVERSAL: readonly string[];
export interface ThresholdContext { probes?: number; openModel?: boolean; replayRate?: number; invalidRate?: number; specRate?: number; warmupMs?: number; largeBodies?: 'none' | 'some' | 'all'; serverAgrees?: string }
/** SERVER_AGREES=exact's threshold: { ves_server_gap: ['count==0'] }; {} otherwise. */
export function serverAgreesThresholds(mode?: string): Record<string, string[]>;
/** Why a threshold cannot move in a scenario, or null when it can. */
export function cannotMove(scenario: string, key: string, expression: string, ctx?: ThresholdContext): string | null;
export function correctnessThresholds(scenario: string, ctx?: ThresholdContext): Record<string, string[]>;
export function applicable(scenario: string, thresholds: Record<string, string[]>, ctx?: ThresholdContext): { kept: Record<string, string[]>; dropped: Array<{ key: string; reason: string }> };
export function rateThresholds(scenario: string, profile: Profile): Record<string, string[]>;
/** A scenario's thresholds: its own, the table's, the profile's and its rate target, only those that can move. */
export function scenarioThresholds(scenario: string, own: Record<string, string[]>, profile: Profile, ctx?: ThresholdContext): Record<string, string[]>;

// ---- profiles (profile.js) ----
export const PROFILE_NAMES: readonly ['smoke', 'sustained', 'stress'];
export interface Profile {
  /** 'default', 'none', a shipped name, or the file path */
  name: string;
  /** k6 options from the file; null for 'default' and 'none' */
  options: Record<string, unknown> | null;
  /** the file's `ves` block: `env` defaults, `mixed` arrival rates */
  ves: { env?: Record<string, string>; mixed?: Record<string, unknown>; targets?: { events_per_second?: number }; [key: string]: unknown };
}
/** Reads the profile named by PROFILE; pass the entry script's `open` (k6 resolves paths against the entry script). */
export function loadProfile(env: Record<string, string | undefined>, openFile: (path: string) => string, profilesDir?: string): Profile;
/** The environment with the profile's `ves.env` defaults filled in (the user's values win). */
export function profileEnv(profile: Profile, env: Record<string, string | undefined>): Record<string, string>;
/** The k6 options of a closed-model script: the profile's load settings, script thresholds overlaid by the profile's. */
export function closedModelOptions(profile: Profile, defaults: { load: Record<string, unknown>; thresholds: Record<string, string[]>; merged?: boolean }): Record<string, unknown>;
export function mergeThresholds(script?: Record<string, string[]>, profile?: Record<string, string[]>): Record<string, string[]>;
/** A user-given path for open() in a script of load/: relative paths are taken from where k6 runs (PWD). */
export function userPath(path: string, env: Record<string, string | undefined>): string;

// ---- scenario building blocks (setup.js, vu_state.js, guard.js, explain.js, slots.js, ingest.js, committer.js, proofs.js, queries.js, probes.js) ----
export interface RunData {
  agentSeed: string;
  agentKeyId: number;
  registered: boolean;
  publicKeyHex: string;
  /** the run's content seed: SEED, or drawn and printed by setupRun */
  seed: number;
  /** the server's /metrics read at the end of setup() (serverViewAtStart), when the scenario reads it */
  server?: ServerReading;
}
/** Where an iteration's content comes from: k6 scenario name, iterationInTest, purpose. */
export interface ContentSlot { scenario: string; iteration: number; purpose: string }
/** Per-VU state made on first use: signer, ledger, client, stream. */
export interface VuState {
  /** made on first use; null until the VU signs (replay VUs never do) */
  signer: Signer | null;
  ledger: Ledger;
  client: VesClient;
  streamIndex: number;
  storeId: string;
  iteration: number;
  [key: string]: unknown;
}
export const MAX_COMMIT_RANGE: number;
export const ENTITIES_PER_STREAM: number;
export const PROBE_KINDS: readonly ['agent_mismatch', 'malformed_body'];
export function clientFor(cfg: VesConfig, timeout?: string): VesClient;
/** setup(): health check (aborts the test with what to do), then an ephemeral agent key unless AGENT_SEED/AGENT_KEY_ID are given. */
export function setupRun(cfg: VesConfig): RunData;
/** Aborts the test unless GET /health answers 200; returns the k6 version named by the User-Agent (`v1.1.0`), or null. */
export function requireHealthy(cfg: VesConfig, client: VesClient): string | null;
/** The k6 version a response's request User-Agent names (`Grafana k6/1.1.0` -> `v1.1.0`), or null. */
export function k6VersionOf(res: { request?: { headers?: Record<string, string[] | string> } } | null): string | null;
export function vuStateFor(cfg: VesConfig, data: RunData): VuState;
/** setup() helper for read scenarios: one batch into every stream, committed. */
export function seedStreams(cfg: VesConfig, data: RunData): void;
export function orderFields(cfg: VesConfig, data: RunData, state: VuState, count: number, storeId?: string, slot?: ContentSlot): EventFields[];
/** The running iteration's slot (exec.scenario.name, iterationInTest, purpose); ('setup', 0) in setup(). */
export function currentSlot(purpose: string): ContentSlot;
export function contentSource(cfg: VesConfig, data: RunData, slot: ContentSlot): ContentSource;
/** SEED, or a drawn one; printed either way. */
export function runSeed(cfg: VesConfig): number;
/** One warning line when a non-loopback target runs without SEQUENCER_PUBLIC_KEY. */
export function warnUnverifiedSignatures(cfg: VesConfig): void;
/** What the summary records besides the seed: CREATED_AT, profile, k6 version, streams, gap check. */
export function runInfo(cfg: VesConfig, profile: Profile | { name: string }, what?: { committer?: boolean; ingests?: boolean }): Record<string, unknown>;
/** The same instant as another string (the created_at_reformatted invalid kind). */
export function reformatCreatedAt(createdAt: string): string;
export function entityId(n: number): string;
/** One ingest request and its pass rule (HTTP 200, all accepted, receipts verify, numbers consecutive and new). */
export function ingestBatch(cfg: VesConfig, data: RunData, state: VuState, count?: number, storeId?: string, streamIndex?: number, slot?: ContentSlot): AnswerVerdict;
/** One pre-signed body (a `ves presign` shard line): the ingest pass rule, events may come back as idempotent replays. */
export function ingestPresigned(cfg: VesConfig, state: VuState, body: string, streamIndex: number, light?: PresignedEvents | ReturnType<typeof presignedLine> | null, corpus?: { signer: RemoteSigner; id: string; shard: number } | null, ascii?: boolean): AnswerVerdict;
/** Wraps an exec function so that a JavaScript error in it fails the `checks` threshold. */
export function guard<T>(name: string, fn: (data: T) => void): (data: T) => void;
/** guard() for an async exec function: a rejected promise fails the `checks` threshold. */
export function guardAsync<T>(name: string, fn: (data: T) => Promise<void>): (data: T) => Promise<void>;

// --- receipts log, execution segments, lazy shards (docs/SCALE.md)

/** The message prefix of a receipts line: `ves-receipts {"v":1,...}`. */
export const RECEIPTS_MARKER: string;
/** Whether RECEIPTS_LOG asks for the receipts log ("1" or "true"). */
export function receiptsLogEnabled(env?: Record<string, string | undefined>): boolean;
/** The `collect` option for Ledger.recordIngest when the log is on, else undefined. */
export function receiptsCollector(): Array<[string, number, string, string, string]> | undefined;
/** One receipts message (format v1), or null when there are no rows. */
export function receiptsLine(tenantId: string, storeId: string, rows: Array<[string, number, string, string?, string?]>): string | null;
/** Logs the receipts line of one ingest answer (when RECEIPTS_LOG is on). */
export function logReceipts(events: object[], outcome: { collected?: unknown[]; unchecked?: number; newReceipts?: number }, text?: string, raw?: boolean): void;
/** The process's execution segment ("0:1/2"), or "" for the whole test. */
export function executionSegment(): string;
/** Whether this process runs the segment that starts at 0 (or the whole test). */
export function isFirstSegment(segment?: string): boolean;
/** A file-name tag of a segment: "0:1/2" -> "0-1_2"; "" for the whole test. */
export function segmentTag(segment?: string): string;
/** What the ledger needs of a corpus line's events, found without parsing the body. */
export interface PresignedEvents {
  agentId: string;
  events: Array<{ event_id: string; tenant_id: string; store_id: string; agent_signature: string; $signingHash: string }>;
}
export function presignedEvents(body: string, hashesLine: string, stream: { tenantId: string; storeId: string; agentId: string }): PresignedEvents | null;
/** How many envelopes a corpus line holds (string search, no parse). */
export function countEvents(body: string): number;
/** A corpus line for ingestPresigned: count now, the events' ledger fields on demand (RECEIPT_CHECK). */
export function presignedLine(body: string, hashesLine: string | null, stream: { tenantId: string; storeId: string; agentId: string }, index?: number): {
  agentId: string;
  tenantId: string;
  storeId: string;
  index: number;
  readonly count: number;
  standIns(): object[];
  presigned(): PresignedEvents | null;
};
/** Reads a shard a line at a time from a k6/experimental/fs File. */
export class ShardReader {
  constructor(file: { read(buf: Uint8Array): Promise<number | null> }, chunkBytes?: number);
  read: number;
  nextLine(): Promise<string | null>;
}
/** The committer of one stream: heartbeat ingest for the head, commit [last end + 1, head], check the state-root chain. */
export function commitStream(cfg: VesConfig, data: RunData, state: VuState, streamIndex: number): void;
/** Verifies the inclusion proof of one of this VU's own committed events; null when none is committed yet. */
export function proveOwnEvent(cfg: VesConfig, data: RunData, state: VuState): boolean | null;
export function queryOnce(cfg: VesConfig, state: VuState): VesResponse;
/** One line at start on what entity reads check (always, or only when HOT_ENTITIES > 0). */
export function noteEntityReads(cfg: VesConfig, always: boolean): void;
export const ENTITY_READ_VIOLATIONS: readonly ['wrong_entity', 'foreign_event', 'out_of_order', 'duplicate_event_id'];
export interface EntityReadJudgement { events: number; violations: Array<{ kind: (typeof ENTITY_READ_VIOLATIONS)[number]; detail: string }> }
/** An entity read's answer: the entity asked, its own events only, sequence numbers strictly increasing, ids unique. */
export function judgeEntityRead(answer: unknown, asked: { tenantId: string; storeId: string; entityType: string; entityId: string }): EntityReadJudgement;
export function probe(cfg: VesConfig, data: RunData, state: VuState, kind: (typeof PROBE_KINDS)[number], slot?: ContentSlot): boolean | null;
/** With probability PROBES (decided by the iteration's content block), one probe of a kind the block chooses. */
export function maybeProbe(cfg: VesConfig, data: RunData, state: VuState, probability: number, slot?: ContentSlot): void;
export function probeRate(env: Record<string, string | undefined>, fallback: number): number;
/** Sleeps between committer rounds. */
export function pause(seconds: number): void;
export function explainOnce(state: VuState, kind: string, message: string): void;
export function explainHttp(state: VuState, endpoint: string, response: VesResponse): void;
export function excerpt(body: unknown): string;

// ---- end-of-test reports (summary.js) ----
/** handleSummary(): text on stdout, `<dir>/<scenario>-summary.json`, `<dir>/<scenario>-junit.xml`. */
export function summary(data: Record<string, any>, scenario: string, resultsDir?: string, info?: Record<string, unknown>): Record<string, string>;
/** Whether setup() completed or the VUs ran: false when k6 stopped in setup(), and the text summary is then one line. */
export function loadRan(data: Record<string, any>): boolean;
export function textSummary(data: Record<string, any>, scenario: string, info?: Record<string, unknown>): string;
/** The summary JSON's `ves` block: seed (setup_data), CREATED_AT, profile, k6 version, streams, signatures checked. */
export function runRecord(data: Record<string, any>, info?: Record<string, unknown>): Record<string, unknown>;
/** "receipts checked in k6: N of M (x %)" (or, with `ves signer` checking, "receipts checked: N of M (x %), N by ves signer (…)"), and with RECEIPT_CHECK < 1 what covers the others. */
export function receiptCheckLine(data: Record<string, any>, info?: Record<string, unknown>): string;
/** "receipt signatures checked: N of M receipts (x %)". */
export function signatureLine(data: Record<string, any>, info?: Record<string, unknown>): string;
export function junitXml(data: Record<string, any>, scenario: string): string;
export function thresholdResults(data: Record<string, any>): Array<{ metric: string; expression: string; ok: boolean }>;
export function verdict(data: Record<string, any>): { pass: boolean; failedThresholds: Array<{ metric: string; expression: string; ok: boolean }>; nonZero: string[] };
/** `ves-verdict: accepted=N rejected=N receipts_invalid=N proofs_verified=N proofs_failed=N signatures_checked=N receipts_checked=N result=PASS|FAIL` */
export function verdictLine(data: Record<string, any>): string;
/** A counter's non-zero tagged sub-metrics: ": respelled=3", or ''. */
export function breakdown(data: Record<string, any>, name: string): string;

// `ves signer` (docs/SIGNER.md): signing through a native process on loopback.
export class SignerError extends Error {}
/** One event signed by the signer: what the ledger and receipt check read; toJSON gives the envelope. */
export class SignedEvent {
  event_id: string;
  tenant_id: string;
  store_id: string;
  readonly signingHashHex: string;
  /** The signature, bare lowercase hex. */
  readonly signatureHex: string;
  readonly agent_signature: string;
  envelope(): Envelope;
  receiptHashOf(sequenceNumber: number): string;
}
export class RemoteSigner {
  constructor(where: { url: string; publicKeyHex: string }, token: string | null);
  readonly url: string;
  readonly publicKeyHex: string;
  /** Signs bare 32-byte signing hashes with the held key (bare hex signatures). */
  signMany(messages: Array<Uint8Array | ArrayBuffer>): string[];
  signBatch(agentId: string, fieldsList: EventFields[], check?: SignerCheckSpec | null): { events: SignedEvent[]; body: string; bodyBytes: number; handle?: string };
  /** The library's seeded order content of one slot, made and signed by the signer. */
  signContent(agentId: string, content: { seed: number; scenario: string; purpose: string; iteration: number; count: number; tenantId: string; storeId: string; agentKeyId: number; createdAt: string; hot?: number; shape?: string; payloadBytes?: number; spelling?: string; attempt?: number }, check?: SignerCheckSpec | null): { events: SignedEvent[]; body: string; bodyBytes: number; handle?: string };
  /** The signer's verdict on an answer (POST /v1/check); null when it no longer holds the batch (unknown_handle). */
  check(request: { handle?: string; resendOf?: string; corpus?: string; shard?: number; line?: number; status: number; invalid?: Array<{ index: number; kind: string; code: string; eventId: string }>; keep?: boolean; replaysAllowed?: boolean }, answer: string): AnswerVerdict | null;
  /** Opens a `ves presign` corpus in the signer (POST /v1/corpora). */
  openCorpus(dir: string, check: SignerCheckSpec): { corpus: string; shards: number };
}
export interface SignerCheckSpec { sequencerPublicKey?: string; signatureSample?: number }
/** SEQUENCER_PUBLIC_KEY and RECEIPT_SIG_SAMPLE, for the signer's checks. */
export function checkSpec(cfg: VesConfig): SignerCheckSpec;
/** setup() of a replay run with SIGNER_URL: the signer opens the corpus to check its answers. */
export function corpusCheckerForRun(cfg: VesConfig, dir: string): { url: string; corpus: string };
/** buildBatch through a RemoteSigner or an in-k6 signer. */
export function buildBatchWith(signer: Signer | RemoteSigner, agentId: string, fieldsList: EventFields[]): { events: Array<Envelope | SignedEvent>; body: string };
/** setup(): the signer answers and holds (publicKeyHex) or generates (null) the run's key. */
export function signerForRun(cfg: VesConfig, publicKeyHex: string | null): { url: string; publicKeyHex: string };
// Invalid events inside batches (invalid.js) and byte-identical replays (replay.js).
export const INVALID_KINDS: readonly string[];
/** Kind -> the reason code a correct sequencer answers. */
export const INVALID_REASONS: Readonly<Record<string, string>>;
export interface InvalidEvent { index: number; kind: string; eventId: string; expect: string }
export function parseInvalidKinds(raw: string | undefined | null): string[];
/** A valid event turned into one of `kind`; null when the kind cannot be made (known_id_other_contents without an accepted event). */
export function makeInvalid(kind: string, event: Record<string, unknown>, ctx: { signer: Signer; agentKeyId: number; first: Record<string, unknown>; known: Record<string, unknown> | null }): Record<string, unknown> | null;
/** Makes a seeded share of a batch invalid, in place (event 0 stays valid). */
export function corruptBatch(events: Array<Record<string, unknown>>, rate: number, kinds: readonly string[], blockOf: (i: number) => Uint8Array, ctx: { signer: Signer; agentKeyId: number; known: Record<string, unknown> | null }): InvalidEvent[];
/** Takes the invalid events' rejections out of an outcome; returns the wrong answers (counted in ves_invalid_accepted). */
export function judgeInvalid(outcome: IngestOutcome, invalid: InvalidEvent[], body: unknown): Array<{ kind: string; eventId: string; got: string }>;
export const MAX_PENDING_REPLAYS: number;
export function replayRate(env: Record<string, string | undefined>, fallback?: number): number;
export class ReplayBook {
  constructor(max?: number);
  remember(agentId: string, body: string, events: Array<Record<string, unknown>>, receipts: Array<Record<string, unknown>> | null, invalid?: InvalidEvent[], opts?: { handle?: string; answer?: string; spelling?: BlockSource | null }): void;
  take(): { agentId: string; body: string; events: Array<Record<string, unknown>>; original: Map<string, Record<string, unknown>> | null; refused: Map<string, string>; handle: string | null; answer: string | null; spelling: BlockSource | null } | null;
}
/** An answer's receipts by event id (lowercase), whole. */
export function originalReceipts(receipts: unknown): Map<string, Record<string, unknown>>;
/** The first field in which a replay's receipt differs from the original (sequencedAt to the microsecond), or null. */
export function receiptDifference(original: unknown, replay: unknown): string | null;
/** judgeReplay as a verdict. */
export function judgeResend(entry: { events: Array<Record<string, unknown>>; original: Map<string, Record<string, unknown>>; refused?: Map<string, string> }, response: { status: number; json: unknown }): AnswerVerdict;
export interface ReplayViolation { kind: 'refused' | 'respelled' | 'new_sequence' | 'different_receipt' | 'missing' | 'http'; eventId: string; detail: string }
export function judgeReplay(entry: { events: Array<Record<string, unknown>>; original: Map<string, Record<string, unknown>>; refused?: Map<string, string> }, response: { status: number; json: unknown }): { replayed: number; violations: ReplayViolation[]; unanswered: boolean };
/** The body of a re-send: the first send's bytes, or (SPELLING=varied) another spelling's. */
export function resendBody(entry: { agentId: string; body: string; events: object[]; spelling?: BlockSource | null }): { body: string; attempt: number | null };
/** Re-sends the oldest remembered batch (byte for byte, or respelled) and records ves_events_replayed, ves_receipts_checked, ves_replay_violations{kind}; null when none was due. */
export function resendOne(client: VesClient, book: ReplayBook, explain: (kind: string, message: string) => void, stream: string | number, checker?: RemoteSigner | null): boolean | null;
/** "different contents" refusals of re-sent events, taken out of outcome.rejected. */
export function takeReplayRefusals(outcome: IngestOutcome): Array<{ eventId: string; code: string; reason: string; message: string }>;
/** Replay receipts numbered above the head, taken out of outcome.replayed. */
export function takeRenumberedReplays(outcome: IngestOutcome, body: unknown): Array<{ eventId: string; sequenceNumber: number; head: number }>;
export function payloadExcerpt(event: { payload?: unknown } | undefined): string;
/** WARMUP in ms (0 when unset); throws on a bad duration. */
export function parseWarmup(raw: string | undefined | null): number;
/** Latency thresholds restricted to warmup:false requests. */
export function afterWarmup<T>(thresholds: Record<string, T>, warmupMs: number): Record<string, T>;
/** Bodies above this many bytes (256 KiB) are tagged body:large. */
export const LARGE_BODY_BYTES: number;
/** The `body` tag of a request: `large` above LARGE_BODY_BYTES of UTF-8, else `normal`. */
export function bodyClass(body: string | null | undefined, bytes?: number): 'large' | 'normal';
/** Whether PAYLOAD makes some (or all) live ingest bodies large. */
export function largeBodies(shape: string, payloadBytes: number, batchSize: number): 'none' | 'some' | 'all';
/** Latency thresholds (http_req_duration, http_req_waiting) filtered on body:normal. */
export function normalBodiesOnly<T>(thresholds: Record<string, T>): Record<string, T>;
/** Whether a run's latency thresholds left out large bodies (a threshold filtered on body:normal). */
export function largeBodiesExcluded(data: Record<string, any>): boolean;
/** Tags this VU's following requests warmup:true/false. */
export function tagWarmup(warmupMs: number): void;
export const HOT_ENTITY_COUNT: number;
/** Moves a seeded share of events to the hot entity ids, in place; returns how many. */
export function heatEntities(fields: EventFields[], rate: number, blockOf: (i: number) => Uint8Array): number;
export const PAYLOAD_SHAPES: readonly string[];
export const FLOAT_EDGES: readonly number[];
export function parsePayloadShape(raw: string | undefined | null): string;
/** Five doubles from a 32-byte block (four from its bytes, one edge value). */
export function floatsOf(block: Uint8Array): number[];
/** PAYLOAD shapes (js/payload.js = ves_core::shapes; `ves presign --shape`). */
export type PayloadShape = 'order' | 'small' | 'medium' | 'large' | 'unicode' | 'floats' | 'nested' | 'mixed';
export const MEDIUM_BYTES: number;
export const LARGE_BYTES: number;
export const UNICODE_STRINGS: readonly string[];
/** PAYLOAD_BYTES: an integer from 0 to LARGE_BYTES (0 when unset); throws otherwise. */
export function parsePayloadBytes(raw: string | undefined | null): number;
/** Upper bound of one request's bytes for this shape, PAYLOAD_BYTES and batch size. */
export function batchBytesBound(shape: string, payloadBytes: number, batchSize: number): number;
/** The largest batch size whose requests stay under the 10 MiB request limit. */
export function maxBatchFor(shape: string, payloadBytes: number): number;
/** Pads an object payload with `pad` to about `target` bytes of JCS, in place (0: none). */
export function padPayload(payload: Record<string, unknown>, target: number): void;
/** One payload of a shape other than mixed, from its block: a new object. */
export function shapePayload(payload: Record<string, unknown>, shape: string, block: Uint8Array, payloadBytes?: number): Record<string, unknown>;
/** The shape of event `index` of a batch (`mixed` resolved from its block). */
export function shapeOf(shape: string, index: number, block: Uint8Array): string;
/** Gives live events the payload shape and PAYLOAD_BYTES, in place, before signing. */
export function shapePayloads(fields: EventFields[], shape: string, blockOf: (i: number) => Uint8Array, payloadBytes?: number): void;

// --- `ves spec` under k6 (spec_*.js; docs/SPEC.md, spec/README.md)
/** The catalogue spec/catalogue.json (format ves-spec/1). */
export interface SpecCatalogue {
  format: 'ves-spec/1';
  event_defaults: { entity_type: string; entity_id: string; event_type: string; created_at: string };
  classes: { id: string; title: string }[];
  properties: SpecProperty[];
}
export interface SpecProperty {
  id: string;
  class: string;
  level: 'MUST' | 'SHOULD' | 'INFO';
  title: string;
  source: { doc: string; line: number; quote: string };
  events?: Record<string, Record<string, unknown>>;
  steps?: Record<string, any>[];
  observe?: { status: number; why_none: string };
}
export interface SpecResult {
  id: string;
  class: string;
  level: 'MUST' | 'SHOULD' | 'INFO';
  title: string;
  verdict: 'PASS' | 'FAIL' | 'SKIP' | 'INFO';
  why: string | null;
  failure: Record<string, any> | null;
}
/** What specSetup returns (and a scenario keeps in setup data as `spec`). */
export interface SpecSetup { seed: string; setupShed: string | null }
export interface SpecContext { baseUrl: string; adminKey: string; seed: string; pass: string; sequencerKey: string | null; setupShed: string | null; seen: object[] }
/** Parses the catalogue text (open() it in init code). */
export function parseSpecCatalogue(text: string): SpecCatalogue;
/** SPEC_SEED, or a random seed. */
export function specSeed(env: Record<string, string | undefined>): string;
/** GET /health, then registers the run's agent key with the admin key. */
export function specSetup(o: { baseUrl: string; adminKey: string; seed: string }): SpecSetup;
export function specContext(cfg: VesConfig, spec: SpecSetup, pass: string, seen: object[]): SpecContext;
export function runSpecProperty(catalogue: SpecCatalogue, p: SpecProperty, ctx: SpecContext): SpecResult;
/** Logs the property's line, records its check (MUST/SHOULD) and counters. */
export function recordSpecResult(r: SpecResult): void;
/** One pass over the catalogue (or one class). */
export function runSpecPass(catalogue: SpecCatalogue, ctx: SpecContext, only?: string | null): SpecResult[];
export function specLine(r: SpecResult): string;
/** SPEC_RATE: the catalogue (SPEC_ONLY: one class) when cfg.specRate > 0, else null. */
export function specCatalogueFor(cfg: VesConfig, read: () => string, only?: string): SpecCatalogue | null;
export function setupSpec(cfg: VesConfig, catalogue: SpecCatalogue | null): SpecSetup | null;
/** With probability SPEC_RATE runs the VU's next property; true when it did. */
export function maybeSpec(cfg: VesConfig, data: Record<string, any>, state: Record<string, any>, catalogue: SpecCatalogue | null): boolean;
// ---- the server's own view (server_view.js, prom_text.js; docs/OBSERVE.md) ----
export interface PromSample { name: string; labels: Record<string, string>; value: number }
export interface PromHistogram { buckets: Array<[number, number]>; sum: number; count: number }
export interface PackedHistogram { buckets: Array<[string, number]>; sum: number; count: number }
/** Samples of the Prometheus text format; comments and malformed lines are skipped. */
export function parseSamples(text: string): PromSample[];
/** A family summed over its label sets; 0 when absent. */
export function total(samples: PromSample[], name: string): number;
export function histogram(samples: PromSample[], name: string): PromHistogram;
export function histogramDelta(before: PromHistogram, after: PromHistogram): PromHistogram;
/** PromQL's histogram_quantile on one histogram; null without observations. */
export function quantile(h: { buckets: Array<[number, number]> }, q: number): number | null;
export function packHistogram(h: PromHistogram): PackedHistogram;
export function unpackHistogram(p: PackedHistogram): PromHistogram;
export const SERVER_METRICS: Readonly<{ sequenced: string; rejected: string; ingestLatency: string }>;
export interface ServerReading { ok: boolean; why?: string; mode?: string; segment?: string; balance?: boolean; sequenced?: number; rejected?: number; latency?: PackedHistogram }
/** ves_server_gap: events k6 saw accepted minus the server's count; 0 when they agree. */
export const serverGap: Counter;
export function readServer(cfg: VesConfig): ServerReading;
/** setup(): the reading for setup's data (`data.server`); SERVER_AGREES=exact aborts when it cannot read. */
export function serverViewAtStart(cfg: VesConfig): ServerReading;
/** teardown(): reads again and records ves_server_* for the summary. */
export function serverViewAtEnd(cfg: VesConfig, data: { server?: ServerReading }): { sequenced: number; latency: Record<string, number> } | null;
export function countAccepted(accepted: number): void;
export function serverRecord(data: Record<string, any>): Record<string, unknown> | null;
export function serverLines(data: Record<string, any>): string[];
export const SUMMARY_TREND_STATS: readonly string[];
