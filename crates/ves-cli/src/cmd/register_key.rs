//! `ves register-key`: `POST /api/v1/agents/keys` with an admin key read from an environment
//! variable. The body comes from a presign manifest, or from a seed file / public key and ids.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use uuid::Uuid;
use ves_core::api::RegisterKeyRequest;
use ves_core::{hexfmt, sign};

use crate::http::{ApiKey, Client};
use crate::secret;
use crate::Outcome;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[derive(Args)]
#[command(group(clap::ArgGroup::new("key").required(true).args(["manifest", "seed_file", "public_key"])))]
pub struct RegisterKeyArgs {
    /// Sequencer base URL.
    #[arg(long, default_value = "http://localhost:8080")]
    url: String,
    /// Name of the environment variable that holds the admin API key.
    #[arg(long, value_name = "NAME", default_value = "ADMIN_API_KEY")]
    admin_key_env: String,
    /// A `ves presign` manifest: registers its register_key_body as is.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tenant_id", "agent_id", "key_id", "valid_from", "valid_to"])]
    manifest: Option<PathBuf>,
    /// Derive the public key from this seed file (64 hex digits).
    #[arg(long, value_name = "FILE")]
    seed_file: Option<PathBuf>,
    /// The public key (64 hex digits, 0x optional).
    #[arg(long, value_name = "HEX")]
    public_key: Option<String>,
    #[arg(long, default_value = NIL)]
    tenant_id: Uuid,
    #[arg(long, default_value = NIL)]
    agent_id: Uuid,
    #[arg(long, default_value_t = 1)]
    key_id: u32,
    /// Optional validity window, RFC 3339.
    #[arg(long, value_name = "RFC3339")]
    valid_from: Option<String>,
    #[arg(long, value_name = "RFC3339")]
    valid_to: Option<String>,
}

fn body_from_args(args: &RegisterKeyArgs) -> Result<RegisterKeyRequest> {
    if let Some(path) = &args.manifest {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read manifest {}", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        if v.get("format").and_then(|f| f.as_str()) != Some("ves-presign/1") {
            bail!(
                "{}: expected a ves-presign/1 manifest (written by ves presign), found format {}",
                path.display(),
                v.get("format").map_or("(none)".into(), |f| f.to_string())
            );
        }
        let body = v
            .get("register_key_body")
            .ok_or_else(|| anyhow!("{}: no register_key_body", path.display()))?;
        return serde_json::from_value(body.clone())
            .with_context(|| format!("{}: register_key_body", path.display()));
    }
    let public = match (&args.seed_file, &args.public_key) {
        (Some(path), _) => {
            sign::signing_key_from_seed(&secret::read_seed_file(path)?).verifying_key()
        }
        (None, Some(hex)) => {
            sign::verifying_key_from_hex(hex).map_err(|e| anyhow!("--public-key: {e}"))?
        }
        (None, None) => bail!("give --manifest FILE, --seed-file FILE or --public-key HEX"),
    };
    for (name, value) in [
        ("--valid-from", &args.valid_from),
        ("--valid-to", &args.valid_to),
    ] {
        if let Some(v) = value {
            ves_core::time::check_rfc3339(v).map_err(|e| anyhow!("{name}: {e}"))?;
        }
    }
    Ok(RegisterKeyRequest {
        tenant_id: args.tenant_id,
        agent_id: args.agent_id,
        key_id: args.key_id,
        public_key: hexfmt::encode_prefixed(public.as_bytes()),
        valid_from: args.valid_from.clone(),
        valid_to: args.valid_to.clone(),
        key_algorithm: None,
    })
}

pub fn run(args: RegisterKeyArgs) -> Result<Outcome> {
    let body = body_from_args(&args)?;
    let client = Client::new(&args.url, ApiKey::from_env(&args.admin_key_env)?)?;
    let answer = client.post_json("/api/v1/agents/keys", &serde_json::to_string(&body)?)?;
    let who = format!(
        "key {} of agent {} (tenant {}), public key {}",
        body.key_id, body.agent_id, body.tenant_id, body.public_key
    );
    match answer.status {
        200 | 201 => println!("registered {who}"),
        409 => println!("already registered: {who} (HTTP 409)"),
        401 | 403 => bail!(
            "HTTP {}: the sequencer refused the key in ${} ({}); registering agent keys needs an admin key",
            answer.status,
            args.admin_key_env,
            answer.excerpt()
        ),
        500 => bail!(
            "HTTP 500 ({}): the real sequencer answers 500 when (tenant, agent, keyId) is already registered (VES_V1.md §4.1); if so, it is usable as is, or choose another --key-id",
            answer.excerpt()
        ),
        s => bail!("HTTP {s}: {}", answer.excerpt()),
    }
    Ok(Outcome::Ok)
}
