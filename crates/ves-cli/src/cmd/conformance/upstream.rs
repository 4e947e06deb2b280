//! The two upstream files, copied verbatim from stateset-sequencer: `ves_sig_1_test_vectors.json`
//! (keys, domain prefixes, encodings, JCS, RFC 8032 signatures, preimage and leaf layouts) and
//! `ves_enc_1_test_vectors.json` (JCS and the plaintext parts). Their `COMPUTE_FROM_IMPLEMENTATION`
//! / `IMPLEMENTATION_SPECIFIC` placeholders and known errors are compared with the KAT's values
//! (`upstream_vector_corrections`, payload hashes, worked example) when a KAT is at hand, and
//! skipped with the reason otherwise.

use anyhow::{anyhow, bail, Result};
use serde_json::Value;
use ves_core::hash::{self, ZERO_HASH};
use ves_core::sign::{self, SigningKey};
use ves_core::{hexfmt, jcs, EventEnvelope};

use super::report::Report;
use super::{core_domain, recompute, Reference};
use crate::json::At;

const SIG1: &str = "ves_sig_1_test_vectors.json";
const ENC1: &str = "ves_enc_1_test_vectors.json";

fn is_placeholder(s: &str) -> bool {
    matches!(s, "COMPUTE_FROM_IMPLEMENTATION" | "IMPLEMENTATION_SPECIFIC")
}

/// The KAT's corrected value for `path` of upstream `file`, if any.
fn correction<'a>(reference: Option<&Reference<'a>>, file: &str, path: &str) -> Option<At<'a>> {
    let list = reference?
        .kat
        .get("upstream_vector_corrections")?
        .as_array()?;
    list.iter()
        .find(|c| {
            c.get("file").and_then(Value::as_str) == Some(file)
                && c.get("path").and_then(Value::as_str) == Some(path)
        })
        .and_then(|c| c.get("correct"))
        .map(|v| At::named(v, format!("upstream_vector_corrections[{path}].correct")))
}

/// The byte sizes in layout lines such as `"entity_type enc_str (4 + 13 bytes)"`, summed.
fn layout_bytes(lines: &[At]) -> Result<u64> {
    let mut total = 0;
    for line in lines {
        let s = line.str()?;
        let inner = s
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.strip_suffix("bytes)"))
            .ok_or_else(|| anyhow!("{}: expected \"… (N bytes)\", found {s:?}", line.path()))?;
        for part in inner.split('+') {
            total += part
                .trim()
                .parse::<u64>()
                .map_err(|_| anyhow!("{}: cannot read the size in {s:?}", line.path()))?;
        }
    }
    Ok(total)
}

fn check_separators(rep: &mut Report, values: &At, file: &str, reference: Option<&Reference>) {
    let names: Vec<String> = match values.obj() {
        Ok(m) => m.keys().cloned().collect(),
        Err(e) => return rep.broken("domain_prefixes", values.path(), &e),
    };
    let mut corrected = 0;
    for name in names {
        let at = values.get(&name);
        rep.case("domain_prefixes", &name, |c| {
            let ascii = at.get("ascii").str()?;
            let bytes = core_domain(ascii).unwrap_or(ascii.as_bytes());
            c.hex(&at.get("hex"), bytes);
            let path = format!("domain_separators.values.{name}.length");
            match correction(reference, file, &path) {
                Some(fix) => {
                    corrected += 1;
                    c.num(&fix, bytes.len() as u64);
                }
                None => {
                    let before = at.get("length").u64().ok();
                    c.num(&at.get("length"), bytes.len() as u64);
                    c.require(before.map_or(true, |n| n == bytes.len() as u64), || {
                        "hint: a known upstream error; put ves_v1_computed_kat.json beside the file or on the command line to apply its corrections".into()
                    });
                }
            }
            Ok(())
        });
    }
    if corrected > 0 {
        if let Some(r) = reference {
            rep.note(
                "domain_prefixes",
                format!(
                    "{corrected} wrong upstream lengths replaced by the corrections in {}",
                    r.name
                ),
            );
        }
    }
}

pub fn check_sig1(rep: &mut Report, root: &Value, reference: Option<&Reference>) {
    let r = At::root(root);
    let mut keys: Vec<(String, SigningKey)> = Vec::new();
    match r.get("key_generation").get("vectors").arr() {
        Ok(vectors) => {
            for v in &vectors {
                let name = v.get("name").str().unwrap_or("?").to_string();
                rep.case("keys", &name, |c| {
                    let key = sign::signing_key_from_seed(&v.get("seed_hex").hex::<32>()?);
                    c.hex(&v.get("public_key_hex"), key.verifying_key().as_bytes());
                    c.hex(&v.get("private_key_hex"), &key.to_bytes());
                    keys.push((name.clone(), key));
                    Ok(())
                });
            }
        }
        Err(e) => rep.broken("keys", "key_generation", &e),
    }
    check_separators(
        rep,
        &r.get("domain_separators").get("values"),
        SIG1,
        reference,
    );
    check_encodings(rep, &r.get("encoding_primitives"));
    check_sig1_payloads(rep, &r, reference);
    check_sig1_preimage(rep, &r, reference);
    check_sig1_signatures(rep, &r);
    let full = check_full_signing_test(rep, &r, reference);
    check_verification_cases(rep, &r, full.as_ref(), &keys);
    rep.case("leaf_layout", "merkle_leaf_integration", |c| {
        let m = r.get("merkle_leaf_integration");
        let mut pre = Vec::new();
        hash::write_leaf_preimage(
            &mut pre,
            &uuid::Uuid::nil(),
            &uuid::Uuid::nil(),
            1,
            &ZERO_HASH,
            &[0; 64],
        );
        c.num(&m.get("total_bytes"), pre.len() as u64);
        let parts = m.get("leaf_preimage_structure").arr()?;
        let sum = layout_bytes(&parts)?;
        c.require(sum == pre.len() as u64, || {
            format!(
                "{}: sizes add up to {sum}, expected {}",
                m.get("leaf_preimage_structure").path(),
                pre.len()
            )
        });
        Ok(())
    });
    match r.get("key_registry").get("sample_entries").arr() {
        Ok(entries) => {
            for e in &entries {
                rep.case("key_registry", e.path(), |c| {
                    let public = e.get("public_key_hex").str()?;
                    sign::verifying_key_from_hex(public)
                        .map_err(|err| anyhow!("{}: {err}", e.get("public_key_hex").path()))?;
                    let known = keys.iter().any(|(_, k)| {
                        hexfmt::encode(k.verifying_key().as_bytes()) == public.to_ascii_lowercase()
                    });
                    c.require(known, || {
                        format!(
                            "{}: not one of the key_generation public keys",
                            e.get("public_key_hex").path()
                        )
                    });
                    Ok(())
                });
            }
            rep.skip(
                "key_registry status",
                "active/revoked/validity windows are server state, not computable offline",
            );
        }
        Err(e) => rep.broken("key_registry", "key_registry", &e),
    }
    rep.skip("validation_checklist", "prose rules, no values");
}

fn check_encodings(rep: &mut Report, enc: &At) {
    let groups = ["u32_be", "u64_be", "enc_str", "uuid_bytes"];
    for group in groups {
        let cases = match enc.get(group).arr() {
            Ok(c) => c,
            Err(e) => {
                rep.broken("encodings", group, &e);
                continue;
            }
        };
        for v in &cases {
            rep.case("encodings", v.path(), |c| {
                let mut out: Vec<u8> = Vec::new();
                match group {
                    "u32_be" => {
                        let n = v.get("input").u64()?;
                        let n = u32::try_from(n)
                            .map_err(|_| anyhow!("{}: {n} does not fit in u32", v.path()))?;
                        out.extend_from_slice(&n.to_be_bytes());
                    }
                    "u64_be" => out.extend_from_slice(&v.get("input").u64()?.to_be_bytes()),
                    "enc_str" => hash::put_enc_str(&mut out, v.get("input").str()?),
                    _ => {
                        let u: uuid::Uuid = v
                            .get("uuid")
                            .str()?
                            .parse()
                            .map_err(|e| anyhow!("{}: {e}", v.get("uuid").path()))?;
                        hash::put_uuid(&mut out, &u);
                    }
                }
                c.hex(&v.get("expected_hex"), &out);
                Ok(())
            });
        }
    }
}

fn check_sig1_payloads(rep: &mut Report, r: &At, reference: Option<&Reference>) {
    let vectors = match r.get("payload_plain_hash").get("vectors").arr() {
        Ok(v) => v,
        Err(e) => return rep.broken("jcs", "payload_plain_hash", &e),
    };
    let kat_vectors: Vec<&Value> = reference
        .and_then(|k| k.kat.get("payload_plain_hash")?.get("vectors")?.as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut skipped = 0;
    for v in &vectors {
        let name = v.get("name").str().unwrap_or("?").to_string();
        let canon = match v
            .get("payload")
            .req()
            .and_then(|p| jcs::canonicalize(p).map_err(|e| anyhow!("{e}")))
        {
            Ok(c) => c,
            Err(e) => {
                rep.broken("jcs", &name, &e);
                continue;
            }
        };
        rep.case("jcs", &name, |c| {
            c.text(&v.get("canonical_json"), &canon);
            Ok(())
        });
        let want = hash::payload_plain_hash_from_jcs(&canon);
        let given = v.get("expected_hash_hex");
        if given.str().is_ok_and(is_placeholder) {
            // The KAT's payload vector with the same canonical JSON stands in.
            let stand_in = kat_vectors
                .iter()
                .find(|k| k.get("jcs").and_then(Value::as_str) == Some(canon.as_str()));
            match stand_in {
                Some(k) => {
                    rep.case("payload_hash", &name, |c| {
                        c.hex(
                            &At::named(&k["payload_plain_hash"], "(KAT) payload_plain_hash"),
                            &want,
                        );
                        Ok(())
                    });
                }
                None => skipped += 1,
            }
        } else {
            rep.case("payload_hash", &name, |c| {
                c.hex(&given, &want);
                Ok(())
            });
        }
    }
    match (skipped, reference) {
        (0, Some(k)) => rep.note("payload_hash", format!("upstream placeholders; compared with {}", k.name)),
        (0, None) => {}
        (n, _) => rep.skip(
            "payload_hash",
            format!("{n} expected_hash_hex values are COMPUTE_FROM_IMPLEMENTATION placeholders and no ves_v1_computed_kat.json has them"),
        ),
    }
}

fn check_sig1_preimage(rep: &mut Report, r: &At, reference: Option<&Reference>) {
    let p = r.get("event_signing_params");
    let t = p.get("test_event");
    let env = super::envelope_from_fields(
        &t,
        &t.get("payload_plain_hash_hex"),
        &t.get("payload_cipher_hash_hex"),
    );
    let env = match env {
        Ok(e) => e,
        Err(e) => return rep.broken("signing_preimage", "event_signing_params", &e),
    };
    let len = env.signing_preimage().len() as u64;
    rep.case("signing_preimage", "event_signing_params.preimage_structure", |c| {
        let sum = layout_bytes(&p.get("preimage_structure").arr()?)?;
        c.require(sum == len, || format!("event_signing_params.preimage_structure: sizes add up to {sum}, the preimage has {len} bytes"));
        Ok(())
    });
    match correction(reference, SIG1, "event_signing_params.preimage_total_bytes") {
        Some(fix) => {
            rep.case("signing_preimage", "event_signing_params.preimage_total_bytes", |c| {
                c.num(&fix, len);
                Ok(())
            });
            if let Some(k) = reference {
                rep.note("signing_preimage", format!("upstream preimage_total_bytes (218, wrong) replaced by the correction in {}", k.name));
            }
        }
        None => rep.skip(
            "signing_preimage total",
            format!("upstream preimage_total_bytes is a known error (README: 218, really {len}) and no ves_v1_computed_kat.json correction is at hand"),
        ),
    }
}

fn check_sig1_signatures(rep: &mut Report, r: &At) {
    let s = r.get("ed25519_signatures");
    match s.get("vectors").arr() {
        Ok(vectors) => {
            for v in &vectors {
                let name = v.get("name").str().unwrap_or("?").to_string();
                rep.case("signatures", &name, |c| {
                    let key = sign::signing_key_from_seed(&v.get("private_key_hex").hex::<32>()?);
                    c.hex(&v.get("public_key_hex"), key.verifying_key().as_bytes());
                    let msg = hex_bytes(&v.get("message_hex"))?;
                    c.hex(&v.get("signature_hex"), &sign::sign_message(&key, &msg));
                    Ok(())
                });
            }
        }
        Err(e) => rep.broken("signatures", "ed25519_signatures", &e),
    }
    rep.case("signatures", "determinism_test", |c| {
        let d = s.get("determinism_test");
        let key = sign::signing_key_from_seed(&d.get("private_key_hex").hex::<32>()?);
        let msg = hex_bytes(&d.get("message_hex"))?;
        let (a, b) = (
            sign::sign_message(&key, &msg),
            sign::sign_message(&key, &msg),
        );
        c.require(a == b, || {
            "two signatures of the same message differ".into()
        });
        c.require(
            sign::verify_message(&key.verifying_key(), &msg, &a).is_ok(),
            || "the signature does not verify".into(),
        );
        Ok(())
    });
}

fn hex_bytes(at: &At) -> Result<Vec<u8>> {
    let s = at.str()?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| anyhow!("{}: expected hex, found {s:?} ({e})", at.path()))
}

/// The full signing test's event, signed with its key: (envelope, signing hash, key).
struct FullTest {
    env: EventEnvelope,
    key: SigningKey,
}

fn check_full_signing_test(
    rep: &mut Report,
    r: &At,
    reference: Option<&Reference>,
) -> Option<FullTest> {
    let f = r.get("full_signing_test");
    let built = (|| -> Result<(EventEnvelope, SigningKey)> {
        let key = sign::signing_key_from_seed(&f.get("private_key_hex").hex::<32>()?);
        let mut obj = f.get("event").obj()?.clone();
        obj.insert(
            "payload_plain_hash".into(),
            Value::String(hexfmt::encode(&ZERO_HASH)),
        );
        obj.insert(
            "payload_cipher_hash".into(),
            Value::String(hexfmt::encode(&ZERO_HASH)),
        );
        obj.insert("agent_signature".into(), Value::String("00".repeat(64)));
        let env: EventEnvelope = serde_json::from_value(Value::Object(obj))
            .map_err(|e| anyhow!("{}: {e}", f.get("event").path()))?;
        Ok((env, key))
    })();
    let (env, key) = match built {
        Ok(x) => x,
        Err(e) => {
            rep.broken("full_signing_test", "full_signing_test", &e);
            return None;
        }
    };
    let rc = match recompute(&env, Some(&key)) {
        Ok(rc) => rc,
        Err(e) => {
            rep.broken("full_signing_test", "full_signing_test", &e);
            return None;
        }
    };
    let expected = f.get("expected");
    let placeholders = [
        "payload_plain_hash_hex",
        "event_signing_hash_hex",
        "agent_signature_hex",
    ]
    .iter()
    .filter(|k| expected.get(k).str().is_ok_and(is_placeholder))
    .count();
    // The KAT's worked example signs the same event with the same key.
    let stand_in = reference.and_then(|k| {
        k.kat
            .get("worked_example")?
            .get("events")?
            .as_array()?
            .iter()
            .find(|e| {
                e.get("envelope")
                    .and_then(|v| serde_json::from_value::<EventEnvelope>(v.clone()).ok())
                    .as_ref()
                    == Some(&rc.env)
            })
            .map(|e| (e, k.name.clone()))
    });
    rep.case("full_signing_test", "full_signing_test", |c| {
        c.hex(&f.get("public_key_hex"), key.verifying_key().as_bytes());
        c.hex(
            &expected.get("payload_cipher_hash_hex"),
            &rc.env.payload_cipher_hash,
        );
        let values: [(&str, Vec<u8>); 3] = [
            ("payload_plain_hash_hex", rc.env.payload_plain_hash.to_vec()),
            ("event_signing_hash_hex", rc.signing_hash.to_vec()),
            ("agent_signature_hex", rc.env.agent_signature.to_vec()),
        ];
        for (field, bytes) in values {
            let at = expected.get(field);
            if !at.str().is_ok_and(is_placeholder) {
                c.hex(&at, &bytes);
            } else if let Some((kat_event, _)) = &stand_in {
                let kat_field = match field {
                    "payload_plain_hash_hex" => kat_event["envelope"]["payload_plain_hash"].clone(),
                    "event_signing_hash_hex" => kat_event["event_signing_hash"].clone(),
                    _ => kat_event["agent_signature"].clone(),
                };
                c.hex(
                    &At::named(&kat_field, format!("(KAT worked example) {field}")),
                    &bytes,
                );
            }
        }
        Ok(())
    });
    match (&stand_in, placeholders) {
        (_, 0) => {}
        (Some((_, name)), n) => rep.note("full_signing_test", format!("{n} placeholders compared with the same event in {name}'s worked example")),
        (None, n) => rep.skip("full_signing_test placeholders", format!("{n} COMPUTE_FROM_IMPLEMENTATION values and no KAT worked example signs the same event")),
    }
    Some(FullTest { env: rc.env, key })
}

fn check_verification_cases(
    rep: &mut Report,
    r: &At,
    full: Option<&FullTest>,
    keys: &[(String, SigningKey)],
) {
    let cases = match r.get("verification_test_cases").get("invalid_cases").arr() {
        Ok(c) => c,
        Err(e) => return rep.broken("verification_cases", "verification_test_cases", &e),
    };
    let mut not_offline = Vec::new();
    for case in &cases {
        let name = case.get("name").str().unwrap_or("?").to_string();
        if !matches!(
            name.as_str(),
            "tampered_payload" | "wrong_public_key" | "tampered_signature"
        ) {
            not_offline.push(name);
            continue;
        }
        rep.case("verification_cases", &name, |c| {
            let Some(full) = full else {
                bail!(
                    "full_signing_test is unreadable, so there is no signed event to tamper with"
                );
            };
            let public = full.key.verifying_key();
            c.require(full.env.verify_signature(&public).is_ok(), || {
                "the untampered event does not verify".into()
            });
            let rejected = match name.as_str() {
                "tampered_payload" => {
                    let mut env = full.env.clone();
                    if let Some(Value::Object(m)) = env.payload.as_mut() {
                        m.insert("tampered".into(), Value::Bool(true));
                    }
                    env.compute_payload_plain_hash().ok() != Some(env.payload_plain_hash)
                }
                "wrong_public_key" => {
                    let other = keys
                        .iter()
                        .map(|(_, k)| k.verifying_key())
                        .find(|k| *k != public);
                    let other = other.ok_or_else(|| anyhow!("no second key in key_generation"))?;
                    full.env.verify_signature(&other).is_err()
                }
                _ => {
                    let mut env = full.env.clone();
                    env.agent_signature[1] ^= 1;
                    env.verify_signature(&public).is_err()
                }
            };
            c.require(rejected, || {
                format!("{name}: the tampered event was not rejected")
            });
            Ok(())
        });
    }
    if !not_offline.is_empty() {
        rep.skip(
            "verification_cases registry",
            format!(
                "{} need the server's key registry and clock",
                not_offline.join(", ")
            ),
        );
    }
}

pub fn check_enc1(rep: &mut Report, root: &Value, reference: Option<&Reference>) {
    let r = At::root(root);
    match r.get("canonicalization").get("vectors").arr() {
        Ok(vectors) => {
            for v in &vectors {
                let name = v.get("name").str().unwrap_or("?").to_string();
                rep.case("jcs", &name, |c| {
                    let canon =
                        jcs::canonicalize(v.get("input").req()?).map_err(|e| anyhow!("{e}"))?;
                    c.text(&v.get("expected"), &canon);
                    Ok(())
                });
            }
        }
        Err(e) => rep.broken("jcs", "canonicalization", &e),
    }
    check_separators(
        rep,
        &r.get("domain_separators").get("values"),
        ENC1,
        reference,
    );
    match r.get("payload_plain_hash").get("vectors").arr() {
        Ok(vectors) => {
            let mut skipped = 0;
            for (i, v) in vectors.iter().enumerate() {
                let name = v.get("name").str().unwrap_or("?").to_string();
                let computed = (|| -> Result<(String, [u8; 32])> {
                    let canon =
                        jcs::canonicalize(v.get("payload").req()?).map_err(|e| anyhow!("{e}"))?;
                    let h = if v.get("salt_hex").exists() {
                        hash::payload_plain_hash_salted(&v.get("salt_hex").hex::<16>()?, &canon)
                    } else {
                        hash::payload_plain_hash_from_jcs(&canon)
                    };
                    Ok((canon, h))
                })();
                let (canon, h) = match computed {
                    Ok(x) => x,
                    Err(e) => {
                        rep.broken("jcs", &name, &e);
                        continue;
                    }
                };
                rep.case("jcs", &name, |c| {
                    c.text(&v.get("canonical_json"), &canon);
                    Ok(())
                });
                match correction(
                    reference,
                    ENC1,
                    &format!("payload_plain_hash.vectors[{i}].expected_hash"),
                ) {
                    Some(fix) => {
                        rep.case("payload_hash", &name, |c| {
                            c.hex(&fix, &h);
                            Ok(())
                        });
                    }
                    None => skipped += 1,
                }
            }
            match (skipped, reference) {
                (0, Some(k)) => rep.note("payload_hash", format!("upstream expected_hash values are fabricated; compared with the corrections in {}", k.name)),
                (0, None) => {}
                (n, _) => rep.skip("payload_hash", format!("{n} upstream expected_hash values are fabricated placeholders (vectors README) and no ves_v1_computed_kat.json correction is at hand")),
            }
        }
        Err(e) => rep.broken("payload_hash", "payload_plain_hash", &e),
    }
    let full = r.get("full_encryption");
    if full.exists() {
        rep.case("jcs", "full_encryption.intermediate_values", |c| {
            let canon =
                jcs::canonicalize(full.get("payload").req()?).map_err(|e| anyhow!("{e}"))?;
            c.text(
                &full.get("intermediate_values").get("canonical_json"),
                &canon,
            );
            Ok(())
        });
    }
    rep.skip("base64url", "only VES-ENC-1 encrypted payloads use base64url, and ves-core (plaintext VES v1) has no base64url");
    rep.skip("encryption", "hpke_key_pairs, full_encryption hashes, aead_test_vectors, error_cases: VES-ENC-1 encrypted payloads are out of scope (VES_V1.md §2.4), and their hashes are IMPLEMENTATION_SPECIFIC placeholders");
    rep.skip("validation_checklist", "prose rules, no values");
}
