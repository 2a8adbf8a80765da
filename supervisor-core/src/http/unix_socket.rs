//! Binding `[unix_http_server] file` the way 4.3 does ([RPC-HTTP-unix]): refuse when another
//! server answers on it, unlink a stale socket, bind under a temporary name, chmod, then move
//! it into place so clients never see a socket with the wrong mode.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use std::os::unix::net::UnixListener;

/// `[unix_http_server]` socket settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixSocketOptions {
    /// `file=`.
    pub path: PathBuf,
    /// `chmod=` (default 0o700).
    pub mode: u32,
    /// `chown=` as (uid, gid), if set; no gid leaves the group unchanged.
    pub owner: Option<(u32, Option<u32>)>,
}

/// Why the socket could not be bound.
#[derive(Debug)]
#[non_exhaustive]
pub enum BindError {
    /// Something already answers on the path.
    InUse(PathBuf),
    /// A system call failed.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // 4.3's words exactly ([PROC-SUPD-startup]); the path stays in the variant.
            BindError::InUse(_) => f.write_str(
                "Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.",
            ),
            BindError::Io(p, e) => write!(f, "cannot bind unix socket {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for BindError {}

/// Binds the socket, non-blocking, ready for `tokio::net::UnixListener::from_std` (no runtime
/// needed, so the daemon binds before it detaches). Returns the listener and whether a stale
/// socket was unlinked (the caller prints 4.3's `Unlinking stale socket <file>`).
pub fn bind_unix(opts: &UnixSocketOptions) -> Result<(UnixListener, bool), BindError> {
    let path = &opts.path;
    let io_err = |e| BindError::Io(path.clone(), e);
    let mut stale = false;
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(BindError::InUse(path.clone()));
        }
        fs::remove_file(path).map_err(io_err)?;
        stale = true;
    }
    let temp = temp_name(path);
    let _ = fs::remove_file(&temp);
    let listener = UnixListener::bind(&temp)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(io_err)?;
    let placed = fs::set_permissions(&temp, fs::Permissions::from_mode(opts.mode))
        .and_then(|()| match opts.owner {
            Some((uid, gid)) => std::os::unix::fs::chown(&temp, Some(uid), gid),
            None => Ok(()),
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = placed {
        let _ = fs::remove_file(&temp);
        return Err(io_err(e));
    }
    Ok((listener, stale))
}

fn temp_name(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{}", std::process::id()));
    PathBuf::from(s)
}
