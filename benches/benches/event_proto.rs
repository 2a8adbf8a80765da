//! event-proto codec benches: decode and encode of a PROCESS_STATE event and of a 4 KiB
//! PROCESS_LOG event, READY/RESULT decoding, and a plain memchr scan of the same 4 KiB as
//! the yardstick for the log decode (target: decode at ≥ 50 % of the scan's speed).
//!
//! `decode` rows make owned values (`next` + `Envelope::payload`); `view` rows the borrowed
//! ones (`next_view` + `EventView::payload`): the same framing, checks and typed fields.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use event_proto::payload::{output_body, Channel, ProcessLogPayload, ProcessStatePayload};
use event_proto::{
    encode_envelope, EnvelopeFields, EventDecoder, EventType, LenUnit, ListenerOutput,
    ListenerProtocol, Payload, ProcessState, Text,
};

fn fields(len_unit: LenUnit) -> EnvelopeFields<'static> {
    EnvelopeFields {
        server: "supervisor",
        serial: 123_456,
        pool: "listener",
        poolserial: 65_432,
        len_unit,
    }
}

fn state_payload() -> Payload {
    Payload::ProcessState(ProcessStatePayload::transition(
        Text::from_static("web_03"),
        Text::from_static("web"),
        ProcessState::Running,
        ProcessState::Exited,
        0,
        48_213,
        false,
    ))
}

fn log_payload() -> Payload {
    let line =
        b"2026-11-24 22:14:02,123 INFO request served in 12ms path=/api/v1/items status=200\n";
    let raw: Vec<u8> = line.iter().copied().cycle().take(4096).collect();
    Payload::ProcessLog(ProcessLogPayload {
        process_name: Text::from_static("web_03"),
        group_name: Text::from_static("web"),
        pid: 48_213,
        channel: Channel::Stdout,
        data: output_body(&raw),
    })
}

fn wire(event_type: EventType, payload: &Payload, len_unit: LenUnit) -> Vec<u8> {
    let mut out = BytesMut::new();
    encode_envelope(&fields(len_unit), event_type, &payload.to_bytes(), &mut out);
    out.to_vec()
}

fn decode_one(dec: &mut EventDecoder, bytes: &[u8]) -> Payload {
    dec.push(bytes);
    decode_buffered(dec)
}

fn decode_buffered(dec: &mut EventDecoder) -> Payload {
    let env = dec.next().ok().flatten().expect("one event");
    env.payload().expect("valid payload")
}

/// The borrowed decode: header, framing and typed payload, all borrowed from the buffer.
fn view_buffered(dec: &mut EventDecoder) {
    let event = dec.next_view().ok().flatten().expect("one event");
    black_box(event.header);
    black_box(event.payload().expect("valid payload"));
}

/// Events per untimed fill in [`from_buffer`]: about what one 64 KiB pipe read brings.
const FILL: u64 = 16;

/// Times decoding `iters` events already in a decoder's buffer, as after a driver's
/// `read_buf` into `buffer_mut()`: what is timed is the decode, not the copy the read did.
/// The decoder lives as long as a listener's does; refills (of [`FILL`] events) are untimed.
fn from_buffer(bytes: &[u8], iters: u64) -> std::time::Duration {
    from_buffer_with(bytes, iters, |dec| {
        black_box(decode_buffered(dec));
    })
}

/// [`from_buffer`] with the decode done by `decode`.
fn from_buffer_with(
    bytes: &[u8],
    iters: u64,
    mut decode: impl FnMut(&mut EventDecoder),
) -> std::time::Duration {
    let mut dec = EventDecoder::new();
    let mut total = std::time::Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(FILL);
        for _ in 0..n {
            dec.buffer_mut().extend_from_slice(bytes);
        }
        let start = std::time::Instant::now();
        for _ in 0..n {
            decode(&mut dec);
        }
        total += start.elapsed();
        left -= n;
    }
    total
}

fn bench_process_state(c: &mut Criterion) {
    let payload = state_payload();
    let bytes = wire(EventType::ProcessStateExited, &payload, LenUnit::Chars);
    let mut g = c.benchmark_group("process_state");
    g.throughput(Throughput::Elements(1));
    g.bench_function("process_state_decode_exited", |b| {
        let mut dec = EventDecoder::new();
        b.iter(|| black_box(decode_one(&mut dec, black_box(&bytes))));
    });
    g.bench_function("process_state_decode_exited_from_buffer", |b| {
        b.iter_custom(|iters| from_buffer(&bytes, iters));
    });
    g.bench_function("process_state_view_exited_from_buffer", |b| {
        b.iter_custom(|iters| from_buffer_with(&bytes, iters, view_buffered));
    });
    g.bench_function("process_state_encode_exited", |b| {
        let mut out = BytesMut::with_capacity(256);
        let mut scratch = BytesMut::with_capacity(256);
        b.iter(|| {
            out.clear();
            scratch.clear();
            black_box(&payload).encode(&mut scratch);
            encode_envelope(
                &fields(LenUnit::Chars),
                EventType::ProcessStateExited,
                &scratch,
                &mut out,
            );
            black_box(out.len())
        });
    });
    g.finish();
}

fn bench_process_log(c: &mut Criterion) {
    let payload = log_payload();
    let chars = wire(EventType::ProcessLogStdout, &payload, LenUnit::Chars);
    let bytes_mode = wire(EventType::ProcessLogStdout, &payload, LenUnit::Bytes);
    let mut g = c.benchmark_group("process_log_4k");
    g.throughput(Throughput::Bytes(chars.len() as u64));
    g.bench_function("memchr_scan_4k_baseline", |b| {
        b.iter(|| black_box(memchr::memchr(0, black_box(&chars))));
    });
    g.bench_function("process_log_decode_4k_chars", |b| {
        let mut dec = EventDecoder::new();
        b.iter(|| black_box(decode_one(&mut dec, black_box(&chars))));
    });
    g.bench_function("process_log_decode_4k_chars_from_buffer", |b| {
        b.iter_custom(|iters| from_buffer(&chars, iters));
    });
    g.bench_function("process_log_decode_4k_bytes_from_buffer", |b| {
        b.iter_custom(|iters| from_buffer(&bytes_mode, iters));
    });
    g.bench_function("process_log_view_4k_chars_from_buffer", |b| {
        b.iter_custom(|iters| from_buffer_with(&chars, iters, view_buffered));
    });
    g.bench_function("process_log_view_4k_bytes_from_buffer", |b| {
        b.iter_custom(|iters| from_buffer_with(&bytes_mode, iters, view_buffered));
    });
    g.bench_function("process_log_decode_4k_bytes", |b| {
        let mut dec = EventDecoder::new();
        b.iter(|| black_box(decode_one(&mut dec, black_box(&bytes_mode))));
    });
    g.bench_function("process_log_encode_4k", |b| {
        let mut out = BytesMut::with_capacity(8192);
        let mut scratch = BytesMut::with_capacity(8192);
        b.iter(|| {
            out.clear();
            scratch.clear();
            black_box(&payload).encode(&mut scratch);
            encode_envelope(
                &fields(LenUnit::Chars),
                EventType::ProcessLogStdout,
                &scratch,
                &mut out,
            );
            black_box(out.len())
        });
    });
    g.finish();
}

fn bench_result_tokens(c: &mut Criterion) {
    let mut g = c.benchmark_group("listener_tokens");
    g.throughput(Throughput::Elements(1));
    g.bench_function("result_decode_ready_ok", |b| {
        let mut lp = ListenerProtocol::new();
        b.iter(|| {
            lp.push(black_box(b"READY\n"));
            let ready = lp.next();
            debug_assert_eq!(ready, Some(ListenerOutput::Ready));
            let _ = lp.event_sent();
            lp.push(black_box(b"RESULT 2\nOK"));
            black_box(lp.next())
        });
    });
    g.finish();
}

/// The SDK's blocking runtime over an in-memory script of 4 KiB log events (bytes mode),
/// answers written to a reused buffer: per event, owned `Event`s (`run_verdicts`) against
/// lent views (`run_views`).
fn bench_sdk_runtime(c: &mut Criterion) {
    const EVENTS: usize = 256;
    let one = wire(EventType::ProcessLogStdout, &log_payload(), LenUnit::Bytes);
    let script: Vec<u8> = one
        .iter()
        .copied()
        .cycle()
        .take(one.len() * EVENTS)
        .collect();
    let mut g = c.benchmark_group("sdk_runtime_4k_log");
    g.throughput(Throughput::Elements(EVENTS as u64));
    let mut out = Vec::with_capacity(EVENTS * 32);
    g.bench_function("run_verdicts_owned_events", |b| {
        b.iter(|| {
            out.clear();
            let summary = listener_sdk::Listener::with_io(&script[..], &mut out)
                .run_verdicts(|e| {
                    black_box(e.payload());
                    listener_sdk::Verdict::Ok
                })
                .expect("clean end");
            assert_eq!(summary.received, EVENTS as u64);
        });
    });
    g.bench_function("run_views_lent_events", |b| {
        b.iter(|| {
            out.clear();
            let summary = listener_sdk::Listener::with_io(&script[..], &mut out)
                .run_views(|e| {
                    black_box(e.payload().ok());
                    listener_sdk::Verdict::Ok
                })
                .expect("clean end");
            assert_eq!(summary.received, EVENTS as u64);
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_process_state,
    bench_process_log,
    bench_result_tokens,
    bench_sdk_runtime
);
criterion_main!(benches);
