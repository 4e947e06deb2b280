/**
 * Sequencer receipts (VES_V1.md section 5.3): the receipt hash binds the sequence number to the
 * signing hash the server computed, so recomputing it with our own signing hash proves the
 * server hashed the envelope exactly as we did. The optional sequencer signature is Ed25519
 * over the 32 raw bytes of receiptHash.
 *
 * @module receipt
 */
import { isHex, isUuid, strip0x } from './bytes.js';
import { verify } from './ed25519.js';
import { receiptHash, signingHash } from './hash.js';

export { receiptHash };

/**
 * Checks a server receipt against the envelope that was sent, and says why it fails. Never throws.
 *
 * Checks: the receipt is for this event (eventId); sequenceNumber is a positive integer;
 * receiptHash equals the hash recomputed from our own signing hash; signatureAlg is "ed25519"
 * or "none"; and, when a sequencer public key is given, the receipt must be signed
 * ("ed25519") and its sequencerSignature must verify (a few ms: sample it).
 *
 * @param {object} event the snake_case envelope that was sent
 * @param {object} receipt the server's camelCase receipt
 * @param {string} [sequencerPublicKeyHex] check the sequencer signature with this key
 * @param {{signingHashHex?: string}} [options] pass a signing hash computed already to skip recomputing it
 * @returns {{ok: boolean, reason: string}}
 */
export function checkReceipt(event, receipt, sequencerPublicKeyHex, options) {
  try {
    if (receipt === null || typeof receipt !== 'object') return fail('bad_receipt', 'not an object');
    if (event === null || typeof event !== 'object') return fail('bad_event', 'not an object');
    // The common case (the same id string in receipt and event) costs one UUID check.
    const sameId = receipt.eventId === event.event_id;
    if (sameId ? !isUuid(event.event_id) : !isUuid(receipt.eventId) || !isUuid(event.event_id) || receipt.eventId.toLowerCase() !== event.event_id.toLowerCase()) {
      return fail('event_id_mismatch', `receipt eventId ${receipt.eventId} is not the event's ${event.event_id}`);
    }
    const seq = receipt.sequenceNumber;
    if (!Number.isSafeInteger(seq) || seq < 1) return fail('bad_sequence_number', `sequenceNumber must be a positive integer, found ${seq}`);
    const claimedRaw = receipt.receiptHash;
    if (typeof claimedRaw !== 'string') return fail('bad_receipt_hash', 'receiptHash is not 32 bytes of hex');
    const ownSigningHash = options && options.signingHashHex ? options.signingHashHex : signingHash(event);
    // An event signed by `ves signer` (remote_signer.js) brings the preimage bytes in binary.
    const expected = typeof event.receiptHashOf === 'function' ? event.receiptHashOf(seq) : receiptHash(event.tenant_id, event.store_id, event.event_id, seq, ownSigningHash);
    // `expected` is 64 lowercase hex digits: equal to it means well-formed; only a mismatch
    // needs the format check (which reason) and case folding.
    let claimed = strip0x(claimedRaw);
    if (claimed !== expected) {
      if (!isHex(claimedRaw, 32)) return fail('bad_receipt_hash', 'receiptHash is not 32 bytes of hex');
      claimed = claimed.toLowerCase();
      if (claimed !== expected) return fail('receipt_hash_mismatch', `server ${claimed}, local ${expected}`);
    }
    const alg = receipt.signatureAlg;
    if (alg !== 'ed25519' && alg !== 'none') return fail('bad_signature_alg', `signatureAlg must be "ed25519" or "none", found ${alg}`);
    if (sequencerPublicKeyHex) {
      if (alg !== 'ed25519') return fail('unsigned_receipt', 'a sequencer public key is configured but the receipt is not signed');
      if (!verify(sequencerPublicKeyHex, expected, receipt.sequencerSignature)) {
        return fail('bad_sequencer_signature', 'sequencerSignature does not verify under the configured sequencer public key');
      }
    }
    return OK;
  } catch (e) {
    return fail('error', String(e && e.message ? e.message : e));
  }
}

/**
 * True when the receipt matches the event (and, with a key, carries a valid sequencer
 * signature); see {@link checkReceipt}.
 * @param {object} event
 * @param {object} receipt
 * @param {string} [sequencerPublicKeyHex]
 * @returns {boolean}
 */
export function verifyReceipt(event, receipt, sequencerPublicKeyHex) {
  return checkReceipt(event, receipt, sequencerPublicKeyHex).ok;
}

const OK = Object.freeze({ ok: true, reason: 'ok' });

function fail(code, detail) {
  return { ok: false, reason: `${code}: ${detail}` };
}
