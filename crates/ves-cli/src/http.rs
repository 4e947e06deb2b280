//! A small blocking HTTP client for the sequencer's API: API keys come from environment
//! variables (never argv), are sent as `Authorization: ApiKey <key>`, and never printed.

use std::time::Duration;

use anyhow::{anyhow, bail, Result};

/// An API key read from the environment variable `name`.
pub struct ApiKey {
    value: String,
}

impl ApiKey {
    pub fn from_env(name: &str) -> Result<Self> {
        match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => {
                let value = v.trim().to_string();
                if !value.starts_with("ss_") {
                    eprintln!(
                        "ves: warning: the key in ${name} does not start with ss_; the real sequencer only accepts API keys that do"
                    );
                }
                Ok(ApiKey { value })
            }
            Ok(_) => bail!("environment variable {name} is empty: export {name}=<API key>"),
            Err(_) => bail!("environment variable {name} is not set: export {name}=<API key> (keys are never taken from the command line)"),
        }
    }
}

pub struct Client {
    agent: ureq::Agent,
    base: String,
    key: ApiKey,
}

/// An HTTP answer: status and body text.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// The body, shortened for an error message.
    pub fn excerpt(&self) -> String {
        let text: String = self.body.chars().take(300).collect();
        if text.len() < self.body.len() {
            format!("{text}…")
        } else {
            text
        }
    }
}

impl Client {
    pub fn new(base: &str, key: ApiKey) -> Result<Self> {
        let base = base.trim_end_matches('/').to_string();
        if base.starts_with("https://") && !cfg!(feature = "https") {
            bail!(
                "{base}: this ves was built without https support; rebuild with `cargo build --release -p ves-cli --features https`"
            );
        }
        if !base.starts_with("http://") && !base.starts_with("https://") {
            bail!("--url: expected http://HOST:PORT or https://HOST, found {base:?}");
        }
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build();
        Ok(Client { agent, base, key })
    }

    fn finish(&self, what: &str, r: Result<ureq::Response, ureq::Error>) -> Result<Answer> {
        let resp = match r {
            Ok(resp) => resp,
            Err(ureq::Error::Status(_, resp)) => resp,
            Err(ureq::Error::Transport(t)) => {
                return Err(anyhow!(
                    "{what}: cannot reach the sequencer at {} ({t}); is it running?",
                    self.base
                ))
            }
        };
        let status = resp.status();
        let body = resp
            .into_string()
            .map_err(|e| anyhow!("{what}: cannot read the answer ({e})"))?;
        Ok(Answer { status, body })
    }

    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Answer> {
        let mut req = self
            .agent
            .get(&format!("{}{path}", self.base))
            .set("Authorization", &format!("ApiKey {}", self.key.value));
        for (k, v) in query {
            req = req.query(k, v);
        }
        self.finish(&format!("GET {path}"), req.call())
    }

    pub fn post_json(&self, path: &str, body: &str) -> Result<Answer> {
        let req = self
            .agent
            .post(&format!("{}{path}", self.base))
            .set("Authorization", &format!("ApiKey {}", self.key.value))
            .set("Content-Type", "application/json");
        self.finish(&format!("POST {path}"), req.send_string(body))
    }
}
