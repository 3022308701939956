//! The rules file (docs/model.md §4): field-mapping overrides and reducer rules.

use std::path::Path;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use serde_json::Value;

use crate::hash::fnv1a;
use crate::json::pointer;
use crate::sanitize::quote;

/// What a rule does to its stream's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Merge,
    Replace,
    Append,
    Patch,
    Remove,
    Snapshot,
    Ignore,
    /// A conversation from OpenTelemetry GenAI spans (`replay::genai`).
    GenAi,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "merge" => Op::Merge,
            "replace" => Op::Replace,
            "append" => Op::Append,
            "patch" => Op::Patch,
            "remove" => Op::Remove,
            "snapshot" => Op::Snapshot,
            "ignore" => Op::Ignore,
            "genai" => Op::GenAi,
            _ => return None,
        })
    }
}

/// One segment of a rule path: literal text and `{field}` placeholders.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Field(String),
}

/// A rule path such as `/models/{model_id}`, split into pointer segments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PathTemplate {
    pub segments: Vec<Vec<Part>>,
}

impl PathTemplate {
    fn parse(text: &str) -> Result<PathTemplate, String> {
        let tokens = pointer::parse(text).map_err(|e| e.to_string())?;
        let mut segments = Vec::with_capacity(tokens.len());
        for tok in tokens {
            segments.push(parse_segment(&tok)?);
        }
        Ok(PathTemplate { segments })
    }

    /// The names of the `{field}` placeholders, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flatten().filter_map(|p| match p {
            Part::Field(f) => Some(f.as_str()),
            Part::Lit(_) => None,
        })
    }

    /// Resolve placeholders against the event's data; each field value becomes part
    /// of one segment, so a `/` inside it does not split it.
    pub fn resolve(&self, data: &Value) -> Result<Vec<String>, String> {
        let mut out = Vec::with_capacity(self.segments.len());
        for seg in &self.segments {
            let mut s = String::new();
            for part in seg {
                match part {
                    Part::Lit(l) => s.push_str(l),
                    Part::Field(f) => match data.get(f) {
                        Some(Value::String(v)) => s.push_str(v),
                        Some(v) => s.push_str(&v.to_string()),
                        None => return Err(format!("path field {{{f}}} is not in the event data")),
                    },
                }
            }
            out.push(s);
        }
        Ok(out)
    }
}

fn parse_segment(tok: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = tok;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("unclosed '{{' in path segment {}", quote(tok)));
        };
        if open > 0 {
            parts.push(Part::Lit(rest[..open].to_string()));
        }
        let name = &rest[open + 1..open + close];
        if name.is_empty() {
            return Err(format!("empty {{}} in path segment {}", quote(tok)));
        }
        parts.push(Part::Field(name.to_string()));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(rest.to_string()));
    }
    Ok(parts)
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub type_pattern: String,
    matcher: GlobMatcher,
    pub op: Op,
    pub path: PathTemplate,
    pub path_text: String,
    pub from: Option<Vec<String>>,
}

impl Rule {
    pub fn matches(&self, ty: &str) -> bool {
        self.type_pattern == ty || self.matcher.is_match(ty)
    }
}

/// Field-mapping overrides: a JSON Pointer into the raw record per field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldOverrides {
    pub stream: Option<Vec<String>>,
    pub seq: Option<Vec<String>>,
    pub id: Option<Vec<String>>,
    pub ty: Option<Vec<String>>,
    pub time: Option<Vec<String>>,
    pub data: Option<Vec<String>>,
    pub meta: Option<Vec<String>>,
}

impl FieldOverrides {
    pub fn is_empty(&self) -> bool {
        *self == FieldOverrides::default()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub fields: FieldOverrides,
    pub rules: Vec<Rule>,
    /// The file's text, kept so the cache can store the rules in force.
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(rename = "type")]
    ty: String,
    op: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    from: Option<String>,
}

impl Rules {
    pub fn load(path: &Path) -> anyhow::Result<Rules> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("rules file {}: {}", path.display(), crate::ioerr::describe(&e)))?;
        Rules::parse(&text).map_err(|e| anyhow::anyhow!("rules file {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Rules, String> {
        let raw: RawFile = serde_json::from_str(text).map_err(|e| {
            // serde_json's message ends with the location: say it once, in front.
            let full = e.to_string();
            let msg = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
            match e.column() {
                0 => format!("line {}: {msg}", e.line()),
                c => format!("line {} column {c}: {msg}", e.line()),
            }
        })?;
        let mut fields = FieldOverrides::default();
        for (name, v) in &raw.fields {
            let Value::String(ptr) = v else {
                return Err(format!("fields.{name}: expected a JSON Pointer string"));
            };
            let tokens = pointer::parse(ptr).map_err(|e| format!("fields.{name}: {e}"))?;
            let slot = match name.as_str() {
                "stream" => &mut fields.stream,
                "seq" => &mut fields.seq,
                "id" => &mut fields.id,
                "type" => &mut fields.ty,
                "time" => &mut fields.time,
                "data" => &mut fields.data,
                "meta" => &mut fields.meta,
                other => {
                    return Err(format!(
                        "fields.{other}: unknown field (expected stream, seq, id, type, time, data or meta)"
                    ))
                }
            };
            if tokens.is_empty() {
                return Err(format!(
                    "fields.{name}: the pointer must name a member, not the whole record"
                ));
            }
            *slot = Some(tokens);
        }
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (i, r) in raw.rules.into_iter().enumerate() {
            let n = i + 1;
            let op = Op::parse(&r.op).ok_or_else(|| {
                format!(
                    "rule {n} ({}): unknown op {} (expected merge, replace, append, patch, remove, snapshot, ignore or genai)",
                    r.ty,
                    quote(&r.op)
                )
            })?;
            let matcher = Glob::new(&r.ty)
                .map_err(|e| format!("rule {n}: type pattern {}: {e}", quote(&r.ty)))?
                .compile_matcher();
            let path_text = r.path.unwrap_or_default();
            if op == Op::GenAi && (!path_text.is_empty() || r.from.is_some()) {
                return Err(format!(
                    "rule {n} ({}): op genai works on the whole state (no path or from)",
                    r.ty
                ));
            }
            let path = PathTemplate::parse(&path_text).map_err(|e| format!("rule {n} ({}): path: {e}", r.ty))?;
            let from = match r.from {
                Some(f) => Some(pointer::parse(&f).map_err(|e| format!("rule {n} ({}): from: {e}", r.ty))?),
                None => None,
            };
            rules.push(Rule {
                type_pattern: r.ty,
                matcher,
                op,
                path,
                path_text,
                from,
            });
        }
        Ok(Rules {
            fields,
            rules,
            text: text.to_string(),
        })
    }

    /// The first rule whose type matches.
    pub fn rule_for(&self, ty: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.matches(ty))
    }

    pub fn index_for(&self, ty: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.matches(ty))
    }

    /// Identifies the reducer semantics; checkpoints are valid for one value of it.
    pub fn hash(&self) -> u64 {
        fnv1a(canonical(&self.text).as_bytes())
    }

    /// Identifies the field mapping; imports are valid for one value of it.
    pub fn mapping_hash(&self) -> u64 {
        let fields = serde_json::from_str::<Value>(&self.text)
            .ok()
            .and_then(|v| v.get("fields").cloned())
            .unwrap_or(Value::Null);
        fnv1a(fields.to_string().as_bytes())
    }
}

/// Whitespace-insensitive form of a rules file, so reformatting it does not
/// invalidate checkpoints.
fn canonical(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => v.to_string(),
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_spec_example() {
        let r = Rules::parse(
            r#"{"fields": {"stream": "/session_id", "time": "/at"},
                "rules": [{"type": "MessageAdded", "op": "append", "path": "/messages"},
                          {"type": "Memory*", "op": "merge", "path": "/memory"},
                          {"type": "ParamsPatched", "op": "patch", "from": "/ops"},
                          {"type": "Heartbeat", "op": "ignore"}]}"#,
        )
        .expect("parse");
        assert_eq!(r.fields.stream, Some(vec!["session_id".to_string()]));
        assert_eq!(r.rule_for("MemoryUpdated").map(|r| r.op), Some(Op::Merge));
        assert_eq!(r.rule_for("MessageAdded").map(|r| r.op), Some(Op::Append));
        assert!(r.rule_for("Other").is_none());
        assert_eq!(
            r.rule_for("ParamsPatched").and_then(|r| r.from.clone()),
            Some(vec!["ops".into()])
        );
    }

    #[test]
    fn placeholders_make_one_segment() {
        let t = PathTemplate::parse("/models/{model_id}/v{version}").expect("parse");
        let p = t.resolve(&json!({"model_id": "a/b", "version": 3})).expect("resolve");
        assert_eq!(p, vec!["models", "a/b", "v3"]);
        assert!(t.resolve(&json!({})).is_err());
    }

    #[test]
    fn bad_rules_say_which_rule() {
        let e = Rules::parse(r#"{"rules":[{"type":"A","op":"merge"},{"type":"B","op":"frobnicate"}]}"#)
            .expect_err("bad op");
        assert!(e.contains("rule 2"), "{e}");
        let e = Rules::parse(r#"{"rules":[{"type":"A","op":"merge","path":"nope"}]}"#).expect_err("bad path");
        assert!(e.contains("rule 1"), "{e}");
        let e = Rules::parse("{\"rules\": [").expect_err("bad json");
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn hash_ignores_whitespace() {
        let a = Rules::parse(r#"{"rules":[{"type":"A","op":"merge"}]}"#).expect("a");
        let b = Rules::parse("{ \"rules\" : [ {\"type\":\"A\", \"op\":\"merge\"} ] }").expect("b");
        assert_eq!(a.hash(), b.hash());
    }
}
