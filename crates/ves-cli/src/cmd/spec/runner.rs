//! Runs the catalogue against a server: the run's setup (its agent key), then each property's
//! steps in order, judged as they come (spec/README.md, "Running").

use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use serde_json::Value;
use ves_core::sign::VerifyingKey;

use super::catalogue::{Catalogue, Level, Property, Source};
use super::events::{self, Scope};
use super::judge::{self, Judge, Memory, Outcome};
use super::template::{self, Ctx, Request};
use super::wire::{self, Answer, Target};

pub struct Settings {
    pub target: Target,
    pub admin_key: String,
    pub seed: String,
    pub sequencer_key: Option<VerifyingKey>,
    pub only: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    #[serde(rename = "PASS")]
    Pass,
    #[serde(rename = "FAIL")]
    Fail,
    #[serde(rename = "SKIP")]
    Skip,
    /// An INFO property whose answer differs from the reference server's: reported, not failed.
    #[serde(rename = "INFO")]
    Info,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
            Verdict::Info => "INFO",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShownAnswer {
    pub status: u16,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where a property failed (or, for INFO, differed).
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub step: usize,
    pub name: String,
    pub request: Shown,
    pub answers: Vec<ShownAnswer>,
    pub expected: Value,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PropertyResult {
    pub id: String,
    pub class: String,
    pub level: Level,
    pub title: String,
    pub source: Source,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// An answer of the run, for the shedding class's observations.
struct Seen {
    status: u16,
    code: Option<String>,
    what: String,
    body: String,
}

const SHOWN_BODY: usize = 2000;

fn clip(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let cut = s
        .char_indices()
        .take_while(|(i, _)| *i < n)
        .last()
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    format!("{}… ({} bytes in all)", &s[..cut], s.len())
}

/// A request as reports show it: the admin key replaced, long bodies cut.
fn shown(req: &Request, admin_key: &str) -> Shown {
    Shown {
        method: req.method.clone(),
        path: req.path.clone(),
        headers: req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.replace(admin_key, "<admin key>")))
            .collect(),
        body: req.body.as_ref().map(|b| clip(b, SHOWN_BODY)),
    }
}

fn shown_answer(a: &Answer) -> ShownAnswer {
    ShownAnswer {
        status: a.status,
        body: clip(&a.body, SHOWN_BODY),
        error: a.error.clone(),
    }
}

pub struct Runner<'a> {
    pub catalogue: &'a Catalogue,
    pub settings: &'a Settings,
    seen: Vec<Seen>,
    setup_shed: Option<String>,
}

impl<'a> Runner<'a> {
    pub fn new(catalogue: &'a Catalogue, settings: &'a Settings) -> Self {
        Runner {
            catalogue,
            settings,
            seen: Vec::new(),
            setup_shed: None,
        }
    }

    fn scope<'s>(&'s self, property: &'s str) -> Scope<'s> {
        Scope {
            seed: &self.settings.seed,
            property,
            pass: "0",
        }
    }

    fn send(&mut self, req: &Request) -> Answer {
        let a = wire::send(&self.settings.target, req);
        self.note(req, &a);
        a
    }

    fn note(&mut self, req: &Request, a: &Answer) {
        let code =
            judge::json_of(a).and_then(|j| j.get("code").and_then(Value::as_str).map(String::from));
        self.seen.push(Seen {
            status: a.status,
            code,
            what: format!("{} {}", req.method, req.path),
            body: clip(&a.body, 300),
        });
    }

    /// The server answers and the run's agent key is registered. Errors mean the suite cannot run.
    pub fn setup(&mut self) -> Result<()> {
        let health = Request {
            method: "GET".into(),
            path: "/health".into(),
            headers: vec![],
            body: None,
        };
        let a = wire::send(&self.settings.target, &health);
        if let Some(e) = a.error {
            bail!(
                "{}: no answer to GET /health: {e}",
                self.settings.target.base
            );
        }
        let scope = self.scope("setup");
        let key = scope.agent_key("main");
        let body = format!(
            "{{\"tenantId\":\"{}\",\"agentId\":\"{}\",\"keyId\":1,\"publicKey\":\"{}\"}}",
            scope.tenant("main"),
            scope.agent("main"),
            hex::encode(key.verifying_key().as_bytes())
        );
        let req = Request {
            method: "POST".into(),
            path: "/api/v1/agents/keys".into(),
            headers: vec![
                (
                    "Authorization".into(),
                    format!("ApiKey {}", self.settings.admin_key),
                ),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: Some(body),
        };
        let a = self.send(&req);
        match a.status {
            200 => Ok(()),
            429 | 503 if judge::json_of(&a).and_then(|j| j.get("code").cloned()).is_some() => {
                self.setup_shed = Some(format!(
                    "the run's agent key could not be registered: the server shed the request ({} {})",
                    a.status,
                    clip(&a.body, 100)
                ));
                Ok(())
            }
            401 | 403 => bail!(
                "registering the run's agent key with the admin key: {} {} (is ADMIN_API_KEY an admin key of this server?)",
                a.status,
                clip(&a.body, 200)
            ),
            _ => bail!(
                "registering the run's agent key: {} {}{}",
                a.status,
                clip(&a.body, 200),
                a.error.map(|e| format!(" ({e})")).unwrap_or_default()
            ),
        }
    }

    pub fn run(&mut self) -> Result<Vec<PropertyResult>> {
        if let Some(c) = &self.settings.only {
            if !self.catalogue.classes.iter().any(|k| &k.id == c) {
                let names: Vec<&str> = self
                    .catalogue
                    .classes
                    .iter()
                    .map(|k| k.id.as_str())
                    .collect();
                bail!(
                    "--only {c}: no such class; the classes are {}",
                    names.join(", ")
                );
            }
        }
        let mut out = Vec::new();
        for p in &self.catalogue.properties {
            if self.settings.only.as_ref().is_some_and(|c| c != &p.class) {
                continue;
            }
            let (verdict, why, failure) = self.property(p)?;
            out.push(PropertyResult {
                id: p.id.clone(),
                class: p.class.clone(),
                level: p.level,
                title: p.title.clone(),
                source: p.source.clone(),
                verdict,
                why,
                failure,
            });
        }
        Ok(out)
    }

    fn property(&mut self, p: &Property) -> Result<(Verdict, Option<String>, Option<Failure>)> {
        let fail_verdict = if p.level == Level::Info {
            Verdict::Info
        } else {
            Verdict::Fail
        };
        if let Some(o) = &p.observe {
            let seen: Vec<&Seen> = self.seen.iter().filter(|s| s.status == o.status).collect();
            if seen.is_empty() {
                return Ok((Verdict::Skip, Some(o.why_none.clone()), None));
            }
            let bad: Vec<String> = seen
                .iter()
                .filter(|s| s.code.is_none())
                .map(|s| {
                    format!(
                        "{} answered {} without a JSON code: {:?}",
                        s.what, s.status, s.body
                    )
                })
                .collect();
            if bad.is_empty() {
                return Ok((
                    Verdict::Pass,
                    Some(format!(
                        "{} answers of status {} seen, each with a code",
                        seen.len(),
                        o.status
                    )),
                    None,
                ));
            }
            return Ok((
                fail_verdict,
                None,
                Some(Failure {
                    step: 0,
                    name: "observed".into(),
                    request: Shown {
                        method: String::new(),
                        path: String::new(),
                        headers: vec![],
                        body: None,
                    },
                    answers: vec![],
                    expected: serde_json::json!({"status": o.status, "code": "present"}),
                    problems: bad,
                }),
            ));
        }
        if let (Some(why), false) = (&self.setup_shed, p.events.is_empty()) {
            return Ok((Verdict::Skip, Some(why.clone()), None));
        }
        let seed = self.settings.seed.clone();
        let admin_key = self.settings.admin_key.clone();
        let scope = Scope {
            seed: &seed,
            property: &p.id,
            pass: "0",
        };
        let mut memory = Memory::default();
        for name in p.events.keys() {
            let e = events::build(&scope, &self.catalogue.event_defaults, &p.events, name)
                .map_err(|e| anyhow!("{}: {e:#}", p.id))?;
            memory.events.insert(name.clone(), e);
        }
        for (i, step) in p.steps.iter().enumerate() {
            let label = step.label(i);
            let req = {
                let ctx = Ctx {
                    scope: &scope,
                    admin_key: Some(&admin_key),
                    events: &memory.events,
                    captures: &memory.captures,
                };
                template::render(&step.request, &ctx)
                    .map_err(|e| anyhow!("{} step {label}: {e:#}", p.id))?
            };
            let wire_req = template::for_wire(req.clone())?;
            let n = step.request.parallel.unwrap_or(1).max(1) as usize;
            let answers: Vec<Answer> = if n == 1 {
                vec![self.send(&wire_req)]
            } else {
                let target = self.settings.target.clone();
                let handles: Vec<_> = (0..n)
                    .map(|_| {
                        let t = target.clone();
                        let r = wire_req.clone();
                        std::thread::spawn(move || wire::send(&t, &r))
                    })
                    .collect();
                let answers: Vec<Answer> = handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect();
                for a in &answers {
                    self.note(&wire_req, a);
                }
                answers
            };
            let body_len = wire_req.body.as_ref().map_or(0, String::len);
            if let Some(why) = answers.iter().find_map(|a| judge::lost(body_len, a)) {
                return Ok((Verdict::Skip, Some(why), None));
            }
            if let Some(when) = &step.skip_when {
                if answers.iter().any(|a| judge::skip(when, a)) {
                    let why = step
                        .why
                        .clone()
                        .unwrap_or_else(|| "the server's answer says this does not apply".into());
                    return Ok((Verdict::Skip, Some(why), None));
                }
            }
            if let Some(why) = answers.iter().find_map(|a| judge::shed(&step.expect, a)) {
                return Ok((Verdict::Skip, Some(why), None));
            }
            let fill = |s: &str| {
                let ctx = Ctx {
                    scope: &scope,
                    admin_key: Some(&admin_key),
                    events: &memory.events,
                    captures: &memory.captures,
                };
                template::fill(s, &ctx)
            };
            let sequencer_key = self.settings.sequencer_key;
            let judge = Judge {
                memory: &memory,
                sequencer_key: sequencer_key.as_ref(),
                fill: &fill,
            };
            let failure = |problems: Vec<String>| Failure {
                step: i + 1,
                name: label.clone(),
                request: shown(&req, &admin_key),
                answers: answers.iter().map(shown_answer).collect(),
                expected: serde_json::to_value(&step.expect).unwrap_or_default(),
                problems,
            };
            match judge.check(&step.expect, &answers) {
                Outcome::Pass => {}
                Outcome::Skip(why) => return Ok((Verdict::Skip, Some(why), None)),
                Outcome::Fail(problems) => {
                    return Ok((fail_verdict, None, Some(failure(problems))))
                }
            }
            // Remember what later steps refer to.
            let jsons: Vec<Value> = answers.iter().filter_map(judge::json_of).collect();
            let main = jsons
                .iter()
                .find(|j| j.get("eventsAccepted").and_then(Value::as_u64).unwrap_or(0) > 0)
                .or(jsons.first())
                .cloned();
            for j in &jsons {
                for r in j
                    .get("receipts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let id = r
                        .get("eventId")
                        .and_then(Value::as_str)
                        .and_then(|s| uuid::Uuid::parse_str(s).ok());
                    let seq = r.get("sequenceNumber").and_then(Value::as_u64);
                    if let (Some(id), Some(seq)) = (id, seq) {
                        memory.seqs.entry(id).or_insert(seq);
                    }
                }
            }
            let mut missing = Vec::new();
            for (name, path) in &step.capture {
                match main.as_ref().and_then(|j| judge::at(j, path)) {
                    Some(v) => {
                        memory.captures.insert(name.clone(), v.clone());
                    }
                    None => missing.push(format!("capture {name}: the answer has no {path}")),
                }
            }
            if !missing.is_empty() {
                return Ok((fail_verdict, None, Some(failure(missing))));
            }
            if let Some(j) = main {
                memory.answers.insert(label, j);
            }
        }
        Ok((Verdict::Pass, None, None))
    }
}
