//! The `genai` op (docs/model.md §4): a conversation's state from OpenTelemetry
//! GenAI spans: `{"messages": [...], "tool_calls": [...], "usage": {...}}`.
//!
//! A chat span's input is the history the model was sent and its output the
//! reply: the history extends the messages where it overlaps their end, the
//! reply follows. A tool execution span adds its call; token counts add up.

use serde_json::{Map, Number, Value};

const INPUT: &str = "gen_ai.input.messages";
const OUTPUT: &str = "gen_ai.output.messages";
const USAGE: &str = "gen_ai.usage.";

/// Apply one span's data to the conversation `state`. Fails (state unchanged)
/// only when the state is not an object.
pub fn apply(state: &mut Option<Value>, data: &Value) -> Result<(), String> {
    let conv = state.get_or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(conv) = conv else {
        return Err("genai: the state is not an object".into());
    };
    for key in ["messages", "tool_calls"] {
        if !conv.get(key).is_some_and(Value::is_array) {
            conv.insert(key.into(), Value::Array(Vec::new()));
        }
    }
    if !conv.get("usage").is_some_and(Value::is_object) {
        conv.insert("usage".into(), Value::Object(Map::new()));
    }
    if let Some(Value::Array(messages)) = conv.get_mut("messages") {
        if let Some(Value::Array(input)) = data.get(INPUT) {
            extend_history(messages, input);
        }
        if let Some(Value::Array(output)) = data.get(OUTPUT) {
            messages.extend(output.iter().cloned());
        }
    }
    if let Some(call) = tool_call(data) {
        if let Some(Value::Array(calls)) = conv.get_mut("tool_calls") {
            calls.push(call);
        }
    }
    if let Some(Value::Object(usage)) = conv.get_mut("usage") {
        if let Value::Object(d) = data {
            for (k, v) in d {
                if let (Some(name), Some(n)) = (k.strip_prefix(USAGE), v.as_i64()) {
                    let sum = usage.get(name).and_then(Value::as_i64).unwrap_or(0).saturating_add(n);
                    usage.insert(name.to_string(), Value::Number(Number::from(sum)));
                }
            }
        }
    }
    Ok(())
}

/// Append the part of `input` past its longest overlap with the end of `messages`.
fn extend_history(messages: &mut Vec<Value>, input: &[Value]) {
    let max = messages.len().min(input.len());
    let overlap = (0..=max)
        .rev()
        .find(|&k| messages[messages.len() - k..] == input[..k])
        .unwrap_or(0);
    messages.extend(input[overlap..].iter().cloned());
}

/// The call a tool execution span made: id, name, arguments, result.
fn tool_call(data: &Value) -> Option<Value> {
    let name = data.get("gen_ai.tool.name")?;
    let mut call = Map::new();
    for (key, field) in [
        ("gen_ai.tool.call.id", "id"),
        ("gen_ai.tool.name", "name"),
        ("gen_ai.tool.type", "type"),
        ("gen_ai.tool.call.arguments", "arguments"),
        ("gen_ai.tool.call.result", "result"),
    ] {
        if let Some(v) = data.get(key) {
            call.insert(field.into(), v.clone());
        }
    }
    call.entry("name").or_insert_with(|| name.clone());
    Some(Value::Object(call))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn history_overlaps_and_usage_adds_up() {
        let mut s = None;
        let user = json!({"role": "user", "parts": [{"type": "text", "content": "hi"}]});
        let call = json!({"role": "assistant", "parts": [{"type": "tool_call", "id": "c"}]});
        let tool = json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": "c"}]});
        let answer = json!({"role": "assistant", "parts": [{"type": "text", "content": "done"}]});
        apply(&mut s, &json!({"gen_ai.input.messages": [user], "gen_ai.output.messages": [call], "gen_ai.usage.input_tokens": 10})).expect("chat");
        apply(&mut s, &json!({"gen_ai.tool.name": "f", "gen_ai.tool.call.id": "c"})).expect("tool");
        apply(
            &mut s,
            &json!({"gen_ai.input.messages": [user, call, tool], "gen_ai.output.messages": [answer], "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 2}),
        )
        .expect("chat");
        assert_eq!(
            s,
            Some(json!({
                "messages": [user, call, tool, answer],
                "tool_calls": [{"id": "c", "name": "f"}],
                "usage": {"input_tokens": 15, "output_tokens": 2}
            }))
        );
        let mut bad = Some(json!([1]));
        assert!(apply(&mut bad, &json!({})).is_err());
        assert_eq!(bad, Some(json!([1])));
    }
}
