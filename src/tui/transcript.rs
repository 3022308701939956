//! Chat messages found in a state: LangChain message dumps (`type` human/ai/tool/
//! system), OpenAI Agents items (`role`, `function_call`, `function_call_output`)
//! and OTel GenAI messages (`role`, `parts`), as transcript entries to draw.

use serde_json::Value;

use crate::json::diff::Change;
use crate::json::pointer::escape;

/// One message: who spoke, what was said, and whether the current event added it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub pointer: String,
    pub role: String,
    /// Text, tool calls (`→ name(args)`) and tool results, one string a line.
    pub lines: Vec<String>,
    pub new: bool,
}

/// Keys whose array values hold messages.
const KEYS: [&str; 3] = ["messages", "items", "input_messages"];
/// How deep to look for them: messages sit near a stream's top.
const DEPTH: usize = 6;

/// Every message in `v`, in document order, marked new when a change in
/// `changed` lies at or inside it (or replaced its whole list).
pub fn entries(v: &Value, changed: &[Change]) -> Vec<Entry> {
    let mut out = Vec::new();
    walk(v, "", 0, &mut out);
    for e in &mut out {
        e.new = changed.iter().any(|c| {
            c.path == e.pointer
                || c.path.starts_with(&format!("{}/", e.pointer))
                || (e.pointer.starts_with(&format!("{}/", c.path)) && c.path.len() < e.pointer.len())
        });
    }
    out
}

fn walk(v: &Value, at: &str, depth: usize, out: &mut Vec<Entry>) {
    if depth > DEPTH {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", escape(k));
                match child {
                    Value::Array(items) if KEYS.contains(&k.as_str()) && items.iter().any(is_message) => {
                        for (i, item) in items.iter().enumerate() {
                            if let Some(e) = entry(item, format!("{p}/{i}")) {
                                out.push(e);
                            }
                        }
                    }
                    _ => walk(child, &p, depth + 1, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{at}/{i}"), depth + 1, out);
            }
        }
        _ => {}
    }
}

fn is_message(v: &Value) -> bool {
    v.get("role").is_some_and(Value::is_string)
        || matches!(
            v.get("type").and_then(Value::as_str),
            Some("human" | "ai" | "tool" | "system" | "function_call" | "function_call_output" | "message")
        )
}

fn entry(v: &Value, pointer: String) -> Option<Entry> {
    if !is_message(v) {
        return None;
    }
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    let role = match (v.get("role").and_then(Value::as_str), kind) {
        (Some(r), _) => r.to_string(),
        (None, "human") => "user".to_string(),
        (None, "ai") => "assistant".to_string(),
        (None, "function_call") => "assistant".to_string(),
        (None, "function_call_output") => "tool".to_string(),
        (None, k) => k.to_string(),
    };
    let mut lines = Vec::new();
    if let Some(c) = v.get("content") {
        text(c, &mut lines);
    }
    if let Some(parts) = v.get("parts") {
        text(parts, &mut lines);
    }
    if kind == "function_call" {
        lines.push(call(v.get("name"), v.get("arguments")));
    }
    if kind == "function_call_output" {
        if let Some(o) = v.get("output") {
            text(o, &mut lines);
        }
    }
    if let Some(Value::Array(calls)) = v.get("tool_calls") {
        for c in calls {
            let f = c.get("function").unwrap_or(c);
            lines.push(call(f.get("name"), f.get("args").or_else(|| f.get("arguments"))));
        }
    }
    Some(Entry {
        pointer,
        role,
        lines,
        new: false,
    })
}

/// `→ name(args)`, arguments as compact JSON (a string argument unquoted).
fn call(name: Option<&Value>, args: Option<&Value>) -> String {
    let name = name.and_then(Value::as_str).unwrap_or("?");
    let args = match args {
        Some(Value::String(s)) => s.clone(),
        Some(a) => a.to_string(),
        None => String::new(),
    };
    format!("→ {name}({args})")
}

/// Text of a content value: a string, or a list of parts (`text`, tool calls,
/// tool results), each non-empty piece a line.
fn text(c: &Value, lines: &mut Vec<String>) {
    match c {
        Value::String(s) if !s.is_empty() => lines.extend(s.lines().map(str::to_string)),
        Value::Array(parts) => {
            for p in parts {
                match p {
                    Value::String(_) => text(p, lines),
                    Value::Object(_) => {
                        let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
                        if let Some(t) = p.get("text").or_else(|| p.get("content")) {
                            text(t, lines);
                        } else if kind.contains("call") && p.get("name").is_some() {
                            lines.push(call(p.get("name"), p.get("arguments")));
                        } else if let Some(r) = p.get("response").or_else(|| p.get("result")) {
                            lines.push(format!(
                                "← {}",
                                r.as_str().map_or_else(|| r.to_string(), str::to_string)
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
        Value::Null => {}
        Value::String(_) => {}
        other => lines.push(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::diff::diff;

    /// `rewind state fixtures/ai/otel-genai.jsonl --stream conv-A20931`, as the `genai` rule op builds it.
    const OTEL: &str = r#"{"messages": [{"role": "user", "parts": [{"type": "text", "content": "Was A-20931 charged twice?"}]}, {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_9", "name": "lookup_order", "arguments": {"order_id": "A-20931"}}], "finish_reason": "tool_calls"}, {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_9", "response": {"status": "charged twice"}}]}, {"role": "assistant", "parts": [{"type": "text", "content": "Yes; the second charge is refunded."}], "finish_reason": "stop"}], "tool_calls": [{"id": "call_9", "name": "lookup_order", "type": "function", "arguments": {"order_id": "A-20931"}, "result": {"status": "charged twice"}}], "usage": {"input_tokens": 284, "output_tokens": 29}}"#;

    #[test]
    fn otel_genai_messages_read_as_roles_text_calls_and_results() {
        let new: Value = serde_json::from_str(OTEL).unwrap_or_default();
        let mut old = new.clone();
        if let Some(Value::Array(m)) = old.get_mut("messages") {
            m.pop();
        }
        let got = entries(&new, &diff(&old, &new));
        let shown: Vec<(&str, Vec<&str>, bool)> = got
            .iter()
            .map(|e| (e.role.as_str(), e.lines.iter().map(String::as_str).collect(), e.new))
            .collect();
        assert_eq!(
            shown,
            [
                ("user", vec!["Was A-20931 charged twice?"], false),
                ("assistant", vec![r#"→ lookup_order({"order_id":"A-20931"})"#], false),
                ("tool", vec![r#"← {"status":"charged twice"}"#], false),
                ("assistant", vec!["Yes; the second charge is refunded."], true),
            ]
        );
        // The stream's own `tool_calls` list is not a message list.
        assert!(got.iter().all(|e| e.pointer.starts_with("/messages/")));
    }

    #[test]
    fn a_state_without_messages_has_no_transcript() {
        let v: Value = serde_json::from_str(r#"{"items": [1, 2], "messages": "hi", "n": {"items": [{"x": 1}]}}"#)
            .unwrap_or_default();
        assert!(entries(&v, &[]).is_empty());
    }
}
