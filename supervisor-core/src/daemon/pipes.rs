//! The pipe edges between children and the supervisor task: one reader task per child output
//! pipe (chunks of up to 128 KiB, as 4.3 reads them, [LOG-CHILD-raw]) and one writer task per
//! child stdin (listener envelopes, `sendProcessStdin`, at most [`STDIN_QUEUE_LIMIT`] bytes
//! waiting from the latter).

use std::io::PipeReader;
use std::os::fd::OwnedFd;
use std::process::ChildStdin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

/// Largest chunk read at once.
pub const READ_CHUNK: usize = 128 * 1024;

/// The first read's buffer; it grows while reads fill it.
const FIRST_READ: usize = 256;

/// A pipe's capacity when Linux creates it.
const DEFAULT_PIPE_CAPACITY: usize = 64 * 1024;

/// The capacity a child's output pipe is given once one read finds it full
/// (`/proc/sys/fs/pipe-max-size` allows this much to anyone by default).
///
/// With 64 KiB, a child writing flat out and the reader take turns: the child fills the
/// pipe and sleeps, the reader empties it and sleeps, and each wake-up is paid on both sides.
/// Measured on the child-log bench, a C copy with 4.3's rotation went from about 1.1 GB/s to
/// 2.5 GB/s with this capacity. Only a pipe found full is grown, so quiet programs keep the
/// default and an unprivileged daemon with many programs stays inside the per-user pipe quota.
const BUSY_PIPE_CAPACITY: libc::c_int = 1024 * 1024;

/// What a reader task reports, tagged with the caller's id for the pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeEvent<Id> {
    /// Bytes read.
    Data(Id, Bytes),
    /// The pipe reached EOF (or failed): the child closed it or exited.
    Closed(Id),
}

/// How many chunks all reader tasks together may have sent and the supervisor task not yet
/// handled. When it is reached, readers wait before reading again, so a child that writes
/// faster than its output is handled blocks in `write`, as it does under 4.3, and the chunks
/// in flight stay below `PIPE_CHANNEL_BOUND * READ_CHUNK` (16 MiB).
pub const PIPE_CHANNEL_BOUND: usize = 128;

/// Starts a task reading `pipe` until EOF, sending chunks to `tx`. While `tx` is full the
/// task does not read, which is the backpressure on the child. A pipe found full is grown
/// (see [`spawn_reader_with`]).
pub fn spawn_reader<Id>(
    reader: PipeReader,
    id: Id,
    tx: mpsc::Sender<PipeEvent<Id>>,
) -> std::io::Result<tokio::task::JoinHandle<()>>
where
    Id: Clone + Send + 'static,
{
    spawn_reader_with(reader, id, tx, true)
}

/// [`spawn_reader`], growing the pipe to 1 MiB once a read finds it full
/// only if `grow`. The daemon does not grow a pipe whose chunks become events
/// (`*_events_enabled`, capture mode): with 64 KiB, an event holds what 4.3's would, and a
/// listener is not sent chunks sixteen times larger.
pub fn spawn_reader_with<Id>(
    reader: PipeReader,
    id: Id,
    tx: mpsc::Sender<PipeEvent<Id>>,
    grow: bool,
) -> std::io::Result<tokio::task::JoinHandle<()>>
where
    Id: Clone + Send + 'static,
{
    let rx = pipe::Receiver::from_owned_fd(OwnedFd::from(reader))?;
    Ok(tokio::spawn(async move {
        // A quiet pipe holds only a small buffer (500 idle programs cost little memory); a
        // read that fills the buffer doubles the next one, up to READ_CHUNK.
        let mut size = FIRST_READ;
        let mut grown = !grow;
        let mut buf = BytesMut::new();
        loop {
            // Wait for data before taking a buffer: a pipe that never carries output (most
            // of 500 idle programs' pipes) holds none.
            if rx.readable().await.is_err() {
                break;
            }
            buf.reserve(size);
            match rx.try_read_buf(&mut buf) {
                Ok(0) => break,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => break,
                Ok(n) => {
                    let drained = n < size;
                    if n >= size {
                        size = (size * 2).min(READ_CHUNK);
                    }
                    if !grown && n >= DEFAULT_PIPE_CAPACITY {
                        grown = true;
                        grow_pipe(&rx);
                    }
                    let chunk = buf.split().freeze();
                    if drained && size < READ_CHUNK {
                        // A short read emptied a pipe that has never been busy: let the rest
                        // of this buffer go with the chunk rather than hold it while the pipe
                        // is quiet. A busy pipe keeps its buffer, reused while cache-hot.
                        buf = BytesMut::new();
                    }
                    if tx.send(PipeEvent::Data(id.clone(), chunk)).await.is_err() {
                        return;
                    }
                    // Let the supervisor task write this chunk before the next read. Reading
                    // on while the pipe has data would queue up to the channel's bound (16 MiB)
                    // in fresh buffers, all written and freed later in one go; one chunk at a
                    // time, the buffer is reused while it is still in the CPU's cache.
                    tokio::task::yield_now().await;
                }
            }
        }
        let _ = tx.send(PipeEvent::Closed(id)).await;
    }))
}

/// Raises the pipe's capacity to [`BUSY_PIPE_CAPACITY`]. A refusal (the per-user pipe quota
/// is spent, or a lowered `pipe-max-size`) leaves the pipe as it was, which is only slower.
fn grow_pipe(rx: &pipe::Receiver) {
    use nix::fcntl::{fcntl, FcntlArg};
    use std::os::fd::AsRawFd;
    let _ = fcntl(rx.as_raw_fd(), FcntlArg::F_SETPIPE_SZ(BUSY_PIPE_CAPACITY));
}

/// A write to a child's stdin failed (EPIPE: the child closed stdin or exited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailed<Id> {
    /// The caller's id for the pipe.
    pub id: Id,
    /// The bytes that were not (completely) written.
    pub unsent: Bytes,
}

/// How many bytes written with [`StdinQueue::offer`] (`sendProcessStdin`) may wait for a
/// child to read them. 4.3 buffers without limit; a child that never reads its stdin would
/// make the daemon hold whatever clients send it.
pub const STDIN_QUEUE_LIMIT: usize = 4 * 1024 * 1024;

/// The sending side of a child's stdin writer task, counting the bytes not yet written.
///
/// Bytes sent while nothing waits are written to the pipe at once, without a hop through the
/// writer task: a listener's stdin is empty whenever it is sent an event, so an envelope
/// reaches it in the call that dispatched it. What the pipe does not take at once goes to the
/// writer task, in order. Only one task (the supervisor task) sends on a child's queue, so
/// "nothing waits" cannot change between the check and the write.
#[derive(Debug, Clone)]
pub struct StdinQueue {
    tx: mpsc::UnboundedSender<Bytes>,
    pending: Arc<AtomicUsize>,
    pipe: Arc<pipe::Sender>,
}

/// Why [`StdinQueue::offer`] refused bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinRefused {
    /// The writer task has ended: the child closed its stdin or exited.
    Closed,
    /// [`STDIN_QUEUE_LIMIT`] bytes are already waiting; this many.
    Full(usize),
}

impl StdinQueue {
    /// Queues `bytes` whatever is waiting: for a listener's envelope, of which the pool sends
    /// one at a time (a listener only gets the next once it has answered this one), so this
    /// path holds at most one event per listener.
    pub fn send(&self, mut bytes: Bytes) -> Result<(), StdinRefused> {
        if self.tx.is_closed() {
            return Err(StdinRefused::Closed);
        }
        if self.pending.load(Ordering::Acquire) == 0 {
            // A write error is left to the writer task, which reports it as it would have.
            if let Ok(n) = self.pipe.try_write(&bytes) {
                if n == bytes.len() {
                    return Ok(());
                }
                let _ = bytes.split_to(n);
            }
        }
        let n = bytes.len();
        self.pending.fetch_add(n, Ordering::AcqRel);
        self.tx.send(bytes).map_err(|_| {
            self.pending.fetch_sub(n, Ordering::AcqRel);
            StdinRefused::Closed
        })
    }

    /// Queues `bytes` unless [`STDIN_QUEUE_LIMIT`] bytes are already waiting. Nothing waiting
    /// means any size is taken, so one large write is never refused.
    pub fn offer(&self, bytes: Bytes) -> Result<(), StdinRefused> {
        let waiting = self.pending.load(Ordering::Acquire);
        if waiting > 0 && waiting + bytes.len() > STDIN_QUEUE_LIMIT {
            return Err(StdinRefused::Full(waiting));
        }
        self.send(bytes)
    }

    /// Bytes queued and not yet written to the pipe.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}

/// Starts a task writing each `Bytes` queued on the returned [`StdinQueue`] to `stdin`, in
/// order. On a write error the failed buffer is reported on `failed` and the task ends.
pub fn spawn_writer<Id>(
    stdin: ChildStdin,
    id: Id,
    failed: mpsc::UnboundedSender<WriteFailed<Id>>,
) -> std::io::Result<StdinQueue>
where
    Id: Clone + Send + 'static,
{
    let pipe = Arc::new(pipe::Sender::from_owned_fd(OwnedFd::from(stdin))?);
    let (send, mut recv) = mpsc::unbounded_channel::<Bytes>();
    let pending = Arc::new(AtomicUsize::new(0));
    let written = Arc::clone(&pending);
    let tx = Arc::clone(&pipe);
    tokio::spawn(async move {
        while let Some(bytes) = recv.recv().await {
            let result = write_all(&tx, &bytes).await;
            written.fetch_sub(bytes.len(), Ordering::AcqRel);
            if result.is_err() {
                let _ = failed.send(WriteFailed { id, unsent: bytes });
                return;
            }
        }
    });
    Ok(StdinQueue {
        tx: send,
        pending,
        pipe,
    })
}

/// Writes all of `bytes` to `pipe`, waiting while it is full.
async fn write_all(pipe: &pipe::Sender, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        pipe.writable().await?;
        match pipe.try_write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
