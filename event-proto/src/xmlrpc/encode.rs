//! Encoding, in the layout of Python's `xmlrpc.client.dumps` (what supervisord sends).

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;

use super::value::{MethodCall, MethodResponse, Value};

/// A rough size of `v`'s encoding, to allocate the document once.
fn estimate(v: &Value) -> usize {
    match v {
        Value::String(s) | Value::DateTime(s) => s.len() + 32,
        Value::Base64(b) => b.len() * 4 / 3 + 40,
        // Long arrays (getAllProcessInfo) are nearly uniform: size a sample and scale it.
        Value::Array(items) if items.len() > 32 => {
            32 + items[..16].iter().map(estimate).sum::<usize>() * items.len() / 16
        }
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

/// The bytes [`escape`] must look at: `&`, `<`, `>`, control characters other than tab,
/// newline and carriage return, and 0xEF (the lead byte of U+FFFE and U+FFFF).
const NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[0xEF] = true;
    t
};

/// The position of the first byte [`escape`] must look at, eight bytes at a time: most strings
/// (names, states, paths) need nothing escaped.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Whether any byte of `w` is below `n` (exact for n <= 0x80).
    let any_below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS != 0;
    let any_equal = |w: u64, b: u8| any_below(w ^ (ONES * u64::from(b)), 1);
    let flagged = |w: u64| {
        // Tab, newline and carriage return pass this test; the byte scan sorts them out.
        any_below(w, 0x20)
            || any_equal(w, b'&')
            || any_equal(w, b'<')
            || any_equal(w, b'>')
            || any_equal(w, 0xEF)
    };
    let exact = |chunk: &[u8]| chunk.iter().position(|&b| NEEDS_ESCAPE[usize::from(b)]);
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if flagged(u64::from_le_bytes(word)) {
            if let Some(i) = exact(chunk) {
                return Some(at + i);
            }
        }
        at += 8;
    }
    exact(chunks.remainder()).map(|i| at + i)
}

/// Appends `n` in decimal without going through `core::fmt` (responses such as
/// `getAllProcessInfo` carry thousands of integers).
fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut buf = [0u8; 20];
    // The digits are ASCII, so this never fails.
    if let Ok(digits) =
        std::str::from_utf8(crate::header::decimal_digits(n.unsigned_abs(), &mut buf))
    {
        out.push_str(digits);
    }
}

/// Escapes `&`, `<` and `>`, as Python's xmlrpc `escape` does, and replaces characters XML 1.0
/// forbids (control characters other than tab, newline and carriage return; U+FFFE, U+FFFF)
/// with U+FFFD: 4.3 sends them raw and Python clients then fail to parse the response
/// ([RPC-BUG-control-chars]).
fn escape(out: &mut String, s: &str) {
    let Some(first) = first_to_escape(s.as_bytes()) else {
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

/// Writes `$v` as `<value>…</value>` between the literals `$pre` and `$post`, folding them into
/// the tags around it so a typical struct member takes five appends instead of nine.
macro_rules! value_in {
    ($out:expr, $v:expr, $pre:literal, $post:literal) => {{
        let out: &mut String = $out;
        match $v {
            Value::Int(n) => {
                out.push_str(concat!($pre, "<value><int>"));
                push_int(out, (*n).clamp(i64::from(i32::MIN), i64::from(i32::MAX)));
                out.push_str(concat!("</int></value>", $post));
            }
            Value::Bool(true) => {
                out.push_str(concat!($pre, "<value><boolean>1</boolean></value>", $post))
            }
            Value::Bool(false) => {
                out.push_str(concat!($pre, "<value><boolean>0</boolean></value>", $post))
            }
            Value::String(s) => {
                out.push_str(concat!($pre, "<value><string>"));
                escape(out, s);
                out.push_str(concat!("</string></value>", $post));
            }
            Value::Double(d) => {
                out.push_str(concat!($pre, "<value><double>"));
                let _ = write!(out, "{d:?}");
                out.push_str(concat!("</double></value>", $post));
            }
            Value::DateTime(s) => {
                out.push_str(concat!($pre, "<value><dateTime.iso8601>"));
                escape(out, s);
                out.push_str(concat!("</dateTime.iso8601></value>", $post));
            }
            Value::Base64(b) => {
                out.push_str(concat!($pre, "<value><base64>\n"));
                base64::engine::general_purpose::STANDARD.encode_string(b, out);
                out.push_str(concat!("\n</base64></value>", $post));
            }
            Value::Array(items) => {
                out.push_str(concat!($pre, "<value><array><data>\n"));
                array_items(out, items);
                out.push_str(concat!("</data></array></value>", $post));
            }
            Value::Struct(members) => {
                out.push_str(concat!($pre, "<value><struct>\n"));
                struct_members(out, members);
                out.push_str(concat!("</struct></value>", $post));
            }
            Value::Nil => out.push_str(concat!($pre, "<value><nil/></value>", $post)),
        }
    }};
}

fn array_items(out: &mut String, items: &[Value]) {
    for item in items {
        value_in!(out, item, "", "\n");
    }
}

fn struct_members(out: &mut String, members: &[(Cow<'static, str>, Value)]) {
    for (k, v) in members {
        out.push_str("<member>\n<name>");
        escape(out, k);
        value_in!(out, v, "</name>\n", "\n</member>\n");
    }
}

impl MethodCall {
    /// The request document.
    pub fn encode(&self) -> String {
        let mut out = String::from("<?xml version='1.0'?>\n<methodCall>\n<methodName>");
        escape(&mut out, &self.method);
        out.push_str("</methodName>\n<params>\n");
        for p in &self.params {
            value_in!(&mut out, p, "<param>\n", "\n</param>\n");
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
                value_in!(
                    &mut out,
                    v,
                    "<params>\n<param>\n",
                    "\n</param>\n</params>\n"
                );
            }
            MethodResponse::Fault { code, string } => {
                let fault = Value::structure([
                    ("faultCode", Value::Int(*code)),
                    ("faultString", Value::String(string.clone())),
                ]);
                value_in!(&mut out, &fault, "<fault>\n", "\n</fault>\n");
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

    /// The byte-at-a-time definition `first_to_escape` must agree with.
    fn naive_first(bytes: &[u8]) -> Option<usize> {
        bytes.iter().position(|&b| NEEDS_ESCAPE[usize::from(b)])
    }

    proptest::proptest! {
        #[test]
        fn word_scan_finds_what_a_byte_scan_finds(
            prefix in "[a-zA-Z0-9 /._-]{0,40}",
            special in proptest::sample::select(vec!["", "&", "<", ">", "\t", "\n", "\r", "\u{1}", "\u{1f}", "\u{fffe}", "\u{ffff}", "\u{f000}", "é", "\u{7f}"]),
            suffix in "\\PC{0,20}",
        ) {
            let s = format!("{prefix}{special}{suffix}");
            proptest::prop_assert_eq!(first_to_escape(s.as_bytes()), naive_first(s.as_bytes()));
        }
    }

    #[test]
    fn ints_are_written_like_python() {
        for n in [0, 7, -1, 10, -2_147_483_648, 2_147_483_647, 1_700_000_000] {
            let mut out = String::new();
            push_int(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn ints_are_clamped_on_the_wire() {
        let doc = MethodResponse::Value(Value::Int(1 << 40)).encode();
        assert!(doc.contains("<int>2147483647</int>"));
    }
}
