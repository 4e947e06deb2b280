//! RFC 8785 (JCS) canonical JSON, through `serde_json_canonicalizer` 0.3, the crate the real
//! sequencer uses. Keys sort by UTF-16 code units; every number is written as the ECMAScript
//! form of an IEEE double, so integers beyond 2^53 become the nearest double (the server hashes
//! `{"big":9007199254740993}` as `{"big":9007199254740992}`, LIVE_OBSERVED §4).

use serde_json::Value;

use crate::error::{Error, Result};

/// The canonical form of a JSON value.
pub fn canonicalize(value: &Value) -> Result<String> {
    serde_json_canonicalizer::to_string(value).map_err(|e| Error::Payload(e.to_string()))
}

/// Parses JSON text the way the server does (serde_json, default features) and canonicalizes it.
pub fn canonicalize_text(text: &str) -> Result<String> {
    let value: Value = serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
    canonicalize(&value)
}

/// Rejects U+0000 anywhere in a payload (keys included): PostgreSQL TEXT/JSONB cannot store it.
pub fn check_no_nul(value: &Value, path: &str) -> Result<()> {
    match value {
        Value::String(s) if s.contains('\0') => Err(Error::NulCharacter {
            path: path.to_string(),
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_no_nul(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                return Err(Error::NulCharacter {
                    path: format!("{path} (a key)"),
                });
            }
            check_no_nul(v, &format!("{path}.{k}"))
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_from_the_sequencer_unit_tests() {
        let cases = [
            (
                r#"{"z":1,"a":2,"A":4,"ä":3}"#,
                r#"{"A":4,"a":2,"z":1,"ä":3}"#,
            ),
            ("1.0", "1"),
            ("100.0", "100"),
            ("-0.0", "0"),
            ("1e21", "1e+21"),
            ("1e-7", "1e-7"),
            ("0.000001", "0.000001"),
            (r#""a\nb\t\"\\/""#, r#""a\nb\t\"\\/""#),
            (r#""\u0007""#, r#""\u0007""#),
            ("9007199254740993", "9007199254740992"),
            ("[3,1,2]", "[3,1,2]"),
        ];
        for (input, want) in cases {
            assert_eq!(canonicalize_text(input).unwrap(), want, "input {input}");
        }
    }

    #[test]
    fn utf16_order_differs_from_utf8_order() {
        // U+E000 sorts after U+1F600 in UTF-8 but before it in UTF-16 (surrogates are D8xx).
        let got = canonicalize_text("{\"\u{E000}\":1,\"\u{1F600}\":2}").unwrap();
        assert_eq!(got, "{\"\u{1F600}\":2,\"\u{E000}\":1}");
    }

    #[test]
    fn nul_is_found_in_keys_and_nested_strings() {
        let v: Value = serde_json::from_str(r#"{"a":[1,{"b":"x\u0000"}]}"#).unwrap();
        let e = check_no_nul(&v, "payload").unwrap_err();
        assert_eq!(
            e,
            Error::NulCharacter {
                path: "payload.a[1].b".into()
            }
        );
        let v: Value = serde_json::from_str(r#"{"k\u0000":1}"#).unwrap();
        assert!(check_no_nul(&v, "payload").is_err());
    }
}
