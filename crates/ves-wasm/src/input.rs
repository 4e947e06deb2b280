//! Values as JavaScript passes them: hex (optional `0x`), UUID strings, numbers that must be
//! safe integers. Each error names the argument.

use uuid::Uuid;
use ves_core::hexfmt;
use ves_core::Hash;

use crate::error::{Error, Result};

/// Largest integer a JavaScript number holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

pub fn hash(s: &str, field: &str) -> Result<Hash> {
    Ok(hexfmt::decode_fixed::<32>(s, field)?)
}

pub fn signature(s: &str, field: &str) -> Result<[u8; 64]> {
    Ok(hexfmt::decode_fixed::<64>(s, field)?)
}

pub fn uuid(s: &str, field: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| {
        Error::Core(ves_core::Error::Uuid {
            field: field.to_string(),
            found: s.chars().take(40).collect(),
        })
    })
}

/// A non-negative integer given as a JavaScript number.
pub fn u64_from_number(n: f64, field: &str) -> Result<u64> {
    if n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&n) {
        Ok(n as u64)
    } else {
        Err(Error::Input(format!(
            "{field}: expected an integer from 0 to 2^53-1, found {n}"
        )))
    }
}

pub fn u32_from_number(n: f64, field: &str) -> Result<u32> {
    let v = u64_from_number(n, field)?;
    u32::try_from(v).map_err(|_| {
        Error::Input(format!(
            "{field}: expected an integer from 0 to 4294967295, found {n}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_safe_integers() {
        assert_eq!(u64_from_number(7.0, "seq"), Ok(7));
        assert_eq!(u64_from_number(MAX_SAFE_INTEGER, "seq"), Ok((1 << 53) - 1));
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 2f64.powi(53)] {
            let e = u64_from_number(bad, "seq").unwrap_err().to_string();
            assert!(e.starts_with("seq: expected an integer"), "{e}");
        }
        assert!(u32_from_number(4294967296.0, "index").is_err());
    }

    #[test]
    fn bad_hex_and_uuid_use_the_core_messages() {
        let e = hash("abc", "leaf hash").unwrap_err().to_string();
        assert!(e.starts_with("leaf hash: expected 32 bytes as hex"), "{e}");
        let e = uuid("nope", "tenant_id").unwrap_err().to_string();
        assert!(e.starts_with("tenant_id: expected a UUID"), "{e}");
    }
}
