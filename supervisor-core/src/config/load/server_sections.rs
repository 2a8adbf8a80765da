//! The control plane's sections: `[unix_http_server]` ([CFG-UNIX-*]), `[inet_http_server]`
//! ([CFG-INET-*]), their credentials ([CFG-AUTH-pair]), and `[supervisorctl]`.

use std::path::{Path, PathBuf};

use super::ctx::{absolute, base_names, section_here, Ctx};
use super::users::user_group;
use crate::config::expand::Expansions;
use crate::config::ini::Section;
use crate::config::values;
use crate::http::{Credentials, UnixSocketOptions};
use crate::model::ServerModel;

/// `[supervisorctl]` ([CFG-CTL-*]), read by supervisorctl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlSettings {
    /// `serverurl` (default `http://localhost:9001`; relative `unix://` paths made absolute).
    pub serverurl: String,
    /// `username`.
    pub username: Option<String>,
    /// `password` (cleartext).
    pub password: Option<String>,
    /// `prompt` (default `supervisor`).
    pub prompt: String,
    /// `history_file`.
    pub history_file: Option<PathBuf>,
}

/// Every `[unix_http_server]` and `[inet_http_server]` in file order; `here` is the main
/// file's directory.
pub(super) fn servers(ctx: &mut Ctx, sections: &[Section], here: &Path) -> Vec<ServerModel> {
    let mut servers = Vec::new();
    for s in sections.iter().filter(|s| {
        s.name.starts_with("unix_http_server") || s.name.starts_with("inet_http_server")
    }) {
        let sh = section_here(here, s);
        let snames = base_names(&sh, &[]);
        let creds = credentials(ctx, s);
        if s.name.starts_with("unix") {
            let Some(file) = ctx.string(s, "file", &snames) else {
                ctx.err(s, None, format!("section [{}] has no file value", s.name));
                continue;
            };
            let mode = ctx.get(s, "chmod", 0o700, &Expansions::new(), |v| {
                values::octal(v).map_err(|_| format!("Invalid chmod value {v}"))
            });
            let owner = ctx.get(s, "chown", None, &Expansions::new(), |v| {
                user_group(v)
                    .map(Some)
                    .map_err(|_| format!("Invalid sockchown value {v}"))
            });
            servers.push(ServerModel::Unix {
                socket: UnixSocketOptions {
                    path: absolute(&values::expand_user(&file)),
                    mode,
                    owner,
                },
                credentials: creds,
            });
        } else {
            let Some(port) = s.get("port").map(|e| e.value.clone()) else {
                ctx.err(s, None, format!("section [{}] has no port value", s.name));
                continue;
            };
            match inet_address(&port) {
                Ok(address) => servers.push(ServerModel::Tcp {
                    address,
                    credentials: creds,
                }),
                Err(m) => ctx.err(s, s.get("port"), m),
            }
        }
    }
    servers
}

/// `SUPERVISOR_SERVER_URL` for children: the first server's address, if any.
pub(super) fn server_url(servers: &[ServerModel]) -> Option<String> {
    servers.first().map(|s| match s {
        ServerModel::Unix { socket, .. } => format!("unix://{}", socket.path.display()),
        ServerModel::Tcp { address, .. } => {
            let (host, port) = address.rsplit_once(':').unwrap_or(("", address));
            let host = if host.is_empty() || host == "0.0.0.0" {
                "localhost"
            } else {
                host
            };
            format!("http://{host}:{port}")
        }
    })
}

/// `[supervisorctl]` ([CFG-CTL-*]), if present.
pub(super) fn supervisorctl(
    ctx: &mut Ctx,
    sections: &[Section],
    here: &Path,
) -> Option<CtlSettings> {
    sections
        .iter()
        .find(|s| s.name == "supervisorctl")
        .map(|s| {
            let names = base_names(&section_here(here, s), &[]);
            let serverurl = ctx
                .string(s, "serverurl", &names)
                .unwrap_or_else(|| "http://localhost:9001".to_owned());
            let serverurl = match serverurl.strip_prefix("unix://") {
                Some(p) if !p.starts_with('/') => format!("unix://{}", absolute(p).display()),
                _ => serverurl,
            };
            CtlSettings {
                serverurl,
                username: s.get("username").map(|e| e.value.clone()),
                password: s.get("password").map(|e| e.value.clone()),
                prompt: s
                    .get("prompt")
                    .map_or_else(|| "supervisor".to_owned(), |e| e.value.clone()),
                history_file: ctx
                    .string(s, "history_file", &names)
                    .map(|h| absolute(&values::expand_user(&h))),
            }
        })
}

fn credentials(ctx: &mut Ctx, s: &Section) -> Option<Credentials> {
    match (s.get("username"), s.get("password")) {
        (Some(u), Some(p)) => Some(Credentials {
            username: u.value.clone(),
            password: p.value.clone(),
        }),
        (None, None) => None,
        _ => {
            ctx.err(s, None, format!("Section [{}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified", s.name));
            None
        }
    }
}

fn inet_address(port: &str) -> Result<String, String> {
    let (host, p) = match port.rsplit_once(':') {
        Some((h, p)) => (h.to_lowercase(), p),
        None => (String::new(), port),
    };
    let n: u32 = p
        .trim()
        .parse()
        .map_err(|_| format!("not a valid port number: '{p}' "))?;
    if n > 65535 {
        return Err(format!("{n} is above upper bound (65535)"));
    }
    let host = if host.is_empty() || host == "*" {
        "0.0.0.0".to_owned()
    } else {
        host
    };
    Ok(format!("{host}:{n}"))
}
