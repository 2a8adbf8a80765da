//! Decoding: quick-xml events into a small bounded tree, then the XML-RPC grammar.

use std::fmt;

use base64::Engine as _;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::value::{MethodCall, MethodResponse, Value};

/// Nesting limit: garbage can never recurse without bound.
const MAX_DEPTH: usize = 64;
/// Element limit per document.
const MAX_ELEMENTS: usize = 200_000;

/// Why a document is not valid XML-RPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlRpcError {
    /// What was wrong.
    pub message: String,
    /// Byte offset in the document near the problem, when known.
    pub offset: Option<u64>,
}

impl XmlRpcError {
    fn new(message: impl Into<String>) -> XmlRpcError {
        XmlRpcError {
            message: message.into(),
            offset: None,
        }
    }
}

impl fmt::Display for XmlRpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "{} (at byte {o})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for XmlRpcError {}

#[derive(Debug, Default)]
struct Element {
    name: String,
    children: Vec<Element>,
    text: String,
}

fn parse_tree(doc: &[u8]) -> Result<Element, XmlRpcError> {
    let mut reader = Reader::from_reader(doc);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut count = 0usize;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| XmlRpcError {
            message: format!("malformed XML: {e}"),
            offset: Some(at),
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if stack.len() > MAX_DEPTH => {
                return Err(XmlRpcError::new("XML nested too deeply"));
            }
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlRpcError::new("too many XML elements"));
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                count += 1;
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let el = Element {
                    name,
                    ..Element::default()
                };
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| XmlRpcError::new("unbalanced XML"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Err(XmlRpcError::new("unbalanced XML")),
                }
            }
            Event::Text(text) => {
                let t = text.unescape().map_err(|e| XmlRpcError {
                    message: format!("bad text: {e}"),
                    offset: Some(at),
                })?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t);
                }
            }
            Event::CData(data) => {
                let t = String::from_utf8(data.into_inner().into_owned())
                    .map_err(|_| XmlRpcError::new("CDATA is not UTF-8"))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(XmlRpcError::new("unclosed XML element"));
    }
    let mut root = stack.pop().unwrap_or_default();
    match root.children.len() {
        1 => Ok(root.children.remove(0)),
        0 => Err(XmlRpcError::new("empty document")),
        _ => Err(XmlRpcError::new("more than one root element")),
    }
}

fn child<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    el.children.iter().find(|c| c.name == name)
}

fn value(el: &Element) -> Result<Value, XmlRpcError> {
    if el.name != "value" {
        return Err(XmlRpcError::new(format!(
            "expected <value>, got <{}>",
            el.name
        )));
    }
    let Some(typed) = el.children.first() else {
        return Ok(Value::String(el.text.clone()));
    };
    let text = typed.text.trim();
    Ok(match typed.name.as_str() {
        "int" | "i4" | "i8" => Value::Int(
            text.parse()
                .map_err(|_| XmlRpcError::new(format!("bad int {text:?}")))?,
        ),
        "boolean" => match text {
            "1" => Value::Bool(true),
            "0" => Value::Bool(false),
            _ => return Err(XmlRpcError::new(format!("bad boolean {text:?}"))),
        },
        "string" => Value::String(typed.text.clone()),
        "double" => Value::Double(
            text.parse()
                .map_err(|_| XmlRpcError::new(format!("bad double {text:?}")))?,
        ),
        "dateTime.iso8601" => Value::DateTime(text.to_owned()),
        "base64" => {
            let compact: String = text.split_whitespace().collect();
            Value::Base64(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|_| XmlRpcError::new("bad base64"))?,
            )
        }
        "nil" => Value::Nil,
        "array" => {
            let data =
                child(typed, "data").ok_or_else(|| XmlRpcError::new("<array> without <data>"))?;
            Value::Array(data.children.iter().map(value).collect::<Result<_, _>>()?)
        }
        "struct" => {
            let mut members = Vec::new();
            for m in &typed.children {
                let name =
                    child(m, "name").ok_or_else(|| XmlRpcError::new("<member> without <name>"))?;
                let v = child(m, "value")
                    .ok_or_else(|| XmlRpcError::new("<member> without <value>"))?;
                members.push((name.text.clone().into(), value(v)?));
            }
            Value::Struct(members)
        }
        other => return Err(XmlRpcError::new(format!("unknown type <{other}>"))),
    })
}

fn params(el: Option<&Element>) -> Result<Vec<Value>, XmlRpcError> {
    let Some(params) = el else {
        return Ok(Vec::new());
    };
    params
        .children
        .iter()
        .map(|p| {
            let v = child(p, "value").ok_or_else(|| XmlRpcError::new("<param> without <value>"))?;
            value(v)
        })
        .collect()
}

impl MethodCall {
    /// Decodes a `methodCall` document.
    pub fn decode(doc: &[u8]) -> Result<MethodCall, XmlRpcError> {
        let root = parse_tree(doc)?;
        if root.name != "methodCall" {
            return Err(XmlRpcError::new(format!(
                "expected <methodCall>, got <{}>",
                root.name
            )));
        }
        let method = child(&root, "methodName")
            .map(|m| m.text.trim().to_owned())
            .filter(|m| !m.is_empty())
            .ok_or_else(|| XmlRpcError::new("no method name"))?;
        Ok(MethodCall {
            method,
            params: params(child(&root, "params"))?,
        })
    }
}

impl MethodResponse {
    /// Decodes a `methodResponse` document.
    pub fn decode(doc: &[u8]) -> Result<MethodResponse, XmlRpcError> {
        let root = parse_tree(doc)?;
        if root.name != "methodResponse" {
            return Err(XmlRpcError::new(format!(
                "expected <methodResponse>, got <{}>",
                root.name
            )));
        }
        if let Some(fault) = child(&root, "fault") {
            let v =
                child(fault, "value").ok_or_else(|| XmlRpcError::new("<fault> without <value>"))?;
            let v = value(v)?;
            let code = v.get("faultCode").and_then(Value::as_int).unwrap_or(0);
            let string = v
                .get("faultString")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            return Ok(MethodResponse::Fault { code, string });
        }
        let mut values = params(child(&root, "params"))?;
        if values.len() != 1 {
            return Err(XmlRpcError::new("a response holds exactly one value"));
        }
        Ok(MethodResponse::Value(values.remove(0)))
    }
}
