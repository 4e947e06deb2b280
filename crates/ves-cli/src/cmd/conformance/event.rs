//! The per-event pipeline shared by the three formats that carry signed events (the KAT's
//! worked example, the live capture, `ves-vectors/1`): envelope rules -> recompute (JCS,
//! payload hash, signing preimage and hash, signature) -> leaf -> receipt hash. The formats
//! differ only in field names and in which intermediates they record ([`Layout`]); what one
//! format adds to a case (the live capture's server receipt, for example) comes in through
//! [`Stage`].

use anyhow::Result;
use ves_core::hash::{self, Hash, ZERO_HASH};
use ves_core::sign::SigningKey;
use ves_core::EventEnvelope;

use super::report::{Case, Report};
use super::{
    check_envelope_rules, envelope_at, leaf_preimage, receipt_preimage, recompute, Recomputed,
};
use crate::json::At;

/// Which values a format records beside an event, and under which names.
pub struct Layout {
    /// The signing preimage's field (`event_signing_preimage_hex` in the KAT).
    pub signing_preimage: &'static str,
    /// `signing_preimage_len`, `payload_jcs_utf8_hex` and `payload_jcs_utf8_len`.
    pub lengths: bool,
    /// `payload_plain_hash` beside the envelope's own.
    pub payload_hash: bool,
    /// `payload_cipher_hash` (32 zero bytes for plaintext).
    pub cipher_hash: bool,
    /// `leaf_preimage_hex`/`_len` and `receipt_preimage_hex`.
    pub preimages: bool,
}

pub const KAT: Layout = Layout {
    signing_preimage: "event_signing_preimage_hex",
    lengths: false,
    payload_hash: false,
    cipher_hash: false,
    preimages: true,
};

pub const OWN: Layout = Layout {
    signing_preimage: "signing_preimage_hex",
    lengths: false,
    payload_hash: true,
    cipher_hash: false,
    preimages: false,
};

pub const LIVE: Layout = Layout {
    signing_preimage: "signing_preimage_hex",
    lengths: true,
    payload_hash: true,
    cipher_hash: true,
    preimages: true,
};

/// Where a format may add its own comparisons to the pipeline's cases.
pub enum Stage<'a> {
    /// The `envelope` case.
    Envelope,
    /// The `leaf` case.
    Leaf { seq: u64 },
    /// The `receipt_hash` case, with the recomputed receipt hash.
    Receipt {
        env: &'a EventEnvelope,
        seq: u64,
        receipt: &'a Hash,
    },
}

/// An event that made it through the pipeline (its cases may still have failed).
pub struct Checked {
    /// The envelope as the file has it (its signature is the one a server stored).
    pub env: EventEnvelope,
    pub rc: Recomputed,
    pub seq: u64,
    pub leaf: Hash,
    pub receipt: Hash,
}

/// One event: the envelope at `ev.envelope`, the sequence number at `ev.sequence_number`, the
/// recorded intermediates at `values` (named as `layout` says), signed by `key` (`key_name`
/// in messages). `None` when an input is unreadable (reported as a broken case).
pub fn check_event(
    rep: &mut Report,
    item: &str,
    (ev, values): (&At, &At),
    layout: &Layout,
    (key, key_name): (&SigningKey, &str),
    mut extra: impl FnMut(&mut Case, Stage<'_>) -> Result<()>,
) -> Option<Checked> {
    let env_at = ev.get("envelope");
    let env = match envelope_at(&env_at) {
        Ok(e) => e,
        Err(e) => {
            rep.broken("envelope", item, &e);
            return None;
        }
    };
    rep.case("envelope", item, |c| {
        check_envelope_rules(c, &env, env_at.path());
        extra(c, Stage::Envelope)
    });
    let rc = match recompute(&env, Some(key)) {
        Ok(rc) => rc,
        Err(e) => {
            rep.broken("jcs", item, &e);
            return None;
        }
    };
    rep.case("jcs", item, |c| {
        c.text(&values.get("payload_jcs"), &rc.jcs);
        if layout.lengths {
            c.hex(&values.get("payload_jcs_utf8_hex"), rc.jcs.as_bytes());
            c.num(&values.get("payload_jcs_utf8_len"), rc.jcs.len() as u64);
        }
        Ok(())
    });
    rep.case("payload_hash", item, |c| {
        if layout.payload_hash {
            c.hex(
                &values.get("payload_plain_hash"),
                &rc.env.payload_plain_hash,
            );
        }
        c.hex(
            &env_at.get("payload_plain_hash"),
            &rc.env.payload_plain_hash,
        );
        if layout.cipher_hash {
            c.hex(&values.get("payload_cipher_hash"), &ZERO_HASH);
        }
        Ok(())
    });
    rep.case("signing_preimage", item, |c| {
        c.hex(&values.get(layout.signing_preimage), &rc.preimage);
        if layout.lengths {
            c.num(
                &values.get("signing_preimage_len"),
                rc.preimage.len() as u64,
            );
        }
        Ok(())
    });
    rep.case("signing_hash", item, |c| {
        c.hex(&values.get("event_signing_hash"), &rc.signing_hash);
        Ok(())
    });
    rep.case("signature", item, |c| {
        c.hex(&values.get("agent_signature"), &rc.env.agent_signature);
        c.hex(&env_at.get("agent_signature"), &rc.env.agent_signature);
        c.require(env.verify_signature(&key.verifying_key()).is_ok(), || {
            format!(
                "{}.agent_signature: does not verify under {key_name}",
                env_at.path()
            )
        });
        Ok(())
    });
    let seq = match ev.get("sequence_number").u64() {
        Ok(s) => s,
        Err(e) => {
            rep.broken("leaf", item, &e);
            return None;
        }
    };
    // The leaf commits to the signature the server stored: the one in the envelope.
    let leaf = hash::leaf_hash(
        &env.tenant_id,
        &env.store_id,
        seq,
        &rc.signing_hash,
        &env.agent_signature,
    );
    rep.case("leaf", item, |c| {
        if layout.preimages {
            let pre = leaf_preimage(&env, seq, &rc.signing_hash);
            c.hex(&values.get("leaf_preimage_hex"), &pre);
            c.num(&values.get("leaf_preimage_len"), pre.len() as u64);
        }
        c.hex(&values.get("leaf_hash"), &leaf);
        extra(c, Stage::Leaf { seq })
    });
    let receipt = hash::receipt_hash(
        &env.tenant_id,
        &env.store_id,
        &env.event_id,
        seq,
        &rc.signing_hash,
    );
    rep.case("receipt_hash", item, |c| {
        if layout.preimages {
            c.hex(
                &values.get("receipt_preimage_hex"),
                &receipt_preimage(&env, seq, &rc.signing_hash),
            );
        }
        c.hex(&values.get("receipt_hash"), &receipt);
        extra(
            c,
            Stage::Receipt {
                env: &env,
                seq,
                receipt: &receipt,
            },
        )
    });
    Some(Checked {
        env,
        rc,
        seq,
        leaf,
        receipt,
    })
}
