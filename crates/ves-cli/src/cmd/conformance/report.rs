//! Tallies of one file's checks, by category, and their printing. A *case* is one vector (an
//! event, a proof, a tree); it passes when every value it holds equals what ves-core
//! recomputes from the case's inputs.

use std::fmt::Display;

use anyhow::Result;

use crate::json::{describe, At};

/// Mismatches shown per category; the rest are counted.
const SHOWN: usize = 3;

pub struct Report {
    pub file: String,
    pub format: &'static str,
    categories: Vec<Category>,
    skipped: Vec<(String, String)>,
}

struct Category {
    name: String,
    ok: u64,
    failed: Vec<(String, Vec<String>)>,
    note: Option<String>,
}

/// The comparisons of one case.
#[derive(Default)]
pub struct Case {
    mismatches: Vec<String>,
}

impl Case {
    /// Records a mismatch unless `computed` (by ves-core) equals `in_file`.
    pub fn eq(&mut self, what: &str, computed: &str, in_file: &str) {
        if computed != in_file {
            self.mismatches.push(format!(
                "{what}: expected {} (recomputed), found {} (in the file)",
                shown(computed, in_file),
                shown(in_file, computed)
            ));
        }
    }

    /// Compares the hex at `at` (bare or `0x`, any case) with `computed`.
    pub fn hex(&mut self, at: &At, computed: &[u8]) {
        let want = ves_core::hexfmt::encode(computed);
        match at.bare_hex() {
            Ok(found) => self.eq(at.path(), &want, &found),
            Err(_) => self.unreadable(at, &format!("hex {}", shown(&want, ""))),
        }
    }

    /// Compares the string at `at` with `computed`.
    pub fn text(&mut self, at: &At, computed: &str) {
        match at.str() {
            Ok(found) => self.eq(at.path(), computed, found),
            Err(_) => self.unreadable(at, &format!("the string {}", shown(computed, ""))),
        }
    }

    pub fn num(&mut self, at: &At, computed: u64) {
        match at.u64() {
            Ok(found) if found == computed => {}
            Ok(found) => self.mismatches.push(format!(
                "{}: expected {computed} (recomputed), found {found} (in the file)",
                at.path()
            )),
            Err(_) => self.unreadable(at, &computed.to_string()),
        }
    }

    pub fn flag(&mut self, at: &At, computed: bool) {
        match at.bool() {
            Ok(found) if found == computed => {}
            Ok(found) => self.mismatches.push(format!(
                "{}: expected {computed} (recomputed), found {found} (in the file)",
                at.path()
            )),
            Err(_) => self.unreadable(at, &computed.to_string()),
        }
    }

    fn unreadable(&mut self, at: &At, expected: &str) {
        self.mismatches.push(format!(
            "{}: expected {expected}, found {}",
            at.path(),
            describe(at.value())
        ));
    }

    /// A property that must hold; `what` says what was expected and what was found.
    pub fn require(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.mismatches.push(what());
        }
    }
}

/// `s` in full when short, else a window around its first difference from `other`.
fn shown(s: &str, other: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        return format!("{s:?}");
    }
    let first_diff = s
        .char_indices()
        .zip(other.chars().chain(std::iter::repeat('\u{0}')))
        .find(|((_, a), b)| a != b)
        .map(|((i, _), _)| i)
        .unwrap_or(s.len());
    let start = s[..first_diff]
        .char_indices()
        .rev()
        .nth(15)
        .map(|(i, _)| i)
        .unwrap_or(0);
    let window: String = s[start..].chars().take(40).collect();
    format!(
        "\u{2026}{window:?}\u{2026} (differs at byte {first_diff} of {})",
        s.len()
    )
}

impl Report {
    pub fn new(file: String, format: &'static str) -> Self {
        Report {
            file,
            format,
            categories: Vec::new(),
            skipped: Vec::new(),
        }
    }

    fn category(&mut self, name: &str) -> &mut Category {
        let pos = match self.categories.iter().position(|c| c.name == name) {
            Some(p) => p,
            None => {
                self.categories.push(Category {
                    name: name.to_string(),
                    ok: 0,
                    failed: Vec::new(),
                    note: None,
                });
                self.categories.len() - 1
            }
        };
        &mut self.categories[pos]
    }

    /// Runs one case. An error (an unreadable input) fails the case with its message.
    pub fn case(
        &mut self,
        category: &str,
        item: impl Display,
        f: impl FnOnce(&mut Case) -> Result<()>,
    ) -> bool {
        let mut case = Case::default();
        if let Err(e) = f(&mut case) {
            case.mismatches.push(format!("{e:#}"));
        }
        let cat = self.category(category);
        if case.mismatches.is_empty() {
            cat.ok += 1;
            true
        } else {
            cat.failed.push((item.to_string(), case.mismatches));
            false
        }
    }

    /// A case that could not even be set up (its inputs are unreadable).
    pub fn broken(&mut self, category: &str, item: impl Display, e: &anyhow::Error) {
        self.case(category, item, |_| Err(anyhow::anyhow!("{e:#}")));
    }

    pub fn skip(&mut self, what: &str, reason: impl Into<String>) {
        self.skipped.push((what.to_string(), reason.into()));
    }

    /// A remark printed after the category's count (e.g. where expected values came from).
    pub fn note(&mut self, category: &str, note: impl Into<String>) {
        self.category(category).note = Some(note.into());
    }

    pub fn cases(&self) -> (u64, u64) {
        self.categories.iter().fold((0, 0), |(ok, bad), c| {
            (ok + c.ok, bad + c.failed.len() as u64)
        })
    }

    pub fn skipped_count(&self) -> usize {
        self.skipped.len()
    }

    pub fn print(&self) {
        let width = self
            .categories
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for c in &self.categories {
            let total = c.ok + c.failed.len() as u64;
            let verdict = if c.failed.is_empty() { "ok" } else { "FAILED" };
            let note = c
                .note
                .as_ref()
                .map(|n| format!("  ({n})"))
                .unwrap_or_default();
            println!(
                "{}  {:<width$}  {}/{} {verdict}{note}",
                self.file, c.name, c.ok, total
            );
            for (item, mismatches) in c.failed.iter().take(SHOWN) {
                let head = item.split(' ').next().unwrap_or(item);
                for m in mismatches.iter().take(SHOWN) {
                    if m.starts_with(head) {
                        println!("    {m}");
                    } else {
                        println!("    {item}: {m}");
                    }
                }
                if mismatches.len() > SHOWN {
                    println!("    {item}: … and {} more", mismatches.len() - SHOWN);
                }
            }
            if c.failed.len() > SHOWN {
                println!(
                    "    … and {} more failed cases in {}",
                    c.failed.len() - SHOWN,
                    c.name
                );
            }
        }
        for (name, reason) in &self.skipped {
            println!("{}  {:<width$}  skipped: {reason}", self.file, name);
        }
    }
}
