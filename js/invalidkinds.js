/**
 * The kinds of invalid events (INVALID_KINDS) and the reason code a correct sequencer answers
 * to each (VES_V1.md §5.2, LIVE_OBSERVED.md); what each sends is in invalid.js. Apart from
 * invalid.js so that config.js can validate INVALID_KINDS without k6 metrics.
 *
 * @module invalidkinds
 */

/** Kind -> the reason code a correct sequencer answers. */
export const INVALID_REASONS = Object.freeze({
  bad_signature: 'invalid_signature',
  payload_hash_mismatch: 'invalid_payload_hash',
  unknown_key: 'agent_key_invalid',
  created_at_reformatted: 'invalid_signature',
  unsupported_version: 'unsupported_version',
  cipher_hash_nonzero: 'schema_validation',
  duplicate_in_batch: 'duplicate_event_id',
  known_id_other_contents: 'duplicate_event_id',
});

export const INVALID_KINDS = Object.freeze(Object.keys(INVALID_REASONS));

/**
 * INVALID_KINDS: a comma-separated list of kinds (default: all).
 * @returns {string[]} or throws with the list of kinds
 */
export function parseInvalidKinds(raw) {
  if (raw === undefined || raw === null || String(raw).trim() === '') return INVALID_KINDS.slice();
  const kinds = String(raw).split(',').map((k) => k.trim()).filter((k) => k.length > 0);
  const unknown = kinds.filter((k) => !INVALID_KINDS.includes(k));
  if (kinds.length === 0 || unknown.length > 0) throw new Error(`INVALID_KINDS: unknown kind ${unknown.join(', ') || '(empty)'}; expected a comma-separated list of ${INVALID_KINDS.join(', ')}`);
  return kinds;
}

