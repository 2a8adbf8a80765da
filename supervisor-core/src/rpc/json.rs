//! XML-RPC values as JSON.

use event_proto::xmlrpc::Value;

/// An XML-RPC value as JSON text (for `status --json`, `pools --json` and the web console's
/// endpoints). A date or binary value becomes a string of its debug form.
///
/// ```
/// use event_proto::xmlrpc::Value;
/// let v = Value::structure([("name", Value::from("a\"b")), ("pid", Value::Int(7))]);
/// assert_eq!(supervisor_core::rpc::json_value(&v), r#"{"name":"a\"b","pid":7}"#);
/// ```
pub fn json_value(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Double(d) if d.is_finite() => d.to_string(),
        Value::Double(_) => "null".into(),
        Value::String(t) => json_string(t),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(json_value).collect::<Vec<_>>().join(",")
        ),
        Value::Struct(members) => format!(
            "{{{}}}",
            members
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), json_value(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => json_string(&format!("{other:?}")),
    }
}

/// A JSON string literal for `t`.
fn json_string(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 2);
    out.push('"');
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
