//! Receipts returned by ingest (VES_V1.md §5.3): the receipt hash binds the server's sequence
//! number to the client's own signing hash; the optional sequencer signature covers it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::hash::{self, Hash};
use crate::hexfmt::{self, serde_hex};
use crate::sign::{self, VerifyingKey};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub sequencer_id: Uuid,
    pub event_id: Uuid,
    pub sequence_number: u64,
    pub sequenced_at: String,
    #[serde(with = "serde_hex::bare")]
    pub receipt_hash: Hash,
    /// `"ed25519"` or `"none"`.
    pub signature_alg: String,
    /// Bare hex, or `""` when unsigned.
    pub sequencer_signature: String,
    pub sequencer_key_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_signature_scheme: Option<u32>,
}

impl Receipt {
    /// Checks the receipt hash against the client's own signing hash, and the sequencer's
    /// signature when its public key is known.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use ves_core::{hexfmt, receipt_hash, sign, Receipt};
    ///
    /// let (tenant, store, event) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    /// let signing_hash = [7u8; 32]; // what the client signed
    /// let sequencer = sign::signing_key_from_seed(&[9u8; 32]);
    /// let hash = receipt_hash(&tenant, &store, &event, 42, &signing_hash);
    /// let receipt = Receipt {
    ///     sequencer_id: Uuid::nil(),
    ///     event_id: event,
    ///     sequence_number: 42,
    ///     sequenced_at: "2025-01-01T00:00:00Z".into(),
    ///     receipt_hash: hash,
    ///     signature_alg: "ed25519".into(),
    ///     sequencer_signature: hexfmt::encode(&sign::sign_hash(&sequencer, &hash)),
    ///     sequencer_key_version: 1,
    ///     receipt_signature_scheme: None,
    /// };
    /// receipt
    ///     .verify(&tenant, &store, &signing_hash, Some(&sequencer.verifying_key()))
    ///     .unwrap();
    /// // A receipt moved to another sequence number, or signed by another key, is refused.
    /// let moved = Receipt { sequence_number: 43, ..receipt.clone() };
    /// assert!(moved.verify(&tenant, &store, &signing_hash, None).is_err());
    /// let other = sign::signing_key_from_seed(&[8u8; 32]).verifying_key();
    /// assert!(receipt.verify(&tenant, &store, &signing_hash, Some(&other)).is_err());
    /// ```
    pub fn verify(
        &self,
        tenant: &Uuid,
        store: &Uuid,
        signing_hash: &Hash,
        sequencer_key: Option<&VerifyingKey>,
    ) -> Result<()> {
        let expected = hash::receipt_hash(
            tenant,
            store,
            &self.event_id,
            self.sequence_number,
            signing_hash,
        );
        if expected != self.receipt_hash {
            return Err(Error::Receipt(format!(
                "receiptHash {} of event {} (seq {}) should be {}",
                hexfmt::encode(&self.receipt_hash),
                self.event_id,
                self.sequence_number,
                hexfmt::encode(&expected)
            )));
        }
        if let Some(key) = sequencer_key {
            if self.signature_alg != "ed25519" {
                return Err(Error::Receipt(format!(
                    "a sequencer key was given but the receipt of event {} is unsigned (signatureAlg {:?})",
                    self.event_id, self.signature_alg
                )));
            }
            let sig = hexfmt::decode_fixed::<64>(&self.sequencer_signature, "sequencerSignature")?;
            sign::verify_hash(key, &self.receipt_hash, &sig).map_err(|_| {
                Error::Receipt(format!(
                    "sequencerSignature of event {} does not verify",
                    self.event_id
                ))
            })?;
        }
        Ok(())
    }
}

/// The first field (in key order) in which a replay's receipt differs from the original one, or
/// `None` when they are the same receipt. Every field must be equal (numbers as numbers, so `7`
/// and `7.0` agree, as in JavaScript; hex fields in any case, with or without `0x`), a field
/// present in one only differs, and `sequencedAt` must be the same instant to the microsecond: the real server answers an exact replay with
/// `sequencedAt` cut to microseconds (`…34.766108+00:00` for `…34.766108976+00:00`,
/// LIVE_OBSERVED.md §4 "Receipts", and §8 `ves_ingest_duplicate_exact_replay`).
///
/// ```
/// use serde_json::json;
/// use ves_core::receipt::receipt_difference;
///
/// let first = json!({"sequenceNumber": 1, "sequencedAt": "2026-11-28T01:15:34.766108976+00:00",
///                    "receiptHash": "c0", "sequencerSignature": "d2"});
/// let replay = json!({"sequenceNumber": 1, "sequencedAt": "2026-11-28T01:15:34.766108+00:00",
///                     "receiptHash": "c0", "sequencerSignature": "d2"});
/// assert_eq!(receipt_difference(&first, &replay), None);
/// let resigned = json!({"sequenceNumber": 1, "sequencedAt": "2026-11-28T01:15:34.766108+00:00",
///                       "receiptHash": "c0", "sequencerSignature": "ff"});
/// assert_eq!(receipt_difference(&first, &resigned).as_deref(), Some("sequencerSignature"));
/// ```
pub fn receipt_difference(
    original: &serde_json::Value,
    replay: &serde_json::Value,
) -> Option<String> {
    let (Some(a), Some(b)) = (original.as_object(), replay.as_object()) else {
        return (original != replay).then(|| "receipt".to_string());
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .find(|k| {
            let (x, y) = (a.get(*k), b.get(*k));
            match k.as_str() {
                "sequencedAt" => !same_instant_to_the_microsecond(x, y),
                "receiptHash" | "sequencerSignature" => !same_hex(x, y),
                _ => !same_value(x, y),
            }
        })
        .cloned()
}

/// Hex strings equal in any case, with or without `0x` (DESIGN.md, "Formats").
fn same_hex(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> bool {
    match (a.and_then(|v| v.as_str()), b.and_then(|v| v.as_str())) {
        (Some(x), Some(y)) => bare(x).eq_ignore_ascii_case(bare(y)),
        _ => same_value(a, b),
    }
}

fn bare(s: &str) -> &str {
    s.strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s)
}

/// JSON values equal as JavaScript's `===` sees scalars: numbers by value, strings by text.
pub fn same_value(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (x, y) => x == y,
    }
}

/// Two RFC 3339 timestamps written alike (date, time to the second and offset as the same
/// text) whose fractions agree on their first six digits.
fn same_instant_to_the_microsecond(
    a: Option<&serde_json::Value>,
    b: Option<&serde_json::Value>,
) -> bool {
    match (a.and_then(|v| v.as_str()), b.and_then(|v| v.as_str())) {
        (Some(x), Some(y)) if x == y => true,
        (Some(x), Some(y)) => match (micros_form(x), micros_form(y)) {
            (Some(p), Some(q)) => p == q,
            _ => false,
        },
        _ => same_value(a, b),
    }
}

/// (up to the seconds, the fraction's first six digits padded with zeros, the offset).
fn micros_form(s: &str) -> Option<(&str, String, &str)> {
    let head = s.get(..19)?;
    let rest = &s[19..];
    let (digits, tail) = match rest.strip_prefix('.') {
        Some(frac) => {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            (&frac[..n], &frac[n..])
        }
        None => ("", rest),
    };
    let mut micros: String = digits.chars().take(6).collect();
    while micros.len() < 6 {
        micros.push('0');
    }
    Some((head, micros, tail))
}
