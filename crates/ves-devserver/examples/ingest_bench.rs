//! Ingest throughput of a running sequencer (the devserver, or any VES v1 server): pre-signs
//! batches with `ves_core::generate::EventGenerator`, registers the key, then posts the
//! bodies over several keep-alive connections and reports events/s and request latencies.
//!
//! ```text
//! cargo run --release -p ves-devserver --example ingest_bench -- \
//!     --url http://127.0.0.1:8080 --streams 4 --batch 100 --connections 8 --events 100000
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::generate::{EventGenerator, GeneratorConfig, PayloadShape};
use ves_core::sign;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An admin key (registers the run's agent key, then ingests).
    #[arg(long, default_value = "ss_local_devserver_admin_key")]
    api_key: String,
    /// Streams (store ids) the load is spread over, round robin by request.
    #[arg(long, default_value_t = 4)]
    streams: u32,
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Concurrent HTTP connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Events to send in the measured run.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Requests sent before measuring (not counted).
    #[arg(long, default_value_t = 20)]
    warmup: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let key = sign::signing_key_from_seed(&seed);
    // Event ids come from the generator's seed: a fresh one per run, or a re-run would replay.
    let run_seed = u64::from_le_bytes(seed[..8].try_into()?);
    let cfg = GeneratorConfig {
        tenant_id: Uuid::new_v4(),
        store_id: Uuid::new_v4(),
        streams: args.streams.max(1),
        agent_id: Uuid::new_v4(),
        agent_key_id: 1,
        entities: 1000,
        shape: PayloadShape::Order,
        payload_bytes: 0,
    };
    let client = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let registration = json!({
        "tenantId": cfg.tenant_id, "agentId": cfg.agent_id, "keyId": 1,
        "publicKey": hex::encode(key.verifying_key().as_bytes()),
    });
    client
        .post(&format!("{}/api/v1/agents/keys", args.url))
        .set("Authorization", &format!("ApiKey {}", args.api_key))
        .send_json(registration)?;

    // Pre-sign every body, one generator per thread, so that signing is not measured.
    let requests = args.warmup + args.events.div_ceil(args.batch);
    let signing = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let bodies: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (cfg, key, args) = (cfg.clone(), key.clone(), &args);
                scope.spawn(move || {
                    let mut gen = EventGenerator::new(run_seed ^ t as u64, key, cfg.clone());
                    (t..requests)
                        .step_by(threads)
                        .map(|i| {
                            let stream = (i % args.streams.max(1) as usize) as u32;
                            let events = gen
                                .batch(stream, args.batch, |j| {
                                    format!("2026-01-01T00:00:{:02}.{:03}Z", i % 60, j % 1000)
                                })
                                .expect("sign");
                            (
                                i,
                                json!({"agentId": cfg.agent_id, "events": events}).to_string(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, String)> = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, b)| b).collect()
    });
    eprintln!(
        "pre-signed {} events in {:.1} s; posting over {} connections",
        requests * args.batch,
        signing.elapsed().as_secs_f64(),
        args.connections
    );

    let post = |body: &str| -> (Duration, Result<u64, String>) {
        let started = Instant::now();
        let result = client
            .post(&format!("{}/api/v1/ves/events/ingest", args.url))
            .set("Authorization", &format!("ApiKey {}", args.api_key))
            .set("Content-Type", "application/json")
            .send_string(body)
            .map_err(|e| e.to_string())
            .and_then(|r| r.into_json::<Value>().map_err(|e| e.to_string()))
            .map(|v| v["eventsAccepted"].as_u64().unwrap_or(0));
        (started.elapsed(), result)
    };
    for body in &bodies[..args.warmup] {
        post(body).1.map_err(anyhow::Error::msg)?;
    }

    let next = AtomicUsize::new(args.warmup);
    let started = Instant::now();
    let results: Vec<(Duration, Result<u64, String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..args.connections)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(body) = bodies.get(i) else { break };
                        mine.push(post(body));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let elapsed = started.elapsed();

    let accepted: u64 = results.iter().filter_map(|(_, r)| r.as_ref().ok()).sum();
    let failed: Vec<&String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    let mut latencies: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    latencies.sort();
    let sent = (results.len() * args.batch) as u64;
    println!(
        "ingest_bench: streams={} batch={} connections={} requests={} events_sent={} \
         events_accepted={} failed_requests={}",
        args.streams,
        args.batch,
        args.connections,
        results.len(),
        sent,
        accepted,
        failed.len()
    );
    println!(
        "ingest_bench: {:.0} events/s, {:.1} requests/s over {:.2} s; latency per request \
         p50={:.1} ms p95={:.1} ms p99={:.1} ms max={:.1} ms",
        accepted as f64 / elapsed.as_secs_f64(),
        results.len() as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.95)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies[latencies.len() - 1]),
    );
    if let Some(first) = failed.first() {
        anyhow::bail!("{} requests failed, the first: {first}", failed.len());
    }
    if accepted != sent {
        anyhow::bail!("{sent} events sent but {accepted} accepted");
    }
    Ok(())
}
