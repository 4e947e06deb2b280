/**
 * The one declaration of every environment variable the kit reads (`k6 run -e NAME=value`, or the
 * process environment): its default, the values it takes, what it means and which scenarios read
 * it. config.js validates from these declarations (bounds, value lists, examples in its error
 * messages), and docs/CONFIG.md is generated from them (`scripts/docs.sh`); the `docs` suite of
 * `make test` fails when the page differs, and when a module of js/ or load/ reads a variable
 * that is not declared here.
 *
 * Plain data, free of k6 imports: Node imports this module to write docs/CONFIG.md.
 *
 * A declaration:
 * - `name`, `meaning` (one line), `details` (optional, more on the docs page), `scenarios` (short
 *   names, see SCENARIOS), `secret` (never printed);
 * - `default`: the value when unset (null: none), and `defaultText` when that value alone does
 *   not say it;
 * - `kind`, how config.js reads it: `url`, `apiKey`, `uuid`, `integer`, `hex32`, `share`, `oneOf`,
 *   `list`, `duration`, `rfc3339`, `flag` or `text` (`allowed` then says what a script accepts);
 * - by kind: `min`/`max`, `values` (and `anyCase`: a `oneOf` value in any case), `also` (words accepted besides a number), `exponent` (a share
 *   may be written 1e-3), and for error messages `why` (the parenthesis of "expected …"),
 *   `example` (the value suggested), or `expect` and `fix` (the whole "expected …" and "Fix: …").
 *
 * Adding a variable: one declaration here (and, when config.js reads it, one `read('NAME')`
 * there and its field in the VesConfig typedef).
 *
 * @module variables
 */
import { INVALID_KINDS } from './invalidkinds.js';
import { LARGE_BYTES, PAYLOAD_SHAPES } from './payload_shapes.js';

/** Short name -> the scenario script under load/. */
export const SCENARIOS = Object.freeze({
  ingest: 'sequencer_ingest',
  query: 'sequencer_query',
  replay: 'sequencer_replay',
  mixed: 'mixed_workload',
  capacity: 'capacity',
  spec: 'sequencer_spec',
});

/** The devserver's default admin key; a default only for loopback URLs. */
export const DEVSERVER_ADMIN_KEY = 'ss_local_devserver_admin_key';
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const ALL = ['ingest', 'query', 'replay', 'mixed', 'capacity'];
// The scenarios that build and sign their own events (capacity: without REPLAY_DIR).
const LIVE = ['ingest', 'query', 'mixed', 'capacity'];
// The scenarios that ingest in their main loop.
const INGESTING = ['ingest', 'replay', 'mixed', 'capacity'];
// The scenarios that take PROFILE, WARMUP and record the run (setup.js runInfo).
const PROFILED = ['ingest', 'query', 'mixed'];

/** The variables users set. */
export const VARIABLES = Object.freeze([
  {
    name: 'SEQUENCER_BASE_URL', kind: 'url', default: 'http://localhost:8080', scenarios: ALL,
    expect: 'an http(s) URL such as http://localhost:8080 (scheme, host, optional port and path)', fix: '-e SEQUENCER_BASE_URL=http://host:port',
    meaning: 'the sequencer under test',
    details: 'Scheme, host, optional port and path; trailing slashes are dropped. A loopback host (`localhost`, 127.0.0.0/8, `::1`) makes the devserver\'s admin key the default of `API_KEY` and `ADMIN_API_KEY`.',
  },
  {
    name: 'API_KEY', kind: 'apiKey', secret: true, scenarios: ALL, default: DEVSERVER_ADMIN_KEY,
    defaultText: '`ss_local_devserver_admin_key` for a loopback URL; required otherwise',
    meaning: 'the key for ingest, commitments, proofs and reads (`Authorization: ApiKey …`)',
    details: 'The real sequencer accepts only keys that start with `ss_`; any other key is answered 401 `invalid_api_key`, so the run refuses it at start.',
  },
  {
    name: 'ADMIN_API_KEY', kind: 'apiKey', secret: true, scenarios: ALL, default: DEVSERVER_ADMIN_KEY,
    defaultText: 'as `API_KEY`',
    meaning: 'the admin key that registers the run\'s agent key',
    details: 'Needed only when the run registers a key (no `AGENT_SEED`/`AGENT_KEY_ID`). On the real sequencer this is its `BOOTSTRAP_ADMIN_API_KEY`; on the devserver its `--admin-key`.',
  },
  { name: 'TENANT_ID', kind: 'uuid', default: NIL_UUID, defaultText: 'the nil UUID', scenarios: LIVE, meaning: 'the tenant of the run\'s streams' },
  { name: 'STORE_ID', kind: 'uuid', default: NIL_UUID, defaultText: 'the nil UUID', scenarios: LIVE, meaning: 'the store id of stream 0 (see `STREAMS`)' },
  { name: 'AGENT_ID', kind: 'uuid', default: NIL_UUID, defaultText: 'the nil UUID', scenarios: LIVE, meaning: 'the agent that signs the run\'s events' },
  {
    name: 'AGENT_KEY_ID', kind: 'integer', min: 0, max: 4294967295, why: 'the registered key id', example: '1',
    default: null, scenarios: LIVE,
    meaning: 'with `AGENT_SEED`: sign with this registered key and register nothing',
  },
  {
    name: 'AGENT_SEED', kind: 'hex32', secret: true, default: null, scenarios: LIVE,
    expect: 'the 32-byte Ed25519 seed as 64 hex digits (optional 0x)', fix: 'pass the seed the key was registered with, e.g. from `ves keygen`',
    meaning: 'the 32-byte Ed25519 seed of the key `AGENT_KEY_ID` names (both or neither)',
    details: 'Without them, each run makes an ephemeral key and registers it with a random key id. With `SEED` and `CREATED_AT` fixed too, a rerun sends the same bytes (see `CREATED_AT`).',
  },
  {
    name: 'BATCH_SIZE', kind: 'integer', min: 1, max: 1000, why: 'the sequencer takes at most 1000 events per request',
    default: 100, scenarios: LIVE,
    meaning: 'events per ingest request',
    details: 'A `PAYLOAD` whose requests could pass the 10 MiB request limit is refused at start with the largest batch that fits (`PAYLOAD=large`: at most 10).',
  },
  {
    name: 'STREAMS', kind: 'integer', min: 1, max: 10000, also: ['per-vu'],
    why: 'stream 0 is STORE_ID, streams 1..n-1 get derived store ids; or per-vu: each VU writes only its own stream',
    default: 1, scenarios: LIVE,
    meaning: 'store ids to spread the load over (the sequencer serializes one stream)',
    details: 'Stream 0 is `STORE_ID`; stream *i* gets a store id derived from it (`streamStoreId` in js/hash.js, the same rule as `ves presign`); VU *n* writes stream (*n*-1) mod `STREAMS`. `per-vu`: VU *n* is the only writer of stream *n*-1, so a gap or a repeat between its batches is a `ves_sequence_anomalies`. The mixed workload\'s committer writes into every stream, so there `per-vu` from a profile becomes the profile\'s `ves.mixed.streams` shared streams, and asked for explicitly it is an error.',
  },
  {
    name: 'SEED', kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER,
    why: 'the seed of event ids, payloads and probe choices; a run without SEED prints the one it drew',
    default: null, defaultText: 'drawn at start and printed', scenarios: LIVE,
    meaning: 'the seed of the run\'s content: event ids, entity ids, payloads, probe choices',
    details: 'Content is a function of (`SEED`, k6 scenario, `exec.scenario.iterationInTest`, event index), never of the VU (docs/JS.md, "Seeded content"); `ves presign --seed` makes the same events. Not a secret: the summary records it, so that a run can be repeated with `-e SEED=…`.',
  },
  {
    name: 'CREATED_AT', kind: 'rfc3339', default: null, defaultText: 'unset: the time each batch is built', scenarios: LIVE,
    expect: 'an RFC 3339 timestamp as the sequencer parses it, e.g. 2025-01-01T00:00:00.000Z', fix: '-e CREATED_AT=2025-01-01T00:00:00.000Z, or leave it unset for the time each batch is built',
    meaning: 'a fixed `created_at` for every event, RFC 3339 as the sequencer parses it',
    details: 'With `SEED`, `AGENT_SEED`/`AGENT_KEY_ID` and `CREATED_AT` fixed, a run of a fixed number of iterations sends byte-identical bodies again: a rerun against the same server is an idempotency test, in which every event must come back as a replay (`ves_events_replayed`) with a receipt that verifies.',
  },
  {
    name: 'SEQUENCER_PUBLIC_KEY', kind: 'hex32', default: null, scenarios: ALL,
    expect: 'the sequencer\'s 32-byte Ed25519 receipt-signing public key as 64 hex digits', fix: 'the devserver prints it at start and writes it to <data>/sequencer.pub; for another sequencer it is `ves pubkey` of its VES_SEQUENCER_SIGNING_KEY; or leave it unset to skip signature checks',
    meaning: 'the sequencer\'s receipt-signing public key: receipt signatures are checked on a sample',
    details: 'The real sequencer publishes no key: it is the public key of its `VES_SEQUENCER_SIGNING_KEY`, which `ves pubkey --seed-file FILE` derives. The devserver prints its key at start and writes it to `<data>/sequencer.pub`. A run against a non-loopback URL without it warns at start that no receipt signature will be checked.',
  },
  {
    name: 'RECEIPT_SIG_SAMPLE', kind: 'share', exponent: true, why: 'the share of receipt signatures to verify', example: '0.01',
    default: 0.01, scenarios: ALL,
    meaning: 'the share of receipt signatures checked (an Ed25519 verification in k6 costs milliseconds)',
  },
  {
    name: 'RECEIPT_CHECK', kind: 'share', exponent: true, why: 'the share of clean ingest answers whose receipts are checked one by one in k6', example: '0.1',
    default: 1, scenarios: INGESTING,
    meaning: 'the share of ingest answers whose receipts k6 checks one by one',
    details: 'One by one: the receipt hash from the event\'s own signing hash, the event id, the numbering inside the batch. The other answers, when clean at batch level (HTTP 200, no rejection, `eventsAccepted` and as many receipts as events sent, `sequenceStart..sequenceEnd` spanning exactly that many new numbers), are counted without looking at each receipt; an answer that is not clean is checked in full, whatever the share. The summary says how many receipts k6 checked (`receipts_checked=` on the verdict line) and, below 1, what covers the rest: with `RECEIPTS_LOG=1`, `ves audit --receipts` checks every receipt hash after the run (docs/SCALE.md). Meant for runs where k6\'s own CPU is the limit (replay, `SIGNER_URL`).',
  },
  {
    name: 'RECEIPTS_LOG', kind: 'flag', default: null, scenarios: INGESTING,
    meaning: 'log the receipts of every ingest answer, for `ves audit --receipts` after the run',
    details: 'One `ves-receipts` line per answer that acknowledged new events, written where k6\'s log goes; keep it with `--log-output=file=results/receipts.log`. The format is in docs/SCALE.md.',
  },
  {
    name: 'PROFILE', kind: 'text', allowed: '`smoke`, `sustained`, `stress`, a file path, `none`', default: null, defaultText: 'unset: the script\'s own load', scenarios: PROFILED,
    meaning: 'where the load settings and thresholds come from: a profile of load/profiles/, a file, or none',
    details: 'Where the load settings and thresholds come from; `none` exports none, so that `k6 run --config FILE -e PROFILE=none` hands them to k6\'s own config file. The README\'s "Profiles and precedence" has the whole rule.',
  },
  {
    name: 'PROBES', kind: 'share', default: 0, defaultText: '0 (mixed: 0.02)', scenarios: ['ingest', 'mixed'],
    meaning: 'the share of ingest iterations that also send one request the sequencer must refuse as a whole',
    details: 'A mismatched `agentId` or a malformed body, sent alone, which must get HTTP 400; counted in `ves_invalid_rejected`/`ves_invalid_accepted`, never in `ves_events_rejected`. Read by js/probes.js (`probeRate`).',
  },
  {
    name: 'INVALID_RATE', kind: 'share', why: 'the share of events made invalid inside otherwise valid batches', example: '0.1',
    default: 0, scenarios: ['ingest', 'mixed'],
    meaning: 'the share of events made invalid inside otherwise valid batches (the first event of a batch stays valid)',
    details: 'Each must come back refused with its reason (`ves_invalid_rejected{kind}`); a receipt, no answer or another reason is a `ves_invalid_accepted{kind}`. The kinds and their reasons: docs/JS.md, "Invalid events and replays".',
  },
  {
    name: 'INVALID_KINDS', kind: 'list', values: INVALID_KINDS, example: 'bad_signature,unknown_key',
    default: INVALID_KINDS, defaultText: 'all', scenarios: ['ingest', 'mixed'],
    meaning: 'which kinds of invalid events `INVALID_RATE` sends',
  },
  {
    name: 'REPLAY_RATE', kind: 'share', why: 'the share of accepted batches re-sent byte for byte later in the run', example: '0.1',
    default: 0, scenarios: ['ingest', 'mixed'],
    meaning: 'the share of accepted batches re-sent byte for byte later in the run',
    details: 'Every re-sent event must get its original receipt back, whole (sequence number, receipt hash, sequencer signature; `sequencedAt` to the microsecond); a refusal, a new number or another receipt is a `ves_replay_violations{kind}`. Answered replays count in `ves_events_replayed`. With `SPELLING=varied` a re-send is spelled differently from its first send.',
  },
  {
    name: 'SIGNER_CHECK', kind: 'oneOf', values: ['1', 'true', '0', 'false'], anyCase: true,
    expect: '1 (ves signer checks every answer, the default) or 0 (k6 checks them)', fix: '-e SIGNER_CHECK=0',
    default: '1', scenarios: ['ingest', 'query', 'replay', 'mixed', 'capacity'],
    meaning: 'with `SIGNER_URL`: `ves signer` checks every sequencer answer natively (`1`), or k6 checks them (`0`, where `RECEIPT_CHECK` applies)',
    details: 'k6 hands the signer the answer\'s raw text (`POST /v1/check`); the signer applies the ingest pass rule of ves-core (receipt hashes, event ids, numbering, sampled sequencer signatures, expected rejections, replays compared whole with their original receipts) and returns a compact verdict; k6 keeps the HTTP status, timing, numbering across batches, counters and thresholds. Failures found this way are logged as `ves signer\'s verdict: …` (docs/SIGNER.md, "Checking answers").',
  },
  {
    name: 'SERVER_AGREES', kind: 'oneOf', values: ['report', 'exact', 'off'], anyCase: true, example: 'exact',
    default: 'report', scenarios: ['ingest', 'query', 'replay', 'mixed', 'capacity'],
    meaning: 'compare the server\'s own `GET /metrics` (events sequenced, ingest latency) with k6\'s counts: report it, fail on a difference (`exact`), or never read `/metrics` (`off`)',
    details: 'Read at the end of `setup()` and in `teardown()` with the run\'s admin key. `exact` adds the threshold `ves_server_gap: count==0`, for runs where the kit is the only client of the server; it refuses to start when `/metrics` cannot be read or the run is one of several execution segments (docs/OBSERVE.md).',
  },
  {
    name: 'SPELLING', kind: 'oneOf', values: ['canonical', 'varied'], example: 'varied',
    expect: 'one of canonical, varied (how ingest bodies are spelled)',
    default: 'canonical', scenarios: ['ingest', 'mixed', 'capacity'],
    meaning: 'how live ingest bodies are spelled: `canonical` (one spelling, the same bytes as `ves presign` and `ves signer`), or `varied` (each request in another legal JSON spelling of the same signed events)',
    details: '`canonical`: compact JSON, `agentId` first, the envelope\'s keys in the library\'s order, each payload as its RFC 8785 text, every non-ASCII character as a `\\u` escape (so every body is ASCII). `varied`: a seeded choice per request of whole numbers as `N.0` or in exponent form, `-0.0`, `\\u` escapes and `\\/` in strings, insignificant whitespace and another key order; hashes and signatures stay over the canonical form, so a correct sequencer accepts every spelling. With `REPLAY_RATE`, a re-send takes another spelling than its first send: a correct sequencer answers it with the original receipt, and a refusal counts in `ves_replay_violations{kind:respelled}` (a real sequencer refuses some: docs/REPLAY.md).',
  },
  {
    name: 'SPEC_RATE', kind: 'share', why: 'the share of ingest iterations that run one property of the spec catalogue instead', example: '0.05',
    default: 0, scenarios: ['ingest', 'mixed'],
    meaning: 'the share of ingest iterations that run the VU\'s next property of the `ves spec` catalogue instead',
    details: 'Each property is a k6 check named and tagged with its id; a failure counts in `ves_spec_failures` (threshold `count==0` where the catalogue runs) and names the property (js/spec_hook.js, docs/SPEC.md).',
  },
  {
    name: 'SPEC_ONLY', kind: 'text', allowed: 'a class id of spec/catalogue.json (`authentication`, `parsing`, …)',
    default: null, defaultText: 'every class', scenarios: ['spec', 'ingest', 'mixed'],
    meaning: 'run one class of the spec catalogue only (load/sequencer_spec.js, and with `SPEC_RATE`)',
  },
  {
    name: 'SPEC_SEED', kind: 'text', allowed: 'any string',
    default: null, defaultText: 'drawn at start (printed)', scenarios: ['spec', 'ingest', 'mixed'],
    meaning: 'the seed of the spec catalogue\'s ids, so that a run can be repeated',
  },
  {
    name: 'SPEC_DURATION', kind: 'text', allowed: 'a k6 duration such as `30s`',
    default: null, defaultText: 'one pass', scenarios: ['spec'],
    meaning: 'load/sequencer_spec.js: keep making passes over the catalogue for this long',
  },
  {
    name: 'PAYLOAD', kind: 'oneOf', values: PAYLOAD_SHAPES, example: 'floats',
    default: 'order', scenarios: LIVE,
    meaning: 'the payload shape of live events, the vocabulary of `ves presign --shape`',
    details: '`order`; `small` (`order_id`, `status`); `medium` (padded to 4096 bytes of JCS); `large` (padded to 1,000,000 bytes, near the 1 MiB payload limit); `unicode` (astral characters, combining marks, control escapes, U+2028/2029, BOM, keys in UTF-16 order); `floats` (`readings`: four doubles from `SEED` and one edge value); `nested` (3 to 12 levels of objects and arrays); `mixed` (each event one of these, at most one `large` per request). Requests above 256 KiB are tagged `body:large` and, when `PAYLOAD` can make them, the latency thresholds count only `body:normal` requests (js/body_size.js); `http_req_failed`, `checks` and the correctness counters count every request. The run says so at start and in its summary.',
  },
  {
    name: 'PAYLOAD_BYTES', kind: 'integer', min: 0, max: LARGE_BYTES, why: 'bytes of JCS per payload; 0: no padding', example: '4096',
    default: 0, scenarios: LIVE,
    meaning: 'pad every live payload to about this many bytes of JCS (replaces the `medium` and `large` sizes)',
  },
  {
    name: 'HOT_ENTITIES', kind: 'share', why: 'the share of events sent to a few hot entity ids', example: '0.2',
    default: 0, scenarios: LIVE,
    meaning: 'the share of live events (and of entity reads) sent to three hot entity ids',
    details: 'The hot ids are `order-000000` … `order-000002` (js/hot.js); the choice follows `SEED`. Every entity read is checked (js/entity_reads.js): the entity asked, its own events only, sequence numbers strictly increasing, no event id twice; a failure counts in `ves_entity_read_violations{kind}`. The real server serves entity reads from its legacy table only, so there these checks see nothing (`ves_entity_reads_checked` stays 0), as the run says at start.',
  },
  {
    name: 'WARMUP', kind: 'duration', expect: 'a duration such as 3s, 500ms or 1m', example: '3s', default: 0, defaultText: 'unset', scenarios: ['ingest', 'query', 'replay', 'mixed'],
    meaning: 'requests before this duration are left out of the latency thresholds',
    details: 'They are tagged `warmup:true` and the latency thresholds filter on `warmup:false`; `http_req_failed`, `checks` and the correctness counters keep every request. Under `PROFILE=none` (thresholds from a `--config` file) it cannot take effect, and the run says so at start.',
  },
  { name: 'RATE', kind: 'text', allowed: 'an integer >= 1', default: null, defaultText: 'the profile\'s `ves.mixed.rate` (10)', scenarios: ['mixed'], meaning: 'iterations per second of the open model' },
  { name: 'DURATION', kind: 'text', allowed: 'a k6 duration (`30s`, `5m`)', default: null, defaultText: 'the profile\'s `ves.mixed.duration` (30s)', scenarios: ['mixed'], meaning: 'how long the open model runs' },
  { name: 'COMMIT_INTERVAL', kind: 'text', allowed: 'seconds, > 0', default: null, defaultText: 'the profile\'s `ves.mixed.commitInterval` (2)', scenarios: ['mixed'], meaning: 'seconds between the committer\'s rounds' },
  {
    name: 'REPLAY_DIR', kind: 'text', allowed: 'a folder', default: 'results/corpus', scenarios: ['replay'],
    meaning: 'the `ves presign` corpus to send, relative to where k6 runs (docs/REPLAY.md)',
  },
  { name: 'MAX_DURATION', kind: 'text', allowed: 'a k6 duration', default: '30m', scenarios: ['replay'], meaning: 'the longest the replay of a corpus may take (k6 `maxDuration`)' },
  {
    name: 'RESULTS_DIR', kind: 'text', allowed: 'a writable folder', default: 'results', scenarios: ALL,
    meaning: 'where the summaries go; it must exist and be writable (k6 does not create folders)',
  },
  {
    name: 'K6_VERSION', kind: 'text', allowed: 'any text', default: null, defaultText: 'read from k6\'s User-Agent', scenarios: ['ingest', 'query', 'replay', 'mixed'],
    meaning: 'the k6 version recorded in the summary',
    details: 'k6 does not tell a script its version; the scenarios read it from the `User-Agent` of the health check (`Grafana k6/1.1.0`). Set it when a `userAgent` option hides that: `-e K6_VERSION="$(k6 version)"`.',
  },
  {
    name: 'SIGNER_URL', kind: 'url', default: null, defaultText: 'unset: sign in k6', scenarios: LIVE,
    expect: 'the http URL of a `ves signer`, such as http://127.0.0.1:8787', fix: '-e SIGNER_URL=http://127.0.0.1:8787, or leave it unset to sign in k6',
    meaning: 'sign through a `ves signer` at this URL (docs/SIGNER.md)',
  },
  {
    name: 'SIGNER_TOKEN', kind: 'text', allowed: 'the signer\'s `--token-file` content', secret: true, default: null, scenarios: LIVE,
    meaning: 'the signer\'s token; required when `SIGNER_URL` is not a loopback address',
  },
]);

/**
 * Variables a script reads that users do not set: `ves capacity` sets them for each stage, or
 * the shell does. Listed so that every variable read is declared somewhere.
 */
export const INTERNAL_VARIABLES = Object.freeze([
  { name: 'RATE', script: 'load/capacity.js', meaning: 'the stage\'s offered events/s (`ves capacity`)' },
  { name: 'STAGE', script: 'load/capacity.js', meaning: 'the stage\'s number, a tag on every sample and in the summary\'s file name' },
  { name: 'STAGE_DURATION', script: 'load/capacity.js', meaning: 'how long the stage runs' },
  { name: 'VUS', script: 'load/capacity.js', meaning: 'pre-allocated VUs of the stage' },
  { name: 'MAX_VUS', script: 'load/capacity.js', meaning: 'the most VUs the stage may start' },
  { name: 'CORPUS_OFFSET', script: 'load/capacity.js', meaning: 'the first corpus line of the stage (the lines before went to earlier stages)' },
  { name: 'P50_MS', script: 'load/capacity.js', meaning: 'the stage\'s ingest p50 target in ms' },
  { name: 'P95_MS', script: 'load/capacity.js', meaning: 'the stage\'s ingest p95 target in ms' },
  { name: 'P99_MS', script: 'load/capacity.js', meaning: 'the stage\'s ingest p99 target in ms' },
  { name: 'REPLAY_DIR', script: 'load/capacity.js', meaning: 'the corpus the stage replays (unset: live signing)' },
  { name: 'PWD', script: 'js/profile.js', meaning: 'the working directory, set by the shell: relative `PROFILE` and `REPLAY_DIR` paths are taken from it' },
  { name: 'PWD', script: 'load/sequencer_replay.js', meaning: 'the working directory, set by the shell: with it, the corpus path handed to `ves signer` (which opens the corpus itself) is absolute' },
]);

const BY_NAME = new Map(VARIABLES.map((v) => [v.name, v]));

/**
 * The declaration of a variable users set; throws for a name that is not declared, so that a
 * module cannot read an undeclared variable through config.js.
 * @param {string} name
 */
export function variable(name) {
  const v = BY_NAME.get(name);
  if (v === undefined) throw new Error(`variables.js: ${name} is not declared`);
  return v;
}
