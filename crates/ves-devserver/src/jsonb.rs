//! The real sequencer's replay rule, measured (LIVE_OBSERVED.md section 10), as a pure
//! function on serde_json values: the test fault `replay_spelling` (faults.rs) refuses a replay
//! exactly when the real server does. No PostgreSQL is needed.
//!
//! What the real server does:
//! 1. it parses the request with serde_json (`float_roundtrip` on): a number written with `.`,
//!    `e` or `E` becomes a float, plain digits that fit u64/i64 an integer;
//! 2. it stores the payload in a JSONB column, written by serde_json, which prints a float with
//!    ryu: `7.0`, `0.1`, `1e16`, `-5.238102448364384e18`, `1e-7`;
//! 3. PostgreSQL keeps each number as `numeric` and prints it back without an exponent, with
//!    as many fraction digits as the text had after the exponent is applied (`1e16` →
//!    `10000000000000000`, `1.5e-7` → `0.00000015`, `7.0` stays `7.0`; zero has no sign);
//! 4. on a replay it parses that text again with serde_json and compares it with the incoming
//!    payload by `Value` equality, where an integer and a float of the same value are unequal.
//!
//! So a whole float of 1e16 or more (which ryu writes with an exponent) comes back as an
//! integer when it fits u64/i64, and its exact replay is refused; and a re-send spelled
//! differently from the first send (`0` vs `0.0`, `7` vs `7.0`) is refused although its values,
//! payload hash and signature are the same.

use serde_json::{Number, Value};

/// The stored copy of a payload as the real server's replay check reads it back (steps 2-4).
pub fn stored_copy(payload: &Value) -> Value {
    match payload {
        Value::Number(n) if n.is_f64() => reparse(n),
        Value::Array(items) => Value::Array(items.iter().map(stored_copy).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), stored_copy(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether the real server refuses the replay of an event first sent with `first` (as parsed
/// from the first request) and now sent with `incoming` (as parsed from this one):
/// "Event ID already exists with different contents".
pub fn replay_refused(first: &Value, incoming: &Value) -> bool {
    stored_copy(first) != *incoming
}

// A float through serde_json's text, PostgreSQL numeric, and serde_json again.
fn reparse(n: &Number) -> Value {
    let text = n.to_string();
    serde_json::from_str(&numeric_text(&text)).unwrap_or(Value::Number(n.clone()))
}

/// How PostgreSQL's `numeric` prints a JSON number it read: plain digits, no exponent, as many
/// fraction digits as the input had after applying its exponent (at least 0), zero unsigned.
pub fn numeric_text(json_number: &str) -> String {
    let (negative, rest) = match json_number.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, json_number),
    };
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i64>().unwrap_or(0)),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    // The decimal point sits after `point` digits of `digits`.
    let point = int.len() as i64 + exponent;
    let scale = (frac.len() as i64 - exponent).max(0) as usize;
    let (int_part, frac_part) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        let (a, b) = digits.split_at(point as usize);
        (a.to_string(), b.to_string())
    };
    let int_part = match int_part.trim_start_matches('0') {
        "" => "0",
        s => s,
    };
    let mut frac_part = frac_part;
    frac_part.truncate(scale);
    while frac_part.len() < scale {
        frac_part.push('0');
    }
    let zero = int_part == "0" && frac_part.bytes().all(|b| b == b'0');
    let mut out = String::with_capacity(int_part.len() + frac_part.len() + 2);
    if negative && !zero {
        out.push('-');
    }
    out.push_str(int_part);
    if scale > 0 {
        out.push('.');
        out.push_str(&frac_part);
    }
    out
}

#[cfg(test)]
mod tests {
    //! Every value of LIVE_OBSERVED.md section 10, sent once and replayed (exactly or
    //! re-spelled), with the real server's measured answer.
    use super::*;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    /// The real server's answer to `first` then `again`, each the whole payload text.
    fn refused(first: &str, again: &str) -> bool {
        replay_refused(&parse(first), &parse(again))
    }

    #[test]
    fn numeric_prints_plain_digits_and_keeps_the_scale() {
        for (json, numeric) in [
            ("1e16", "10000000000000000"),
            ("1E16", "10000000000000000"),
            ("1e+16", "10000000000000000"),
            ("1.2e17", "120000000000000000"),
            ("-5.238102448364384e18", "-5238102448364384000"),
            ("9007199254740992.0", "9007199254740992.0"),
            ("7.0", "7.0"),
            ("1.5e-7", "0.00000015"),
            ("1e-7", "0.0000001"),
            ("-0.0", "0.0"),
            ("0", "0"),
            ("123.456", "123.456"),
            ("1.25e2", "125"),
            ("1.250e1", "12.50"),
        ] {
            assert_eq!(numeric_text(json), numeric, "{json}");
        }
        assert_eq!(numeric_text("5e-324").len(), 2 + 324);
        assert_eq!(numeric_text("1.7976931348623157e308").len(), 309);
    }

    #[test]
    fn exact_replays_of_whole_floats_from_1e16_are_refused() {
        // LIVE_OBSERVED.md section 10: refused as "Event ID already exists with different contents".
        for text in [
            "1e16",
            "1E16",
            "1e+16",
            "1.2e17",
            "-5.238102448364384e18",
            "-5238102448364384000.0",
            "18446744073709549568.0", // the largest double below 2^64
            "-9223372036854774784.0", // the smallest double above -2^63
            "-1e16",
        ] {
            let payload = format!(r#"{{"x":{text}}}"#);
            assert!(refused(&payload, &payload), "{text} should be refused");
        }
    }

    #[test]
    fn exact_replays_that_the_real_server_answers_with_the_receipt() {
        // LIVE_OBSERVED.md section 10: these replay fine.
        for text in [
            "-5238102448364384000", // the same value as digits
            "9007199254740992.0",
            "9.007199254740992e15",
            "18446744073709551616", // 2^64 as digits: beyond u64, a float
            "1.8446744073709552e19",
            "-9223372036854775808", // -2^63 as digits: an i64
            "-9.223372036854776e18",
            "1e21",
            "5e-324",
            "1e-300",
            "1.7976931348623157e308",
            "3.7653736496554432e-62",
            "1.0843250285586984e-209",
            "-4.3319633800132735e+222",
            "-3.2225630676605366e+68",
            "-0.0",
            "0.0",
            "0",
            "7",
            "7.0",
            "0.1",
            "123456789.12345678",
            "1e3",
        ] {
            let payload = format!(r#"{{"a":[{text},{{"b":{text}}}]}}"#);
            assert!(!refused(&payload, &payload), "{text} should replay");
        }
    }

    #[test]
    fn a_re_send_spelled_otherwise_is_refused() {
        // LIVE_OBSERVED.md section 10: 0 vs 0.0 or -0.0, 7 vs 7.0, digits vs exponent form.
        for (first, again) in [
            ("0", "0.0"),
            ("0", "-0.0"),
            ("0.0", "0"),
            ("7", "7.0"),
            ("7.0", "7"),
            ("7", "7e0"),
            ("10000000000000000", "1e16"),
            ("-5238102448364384000", "-5.238102448364384e18"),
            ("120000000000000000", "1.2E+17"),
        ] {
            let (a, b) = (format!(r#"{{"x":{first}}}"#), format!(r#"{{"x":{again}}}"#));
            assert!(refused(&a, &b), "{first} then {again} should be refused");
        }
    }

    #[test]
    fn a_re_send_in_another_float_spelling_of_the_same_float_replays() {
        // Both floats: the stored copy and the re-send are equal doubles.
        for (first, again) in [
            ("0.0", "-0.0"),
            ("-0.0", "0E+0"),
            ("0.25", "2.5e-1"),
            ("7.0", "7E+0"),
            ("1e21", "1000000000000000000000.0"),
            ("1.5", "1.50"),
        ] {
            let (a, b) = (format!(r#"{{"x":{first}}}"#), format!(r#"{{"x":{again}}}"#));
            assert!(!refused(&a, &b), "{first} then {again} should replay");
        }
        // Whitespace, escapes and key order are not contents: the parse is the same.
        assert!(!refused(
            r#"{"s":"café/","n":[1,2]}"#,
            "{ \"n\" : [1 ,2],\"s\":\"caf\\u00e9\\/\"}"
        ));
    }
}
