//! Hex as VES writes it: envelopes carry `0x` + lowercase hex, the server's outputs carry bare
//! lowercase hex, and both forms (any case) are accepted on input.

use crate::error::{Error, Result};

/// Lowercase hex, no prefix (the server's output form).
pub fn encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// `0x` + lowercase hex (the envelope form).
pub fn encode_prefixed(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    s.push_str(&hex::encode(bytes));
    s
}

/// Decodes exactly `N` bytes of hex, with or without `0x`/`0X`, in either case.
pub fn decode_fixed<const N: usize>(s: &str, field: &str) -> Result<[u8; N]> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    let mut out = [0u8; N];
    match hex::decode_to_slice(digits, &mut out) {
        Ok(()) => Ok(out),
        Err(e) => Err(Error::Hex {
            field: field.to_string(),
            expected_bytes: N,
            found: describe(s, &e),
        }),
    }
}

fn describe(s: &str, e: &hex::FromHexError) -> String {
    let shown: String = s.chars().take(20).collect();
    let ellipsis = if s.chars().count() > 20 { "…" } else { "" };
    match e {
        hex::FromHexError::InvalidHexCharacter { c, index } => {
            format!("{shown:?}{ellipsis} (non-hex character {c:?} at {index})")
        }
        _ => format!("{} hex digits", s.trim_start_matches("0x").len()),
    }
}

/// serde adapters for fixed-size byte arrays.
pub mod serde_hex {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    fn de<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<[u8; N], D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::decode_fixed::<N>(&s, "").map_err(|e| D::Error::custom(without_field(e)))
    }

    /// serde already reports the field path; keep only "expected …, found …".
    fn without_field(e: crate::error::Error) -> String {
        let msg = e.to_string();
        msg.strip_prefix(": ").unwrap_or(&msg).to_string()
    }

    /// `0x`-prefixed on output (envelopes).
    pub mod prefixed {
        use super::*;
        pub fn serialize<S: Serializer, const N: usize>(
            v: &[u8; N],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.serialize_str(&crate::hexfmt::encode_prefixed(v))
        }
        pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
            d: D,
        ) -> Result<[u8; N], D::Error> {
            de(d)
        }
    }

    /// Bare on output (receipts, commitments, proofs).
    pub mod bare {
        use super::*;
        pub fn serialize<S: Serializer, const N: usize>(
            v: &[u8; N],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.serialize_str(&crate::hexfmt::encode(v))
        }
        pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
            d: D,
        ) -> Result<[u8; N], D::Error> {
            de(d)
        }
    }

    /// A list of 32-byte hashes, bare on output (`proof_path`).
    pub mod bare_vec {
        use super::*;
        use serde::ser::SerializeSeq;
        pub fn serialize<S: Serializer>(v: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for h in v {
                seq.serialize_element(&crate::hexfmt::encode(h))?;
            }
            seq.end()
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
            let items = Vec::<std::borrow::Cow<'de, str>>::deserialize(d)?;
            items
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    super::super::decode_fixed::<32>(s, "")
                        .map_err(|e| D::Error::custom(format!("[{i}]: {}", without_field(e))))
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_prefixes_and_cases() {
        let a: [u8; 2] = decode_fixed("0xABcd", "x").unwrap();
        let b: [u8; 2] = decode_fixed("abcd", "x").unwrap();
        assert_eq!(a, b);
        assert_eq!(encode_prefixed(&a), "0xabcd");
    }

    #[test]
    fn wrong_length_says_what_was_expected() {
        let e = decode_fixed::<32>("0xabcd", "payload_plain_hash").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("payload_plain_hash"), "{msg}");
        assert!(msg.contains("32 bytes"), "{msg}");
        assert!(msg.contains("4 hex digits"), "{msg}");
    }

    #[test]
    fn non_hex_names_the_character() {
        let e = decode_fixed::<2>("zz00", "sig").unwrap_err().to_string();
        assert!(e.contains("'z'"), "{e}");
    }
}
