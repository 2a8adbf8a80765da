//! XML-RPC encode bench: a `getAllProcessInfo` response with 500 programs, the daemon's
//! largest routine reply (about 550 KB), found by profiling the RPC bench (encoding and
//! freeing the value tree took most of a call). A copy of the same number of bytes is the
//! yardstick.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use event_proto::xmlrpc::{MethodResponse, Value};

/// What the daemon builds for one RUNNING program.
fn process_info(i: usize) -> Value {
    Value::structure([
        ("name", Value::from(format!("p{i:03}"))),
        ("group", Value::from(format!("p{i:03}"))),
        ("start", Value::Int(1_764_000_000)),
        ("stop", Value::Int(0)),
        ("now", Value::Int(1_764_003_723)),
        ("state", Value::Int(20)),
        ("statename", Value::from("RUNNING")),
        ("spawnerr", Value::from("")),
        ("exitstatus", Value::Int(0)),
        (
            "logfile",
            Value::from("/var/log/supervisor/p-stdout---supervisor-x1y2z3.log"),
        ),
        (
            "stdout_logfile",
            Value::from("/var/log/supervisor/p-stdout---supervisor-x1y2z3.log"),
        ),
        ("stderr_logfile", Value::from("")),
        ("pid", Value::Int(40_000 + i as i64)),
        (
            "description",
            Value::from(format!("pid {}, uptime 1:02:03", 40_000 + i)),
        ),
    ])
}

fn bench_all_process_info(c: &mut Criterion) {
    let response = MethodResponse::Value(Value::Array((0..500).map(process_info).collect()));
    let doc = response.encode();
    let mut g = c.benchmark_group("xmlrpc getAllProcessInfo 500");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("encode", |b| b.iter(|| black_box(&response).encode()));
    g.bench_function("build + encode + drop", |b| {
        b.iter(|| {
            let r = MethodResponse::Value(Value::Array((0..500).map(process_info).collect()));
            r.encode()
        })
    });
    g.bench_function("copy (yardstick)", |b| b.iter(|| black_box(&doc).clone()));
    g.finish();
}

criterion_group!(benches, bench_all_process_info);
criterion_main!(benches);
