//! How often serde_json misreads a double written in shortest round-trip form, with the features
//! the real server's build has: serde_json_canonicalizer 0.3 enables `float_roundtrip`, and
//! cargo unifies features, so the server's ingest parser is the correctly rounded one too. Run: cargo run --release -p ves-core --example float_reparse
use rand_chacha::rand_core::{RngCore, SeedableRng};

fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let (mut total, mut bad) = (0u64, 0u64);
    let mut example = None;
    while total < 2_000_000 {
        let x = f64::from_bits(rng.next_u64());
        if !x.is_finite() {
            continue;
        }
        total += 1;
        if !reparses_exactly(x) {
            bad += 1;
            example.get_or_insert(x);
        }
    }
    println!(
        "random finite doubles: {total}, misread by serde_json (float_roundtrip): {bad}, first: {example:?}"
    );
}

/// Whether `x` survives serde_json text and back bit for bit.
fn reparses_exactly(x: f64) -> bool {
    let Some(n) = serde_json::Number::from_f64(x) else {
        return false;
    };
    serde_json::from_str::<f64>(&n.to_string())
        .map(|y| y.to_bits() == x.to_bits())
        .unwrap_or(false)
}
