//! Opening the HTTP servers' sockets ([RPC-HTTP-unix], [RPC-HTTP-inet]) before the daemon
//! detaches or writes its pidfile, as 4.3 does: a second `supervisord` on the same socket
//! fails in the foreground with 4.3's message and exit status 2, and leaves the running
//! daemon's pidfile alone. The sockets are bound with std (no runtime is needed, so this can
//! run before the fork) and handed to tokio when the daemon serves them.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::supervisor::{Control, RpcRoutes};
use crate::http::{bind_unix, BindError, Credentials, Listener, ServerOptions};
use crate::model::ServerModel;

/// A bound socket not yet served.
#[derive(Debug)]
enum Bound {
    Unix(std::os::unix::net::UnixListener),
    Tcp(std::net::TcpListener),
}

/// Every configured server's socket, bound.
#[derive(Debug)]
pub struct OpenServers {
    servers: Vec<(Bound, Option<Credentials>)>,
    socket_files: Vec<PathBuf>,
}

/// Binds every server in `servers`; the error is the text 4.3 prints after `Error: `.
pub fn open_servers(servers: &[ServerModel]) -> Result<OpenServers, String> {
    let mut open = OpenServers {
        servers: Vec::new(),
        socket_files: Vec::new(),
    };
    for server in servers {
        match server {
            ServerModel::Unix {
                socket,
                credentials,
            } => {
                let (l, _stale) = bind_unix(socket).map_err(|e| e.to_string())?;
                open.socket_files.push(socket.path.clone());
                open.servers.push((Bound::Unix(l), credentials.clone()));
            }
            ServerModel::Tcp {
                address,
                credentials,
            } => {
                let l = std::net::TcpListener::bind(address.as_str())
                    .and_then(|l| l.set_nonblocking(true).map(|()| l))
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::AddrInUse => {
                            BindError::InUse(PathBuf::from(address)).to_string()
                        }
                        _ => format!("cannot listen on {address}: {e}"),
                    })?;
                open.servers.push((Bound::Tcp(l), credentials.clone()));
            }
        }
    }
    Ok(open)
}

impl OpenServers {
    /// Starts serving every socket on a thread of its own, routing calls to `control`;
    /// returns the socket files to remove at shutdown and the thread, which stops serving
    /// when it is dropped.
    ///
    /// The servers get their own thread (one more current-thread runtime) so that parsing
    /// requests, encoding large responses and copying them into the sockets do not take turns
    /// with the supervisor task: a `getAllProcessInfo` with 500 programs is about 580 KB of
    /// XML, and copying it into the socket was a third of the supervisor thread's time under
    /// four polling clients. Calls still reach the supervisor task through `control`, so it
    /// alone owns the state.
    pub fn serve(
        self,
        control: &mpsc::UnboundedSender<Control>,
    ) -> std::io::Result<(Vec<PathBuf>, ServerThread)> {
        // One set of routes for every socket: one heap trimmer sees every burst.
        let routes = Arc::new(RpcRoutes::new(control.clone()));
        // The blocking pool only encodes large RPC responses (CPU work): more threads than
        // cores would add memory, not speed, when many clients poll at once.
        let encoders = std::thread::available_parallelism().map_or(2, |n| n.get());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(encoders)
            .thread_name("http-encoder")
            .build()?;
        let mut listeners = Vec::new();
        {
            // Registering a socket with a runtime needs that runtime's context.
            let _entered = runtime.enter();
            for (bound, credentials) in self.servers {
                let listener = match bound {
                    Bound::Unix(l) => Listener::Unix(tokio::net::UnixListener::from_std(l)?),
                    Bound::Tcp(l) => Listener::Tcp(tokio::net::TcpListener::from_std(l)?),
                };
                listeners.push((listener, credentials));
            }
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    for (listener, credentials) in listeners {
                        let options = ServerOptions {
                            credentials,
                            max_body: 10 << 20,
                            header_timeout: None,
                        };
                        tokio::spawn(crate::http::serve(listener, options, Arc::clone(&routes)));
                    }
                    // Until the daemon run ends (or a restart rebinds the sockets).
                    let _ = stopped.await;
                });
                // Connections in progress are dropped; an encoder still running is not
                // waited for long.
                runtime.shutdown_timeout(std::time::Duration::from_millis(500));
            })?;
        Ok((
            self.socket_files,
            ServerThread {
                stop: Some(stop),
                thread: Some(thread),
            },
        ))
    }
}

/// The thread serving the HTTP sockets; dropping it closes them and joins the thread.
#[derive(Debug)]
pub struct ServerThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
