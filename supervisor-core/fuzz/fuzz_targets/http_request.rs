//! HTTP request handling never panics or hangs, whatever bytes a client sends, with and
//! without credentials configured (issue 9): the bytes go through an in-memory pipe into the
//! same connection handler the daemon runs, with a deadline.
#![no_main]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use supervisor_core::http::{serve_connection, Credentials, Reply, Routes, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Echo;

impl Routes for Echo {
    async fn rpc(&self, body: Bytes) -> Reply {
        Reply::xml(body)
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return;
    };
    let with_auth = data.first().is_some_and(|b| b & 1 == 1);
    let options = ServerOptions {
        credentials: with_auth.then(|| Credentials {
            username: "user".into(),
            password: "123".into(),
        }),
        max_body: 4096,
        header_timeout: Some(Duration::from_millis(200)),
    };
    rt.block_on(async {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let handler = tokio::spawn(serve_connection(server, Arc::new(options), Arc::new(Echo)));
        let _ = client.write_all(data).await;
        let _ = client.shutdown().await;
        let mut out = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut out)).await;
        assert!(read.is_ok(), "the connection must end");
        let _ = tokio::time::timeout(Duration::from_secs(5), handler).await.expect("handler ends");
    });
});
