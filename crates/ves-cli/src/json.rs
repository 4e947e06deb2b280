//! Reading untrusted JSON by path: every accessor returns an error that names the path and
//! says what was expected and what was found, so that a damaged vectors file gives a clear
//! mismatch instead of a panic.

use anyhow::{anyhow, Result};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A position in a JSON document: the value there (if any) and its path.
#[derive(Clone)]
pub struct At<'a> {
    v: Option<&'a Value>,
    path: String,
}

pub fn describe(v: Option<&Value>) -> String {
    match v {
        None => "nothing (missing)".into(),
        Some(Value::Null) => "null".into(),
        Some(Value::Bool(b)) => format!("the boolean {b}"),
        Some(Value::Number(n)) => format!("the number {n}"),
        Some(Value::String(s)) if s.chars().count() > 40 => {
            format!("a string of {} characters", s.chars().count())
        }
        Some(Value::String(s)) => format!("the string {s:?}"),
        Some(Value::Array(a)) => format!("an array of {}", a.len()),
        Some(Value::Object(_)) => "an object".into(),
    }
}

impl<'a> At<'a> {
    pub fn root(v: &'a Value) -> Self {
        At {
            v: Some(v),
            path: String::new(),
        }
    }

    /// A value parsed from elsewhere (e.g. a captured `body_raw`), reported under `path`.
    pub fn named(v: &'a Value, path: impl Into<String>) -> Self {
        At {
            v: Some(v),
            path: path.into(),
        }
    }

    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "(top level)"
        } else {
            &self.path
        }
    }

    pub fn get(&self, key: &str) -> At<'a> {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        At {
            v: self.v.and_then(|v| v.get(key)),
            path,
        }
    }

    pub fn value(&self) -> Option<&'a Value> {
        self.v
    }

    pub fn exists(&self) -> bool {
        matches!(self.v, Some(v) if !v.is_null())
    }

    fn wrong(&self, expected: &str) -> anyhow::Error {
        anyhow!(
            "{}: expected {expected}, found {}",
            self.path(),
            describe(self.v)
        )
    }

    pub fn req(&self) -> Result<&'a Value> {
        self.v.ok_or_else(|| self.wrong("a value"))
    }

    pub fn str(&self) -> Result<&'a str> {
        self.v
            .and_then(Value::as_str)
            .ok_or_else(|| self.wrong("a string"))
    }

    pub fn u64(&self) -> Result<u64> {
        self.v
            .and_then(Value::as_u64)
            .ok_or_else(|| self.wrong("a non-negative integer"))
    }

    pub fn bool(&self) -> Result<bool> {
        self.v
            .and_then(Value::as_bool)
            .ok_or_else(|| self.wrong("a boolean"))
    }

    pub fn obj(&self) -> Result<&'a Map<String, Value>> {
        self.v
            .and_then(Value::as_object)
            .ok_or_else(|| self.wrong("an object"))
    }

    /// The elements of an array, each with its own path.
    pub fn arr(&self) -> Result<Vec<At<'a>>> {
        let items = self
            .v
            .and_then(Value::as_array)
            .ok_or_else(|| self.wrong("an array"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| At {
                v: Some(v),
                path: format!("{}[{i}]", self.path),
            })
            .collect())
    }

    /// Exactly `N` bytes of hex (optional `0x`).
    pub fn hex<const N: usize>(&self) -> Result<[u8; N]> {
        let s = self.str()?;
        ves_core::hexfmt::decode_fixed::<N>(s, self.path()).map_err(|e| anyhow!("{e}"))
    }

    /// The string as bare lowercase hex (strips `0x`), for comparison with computed hex.
    pub fn bare_hex(&self) -> Result<String> {
        let s = self.str()?;
        Ok(s.strip_prefix("0x").unwrap_or(s).to_ascii_lowercase())
    }

    /// Deserializes the value with serde (e.g. into a ves-core type).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        let v = self.req()?;
        T::deserialize(v).map_err(|e| anyhow!("{}: {e}", self.path()))
    }

    /// Parses a string holding JSON text (a captured `body_raw`).
    pub fn parse_text<T: DeserializeOwned>(&self) -> Result<T> {
        let s = self.str()?;
        serde_json::from_str(s).map_err(|e| anyhow!("{}: {e}", self.path()))
    }
}
