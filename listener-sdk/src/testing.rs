//! Testing listeners without a daemon: scripted events encoded exactly as supervisord
//! encodes them, fed to a handler in process ([`Harness::run_handler`]) or to a listener
//! binary over real pipes ([`Harness::run_binary`]), and a loopback XML-RPC endpoint that
//! records the calls a listener makes ([`FakeRpc`]).

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use event_proto::payload::{
    Channel, ProcessCommunicationPayload, ProcessGroupPayload, ProcessLogPayload,
    ProcessStatePayload, RemoteCommunicationPayload, TickPayload,
};
use event_proto::xmlrpc::{MethodCall, MethodResponse, Value};
use event_proto::{
    encode_envelope, EnvelopeFields, EventType, EventView, LenUnit, ListenerOutput,
    ListenerProtocol, ListenerResult, Payload, ProcessState, Text,
};

use crate::{Event, Listener, RunError, RunSummary, Verdict};

/// One scripted event: a type and its payload, encoded as supervisord would send it.
#[derive(Debug, Clone)]
pub struct TestEvent {
    event_type: EventType,
    payload: Payload,
    pool: String,
}

impl TestEvent {
    /// Any event.
    pub fn new(event_type: EventType, payload: Payload) -> TestEvent {
        TestEvent {
            event_type,
            payload,
            pool: "listener".into(),
        }
    }

    /// `PROCESS_STATE_<to>` for `process` in `group`, with the fields 4.3 sends for that
    /// state (pid 1234, tries 0, expected true, from the usual previous state); adjust them
    /// with [`TestEvent::from`], [`TestEvent::pid`], [`TestEvent::tries`],
    /// [`TestEvent::expected`].
    pub fn process_state(to: ProcessState, process: &str, group: &str) -> TestEvent {
        use ProcessState as S;
        let from = match to {
            S::Starting => S::Stopped,
            S::Running | S::Backoff => S::Starting,
            S::Stopping | S::Exited => S::Running,
            S::Stopped => S::Stopping,
            S::Fatal => S::Backoff,
            S::Unknown => S::Running,
        };
        let payload = ProcessStatePayload::transition(
            Text::from(process),
            Text::from(group),
            from,
            to,
            0,
            1234,
            true,
        );
        TestEvent::new(EventType::process_state(to), Payload::ProcessState(payload))
    }

    fn state_mut(&mut self) -> Option<&mut ProcessStatePayload> {
        match &mut self.payload {
            Payload::ProcessState(p) => Some(p),
            _ => None,
        }
    }

    /// Sets `from_state:` of a PROCESS_STATE event.
    pub fn from(mut self, state: ProcessState) -> TestEvent {
        if let Some(p) = self.state_mut() {
            p.from_state = state;
        }
        self
    }

    /// Sets `pid:` where the event carries one.
    pub fn pid(mut self, pid: u32) -> TestEvent {
        match &mut self.payload {
            Payload::ProcessState(p) if p.pid.is_some() => p.pid = Some(pid),
            Payload::ProcessLog(p) => p.pid = pid,
            Payload::ProcessCommunication(p) => p.pid = pid,
            _ => {}
        }
        self
    }

    /// Sets `tries:` of STARTING/BACKOFF.
    pub fn tries(mut self, tries: u32) -> TestEvent {
        if let Some(p) = self.state_mut().filter(|p| p.tries.is_some()) {
            p.tries = Some(tries);
        }
        self
    }

    /// Sets `expected:` of EXITED.
    pub fn expected(mut self, expected: bool) -> TestEvent {
        if let Some(p) = self.state_mut().filter(|p| p.expected.is_some()) {
            p.expected = Some(expected);
        }
        self
    }

    /// `PROCESS_LOG_STDOUT`/`_STDERR` carrying `data`.
    pub fn log(channel: Channel, process: &str, group: &str, data: &[u8]) -> TestEvent {
        let t = match channel {
            Channel::Stdout => EventType::ProcessLogStdout,
            Channel::Stderr => EventType::ProcessLogStderr,
        };
        TestEvent::new(
            t,
            Payload::ProcessLog(ProcessLogPayload {
                process_name: Text::from(process),
                group_name: Text::from(group),
                pid: 1234,
                channel,
                data: Bytes::copy_from_slice(data),
            }),
        )
    }

    /// `PROCESS_COMMUNICATION_STDOUT` carrying `data`.
    pub fn communication(process: &str, group: &str, data: &[u8]) -> TestEvent {
        TestEvent::new(
            EventType::ProcessCommunicationStdout,
            Payload::ProcessCommunication(ProcessCommunicationPayload {
                process_name: Text::from(process),
                group_name: Text::from(group),
                pid: 1234,
                data: Bytes::copy_from_slice(data),
            }),
        )
    }

    /// `REMOTE_COMMUNICATION` of type `kind`.
    pub fn remote(kind: &str, data: &[u8]) -> TestEvent {
        TestEvent::new(
            EventType::RemoteCommunication,
            Payload::RemoteCommunication(RemoteCommunicationPayload {
                kind: Text::from(kind),
                data: Bytes::copy_from_slice(data),
            }),
        )
    }

    /// A tick (`TICK_5`, `TICK_60`, `TICK_3600`) at `when`.
    pub fn tick(tick: EventType, when: u64) -> TestEvent {
        TestEvent::new(tick, Payload::Tick(TickPayload { when }))
    }

    /// `PROCESS_GROUP_ADDED`.
    pub fn group_added(group: &str) -> TestEvent {
        TestEvent::new(
            EventType::ProcessGroupAdded,
            Payload::ProcessGroup(ProcessGroupPayload {
                group_name: Text::from(group),
            }),
        )
    }

    /// `SUPERVISOR_STATE_CHANGE_RUNNING`.
    pub fn supervisor_running() -> TestEvent {
        TestEvent::new(
            EventType::SupervisorStateChangeRunning,
            Payload::SupervisorStateChange,
        )
    }

    /// Sets the pool name in the header.
    pub fn in_pool(mut self, pool: &str) -> TestEvent {
        self.pool = pool.to_owned();
        self
    }

    /// Header and payload as supervisord writes them, `len` counted in `len_unit`.
    pub fn encode(&self, serial: u64, len_unit: LenUnit) -> Vec<u8> {
        let mut payload = BytesMut::new();
        self.payload.encode(&mut payload);
        let mut out = BytesMut::new();
        encode_envelope(
            &EnvelopeFields {
                server: "supervisor",
                serial,
                pool: &self.pool,
                poolserial: serial,
                len_unit,
            },
            self.event_type,
            &payload,
            &mut out,
        );
        out.to_vec()
    }
}

/// What a listener answered to the scripted events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    /// One result per event, in order.
    pub results: Vec<ListenerResult>,
    /// `READY` lines written (one more than the events when the listener kept going).
    pub readies: usize,
    /// Protocol violations, as the daemon would see them.
    pub violations: Vec<String>,
}

impl Transcript {
    fn from_output(bytes: &[u8]) -> Transcript {
        let mut protocol = ListenerProtocol::new();
        let mut t = Transcript::default();
        protocol.push(bytes);
        while let Some(out) = protocol.next() {
            match out {
                ListenerOutput::Ready => {
                    t.readies += 1;
                    let _ = protocol.event_sent();
                }
                ListenerOutput::Result(r) => t.results.push(r),
                ListenerOutput::Violation(v) => {
                    t.violations.push(v.to_string());
                    break;
                }
            }
        }
        t
    }

    /// Whether every event was answered `OK`.
    pub fn all_ok(&self) -> bool {
        self.results.iter().all(ListenerResult::is_ok)
    }
}

/// Runs scripted events through a handler or a listener binary.
#[derive(Debug, Clone, Copy)]
pub struct Harness {
    len_unit: LenUnit,
}

impl Default for Harness {
    fn default() -> Self {
        Harness {
            len_unit: LenUnit::Chars,
        }
    }
}

/// What a listener binary did with the scripted events.
#[derive(Debug, Clone, Default)]
pub struct BinaryRun {
    /// Its answers.
    pub transcript: Transcript,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// Its exit status, if it exited within the deadline after stdin was closed.
    pub exit: Option<std::process::ExitStatus>,
}

impl Harness {
    /// Encodes `len` as supervisord 4.3 does (characters).
    pub fn new() -> Harness {
        Harness::default()
    }

    /// Encode `len` in bytes instead (with the `lenunit:bytes` token).
    pub fn len_unit(mut self, unit: LenUnit) -> Harness {
        self.len_unit = unit;
        self
    }

    /// The bytes supervisord would send for `events` (serials from 1), for a listener run
    /// over any reader.
    pub fn script(&self, events: &[TestEvent]) -> Vec<u8> {
        let mut input = Vec::new();
        for (i, e) in events.iter().enumerate() {
            input.extend_from_slice(&e.encode(i as u64 + 1, self.len_unit));
        }
        input
    }

    /// Runs `handler` through the real runtime over in-memory pipes.
    pub fn run_handler<H>(&self, events: &[TestEvent], handler: H) -> (Transcript, RunSummary)
    where
        H: FnMut(&Event) -> Verdict,
    {
        self.in_memory(events, |listener| listener.run_verdicts(handler))
    }

    /// Runs `handler` through [`Listener::run_views`] over in-memory pipes.
    pub fn run_view_handler<H>(&self, events: &[TestEvent], handler: H) -> (Transcript, RunSummary)
    where
        H: FnMut(&EventView<'_>) -> Verdict,
    {
        self.in_memory(events, |listener| listener.run_views(handler))
    }

    /// Runs `run` on a listener reading the scripted events and answering into memory.
    fn in_memory(
        &self,
        events: &[TestEvent],
        run: impl FnOnce(Listener<&[u8], &mut Vec<u8>>) -> Result<RunSummary, RunError>,
    ) -> (Transcript, RunSummary) {
        let input = self.script(events);
        let mut output = Vec::new();
        let summary = run(Listener::with_io(&input[..], &mut output)).unwrap_or_default();
        (Transcript::from_output(&output), summary)
    }

    /// Starts `command` with piped stdin/stdout/stderr, sends each event once the listener
    /// is READY, collects its answers, then closes stdin and waits for it to exit. Each step
    /// may take at most `deadline`.
    pub fn run_binary(
        &self,
        mut command: Command,
        events: &[TestEvent],
        deadline: Duration,
    ) -> io::Result<BinaryRun> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("no stdin"))?;
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no stdout"))?;
        let mut stderr = child
            .stderr
            .take()
            .ok_or_else(|| io::Error::other("no stderr"))?;
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let err_reader = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut protocol = ListenerProtocol::new();
        let mut run = BinaryRun::default();
        let mut pending = events.iter().enumerate();
        'outer: loop {
            let next = loop {
                if let Some(out) = protocol.next() {
                    break Some(out);
                }
                match rx.recv_timeout(deadline) {
                    Ok(bytes) => protocol.push(&bytes),
                    Err(_) => break None,
                }
            };
            match next {
                None => break,
                Some(ListenerOutput::Ready) => {
                    run.transcript.readies += 1;
                    match pending.next() {
                        Some((i, e)) => {
                            let _ = protocol.event_sent();
                            stdin.write_all(&e.encode(i as u64 + 1, self.len_unit))?;
                            stdin.flush()?;
                        }
                        None => break 'outer,
                    }
                }
                Some(ListenerOutput::Result(r)) => {
                    run.transcript.results.push(r);
                }
                Some(ListenerOutput::Violation(v)) => {
                    run.transcript.violations.push(v.to_string());
                    break;
                }
            }
        }
        drop(stdin);
        let start = Instant::now();
        while start.elapsed() < deadline {
            if let Some(status) = child.try_wait()? {
                run.exit = Some(status);
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        if run.exit.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = reader.join();
        run.stderr = err_reader.join().unwrap_or_default();
        Ok(run)
    }
}

type Responder = dyn Fn(&MethodCall) -> MethodResponse + Send + Sync;

/// A loopback XML-RPC server standing in for supervisord: records every call and answers
/// with the configured responses (`true` by default). Point a listener at it with
/// `SUPERVISOR_SERVER_URL` = [`FakeRpc::url`].
pub struct FakeRpc {
    url: String,
    calls: Arc<Mutex<Vec<MethodCall>>>,
    responses: Arc<Mutex<HashMap<String, MethodResponse>>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeRpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRpc").field("url", &self.url).finish()
    }
}

impl FakeRpc {
    /// Starts serving on 127.0.0.1 (an ephemeral port).
    pub fn start() -> io::Result<FakeRpc> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let calls = Arc::new(Mutex::new(Vec::new()));
        let responses: Arc<Mutex<HashMap<String, MethodResponse>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (calls, responses, stop) = (
                Arc::clone(&calls),
                Arc::clone(&responses),
                Arc::clone(&stop),
            );
            let respond: Box<Responder> = Box::new(move |call: &MethodCall| {
                responses
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&call.method)
                    .cloned()
                    .unwrap_or(MethodResponse::Value(Value::Bool(true)))
            });
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = conn {
                        let _ = serve_one(stream, &calls, &*respond);
                    }
                }
            })
        };
        Ok(FakeRpc {
            url: format!("http://{addr}"),
            calls,
            responses,
            stop,
            addr,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answer `method` with `response` from now on.
    pub fn respond(&self, method: &str, response: MethodResponse) {
        self.responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(method.to_owned(), response);
    }

    /// The calls received so far.
    pub fn calls(&self) -> Vec<MethodCall> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for FakeRpc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_one(
    stream: TcpStream,
    calls: &Mutex<Vec<MethodCall>>,
    respond: &Responder,
) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length.min(16 << 20)];
    reader.read_exact(&mut body)?;
    let (status, reply) = match MethodCall::decode(&body) {
        Ok(call) => {
            let reply = respond(&call).encode();
            calls
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(call);
            ("200 OK", reply)
        }
        Err(_) => ("400 Bad Request", String::new()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    )?;
    stream.flush()
}

/// One request a [`FakeHttp`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Header lines as (name, value), names as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A loopback HTTP server standing in for a webhook or a health-check endpoint: records
/// every request and answers with scripted statuses and body (the last status repeats).
#[derive(Debug)]
pub struct FakeHttp {
    url: String,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl FakeHttp {
    /// Serves on 127.0.0.1; the n-th request gets `statuses[n]` (e.g. `"503 Service
    /// Unavailable"`), or the last one, with `body`.
    pub fn start(statuses: &[&str], body: &str) -> io::Result<FakeHttp> {
        FakeHttp::serve(statuses, body, None)
    }

    /// The same over TLS with `config` (its certificate, and whether it asks for a client
    /// certificate): the URL is `https://localhost:<port>/`, so the certificate should name
    /// `localhost`. A failed handshake (a client that does not trust the certificate) is
    /// not recorded.
    pub fn start_tls(
        statuses: &[&str],
        body: &str,
        config: Arc<rustls::ServerConfig>,
    ) -> io::Result<FakeHttp> {
        FakeHttp::serve(statuses, body, Some(config))
    }

    fn serve(
        statuses: &[&str],
        body: &str,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<FakeHttp> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let url = match tls {
            Some(_) => format!("https://localhost:{port}/"),
            None => format!("http://127.0.0.1:{port}/"),
        };
        let requests: Arc<Mutex<Vec<RecordedRequest>>> = Arc::default();
        let seen = Arc::clone(&requests);
        let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        let body = body.to_owned();
        thread::spawn(move || {
            let mut n = 0;
            for conn in listener.incoming().flatten() {
                let status = statuses
                    .get(n)
                    .or(statuses.last())
                    .cloned()
                    .unwrap_or_else(|| "200 OK".into());
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
                let before = seen.lock().unwrap_or_else(PoisonError::into_inner).len();
                let _ = match &tls {
                    None => exchange_one(conn, &answer, &seen),
                    Some(config) => match rustls::ServerConnection::new(Arc::clone(config)) {
                        Ok(server) => {
                            exchange_one(rustls::StreamOwned::new(server, conn), &answer, &seen)
                        }
                        Err(e) => Err(io::Error::other(e)),
                    },
                };
                if seen.lock().unwrap_or_else(PoisonError::into_inner).len() > before {
                    n += 1;
                }
            }
        });
        Ok(FakeHttp { url, requests })
    }

    /// `http://127.0.0.1:<port>/` (or `https://localhost:<port>/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Reads one request from `conn`, records it in `seen`, then answers `answer` (recorded
/// first, so a client that has its answer finds its request recorded).
fn exchange_one(
    mut conn: impl Read + Write,
    answer: &str,
    seen: &Mutex<Vec<RecordedRequest>>,
) -> io::Result<()> {
    let request = record_one(&mut conn)?;
    seen.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(request);
    conn.write_all(answer.as_bytes())?;
    conn.flush()
}

fn record_one(conn: &mut impl Read) -> io::Result<RecordedRequest> {
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut body = vec![0u8; length.min(16 << 20)];
    reader.read_exact(&mut body)?;
    Ok(RecordedRequest {
        method,
        path,
        headers,
        body,
    })
}
