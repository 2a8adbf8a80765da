//! Encoding, in the layout of Python's `xmlrpc.client.dumps` (what supervisord sends).

use std::fmt::Write as _;

use base64::Engine as _;

use super::value::{MethodCall, MethodResponse, Value};

/// A rough size of `v`'s encoding, to allocate the document once.
fn estimate(v: &Value) -> usize {
    match v {
        Value::String(s) | Value::DateTime(s) => s.len() + 32,
        Value::Base64(b) => b.len() * 4 / 3 + 40,
        Value::Array(items) => 32 + items.iter().map(estimate).sum::<usize>(),
        Value::Struct(members) => {
            32 + members
                .iter()
                .map(|(k, v)| k.len() + 40 + estimate(v))
                .sum::<usize>()
        }
        _ => 40,
    }
}

/// Escapes `&`, `<` and `>`, as Python's xmlrpc `escape` does, and replaces characters XML 1.0
/// forbids (control characters other than tab, newline and carriage return; U+FFFE, U+FFFF)
/// with U+FFFD: 4.3 sends them raw and Python clients then fail to parse the response
/// ([RPC-BUG-control-chars]).
fn escape(out: &mut String, s: &str) {
    // Fast path: most strings (names, states, paths) need nothing escaped. 0xEF starts every
    // character from U+F000 to U+FFFF, so U+FFFE/U+FFFF always take the slow path.
    let needs = |b: u8| {
        matches!(b, b'&' | b'<' | b'>' | 0xEF) || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    };
    let Some(first) = s.bytes().position(needs) else {
        out.push_str(s);
        return;
    };
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
}

fn value(out: &mut String, v: &Value) {
    out.push_str("<value>");
    match v {
        Value::Int(n) => {
            let n = (*n).clamp(i64::from(i32::MIN), i64::from(i32::MAX));
            let _ = write!(out, "<int>{n}</int>");
        }
        Value::Bool(b) => {
            let _ = write!(out, "<boolean>{}</boolean>", u8::from(*b));
        }
        Value::String(s) => {
            out.push_str("<string>");
            escape(out, s);
            out.push_str("</string>");
        }
        Value::Double(d) => {
            let _ = write!(out, "<double>{d:?}</double>");
        }
        Value::DateTime(s) => {
            out.push_str("<dateTime.iso8601>");
            escape(out, s);
            out.push_str("</dateTime.iso8601>");
        }
        Value::Base64(b) => {
            let _ = write!(
                out,
                "<base64>\n{}\n</base64>",
                base64::engine::general_purpose::STANDARD.encode(b)
            );
        }
        Value::Array(items) => {
            out.push_str("<array><data>\n");
            for item in items {
                value(out, item);
                out.push('\n');
            }
            out.push_str("</data></array>");
        }
        Value::Struct(members) => {
            out.push_str("<struct>\n");
            for (k, v) in members {
                out.push_str("<member>\n<name>");
                escape(out, k);
                out.push_str("</name>\n");
                value(out, v);
                out.push_str("\n</member>\n");
            }
            out.push_str("</struct>");
        }
        Value::Nil => out.push_str("<nil/>"),
    }
    out.push_str("</value>");
}

impl MethodCall {
    /// The request document.
    pub fn encode(&self) -> String {
        let mut out = String::from("<?xml version='1.0'?>\n<methodCall>\n<methodName>");
        escape(&mut out, &self.method);
        out.push_str("</methodName>\n<params>\n");
        for p in &self.params {
            out.push_str("<param>\n");
            value(&mut out, p);
            out.push_str("\n</param>\n");
        }
        out.push_str("</params>\n</methodCall>\n");
        out
    }
}

impl MethodResponse {
    /// The response document.
    pub fn encode(&self) -> String {
        let mut out = String::from("<?xml version='1.0'?>\n<methodResponse>\n");
        match self {
            MethodResponse::Value(v) => {
                out.reserve(estimate(v) + 64);
                out.push_str("<params>\n<param>\n");
                value(&mut out, v);
                out.push_str("\n</param>\n</params>\n");
            }
            MethodResponse::Fault { code, string } => {
                out.push_str("<fault>\n");
                let fault = Value::structure([
                    ("faultCode", Value::Int(*code)),
                    ("faultString", Value::String(string.clone())),
                ]);
                value(&mut out, &fault);
                out.push_str("\n</fault>\n");
            }
        }
        out.push_str("</methodResponse>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_layout_matches_python_rpc_http_response() {
        let doc = MethodResponse::Fault {
            code: 10,
            string: "BAD_NAME: zz".into(),
        }
        .encode();
        assert_eq!(
            doc,
            "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: zz</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
        );
    }

    #[test]
    fn round_trips_every_type() {
        let v = Value::structure([
            ("int", Value::Int(-5)),
            ("bool", Value::Bool(true)),
            ("s", Value::from("a<b&c>")),
            ("d", Value::Double(1.5)),
            ("t", Value::DateTime("20261124T22:00:00".into())),
            ("b", Value::Base64(vec![0, 255, 10])),
            ("a", Value::Array(vec![Value::Int(1), Value::from("x")])),
            ("empty", Value::Array(vec![])),
            ("nil", Value::Nil),
        ]);
        let resp = MethodResponse::Value(v);
        assert_eq!(MethodResponse::decode(resp.encode().as_bytes()), Ok(resp));
        let call = MethodCall {
            method: "supervisor.startProcess".into(),
            params: vec![Value::from("web"), Value::Bool(false)],
        };
        assert_eq!(MethodCall::decode(call.encode().as_bytes()), Ok(call));
    }

    #[test]
    fn byte_identical_to_python_xmlrpc_client_dumps() {
        // Captured from Python 3.11: xmlrpc.client.dumps((...,), methodresponse=True).
        let py_response = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>web</string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>8745</int></value>\n</member>\n<member>\n<name>ok</name>\n<value><boolean>1</boolean></value>\n</member>\n<member>\n<name>l</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><string>a&amp;b</string></value>\n</data></array></value>\n</member>\n<member>\n<name>e</name>\n<value><string></string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n";
        let ours = MethodResponse::Value(Value::structure([
            ("name", Value::from("web")),
            ("pid", Value::Int(8745)),
            ("ok", Value::Bool(true)),
            ("l", Value::Array(vec![Value::Int(1), Value::from("a&b")])),
            ("e", Value::from("")),
        ]));
        assert_eq!(ours.encode(), py_response);
        assert_eq!(MethodResponse::decode(py_response.as_bytes()), Ok(ours));
        let py_call = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n<params>\n<param>\n<value><string>web</string></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n";
        let call = MethodCall {
            method: "supervisor.startProcess".into(),
            params: vec![Value::from("web"), Value::Bool(true)],
        };
        assert_eq!(call.encode(), py_call);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for doc in [
            &b""[..],
            b"<methodCall>",
            b"<methodCall><params/></methodCall>",
            b"<a><b></a>",
            b"<methodCall><methodName>x</methodName><params><param><value><int>zz</int></value></param></params></methodCall>",
            b"\xff\xfe",
        ] {
            assert!(MethodCall::decode(doc).is_err(), "{doc:?}");
        }
        let deep = "<value><array><data>".repeat(100);
        let doc = format!("<methodCall><methodName>x</methodName><params><param>{deep}</param></params></methodCall>");
        assert!(MethodCall::decode(doc.as_bytes()).is_err());
        let untyped = b"<methodCall><methodName>m</methodName><params><param><value>plain</value></param></params></methodCall>";
        assert_eq!(
            MethodCall::decode(untyped).map(|c| c.params),
            Ok(vec![Value::from("plain")])
        );
    }

    #[test]
    fn forbidden_characters_are_replaced_rpc_bug_control_chars() {
        let doc = MethodResponse::Value(Value::from("\u{1b}[31mred\u{1b}[0m\ttab")).encode();
        assert!(
            doc.contains("<string>\u{fffd}[31mred\u{fffd}[0m\ttab</string>"),
            "{doc}"
        );
    }

    #[test]
    fn ints_are_clamped_on_the_wire() {
        let doc = MethodResponse::Value(Value::Int(1 << 40)).encode();
        assert!(doc.contains("<int>2147483647</int>"));
    }
}
