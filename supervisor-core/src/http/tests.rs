//! Transport tests over real loopback TCP and unix sockets ([RPC-HTTP-path], [RPC-AUTH-basic],
//! [RPC-HTTP-unix]).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};

use super::*;

struct Echo;

impl Routes for Echo {
    async fn rpc(&self, body: Bytes) -> Reply {
        Reply::xml(body)
    }
}

async fn start(credentials: Option<Credentials>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let options = ServerOptions {
        credentials,
        max_body: 1024,
        header_timeout: Some(std::time::Duration::from_secs(1)),
    };
    tokio::spawn(serve(Listener::Tcp(listener), options, Arc::new(Echo)));
    addr
}

/// Sends raw bytes, returns the whole response (the request asks the server to close).
async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    let mut out = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out));
    read.await.expect("response within 10 s").expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

fn post(path: &str, body: &str, extra: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn status(resp: &str) -> &str {
    resp.split(' ').nth(1).unwrap_or("")
}

#[tokio::test]
async fn rpc_path_rules_rpc_http_path() {
    let addr = start(None).await;
    let resp = exchange(addr, &post("/RPC2", "<call/>", "")).await;
    assert_eq!(status(&resp), "200", "{resp}");
    assert!(resp.contains("content-type: text/xml"), "{resp}");
    assert!(resp.ends_with("<call/>"), "{resp}");
    assert_eq!(
        status(&exchange(addr, &post("/RPC2xyz", "x", "")).await),
        "200"
    );
    let get = b"GET /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_eq!(status(&exchange(addr, get).await), "400");
    let chunked = b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    assert_eq!(status(&exchange(addr, chunked).await), "411");
    let big = "x".repeat(2000);
    assert_eq!(
        status(&exchange(addr, &post("/RPC2", &big, "")).await),
        "413"
    );
    assert_eq!(status(&exchange(addr, b"garbage\r\n\r\n").await), "400");
    assert_eq!(
        status(&exchange(addr, &post("/other", "x", "")).await),
        "404"
    );
}

#[tokio::test]
async fn credentials_are_required_everywhere_rpc_auth_basic() {
    let creds = Credentials {
        username: "user".into(),
        password: "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d".into(),
    };
    let addr = start(Some(creds)).await;
    let resp = exchange(addr, &post("/RPC2", "x", "")).await;
    assert_eq!(status(&resp), "401");
    assert!(
        resp.contains("www-authenticate: Basic realm=\"default\""),
        "{resp}"
    );
    let resp = exchange(addr, &post("/", "x", "")).await;
    assert_eq!(status(&resp), "401", "the web page needs credentials too");
    // base64("user:thepassword")
    let good = "Authorization: Basic dXNlcjp0aGVwYXNzd29yZA==\r\n";
    assert_eq!(
        status(&exchange(addr, &post("/RPC2", "x", good)).await),
        "200"
    );
    let bad = "Authorization: Basic dXNlcjp3cm9uZw==\r\n";
    assert_eq!(
        status(&exchange(addr, &post("/RPC2", "x", bad)).await),
        "401"
    );
    let malformed = "Authorization: Basic %%%\r\n";
    assert_eq!(
        status(&exchange(addr, &post("/RPC2", "x", malformed)).await),
        "400"
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rsv-http-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test]
async fn unix_socket_mode_stale_and_in_use_rpc_http_unix() {
    let dir = temp_dir("unix");
    let path = dir.join("supervisor.sock");
    // A stale socket file (nobody listening) is replaced.
    drop(std::os::unix::net::UnixListener::bind(&path).expect("stale"));
    let opts = UnixSocketOptions {
        path: path.clone(),
        mode: 0o700,
        owner: None,
    };
    let (listener, stale) = bind_unix(&opts).expect("bind");
    assert!(stale);
    let mode = std::fs::metadata(&path)
        .expect("socket")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
    let options = ServerOptions {
        credentials: None,
        max_body: 1024,
        header_timeout: None,
    };
    let listener = tokio::net::UnixListener::from_std(listener).expect("tokio listener");
    tokio::spawn(serve(Listener::Unix(listener), options, Arc::new(Echo)));
    let mut s = UnixStream::connect(&path).await.expect("connect");
    s.write_all(&post("/RPC2", "hi", "")).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    assert!(String::from_utf8_lossy(&out).ends_with("hi"));
    // A live socket is refused.
    assert!(matches!(bind_unix(&opts), Err(BindError::InUse(_))));
    std::fs::remove_dir_all(dir).expect("cleanup");
}

/// A client that never finishes its headers is disconnected after the header timeout, and
/// other clients are served meanwhile (slowloris, issue 9).
#[tokio::test]
async fn slow_headers_are_cut_off_and_do_not_block_others() {
    let addr = start(None).await;
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .expect("write");
    let resp = exchange(addr, &post("/RPC2", "<call/>", "")).await;
    assert_eq!(status(&resp), "200", "served while the slow client waits");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut rest),
    )
    .await;
    assert!(
        matches!(closed, Ok(Ok(_)) | Ok(Err(_))),
        "the slow connection is closed by the server"
    );
}

/// The HTTP fuzz target's seeds (and kept findings) through the connection handler: each
/// connection ends, nothing panics (issue 9).
#[tokio::test]
async fn fuzz_seeds_replay_http_request() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/http_request");
    let mut n = 0;
    for entry in std::fs::read_dir(&seeds).expect("seeds dir") {
        let data = std::fs::read(entry.expect("entry").path()).expect("read seed");
        let options = ServerOptions {
            credentials: None,
            max_body: 4096,
            header_timeout: Some(std::time::Duration::from_millis(200)),
        };
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let handler = tokio::spawn(serve_connection(server, Arc::new(options), Arc::new(Echo)));
        client.write_all(&data).await.expect("write");
        client.shutdown().await.expect("shutdown");
        let mut out = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            client.read_to_end(&mut out),
        )
        .await
        .expect("the connection ends")
        .expect("read");
        handler.await.expect("handler");
        n += 1;
    }
    assert!(n >= 3);
}
