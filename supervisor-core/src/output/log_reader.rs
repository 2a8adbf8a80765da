//! Reading child and main log files for the control plane: `readLog`'s and `tailProcess*Log`'s
//! offset and length rules.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use event_proto::xmlrpc::Value;

use crate::rpc::Fault;

/// `readLog` offset/length rules ([RPC-supervisor.readLog]); the text is decoded lossily
/// (4.3 fails with HTTP 500 on invalid UTF-8, [RPC-BUG-undecodable-log]).
pub fn read_log(path: &Path, offset: i64, length: i64) -> Result<Value, Fault> {
    if (offset < 0 && length != 0) || length < 0 {
        return Err(Fault::BadArguments);
    }
    let mut f = std::fs::File::open(path).map_err(|_| Fault::NoFile(path.display().to_string()))?;
    let size = f
        .metadata()
        .map_err(|e| Fault::Failed(e.to_string()))?
        .len() as i64;
    let (start, len) = if offset < 0 {
        ((size + offset).max(0), size)
    } else if length == 0 {
        (offset, size)
    } else {
        (offset, length)
    };
    if start >= size {
        return Ok(Value::from(""));
    }
    let len = len.min(size - start);
    let mut buf = vec![0; len as usize];
    f.seek(SeekFrom::Start(start as u64))
        .map_err(|e| Fault::Failed(e.to_string()))?;
    f.read_exact(&mut buf)
        .map_err(|e| Fault::Failed(e.to_string()))?;
    Ok(Value::from(String::from_utf8_lossy(&buf).into_owned()))
}

/// `tailProcess*Log` ([RPC-supervisor.tailProcessStdoutLog]): `[data, new_offset, overflow]`.
pub fn tail_log(path: &Path, offset: i64, length: i64) -> Value {
    let empty = Value::Array(vec![Value::from(""), Value::Int(0), Value::Bool(false)]);
    let Ok(mut f) = std::fs::File::open(path) else {
        return empty;
    };
    let Ok(meta) = f.metadata() else {
        return empty;
    };
    let sz = meta.len() as i64;
    let (mut offset, mut length) = (offset, length);
    let mut overflow = false;
    if sz > offset + length {
        overflow = true;
        offset = sz - 1;
    }
    if offset + length > sz {
        if offset > sz - 1 {
            length = 0;
        }
        offset = sz - length;
    }
    let (offset, length) = (offset.max(0), length.max(0));
    let mut buf = vec![0; length as usize];
    let data = f
        .seek(SeekFrom::Start(offset as u64))
        .and_then(|_| f.read(&mut buf))
        .map(|n| String::from_utf8_lossy(&buf[..n]).into_owned())
        .unwrap_or_default();
    Value::Array(vec![
        Value::from(data),
        Value::Int(sz),
        Value::Bool(overflow),
    ])
}
