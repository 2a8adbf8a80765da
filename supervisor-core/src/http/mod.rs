//! The HTTP transport of the control plane ([RPC-HTTP-*], [RPC-AUTH-*]): hyper serving
//! XML-RPC at `/RPC2` on unix sockets and TCP, with 4.3's authentication rules. What a request
//! means is up to a [`Routes`] implementation (the daemon's RPC handlers).

mod auth;
mod server;
mod unix_socket;

pub use auth::{sha1_hex, AuthCheck, Credentials};
pub use server::{
    serve, serve_connection, Answer, FormPost, Listener, Reply, ResponseBody, Routes, ServerOptions,
};
pub use unix_socket::{bind_unix, BindError, UnixSocketOptions};

#[cfg(test)]
mod tests;
