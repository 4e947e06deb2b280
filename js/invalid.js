/**
 * Invalid events inside otherwise valid batches (INVALID_RATE, INVALID_KINDS): only kinds that
 * the protocol refuses per event (VES_V1.md §5.2, LIVE_OBSERVED.md), each with the reason code
 * a correct sequencer answers. Every invalid event must come back as that rejection
 * (ves_invalid_rejected{kind}); a receipt, a missing or a wrong rejection is
 * ves_invalid_accepted{kind}. The valid events of the batch are judged by the ingest pass rule
 * as usual (every one accepted with a verifying receipt).
 *
 * | kind                  | what is sent                                                  | reason code          |
 * |-----------------------|---------------------------------------------------------------|----------------------|
 * | bad_signature         | one hex digit of agent_signature changed                      | invalid_signature    |
 * | payload_hash_mismatch | payload changed after signing                                 | invalid_payload_hash |
 * | unknown_key           | signed under an agent_key_id that is not registered           | agent_key_invalid    |
 * | created_at_reformatted| the same instant as another string than the one signed        | invalid_signature    |
 * | unsupported_version   | ves_version 2                                                 | unsupported_version  |
 * | cipher_hash_nonzero   | a non-zero payload_cipher_hash on a plaintext event           | schema_validation    |
 * | duplicate_in_batch    | a second copy of the batch's first event                      | duplicate_event_id   |
 * | known_id_other_contents | an event id this VU had accepted, with another payload (re-signed) | duplicate_event_id |
 *
 * @module invalid
 */
import { judgeInvalidEvents } from './answer_rule.js';
import { blockChance } from './content.js';
import { buildEvents, signEvent } from './event.js';
import * as metrics from './metrics.js';
import { INVALID_KINDS, INVALID_REASONS, parseInvalidKinds } from './invalidkinds.js';

export { INVALID_KINDS, INVALID_REASONS, parseInvalidKinds };

/**
 * The same instant as another string (the signature covers the exact string): without its
 * fraction, or with `.0` added when it has none.
 */
/**
 * The same instant as another string (the signature covers the exact string): without its
 * fraction, or with `.0` added when it has none.
 * @param {string} createdAt
 */
export function reformatCreatedAt(createdAt) {
  if (/\.\d+/.test(createdAt)) return createdAt.replace(/\.\d+/, '');
  return createdAt.replace(/(\d{2}:\d{2}:\d{2})/, '$1.0');
}

function flipHexDigit(hex, at) {
  const i = Math.min(at, hex.length - 1);
  return hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1);
}

// An event signed by `ves signer` (remote_signer.js SignedEvent) as its plain envelope, which
// the kinds below copy and change; an in-k6 envelope as it is.
function plain(event) {
  return typeof event.envelope === 'function' ? event.envelope() : event;
}

/**
 * Turns a valid event into one of `kind`; null when the kind cannot be made here (no event
 * accepted before for known_id_other_contents).
 * @param {string} kind
 * @param {object} event the valid event it replaces
 * @param {{signer: object, agentKeyId: number, first: object, known: object|null}} ctx
 */
export function makeInvalid(kind, signedEvent, ctx) {
  const event = plain(signedEvent);
  switch (kind) {
    case 'bad_signature':
      return Object.assign({}, event, { agent_signature: flipHexDigit(event.agent_signature, 10) });
    case 'payload_hash_mismatch':
      return Object.assign({}, event, { payload: Object.assign({}, event.payload, { invalid_change: 1 }) });
    case 'unknown_key':
      return signEvent(ctx.signer, Object.assign({}, event, { agent_key_id: (ctx.agentKeyId ^ 0x40000000) >>> 0 }));
    case 'created_at_reformatted':
      return Object.assign({}, event, { created_at: reformatCreatedAt(event.created_at) });
    case 'unsupported_version':
      return signEvent(ctx.signer, Object.assign({}, event, { ves_version: 2 }));
    case 'cipher_hash_nonzero':
      return signEvent(ctx.signer, Object.assign({}, event, { payload_cipher_hash: `0x${'00'.repeat(31)}01` }));
    case 'duplicate_in_batch':
      return plain(ctx.first);
    case 'known_id_other_contents': {
      const k = ctx.known === null ? null : plain(ctx.known);
      if (k === null || k.store_id !== event.store_id || k.tenant_id !== event.tenant_id) return null;
      const fields = {
        tenant_id: k.tenant_id, store_id: k.store_id, source_agent_id: k.source_agent_id, agent_key_id: k.agent_key_id,
        entity_type: k.entity_type, entity_id: k.entity_id, event_type: k.event_type, created_at: k.created_at,
        event_id: k.event_id, payload: Object.assign({}, k.payload, { invalid_change: 1 }),
      };
      return buildEvents(ctx.signer, [fields])[0];
    }
    default:
      throw new Error(`invalid: unknown kind ${kind}; expected one of ${INVALID_KINDS.join(', ')}`);
  }
}

/**
 * Makes a seeded share of a batch invalid, in place. Event 0 stays valid (duplicate_in_batch
 * copies it). The choice for event i comes from `blockOf(i)` (bytes 0..3 the chance, byte 4 the
 * kind), so the same SEED makes the same events invalid.
 * @param {object[]} events the signed batch (changed in place)
 * @param {number} rate INVALID_RATE
 * @param {string[]} kinds INVALID_KINDS
 * @param {(i: number) => Uint8Array} blockOf
 * @param {object} ctx see makeInvalid
 * @returns {{index: number, kind: string, eventId: string, expect: string}[]}
 */
export function corruptBatch(events, rate, kinds, blockOf, ctx) {
  const invalid = [];
  if (!(rate > 0) || events.length < 2) return invalid;
  const c = Object.assign({ first: events[0] }, ctx);
  for (let i = 1; i < events.length; i++) {
    const b = blockOf(i);
    if (blockChance(b, 0) >= rate) continue;
    let kind = kinds[b[4] % kinds.length];
    let bad = makeInvalid(kind, events[i], c);
    if (bad === null) {
      kind = 'bad_signature';
      bad = makeInvalid(kind, events[i], c);
    }
    events[i] = bad;
    invalid.push({ index: i, kind, eventId: String(bad.event_id).toLowerCase(), expect: INVALID_REASONS[kind] });
  }
  return invalid;
}

/**
 * Takes the rejections of the invalid events out of an ingest outcome and judges each: the
 * expected reason code counts in ves_invalid_rejected{kind}, anything else (a receipt, no or a
 * wrong rejection) in ves_invalid_accepted{kind}. What is left in `outcome.rejected` concerns
 * valid events. (The ingest pass rule uses answer_rule.js judgeInvalidEvents, without metrics.)
 * @param {import('./ledger.js').IngestOutcome} outcome
 * @param {{eventId: string, kind: string, expect: string}[]} invalid
 * @param {object} body the parsed answer (null when not 200)
 * @returns {{kind: string, eventId: string, got: string}[]} the wrong answers
 */
export function judgeInvalid(outcome, invalid, body) {
  const wrong = [];
  for (const j of judgeInvalidEvents(outcome, invalid, body)) {
    if (j.got === null) {
      metrics.invalidRejected.add(1, { kind: j.kind });
    } else {
      metrics.invalidAccepted.add(1, { kind: j.kind });
      wrong.push({ kind: j.kind, eventId: j.eventId, got: j.got });
    }
  }
  return wrong;
}
