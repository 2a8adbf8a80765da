//! Capture mode (`*_capture_maxbytes` > 0): output between `<!--XSUPERVISOR:BEGIN-->` and
//! `<!--XSUPERVISOR:END-->` is collected and emitted as one PROCESS_COMMUNICATION event
//! ([LOG-CAP-*]). A pure scanner: bytes in, [`Captured`] pieces out.
//!
//! Unlike 4.3 it holds back only a trailing partial token, never whole short lines
//! ([LOG-CAP-holdback]), and flushes what it holds at EOF ([LOG-CAP-exit]): output is never
//! lost or delayed by capture mode. See COMPATIBILITY.md.

use bytes::{Bytes, BytesMut};

/// The begin token ([LOG-CAP-tokens]).
pub const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
/// The end token ([LOG-CAP-tokens]).
pub const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

/// A piece of scanned output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Captured {
    /// Output outside a capture: goes to the log file, the main log (debug) and PROCESS_LOG
    /// events.
    Normal(Bytes),
    /// Output inside a capture: not written to the log file, but still copied to the main log
    /// (debug) and emitted as PROCESS_LOG events, as 4.3 does ([LOG-CAP-normal]).
    InCapture(Bytes),
    /// An end token closed a capture: the whole captured block, for a PROCESS_COMMUNICATION
    /// event ([LOG-CAP-emit]).
    Communication(Bytes),
}

/// The capture-mode scanner of one channel.
#[derive(Debug)]
pub struct CaptureScanner {
    capturing: bool,
    /// Bytes that may be the start of the token being searched for.
    pending: BytesMut,
    /// The capture buffer.
    buffer: BytesMut,
    maxbytes: usize,
}

impl CaptureScanner {
    /// A scanner for a channel with `*_capture_maxbytes = maxbytes`.
    pub fn new(maxbytes: usize) -> CaptureScanner {
        CaptureScanner {
            capturing: false,
            pending: BytesMut::new(),
            buffer: BytesMut::new(),
            maxbytes,
        }
    }

    /// Whether a capture is open.
    pub fn is_capturing(&self) -> bool {
        self.capturing
    }

    fn token(&self) -> &'static [u8] {
        if self.capturing {
            END_TOKEN
        } else {
            BEGIN_TOKEN
        }
    }

    /// Scans a chunk read from the pipe, appending the pieces to `out` in order.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<Captured>) {
        self.pending.extend_from_slice(chunk);
        loop {
            let token = self.token();
            if let Some(at) = memchr::memmem::find(&self.pending, token) {
                let before = self.pending.split_to(at).freeze();
                let _ = self.pending.split_to(token.len());
                self.emit(before, out);
                if self.capturing {
                    let block = std::mem::take(&mut self.buffer).freeze();
                    out.push(Captured::Communication(block));
                }
                self.capturing = !self.capturing;
                continue;
            }
            // Keep back only a suffix that could still grow into the token.
            let keep = partial_suffix(&self.pending, token);
            let ready = self.pending.split_to(self.pending.len() - keep).freeze();
            self.emit(ready, out);
            return;
        }
    }

    /// The channel reached EOF: whatever is held back is output now ([LOG-CAP-exit] differs).
    pub fn finish(&mut self, out: &mut Vec<Captured>) {
        let rest = std::mem::take(&mut self.pending).freeze();
        self.emit(rest, out);
    }

    fn emit(&mut self, data: Bytes, out: &mut Vec<Captured>) {
        if data.is_empty() {
            return;
        }
        if self.capturing {
            self.append_capture(&data);
            out.push(Captured::InCapture(data));
        } else {
            out.push(Captured::Normal(data));
        }
    }

    /// 4.3's bound ([LOG-CAP-bound]): if appending n bytes would exceed maxbytes, the first n
    /// bytes of the buffer are dropped first, so one large write is kept whole.
    fn append_capture(&mut self, data: &[u8]) {
        if self.buffer.len() + data.len() > self.maxbytes {
            let drop = data.len().min(self.buffer.len());
            let _ = self.buffer.split_to(drop);
        }
        self.buffer.extend_from_slice(data);
    }
}

/// The length of the longest suffix of `data` that is a proper prefix of `token`.
fn partial_suffix(data: &[u8], token: &[u8]) -> usize {
    let max = (token.len() - 1).min(data.len());
    (1..=max)
        .rev()
        .find(|&n| data[data.len() - n..] == token[..n])
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]], maxbytes: usize) -> Vec<Captured> {
        let mut s = CaptureScanner::new(maxbytes);
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, &mut out);
        }
        s.finish(&mut out);
        out
    }

    fn normal(out: &[Captured]) -> Vec<u8> {
        out.iter()
            .filter_map(|c| match c {
                Captured::Normal(b) => Some(b.to_vec()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn comms(out: &[Captured]) -> Vec<Vec<u8>> {
        out.iter()
            .filter_map(|c| match c {
                Captured::Communication(b) => Some(b.to_vec()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_capture_becomes_one_event_and_text_around_it_joins_log_cap_emit() {
        let out = run(
            &[b"before<!--XSUPERVISOR:BEGIN-->captured data\nline2<!--XSUPERVISOR:END-->after"],
            1000,
        );
        assert_eq!(normal(&out), b"beforeafter");
        assert_eq!(comms(&out), [b"captured data\nline2".to_vec()]);
        assert!(out.contains(&Captured::InCapture(Bytes::from_static(
            b"captured data\nline2"
        ))));
    }

    #[test]
    fn tokens_split_across_reads_any_chunking() {
        let whole: &[u8] = b"a<!--XSUPERVISOR:BEGIN-->xyz<!--XSUPERVISOR:END-->b<!--XSUPERVISOR:BEGIN--><!--XSUPERVISOR:END-->";
        for size in 1..whole.len() {
            let chunks: Vec<&[u8]> = whole.chunks(size).collect();
            let out = run(&chunks, 100);
            assert_eq!(normal(&out), b"ab", "chunk size {size}");
            assert_eq!(
                comms(&out),
                [b"xyz".to_vec(), Vec::new()],
                "chunk size {size}"
            );
        }
    }

    #[test]
    fn short_output_is_not_held_back_or_lost() {
        // 4.3 holds back up to 24 bytes and drops them at exit ([LOG-CAP-holdback],
        // [LOG-CAP-exit]); we pass through everything but a possible token prefix.
        let mut s = CaptureScanner::new(100);
        let mut out = Vec::new();
        s.feed(b"after\n", &mut out);
        assert_eq!(out, [Captured::Normal(Bytes::from_static(b"after\n"))]);
        out.clear();
        s.feed(b"tail <!--XSUP", &mut out);
        assert_eq!(out, [Captured::Normal(Bytes::from_static(b"tail "))]);
        out.clear();
        s.finish(&mut out);
        assert_eq!(out, [Captured::Normal(Bytes::from_static(b"<!--XSUP"))]);
    }

    #[test]
    fn capture_buffer_bound_log_cap_bound() {
        let b = BEGIN_TOKEN;
        let e = END_TOKEN;
        let big: Vec<u8> = [b, &b"0123456789abcdefghijklmno"[..], e].concat();
        assert_eq!(
            comms(&run(&[&big], 10)),
            [b"0123456789abcdefghijklmno".to_vec()]
        );
        let mut s = CaptureScanner::new(10);
        let mut out = Vec::new();
        s.feed(b, &mut out);
        for piece in [&b"01234"[..], b"56789", b"abcde"] {
            s.feed(piece, &mut out);
        }
        s.feed(e, &mut out);
        assert_eq!(comms(&out), [b"56789abcde".to_vec()]);
    }

    #[test]
    fn partial_suffixes() {
        assert_eq!(partial_suffix(b"abc<!--X", BEGIN_TOKEN), 5);
        assert_eq!(partial_suffix(b"abc", BEGIN_TOKEN), 0);
        assert_eq!(partial_suffix(b"<", END_TOKEN), 1);
    }
}
