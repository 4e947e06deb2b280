//! What the search runs against: whether the target is this machine, and the corpus it replays.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// Whether a base URL names this machine (localhost, 127.0.0.0/8, ::1).
pub fn is_loopback(url: &str) -> Result<bool> {
    let Some((_, rest)) = url.split_once("://") else {
        bail!("--target {url:?}: expected a URL such as http://127.0.0.1:8080");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        bail!("--target {url:?}: no host");
    }
    Ok(host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
}

/// A `ves presign` corpus: its folder (absolute, since k6 resolves paths from where it runs),
/// events per request and number of requests.
pub struct Corpus {
    pub dir: PathBuf,
    pub batch_size: u64,
    pub lines: u64,
}

#[derive(Deserialize)]
struct Manifest {
    format: String,
    vus: u64,
    batches_per_vu: u64,
    batch_size: u64,
    #[serde(default)]
    streams: u64,
}

impl Corpus {
    pub fn open(dir: &Path) -> Result<Corpus> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "--corpus {}: no manifest.json; make one with ves presign --out DIR",
                dir.display()
            )
        })?;
        let m: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a ves presign manifest", path.display()))?;
        if m.format != "ves-presign/1" || m.batch_size == 0 {
            bail!(
                "{}: format {:?}, expected a ves-presign/1 corpus",
                path.display(),
                m.format
            );
        }
        Ok(Corpus {
            dir: std::fs::canonicalize(dir)
                .with_context(|| format!("resolving {}", dir.display()))?,
            batch_size: m.batch_size,
            // load/capacity.js uses whole groups of `streams` shards (see its stageLines).
            lines: {
                let group = m.streams.clamp(1, m.vus.max(1));
                m.vus / group * group * m.batches_per_vu
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://localhost:8080",
            "http://127.0.0.1:1/x",
            "http://127.1.2.3",
            "http://[::1]:80",
            "https://user@LOCALHOST/",
        ] {
            assert!(is_loopback(url).unwrap(), "{url}");
        }
        for url in [
            "http://10.0.0.1:8080",
            "https://sequencer.example.com",
            "http://[2001:db8::1]:1",
            "http://localhost.example.com",
        ] {
            assert!(!is_loopback(url).unwrap(), "{url}");
        }
        assert!(is_loopback("localhost:8080").is_err());
        assert!(is_loopback("http:///x").is_err());
    }

    #[test]
    fn a_missing_corpus_is_explained() {
        let e = Corpus::open(Path::new("/nonexistent/corpus"))
            .err()
            .unwrap();
        assert!(format!("{e:#}").contains("ves presign"), "{e:#}");
    }
}
