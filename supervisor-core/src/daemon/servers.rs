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
    /// Starts serving every socket (inside a tokio runtime), routing calls to `control`;
    /// returns the socket files to remove at shutdown.
    pub fn serve(self, control: &mpsc::UnboundedSender<Control>) -> std::io::Result<Vec<PathBuf>> {
        // One set of routes for every socket: one heap trimmer sees every burst.
        let routes = Arc::new(RpcRoutes::new(control.clone()));
        for (bound, credentials) in self.servers {
            let listener = match bound {
                Bound::Unix(l) => Listener::Unix(tokio::net::UnixListener::from_std(l)?),
                Bound::Tcp(l) => Listener::Tcp(tokio::net::TcpListener::from_std(l)?),
            };
            let options = ServerOptions {
                credentials,
                max_body: 10 << 20,
                header_timeout: None,
            };
            tokio::spawn(crate::http::serve(listener, options, Arc::clone(&routes)));
        }
        Ok(self.socket_files)
    }
}
