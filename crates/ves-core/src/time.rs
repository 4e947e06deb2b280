//! `created_at` acceptance: whatever chrono's `DateTime::parse_from_rfc3339` accepts, as on the
//! server (lowercase `t`/`z`, a space separator, `-00:00`, any fraction length, a leap second).

use crate::error::{Error, Result};

pub fn check_rfc3339(s: &str) -> Result<()> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|_| ())
        .map_err(|e| Error::Timestamp {
            found: s.to_string(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_forms_the_live_server_accepted() {
        for s in [
            "2020-03-25T12:17:51Z",
            "2020-08-25T18:01:21-00:00",
            "2021-01-01t00:00:00z",
            "2021-01-01 00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2021-01-01T00:00:00.123456789+14:00",
        ] {
            check_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }

    #[test]
    fn refuses_non_rfc3339() {
        for s in [
            "2021-01-01",
            "yesterday",
            "2021-01-01T00:00:00",
            "1609459200",
        ] {
            let e = check_rfc3339(s).unwrap_err().to_string();
            assert!(e.contains("RFC 3339"), "{e}");
        }
    }
}
