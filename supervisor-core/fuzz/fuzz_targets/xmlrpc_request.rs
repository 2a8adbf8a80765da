//! The XML-RPC request decoder never panics, and what it decodes re-encodes to a document
//! that decodes to the same call (issue 6).
#![no_main]

use event_proto::xmlrpc::MethodCall;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(call) = MethodCall::decode(data) {
        let again = MethodCall::decode(call.encode().as_bytes()).expect("re-encoded call decodes");
        // NaN doubles never compare equal; compare the encodings instead.
        assert_eq!(again.encode(), call.encode());
    }
});
