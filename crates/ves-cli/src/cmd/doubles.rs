//! `ves vectors --doubles-out FILE`: doubles and their RFC 8785 text as ves-core writes it
//! (serde_json_canonicalizer, the real sequencer's canonicalizer), for the k6 test that holds the
//! library's number printing to it (tests/k6/jcs_doubles.test.js). k6 1.1.0 prints about 1
//! double in 10,000 wrongly (LIVE_OBSERVED.md section 10), so a canonicalizer in k6 must be
//! checked on many doubles, not on a few vectors.
//!
//! One line per double, `<16 hex digits of its IEEE 754 bits> <text>`, after a `#` header:
//! first the fixed cases (the doubles k6 is known to print wrongly, section 10's replay values,
//! edges), then `count` doubles of uniformly random bits (non-finite ones skipped), 100,000
//! random safe integers and 100,000 doubles between 2^-24 and 2^70 (where Number::toString
//! writes plain digits), all from a ChaCha20 seeded with `--seed`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Number;

/// The doubles every file starts with.
pub const FIXED: [f64; 24] = [
    0.701_657_030_696_944_9, // k6 1.1.0: "0.701657030696945" (goja issue 720)
    -1.562_779_406_212_218_9e-302, // k6 1.1.0: "-1.562779406212219e-302" (LIVE_OBSERVED §10)
    0.0,
    -0.0,
    1e16,
    1.2e17,
    -5.238_102_448_364_384e18,
    9_007_199_254_740_992.0,
    18_446_744_073_709_551_616.0, // 2^64
    -9_223_372_036_854_775_808.0, // -2^63
    18_446_744_073_709_549_568.0, // the largest double below 2^64
    1e21,
    999_999_999_999_999_900_000.0,
    1e-7,
    1e-6,
    5e-324,
    2.225_073_858_507_201_4e-308,
    f64::MAX,
    0.1,
    123_456_789.123_456_78,
    3.765_373_649_655_443_2e-62,
    -4.331_963_380_013_273_5e222,
    1.5,
    -7.0,
];

/// The RFC 8785 text of a finite double.
pub fn text(x: f64) -> String {
    Number::from_f64(x).map_or_else(|| "null".into(), |n| ves_core::spelling::number_text(&n))
}

/// Writes the file; returns the number of doubles in it.
pub fn write(path: &Path, seed: u64, count: u32) -> Result<usize> {
    let tmp = path.with_extension("tmp");
    let f = std::fs::File::create(&tmp)
        .with_context(|| format!("cannot create {} (does its folder exist?)", tmp.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(
        w,
        "# ves-doubles/1 seed={seed} random_bits={count}: <IEEE 754 bits, 16 hex digits> <RFC 8785 text by serde_json_canonicalizer>"
    )?;
    let mut n = 0usize;
    let mut line = |w: &mut std::io::BufWriter<std::fs::File>, x: f64| -> std::io::Result<()> {
        n += 1;
        writeln!(w, "{:016x} {}", x.to_bits(), text(x))
    };
    for x in FIXED {
        line(&mut w, x)?;
    }
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut written = 0;
    while written < count {
        let x = f64::from_bits(rng.next_u64());
        if x.is_finite() {
            line(&mut w, x)?;
            written += 1;
        }
    }
    for _ in 0..100_000 {
        // A safe integer: 53 random bits and a sign.
        let bits = rng.next_u64();
        let magnitude = (bits >> 11) as f64;
        line(&mut w, if bits & 1 == 1 { -magnitude } else { magnitude })?;
    }
    for _ in 0..100_000 {
        // A double of random mantissa between 2^-24 and 2^70.
        let bits = rng.next_u64();
        let exponent = 1023 - 24 + (bits >> 52) % 95;
        line(
            &mut w,
            f64::from_bits((exponent << 52) | (bits & ((1 << 52) - 1))),
        )?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    drop(w);
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_ecmascripts() {
        assert_eq!(text(0.701_657_030_696_944_9), "0.7016570306969449");
        assert_eq!(
            text(-1.562_779_406_212_218_9e-302),
            "-1.5627794062122189e-302"
        );
        assert_eq!(text(-0.0), "0");
        assert_eq!(text(1e21), "1e+21");
        assert_eq!(text(1e16), "10000000000000000");
        assert_eq!(text(-5.238_102_448_364_384e18), "-5238102448364384000");
        assert_eq!(text(1e-7), "1e-7");
    }

    #[test]
    fn the_file_is_seeded_and_complete() {
        let dir = std::env::temp_dir().join(format!("ves-doubles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
        assert_eq!(write(&a, 3, 1000).unwrap(), FIXED.len() + 1000 + 200_000);
        write(&b, 3, 1000).unwrap();
        let text_a = std::fs::read_to_string(&a).unwrap();
        assert_eq!(text_a, std::fs::read_to_string(&b).unwrap());
        assert!(text_a
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(" 0.7016570306969449"));
        for l in text_a.lines().skip(1) {
            let (bits, t) = l.split_once(' ').unwrap();
            let x = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
            assert_eq!(t.parse::<f64>().unwrap(), x, "{l}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
