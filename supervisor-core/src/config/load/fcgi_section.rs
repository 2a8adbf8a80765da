//! `[fcgi-program:x]`'s socket keys; its other keys are a program's.

use std::path::PathBuf;

use super::ctx::Ctx;
use super::users::user_group;
use crate::config::expand::{expand, Expansions};
use crate::config::ini::Section;
use crate::config::values;
use crate::model::FcgiSocket;

/// `[fcgi-program:x] socket`, `socket_backlog`, `socket_owner`, `socket_mode` with 4.3's
/// error texts ([CFG-FCGI-errors]). `None` after recording an error.
pub(super) fn fcgi_socket(ctx: &mut Ctx, s: &Section, names: &Expansions) -> Option<FcgiSocket> {
    let Some(entry) = s.get("socket") else {
        ctx.err(
            s,
            None,
            format!("[{}] section requires a \"socket\" line", s.name),
        );
        return None;
    };
    let url = match expand(&entry.value, names, &format!("{}.socket", s.name)) {
        Ok(u) => u.trim().to_owned(),
        Err(m) => {
            ctx.err(s, Some(entry), m);
            return None;
        }
    };
    let backlog = match s.get("socket_backlog") {
        None => None,
        Some(e) => match values::integer(&e.value) {
            Ok(n) if (1..=65535).contains(&n) => Some(n as i32),
            _ => {
                ctx.err(
                    s,
                    Some(e),
                    format!("Invalid socket_backlog value {}", e.value.trim()),
                );
                return None;
            }
        },
    };
    let owner_set = s.get("socket_owner").is_some();
    let mode_set = s.get("socket_mode").is_some();
    if let Some(path) = url.strip_prefix("unix://") {
        if !path.starts_with('/') {
            ctx.err(
                s,
                Some(entry),
                format!(
                    "('Unix socket path %s is not an absolute path', '{path}') in [{}] socket",
                    s.name
                ),
            );
            return None;
        }
        let mode = ctx.get(s, "socket_mode", 0o700, names, values::octal);
        let owner = ctx.get(s, "socket_owner", None, names, |v| {
            user_group(v)
                .map(Some)
                .map_err(|_| format!("Invalid sockchown value {v}"))
        });
        return Some(FcgiSocket::Unix {
            path: PathBuf::from(path),
            mode,
            owner,
            backlog,
        });
    }
    if let Some(addr) = url.strip_prefix("tcp://") {
        if owner_set || mode_set {
            ctx.err(s, Some(entry), format!("socket_owner and socket_mode params should only be used with a Unix domain socket in [{}] socket", s.name));
            return None;
        }
        if let Some((host, port)) = addr.rsplit_once(':') {
            if let Ok(port) = port.parse::<u16>() {
                return Some(FcgiSocket::Tcp {
                    host: host.to_owned(),
                    port,
                    backlog,
                });
            }
        }
    }
    ctx.err(
        s,
        Some(entry),
        format!("('Bad socket format %s', '{url}') in [{}] socket", s.name),
    );
    None
}
