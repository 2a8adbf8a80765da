//! `[fcgi-program:x]` listening sockets ([CFG-FCGI-runtime]): bound once per group by the
//! daemon and given to every process of the group as its stdin (fd 0).

use std::io;
use std::net::ToSocketAddrs;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;

use nix::sys::socket::{
    bind, listen, setsockopt, socket, sockopt, AddressFamily, Backlog, SockFlag, SockType,
    SockaddrStorage, UnixAddr,
};

use crate::model::FcgiSocket;

/// Binds and listens on `spec` (close-on-exec; the spawn edge hands a duplicate to children).
pub fn bind_socket(spec: &FcgiSocket) -> io::Result<OwnedFd> {
    let backlog = |b: Option<i32>| match b {
        Some(n) => Backlog::new(n).map_err(io::Error::other),
        None => Ok(Backlog::MAXCONN),
    };
    match spec {
        FcgiSocket::Tcp {
            host,
            port,
            backlog: b,
        } => {
            let addr = (host.as_str(), *port)
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| io::Error::other(format!("cannot resolve {host}")))?;
            let family = if addr.is_ipv4() {
                AddressFamily::Inet
            } else {
                AddressFamily::Inet6
            };
            let fd = socket(family, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)?;
            setsockopt(&fd, sockopt::ReuseAddr, &true)?;
            bind(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                &SockaddrStorage::from(addr),
            )?;
            listen(&fd, backlog(*b)?)?;
            Ok(fd)
        }
        FcgiSocket::Unix {
            path,
            mode,
            owner,
            backlog: b,
        } => {
            if path.exists() {
                std::fs::remove_file(path)?;
            }
            let fd = socket(
                AddressFamily::Unix,
                SockType::Stream,
                SockFlag::SOCK_CLOEXEC,
                None,
            )?;
            bind(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                &UnixAddr::new(path.as_path())?,
            )?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))?;
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(path, Some(*uid), *gid)?;
            }
            listen(&fd, backlog(*b)?)?;
            Ok(fd)
        }
    }
}
