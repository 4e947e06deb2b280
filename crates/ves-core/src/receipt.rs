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
