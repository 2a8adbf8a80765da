//! XML-RPC as supervisord speaks it ([RPC-HTTP-types], [RPC-HTTP-response]): values,
//! `methodCall` and `methodResponse`, decoded with quick-xml and encoded in the layout of
//! Python's `xmlrpc.client.dumps`. Sans-io, shared by the daemon's server and listener-sdk's
//! client. Enabled by the `xmlrpc` feature.
//!
//! ```
//! use event_proto::xmlrpc::{MethodCall, MethodResponse, Value};
//!
//! let call = MethodCall::decode(
//!     b"<?xml version='1.0'?><methodCall><methodName>supervisor.getProcessInfo</methodName>\
//!       <params><param><value><string>web</string></value></param></params></methodCall>",
//! )?;
//! assert_eq!(call.method, "supervisor.getProcessInfo");
//! assert_eq!(call.params, [Value::from("web")]);
//! let fault = MethodResponse::Fault { code: 10, string: "BAD_NAME: web".into() }.encode();
//! assert!(fault.contains("<name>faultCode</name>\n<value><int>10</int></value>"));
//! # Ok::<(), event_proto::xmlrpc::XmlRpcError>(())
//! ```

pub mod client;
mod decode;
mod encode;
mod value;

pub use decode::XmlRpcError;
pub use value::{MethodCall, MethodResponse, Value};
