//! # ves-wasm
//!
//! `ves-core` for JavaScript: the exact core that `ves conformance` and `ves vectors` test,
//! compiled to WebAssembly with wasm-bindgen, for Node.js and browsers (`make wasm`,
//! docs/WASM.md). Names follow `js/ves.js` where the two overlap. Errors are JavaScript `Error`s
//! carrying the core's messages; `check*` functions never throw and return `{ok, reason}`.
//!
//! This file is only the JavaScript boundary: values cross it as JSON text (one
//! `JSON.stringify`/`JSON.parse` per call) and the modules below do the work, so they are
//! tested on the host by `cargo test`.

pub mod check;
pub mod error;
pub mod event;
pub mod input;
pub mod inspect;

use js_sys::{Array, JsString, Uint8Array, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use ves_core::hexfmt::encode;
use ves_core::sign::SigningKey;
use ves_core::{hash, jcs as core_jcs, merkle, sign};

use crate::check::AnchorInput;
use crate::error::{Error, Result};

// ------------------------------------------------------------------ the JS boundary

fn js_err(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// `JSON.stringify(value)`; undefined, functions and BigInts are errors.
fn json_text(value: &JsValue, what: &str) -> Result<String, JsError> {
    let text = JSON::stringify(value)
        .map_err(|e| JsError::new(&format!("{what}: not JSON ({})", describe(&e))))?;
    text.as_string()
        .ok_or_else(|| JsError::new(&format!("{what}: expected a JSON value, found undefined")))
}

fn describe(e: &JsValue) -> String {
    js_sys::Error::from(e.clone())
        .message()
        .as_string()
        .unwrap_or_else(|| "unknown error".into())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))?;
    JSON::parse(&text).map_err(|e| JsError::new(&describe(&e)))
}

#[derive(Serialize)]
struct Verdict {
    ok: bool,
    reason: String,
}

fn verdict(r: Result<()>) -> JsValue {
    let v = match r {
        Ok(()) => Verdict {
            ok: true,
            reason: "ok".into(),
        },
        Err(e) => Verdict {
            ok: false,
            reason: e.to_string(),
        },
    };
    to_js(&v).unwrap_or(JsValue::NULL)
}

struct JsEnvironment;

impl event::Environment for JsEnvironment {
    fn random(&mut self, out: &mut [u8]) -> Result<()> {
        getrandom::getrandom(out)
            .map_err(|e| Error::Input(format!("no randomness for event ids: {e}")))
    }
    fn now(&mut self) -> String {
        now_rfc3339()
    }
}

#[cfg(target_arch = "wasm32")]
fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn now_rfc3339() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A JS number or BigInt as u64 (sequence numbers).
fn u64_arg(v: &JsValue, field: &str) -> Result<u64, JsError> {
    if let Some(n) = v.as_f64() {
        return input::u64_from_number(n, field).map_err(js_err);
    }
    if v.is_bigint() {
        let text: String = JsString::from(v.clone()).into();
        if let Ok(n) = text.parse::<u64>() {
            return Ok(n);
        }
    }
    Err(JsError::new(&format!(
        "{field}: expected an integer from 0 to 2^64-1 (a number or a BigInt)"
    )))
}

// ------------------------------------------------------------------ JCS and hashes

/// RFC 8785 canonical JSON of a JavaScript value.
#[wasm_bindgen]
pub fn jcs(value: &JsValue) -> Result<String, JsError> {
    core_jcs::canonicalize_text(&json_text(value, "jcs")?).map_err(|e| js_err(e.into()))
}

/// RFC 8785 canonical JSON of JSON text, parsed as the server parses it (serde_json).
#[wasm_bindgen(js_name = jcsText)]
pub fn jcs_text(text: &str) -> Result<String, JsError> {
    core_jcs::canonicalize_text(text).map_err(|e| js_err(e.into()))
}

/// payload_plain_hash of a payload (bare hex).
#[wasm_bindgen(js_name = payloadHash)]
pub fn payload_hash(payload: &JsValue) -> Result<String, JsError> {
    Ok(payload_hash_of_jcs(&jcs(payload)?))
}

/// payload_plain_hash of text that is already canonical (bare hex).
#[wasm_bindgen(js_name = payloadHashOfJcs)]
pub fn payload_hash_of_jcs(canonical_json: &str) -> String {
    encode(&hash::payload_plain_hash_from_jcs(canonical_json))
}

/// event_signing_hash of an envelope (bare hex).
#[wasm_bindgen(js_name = signingHash)]
pub fn signing_hash(event: &JsValue) -> Result<String, JsError> {
    let env = event::envelope(&json_text(event, "signingHash")?).map_err(js_err)?;
    Ok(encode(&env.signing_hash()))
}

/// The signing preimage bytes of an envelope.
#[wasm_bindgen(js_name = signingPreimage)]
pub fn signing_preimage(event: &JsValue) -> Result<Vec<u8>, JsError> {
    let env = event::envelope(&json_text(event, "signingPreimage")?).map_err(js_err)?;
    Ok(env.signing_preimage())
}

/// receipt_hash (bare hex).
#[wasm_bindgen(js_name = receiptHash)]
pub fn receipt_hash(
    tenant_id: &str,
    store_id: &str,
    event_id: &str,
    sequence_number: &JsValue,
    signing_hash_hex: &str,
) -> Result<String, JsError> {
    let seq = u64_arg(sequence_number, "sequence_number")?;
    let h = (|| -> Result<_> {
        Ok(hash::receipt_hash(
            &input::uuid(tenant_id, "tenant_id")?,
            &input::uuid(store_id, "store_id")?,
            &input::uuid(event_id, "event_id")?,
            seq,
            &input::hash(signing_hash_hex, "signing hash")?,
        ))
    })()
    .map_err(js_err)?;
    Ok(encode(&h))
}

/// Merkle leaf hash of a sequenced event (bare hex).
#[wasm_bindgen(js_name = leafHash)]
pub fn leaf_hash(
    tenant_id: &str,
    store_id: &str,
    sequence_number: &JsValue,
    signing_hash_hex: &str,
    signature_hex: &str,
) -> Result<String, JsError> {
    let seq = u64_arg(sequence_number, "sequence_number")?;
    let h = (|| -> Result<_> {
        Ok(hash::leaf_hash(
            &input::uuid(tenant_id, "tenant_id")?,
            &input::uuid(store_id, "store_id")?,
            seq,
            &input::hash(signing_hash_hex, "signing hash")?,
            &input::signature(signature_hex, "signature")?,
        ))
    })()
    .map_err(js_err)?;
    Ok(encode(&h))
}

/// Interior node hash of two children (bare hex).
#[wasm_bindgen(js_name = nodeHash)]
pub fn node_hash(left_hex: &str, right_hex: &str) -> Result<String, JsError> {
    let l = input::hash(left_hex, "left").map_err(js_err)?;
    let r = input::hash(right_hex, "right").map_err(js_err)?;
    Ok(encode(&hash::node_hash(&l, &r)))
}

/// stream_id of a (tenant, store) stream (bare hex).
#[wasm_bindgen(js_name = streamId)]
pub fn stream_id(tenant_id: &str, store_id: &str) -> Result<String, JsError> {
    let t = input::uuid(tenant_id, "tenant_id").map_err(js_err)?;
    let s = input::uuid(store_id, "store_id").map_err(js_err)?;
    Ok(encode(&hash::stream_id(&t, &s)))
}

/// A commitment's new_state_root (bare hex).
#[wasm_bindgen(js_name = stateRoot)]
#[allow(clippy::too_many_arguments)]
pub fn state_root(
    tenant_id: &str,
    store_id: &str,
    prev_state_root_hex: &str,
    merkle_root_hex: &str,
    sequence_start: &JsValue,
    sequence_end: &JsValue,
    leaf_count: u32,
) -> Result<String, JsError> {
    let start = u64_arg(sequence_start, "sequence_start")?;
    let end = u64_arg(sequence_end, "sequence_end")?;
    let h = (|| -> Result<_> {
        Ok(hash::state_root(
            &hash::stream_id(
                &input::uuid(tenant_id, "tenant_id")?,
                &input::uuid(store_id, "store_id")?,
            ),
            &input::hash(prev_state_root_hex, "prev_state_root")?,
            &input::hash(merkle_root_hex, "merkle_root")?,
            start,
            end,
            leaf_count,
        ))
    })()
    .map_err(js_err)?;
    Ok(encode(&h))
}

/// Store id of stream `index` of a run (index 0 is the base store id).
#[wasm_bindgen(js_name = streamStoreId)]
pub fn stream_store_id(base_store_id: &str, index: u32) -> Result<String, JsError> {
    let base = input::uuid(base_store_id, "store_id").map_err(js_err)?;
    Ok(ves_core::stream_store_id(&base, index).to_string())
}

// ------------------------------------------------------------------ keys and signatures

/// An Ed25519 signing key. Its seed never leaves WebAssembly memory through this API.
#[wasm_bindgen]
pub struct Signer {
    key: SigningKey,
}

#[wasm_bindgen]
impl Signer {
    /// 32-byte public key, bare lowercase hex (what register-key takes).
    #[wasm_bindgen(getter, js_name = publicKeyHex)]
    pub fn public_key_hex(&self) -> String {
        encode(self.key.verifying_key().as_bytes())
    }

    /// Signs the 32 raw bytes of a hash (hex, optional 0x); the signature as bare hex.
    pub fn sign(&self, hash_hex: &str) -> Result<String, JsError> {
        let h = input::hash(hash_hex, "hash to sign").map_err(js_err)?;
        Ok(encode(&sign::sign_hash(&self.key, &h)))
    }

    /// Signs arbitrary bytes (RFC 8032 PureEdDSA); the signature as bare hex.
    #[wasm_bindgen(js_name = signBytes)]
    pub fn sign_bytes(&self, message: &[u8]) -> String {
        encode(&sign::sign_message(&self.key, message))
    }
}

/// A signer from a 32-byte RFC 8032 seed (hex, optional 0x), or a fresh random key when the
/// seed is omitted (crypto.getRandomValues).
#[wasm_bindgen(js_name = createSigner)]
pub fn create_signer(seed_hex: Option<String>) -> Result<Signer, JsError> {
    let seed = match seed_hex {
        Some(s) => ves_core::hexfmt::decode_fixed::<32>(&s, "Ed25519 seed")
            .map_err(|e| js_err(e.into()))?,
        None => {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed)
                .map_err(|e| JsError::new(&format!("no randomness for a key: {e}")))?;
            seed
        }
    };
    Ok(Signer {
        key: sign::signing_key_from_seed(&seed),
    })
}

/// Public key (bare hex) of a 32-byte seed.
#[wasm_bindgen(js_name = publicKeyOf)]
pub fn public_key_of(seed_hex: &str) -> Result<String, JsError> {
    Ok(create_signer(Some(seed_hex.to_string()))?.public_key_hex())
}

/// Ed25519 verification as the server does it (`verify`, not `verify_strict`). The message is
/// hex (optional 0x) or bytes. Never throws: malformed input is `false`, as in js/ves.js.
#[wasm_bindgen]
pub fn verify(public_key_hex: &str, message: &JsValue, signature_hex: &str) -> bool {
    let bytes = if let Some(s) = message.as_string() {
        match hex::decode(s.strip_prefix("0x").unwrap_or(&s)) {
            Ok(b) => b,
            Err(_) => return false,
        }
    } else if message.is_instance_of::<Uint8Array>() {
        Uint8Array::from(message.clone()).to_vec()
    } else {
        return false;
    };
    let Ok(key) = sign::verifying_key_from_hex(public_key_hex) else {
        return false;
    };
    let Ok(sig) = input::signature(signature_hex, "signature") else {
        return false;
    };
    sign::verify_message(&key, &bytes, &sig).is_ok()
}

// ------------------------------------------------------------------ events and batches

fn events_to_js(events: &[ves_core::EventEnvelope]) -> Result<JsValue, JsError> {
    to_js(&events)
}

/// Builds and signs one envelope from `EventFields` (event_id and created_at default to a
/// random v4 UUID and now).
#[wasm_bindgen(js_name = buildEvent)]
pub fn build_event(signer: &Signer, fields: &JsValue) -> Result<JsValue, JsError> {
    let list = Array::of1(fields);
    let events = event::build_events(
        &signer.key,
        &json_text(&list, "buildEvent")?,
        &mut JsEnvironment,
    )
    .map_err(js_err)?;
    to_js(&events[0])
}

/// Builds and signs many envelopes.
#[wasm_bindgen(js_name = buildEvents)]
pub fn build_events(signer: &Signer, fields_list: &JsValue) -> Result<JsValue, JsError> {
    let events = event::build_events(
        &signer.key,
        &json_text(fields_list, "buildEvents")?,
        &mut JsEnvironment,
    )
    .map_err(js_err)?;
    events_to_js(&events)
}

/// Builds, signs and serializes a batch: `{events, body}`, the body being the ingest request
/// `{"agentId":…,"events":[…]}` and `events` parsed from that same body.
#[wasm_bindgen(js_name = buildBatch)]
pub fn build_batch(
    signer: &Signer,
    agent_id: &str,
    fields_list: &JsValue,
) -> Result<JsValue, JsError> {
    let body = event::build_batch(
        &signer.key,
        agent_id,
        &json_text(fields_list, "buildBatch")?,
        &mut JsEnvironment,
    )
    .map_err(js_err)?;
    let parsed = JSON::parse(&body).map_err(|e| JsError::new(&describe(&e)))?;
    let events = js_sys::Reflect::get(&parsed, &JsValue::from_str("events"))
        .map_err(|e| JsError::new(&describe(&e)))?;
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"events".into(), &events)
        .map_err(|e| JsError::new(&describe(&e)))?;
    js_sys::Reflect::set(&out, &"body".into(), &body.into())
        .map_err(|e| JsError::new(&describe(&e)))?;
    Ok(out.into())
}

/// The ingest request body for envelopes (checked by the core: 1 to 1000 valid envelopes).
#[wasm_bindgen(js_name = ingestBody)]
pub fn ingest_body(agent_id: &str, events: &JsValue) -> Result<String, JsError> {
    event::ingest_body(agent_id, &json_text(events, "ingestBody")?).map_err(js_err)
}

/// Re-signs an envelope as it is; returns a new envelope.
#[wasm_bindgen(js_name = signEvent)]
pub fn sign_event(signer: &Signer, envelope: &JsValue) -> Result<JsValue, JsError> {
    let env = event::sign_event(&signer.key, &json_text(envelope, "signEvent")?).map_err(js_err)?;
    to_js(&env)
}

// ------------------------------------------------------------------ receipts, proofs, chain

/// Checks a receipt against the envelope that was sent: `{ok, reason}`, never throws.
#[wasm_bindgen(js_name = checkReceipt)]
pub fn check_receipt(
    event: &JsValue,
    receipt: &JsValue,
    sequencer_public_key_hex: Option<String>,
) -> JsValue {
    verdict((|| {
        let e = json_text(event, "event").map_err(|e| Error::Input(describe(&e.into())))?;
        let r = json_text(receipt, "receipt").map_err(|e| Error::Input(describe(&e.into())))?;
        check::check_receipt(
            &e,
            &r,
            sequencer_public_key_hex
                .as_deref()
                .filter(|k| !k.is_empty()),
        )
    })())
}

/// True when the receipt matches the event (and, with a key, is signed by it).
#[wasm_bindgen(js_name = verifyReceipt)]
pub fn verify_receipt(
    event: &JsValue,
    receipt: &JsValue,
    sequencer_public_key_hex: Option<String>,
) -> bool {
    is_ok(&check_receipt(event, receipt, sequencer_public_key_hex))
}

fn is_ok(v: &JsValue) -> bool {
    js_sys::Reflect::get(v, &"ok".into())
        .map(|b| b.is_truthy())
        .unwrap_or(false)
}

/// Padded size and depth of a tree of `leafCount` leaves.
#[wasm_bindgen(js_name = treeShape)]
pub fn tree_shape(leaf_count: &JsValue) -> Result<JsValue, JsError> {
    let n = u64_arg(leaf_count, "leafCount")?;
    // The core's checks and messages (count 0, too large), with the shape it implies.
    let padded = n.checked_next_power_of_two().unwrap_or(0);
    let head =
        merkle::TreeHead::new([0u8; 32], n, Some(padded), None).map_err(|e| js_err(e.into()))?;
    #[derive(Serialize)]
    struct Shape {
        padded_leaf_count: u64,
        tree_depth: u32,
    }
    to_js(&Shape {
        padded_leaf_count: 1u64 << head.tree_depth,
        tree_depth: head.tree_depth,
    })
}

fn leaves_arg(leaves: &JsValue) -> Result<Vec<ves_core::Hash>, JsError> {
    let list: Vec<String> =
        error::from_json(&json_text(leaves, "leaves")?, "leaves").map_err(js_err)?;
    list.iter()
        .enumerate()
        .map(|(i, h)| input::hash(h, &format!("leaves[{i}]")).map_err(js_err))
        .collect()
}

/// Merkle root of leaf hashes (bare hex; zeros for no leaves).
#[wasm_bindgen(js_name = merkleRoot)]
pub fn merkle_root(leaves: &JsValue) -> Result<String, JsError> {
    Ok(encode(&merkle::merkle_root(&leaves_arg(leaves)?)))
}

/// All levels, padded leaves first, root last (bare hex).
#[wasm_bindgen(js_name = merkleLevels)]
pub fn merkle_levels(leaves: &JsValue) -> Result<JsValue, JsError> {
    let tree = merkle::MerkleTree::new(leaves_arg(leaves)?);
    let levels: Vec<Vec<String>> = tree
        .levels()
        .iter()
        .map(|l| l.iter().map(|h| encode(h)).collect())
        .collect();
    to_js(&levels)
}

/// Inclusion proof of leaf `index`, in the server's shape (with leaf_hash and merkle_root).
#[wasm_bindgen(js_name = merkleProof)]
pub fn merkle_proof(leaves: &JsValue, index: &JsValue) -> Result<JsValue, JsError> {
    let leaves = leaves_arg(leaves)?;
    let i = u64_arg(index, "index")?;
    let tree = merkle::MerkleTree::new(leaves.clone());
    let proof = tree.proof(i).ok_or_else(|| {
        js_err(
            ves_core::ProofError::IndexOutOfRange {
                index: i,
                leaf_count: leaves.len() as u64,
            }
            .into(),
        )
    })?;
    #[derive(Serialize)]
    struct Out<'a> {
        leaf_index: u64,
        leaf_hash: String,
        merkle_root: String,
        proof_path: Vec<String>,
        directions: &'a [bool],
    }
    to_js(&Out {
        leaf_index: i,
        leaf_hash: encode(&leaves[i as usize]),
        merkle_root: encode(&tree.root()),
        proof_path: proof.proof_path.iter().map(|h| encode(h)).collect(),
        directions: proof.directions.as_deref().unwrap_or_default(),
    })
}

fn inclusion(proof: &JsValue, leaf_hash_hex: &str, root_or_commitment: &JsValue) -> Result<()> {
    let p = json_text(proof, "proof").map_err(|e| Error::Input(describe(&e.into())))?;
    if let Some(root) = root_or_commitment.as_string() {
        check::check_inclusion(&p, leaf_hash_hex, AnchorInput::Root(&root))
    } else {
        let c = json_text(root_or_commitment, "commitment")
            .map_err(|e| Error::Input(describe(&e.into())))?;
        check::check_inclusion(&p, leaf_hash_hex, AnchorInput::Commitment(&c))
    }
}

/// Verifies an inclusion proof against a root (hex string) or a commitment (object with
/// merkle_root, leaf_count and tree_depth or padded_leaf_count): `{ok, reason}`, never throws.
#[wasm_bindgen(js_name = checkInclusion)]
pub fn check_inclusion(
    proof: &JsValue,
    leaf_hash_hex: &str,
    root_or_commitment: &JsValue,
) -> JsValue {
    verdict(inclusion(proof, leaf_hash_hex, root_or_commitment))
}

/// True when the proof is valid; see `checkInclusion`.
#[wasm_bindgen(js_name = verifyInclusion)]
pub fn verify_inclusion(
    proof: &JsValue,
    leaf_hash_hex: &str,
    root_or_commitment: &JsValue,
) -> bool {
    inclusion(proof, leaf_hash_hex, root_or_commitment).is_ok()
}

/// Checks commitments of one stream, in order: contiguous ranges, each prev_state_root equal
/// to the previous new_state_root, every state root recomputed; with `genesis`, the first
/// must start the stream (zero prev_state_root). `{ok, reason}`, never throws.
#[wasm_bindgen(js_name = checkChain)]
pub fn check_chain(commitments: &JsValue, genesis: bool) -> JsValue {
    verdict((|| {
        let c =
            json_text(commitments, "commitments").map_err(|e| Error::Input(describe(&e.into())))?;
        check::check_chain(&c, genesis)
    })())
}

/// The proof inspector's report: `{proof, commitment?, root?, event?: {signing_hash,
/// signature}}` in, the verdict and every level of the walk out (docs/WASM.md).
#[wasm_bindgen(js_name = inspectProof)]
pub fn inspect_proof(input: &JsValue) -> Result<JsValue, JsError> {
    let report = inspect::inspect(&json_text(input, "inspectProof")?).map_err(js_err)?;
    to_js(&report)
}

/// The version of this package (the workspace version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
