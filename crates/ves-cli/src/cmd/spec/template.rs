//! Requests from the catalogue's templates: the shorthands (`ingest`, `head`, `commit`,
//! `proof`) and the `{{…}}` placeholders (spec/README.md, "Requests"). `js/spec.js` renders
//! the same bytes; the golden files hold them.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use serde_json::Value;

use super::catalogue::RequestSpec;
use super::events::{expand_pads, BuiltEvent, Scope};

/// A request ready to send (or to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

pub struct Ctx<'a> {
    pub scope: &'a Scope<'a>,
    /// None: golden mode, `{{admin_key}}`, captures, repeats and pads stay as written.
    pub admin_key: Option<&'a str>,
    pub events: &'a BTreeMap<String, BuiltEvent>,
    pub captures: &'a BTreeMap<String, Value>,
}

impl Ctx<'_> {
    fn golden(&self) -> bool {
        self.admin_key.is_none()
    }
}

fn named(arg: Option<&str>) -> &str {
    arg.unwrap_or("main")
}

fn placeholder(name: &str) -> String {
    match name {
        "main" => String::new(),
        n => format!(":{n}"),
    }
}

/// The request a step describes, with templates not yet filled.
pub fn expand(req: &RequestSpec, ctx: &Ctx<'_>) -> Result<(String, String, Option<String>)> {
    let store =
        |name: &Option<String>| format!("{{{{store{}}}}}", placeholder(named(name.as_deref())));
    if let Some(events) = &req.ingest {
        let first = events
            .first()
            .ok_or_else(|| anyhow!("ingest: an empty list of events"))?;
        let agent = match &req.agent {
            Some(a) => a.clone(),
            None => ctx
                .events
                .get(first)
                .map(|e| e.agent_name.clone())
                .ok_or_else(|| anyhow!("ingest: event {first:?} is not defined"))?,
        };
        let list: Vec<String> = events
            .iter()
            .map(|e| format!("{{{{event:{e}}}}}"))
            .collect();
        let body = format!(
            "{{\"agentId\":\"{{{{agent{}}}}}\",\"events\":[{}]}}",
            placeholder(&agent),
            list.join(",")
        );
        return Ok((
            "POST".into(),
            "/api/v1/ves/events/ingest".into(),
            Some(body),
        ));
    }
    if let Some(s) = &req.head {
        let path = format!(
            "/api/v1/head?tenant_id={{{{tenant}}}}&store_id={}",
            store(&Some(s.clone()))
        );
        return Ok(("GET".into(), path, None));
    }
    if let Some([start, end]) = req.commit {
        let body = format!(
            "{{\"tenant_id\":\"{{{{tenant}}}}\",\"store_id\":\"{}\",\"sequence_start\":{start},\"sequence_end\":{end}}}",
            store(&req.store)
        );
        return Ok(("POST".into(), "/api/v1/ves/commitments".into(), Some(body)));
    }
    if let Some(seq) = req.proof {
        let batch = req
            .batch
            .as_deref()
            .ok_or_else(|| anyhow!("proof: name the captured batch (\"batch\")"))?;
        let path = format!(
            "/api/v1/ves/proofs/{seq}?tenant_id={{{{tenant}}}}&store_id={}&batch_id={{{{capture:{batch}}}}}",
            store(&req.store)
        );
        return Ok(("GET".into(), path, None));
    }
    match (&req.method, &req.path) {
        (Some(m), Some(p)) => Ok((m.clone(), p.clone(), req.body.clone())),
        _ => bail!("a request needs ingest, head, commit, proof, or method and path"),
    }
}

/// Renders a step's request (stage 1: every placeholder but pads).
pub fn render(req: &RequestSpec, ctx: &Ctx<'_>) -> Result<Request> {
    let (method, path, body) = expand(req, ctx)?;
    let headers: Vec<(String, String)> = match &req.headers {
        Some(list) => list.iter().map(|[k, v]| (k.clone(), v.clone())).collect(),
        None => {
            let mut h = vec![(
                "Authorization".to_string(),
                "ApiKey {{admin_key}}".to_string(),
            )];
            if body.is_some() {
                h.push(("Content-Type".into(), "application/json".into()));
            }
            h
        }
    };
    Ok(Request {
        method,
        path: fill(&path, ctx)?,
        headers: headers
            .into_iter()
            .map(|(k, v)| Ok((k, fill(&v, ctx)?)))
            .collect::<Result<_>>()?,
        body: body.map(|b| fill(&b, ctx)).transpose()?,
    })
}

/// Stage 2, for the wire: pads expanded.
pub fn for_wire(mut req: Request) -> Result<Request> {
    if let Some(b) = &req.body {
        req.body = Some(expand_pads(b)?);
    }
    Ok(req)
}

/// Fills `{{name}}` and `{{name:arg}}` placeholders.
pub fn fill(text: &str, ctx: &Ctx<'_>) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        let end = tail
            .find("}}")
            .ok_or_else(|| anyhow!("unclosed placeholder in {text:?}"))?;
        let inner = &tail[..end];
        let (name, arg) = match inner.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (inner, None),
        };
        out.push_str(&value(name, arg, inner, ctx)?);
        rest = &tail[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn event<'a>(ctx: &'a Ctx<'_>, name: &str) -> Result<&'a BuiltEvent> {
    ctx.events
        .get(name)
        .ok_or_else(|| anyhow!("{{{{event:{name}}}}}: no such event in the property"))
}

fn value(name: &str, arg: Option<&str>, inner: &str, ctx: &Ctx<'_>) -> Result<String> {
    let s = ctx.scope;
    let keep = || format!("{{{{{inner}}}}}");
    Ok(match name {
        "admin_key" => match ctx.admin_key {
            Some(k) => k.to_string(),
            None => keep(),
        },
        "tenant" => s.tenant(named(arg)).to_string(),
        "store" => s.store(named(arg)).to_string(),
        "agent" => s.agent(named(arg)).to_string(),
        "pubkey" => hex::encode(s.agent_key(named(arg)).verifying_key().as_bytes()),
        "id" => s
            .id(arg.ok_or_else(|| anyhow!("{{{{id}}}} needs a name"))?)
            .to_string(),
        "event_id" => event(ctx, arg.unwrap_or_default())?.event_id.to_string(),
        "event" => {
            let arg = arg.ok_or_else(|| anyhow!("{{{{event}}}} needs a name"))?;
            let (n, times) = match arg.split_once('*') {
                Some((n, t)) => (
                    n,
                    t.parse::<usize>()
                        .map_err(|_| anyhow!("{{{{event:{arg}}}}}: expected NAME*COUNT"))?,
                ),
                None => (arg, 1),
            };
            if times > 1 && ctx.golden() {
                keep()
            } else {
                let text = &event(ctx, n)?.text;
                vec![text.as_str(); times].join(",")
            }
        }
        "capture" => {
            let n = arg.ok_or_else(|| anyhow!("{{{{capture}}}} needs a name"))?;
            match ctx.captures.get(n) {
                Some(Value::String(v)) => v.clone(),
                Some(v) => v.to_string(),
                None if ctx.golden() => keep(),
                None => bail!("{{{{capture:{n}}}}}: nothing was captured under that name"),
            }
        }
        "pad" => keep(),
        other => bail!("unknown placeholder {{{{{other}}}}}"),
    })
}
