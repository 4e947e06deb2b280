/**
 * ves-k6: the k6 library for load-testing VES v1 sequencers. The one entry point; import it
 * from a scenario with a relative path:
 *
 *   import { config, createSigner, buildBatch, VesClient, Ledger } from '../js/ves.js';
 *
 * Only `k6`, `k6/http`, `k6/crypto`, `k6/metrics`, `k6/execution` and `k6/data` are imported
 * from outside; nothing needs a build step. See docs/JS.md.
 *
 * @module ves
 */
export {
  bytesToHex,
  bytesToUuid,
  concatBytes,
  hexToBytes,
  isHex,
  isUuid,
  normalizeHex,
  randomBytes,
  randomUuid,
  randomUuids,
  strip0x,
  tryHexToBytes,
  u32be,
  u64be,
  utf8Encode,
  utf8Length,
  uuidToBytes,
} from './bytes.js';
export { compareUtf16, exactText, jcs, jcsReference, numberText, sortUtf16 } from './jcs.js';
export { ENVELOPE_KEYS, SPELLINGS, SPELLING_PURPOSE, Speller, asciiJson, canonicalBody, canonicalString, decompose, envelopeText, firstRespelled, jsonText, parseSpelling, variedBody } from './spelling.js';
export {
  DOMAIN,
  PAD_LEAF,
  STREAM_STORE_ID_DOMAIN,
  ZERO_HASH,
  leafHash,
  leafPreimage,
  nodeHash,
  payloadHash,
  payloadHashOfJcs,
  receiptHash,
  receiptPreimage,
  sha256Hex,
  signingDigest,
  signingHash,
  signingPreimage,
  stateRoot,
  stateRootPreimage,
  streamId,
  streamStoreId,
} from './hash.js';
export { L as ED25519_ORDER, createSigner, precomputeBaseTable, publicKeyOf, verify } from './ed25519.js';
export { buildBatch, buildEvent, buildEvents, ingestBody, signEvent } from './event.js';
export { CONTENT_DOMAIN, ContentSource, ENTITIES_PER_STREAM, ORDER_STATUSES, blockChance, blockU32, blockUuid, contentBlock, drawSeed, orderEntityId, orderEventFields } from './content.js';
export { WriterContinuity, gapCheckMode, writerStream } from './streams.js';
export { BREAKDOWNS, CORRECTNESS, SCENARIOS, UNIVERSAL, applicable, cannotMove, correctnessThresholds, rateThresholds, scenarioThresholds, serverAgreesThresholds, withBreakdowns } from './thresholds.js';
export { checkReceipt, verifyReceipt } from './receipt.js';
export { checkInclusion, merkleLevels, merkleProof, merkleRoot, treeShape, verifyInclusion } from './merkle.js';
export { DEFAULT_MAX_EVENTS, DEFAULT_MAX_SEEN_RANGES, Ledger, reasonCode } from './ledger.js';
export { VesClient, parseJson } from './client.js';
export {
  METRIC_NAMES,
  REPLAY_VIOLATION_KINDS,
  eventsAccepted,
  eventsRejected,
  invalidAccepted,
  invalidRejected,
  proofsFailed,
  proofsVerified,
  receiptsInvalid,
  recordEntityRead,
  recordIngestOutcome,
  recordProbe,
  recordResendVerdict,
  recordVerdict,
  recordProof,
  recordRejection,
  recordReplayViolation,
  recordSignDuration,
  entityReadViolations,
  entityReadsChecked,
  eventsReplayed,
  receiptSignaturesChecked,
  receiptsChecked,
  receiptsCheckedBySigner,
  replayViolations,
  sequenceAnomalies,
  signDuration,
  timeToProof,
  touchMetrics,
} from './metrics.js';
export { ConfigError, DEFAULT_BASE_URL, DEVSERVER_ADMIN_KEY, NIL_UUID, SERVER_AGREES_MODES, config, isLoopbackHost, redacted, rfc3339Problem } from './config.js';
export { PROFILE_NAMES, closedModelOptions, loadProfile, mergeThresholds, profileEnv, userPath } from './profile.js';
// The shipped scenarios' building blocks, one concern per module.
export { clientFor, k6VersionOf, requireHealthy, runInfo, runSeed, setupRun, warnUnverifiedSignatures } from './setup.js';
export { vuStateFor } from './vu_state.js';
export { guard, guardAsync } from './guard.js';
export { excerpt, explainHttp, explainOnce } from './explain.js';
export { contentSource, currentSlot, entityId, orderFields } from './slots.js';
export { ingestBatch, ingestPresigned } from './ingest.js';
export { MAX_COMMIT_RANGE, commitStream, pause } from './committer.js';
export { proveOwnEvent } from './proofs.js';
export { noteEntityReads, queryOnce, seedStreams } from './queries.js';
export { ENTITY_READ_VIOLATIONS, judgeEntityRead } from './entity_reads.js';
export { PROBE_KINDS, maybeProbe, probe, probeRate } from './probes.js';
// Deliberate replays and invalid events inside batches.
export { INVALID_KINDS, INVALID_REASONS, corruptBatch, judgeInvalid, makeInvalid, parseInvalidKinds, reformatCreatedAt } from './invalid.js';
export { MAX_PENDING_REPLAYS, ReplayBook, judgeReplay, judgeResend, originalReceipts, payloadExcerpt, receiptDifference, replayRate, resendBody, resendOne, takeRenumberedReplays, takeReplayRefusals } from './replay.js';
export { HOT_ENTITY_COUNT, heatEntities } from './hot.js';
export { FLOAT_EDGES, LARGE_BYTES, MEDIUM_BYTES, PAYLOAD_SHAPES, UNICODE_STRINGS, batchBytesBound, floatsOf, maxBatchFor, padPayload, parsePayloadBytes, parsePayloadShape, shapeOf, shapePayload, shapePayloads } from './payload.js';
export { afterWarmup, parseWarmup, tagWarmup } from './warmup.js';
export { LARGE_BODY_BYTES, bodyClass, largeBodies, normalBodiesOnly } from './body_size.js';
export { SUMMARY_TREND_STATS, breakdown, junitXml, largeBodiesExcluded, loadRan, receiptCheckLine, runRecord, signatureLine, summary, textSummary, thresholdResults, verdict, verdictLine } from './summary.js';
export { RemoteSigner, SignedEvent, SignerError, buildBatchWith, checkSpec, corpusCheckerForRun, signerForRun } from './remote_signer.js';
export { MAX_LISTED_FAILURES, judgeAnswer, judgeInvalidEvents, runs, sequenceOf } from './answer_rule.js';
// `ves spec` under k6: the catalogue's runner (spec/catalogue.json, docs/SPEC.md).
export { SpecScope, specLabel, specSigner, specUuid } from './spec_ids.js';
export { buildSpecEvent, expandPads } from './spec_events.js';
export { expandRequest, fill as fillSpecTemplate, forWire, renderRequest } from './spec_template.js';
export { LOST_ANSWER_BODY_BYTES, SpecJudge, at as specAt, lostAnswer, same as specSame, shedReason, skipMatches } from './spec_judge.js';
export { parseSpecCatalogue, recordSpecResult, runSpecPass, runSpecProperty, specContext, specFailures, specLine, specProperties, specSeed, specSetup } from './spec_run.js';
export { maybeSpec, setupSpec, specCatalogueFor } from './spec_hook.js';
export { RECEIPTS_MARKER, logReceipts, receiptsCollector, receiptsLine, receiptsLogEnabled } from './receipts_log.js';
export { executionSegment, isFirstSegment, segmentTag } from './segment.js';
// The server's own view of the run (its GET /metrics at setup() and teardown(), docs/OBSERVE.md).
export { SERVER_METRICS, countAccepted, readServer, serverGap, serverLines, serverRecord, serverViewAtEnd, serverViewAtStart } from './server_view.js';
export { histogram, histogramDelta, packHistogram, parseSamples, quantile, total, unpackHistogram } from './prom_text.js';
export { countEvents, presignedEvents, presignedLine, ShardReader } from './shard_reader.js';
