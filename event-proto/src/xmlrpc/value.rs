//! The XML-RPC data model.

use std::borrow::Cow;

/// An XML-RPC value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>` / `<i4>` (encoded clamped to the 32-bit range, as supervisord does).
    Int(i64),
    /// `<boolean>`.
    Bool(bool),
    /// `<string>`, or untyped `<value>text</value>`.
    String(String),
    /// `<double>`.
    Double(f64),
    /// `<dateTime.iso8601>`, kept as its text.
    DateTime(String),
    /// `<base64>`, decoded.
    Base64(Vec<u8>),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<struct>`, members in document order. Names are usually literals (`"name"`, `"pid"`),
    /// so they are borrowed rather than allocated for every struct a response builds.
    Struct(Vec<(Cow<'static, str>, Value)>),
    /// `<nil/>` (an extension; supervisord never sends it).
    Nil,
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A struct member by name.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Builds a struct from `(name, value)` pairs.
    pub fn structure<K: Into<Cow<'static, str>>>(
        members: impl IntoIterator<Item = (K, Value)>,
    ) -> Value {
        Value::Struct(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Int(i64::from(n))
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(i64::from(n))
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::Array(v)
    }
}

/// A request: method name and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// `namespace.method`.
    pub method: String,
    /// The parameters.
    pub params: Vec<Value>,
}

/// A response: one value, or a fault.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodResponse {
    /// Success.
    Value(Value),
    /// A fault (`faultCode`, `faultString`).
    Fault {
        /// `faultCode`.
        code: i64,
        /// `faultString`.
        string: String,
    },
}
