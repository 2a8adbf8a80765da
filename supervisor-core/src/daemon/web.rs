//! The status page at `/` (with start / stop / restart / clear log actions as POST forms,
//! see [`crate::daemon::web_guard`], and tail links), the
//! tail page at `/tail.html`, and the streaming log tails at `/logtail/<name>[/stderr]` and
//! `/mainlogtail`, like 4.3's web interface ([RPC-HTTP-web]). Pages are rendered from
//! XML-RPC values, so they show exactly what the API reports.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use event_proto::xmlrpc::Value;
use tokio::sync::mpsc;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-decodes one query component (`+` is a space; a bad escape is kept as is).
pub fn decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query component.
pub fn encode(component: &str) -> String {
    let mut out = String::new();
    for b in component.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value of `key` in a query string.
pub fn query_get(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| decode(k) == key)
        .map(|(_, v)| decode(v))
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `group:name`, or `name` when they are equal.
pub fn namespec(info: &Value) -> String {
    let (name, group) = (field(info, "name"), field(info, "group"));
    if name == group {
        name.to_owned()
    } else {
        format!("{group}:{name}")
    }
}

/// The pages link one stylesheet (`/console.css`): no inline style, so the
/// `Content-Security-Policy` can forbid inline code altogether.
const STYLESHEET_LINK: &str = "<link rel=\"stylesheet\" href=\"console.css\">";

/// One action button: a POST form carrying the token ([`crate::daemon::web_guard`]).
fn button(token: &str, spec: &str, action: &str, label: &str) -> String {
    let name = if spec.is_empty() {
        String::new()
    } else {
        format!(
            "<input type=\"hidden\" name=\"processname\" value=\"{}\">",
            escape(spec)
        )
    };
    format!(
        "<form method=\"post\" action=\"index.html\" class=\"act\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">{name}\
         <button type=\"submit\" name=\"action\" value=\"{action}\">{label}</button></form>",
        token = escape(token),
    )
}

/// The status page: one row per process with its actions (forms that POST with `token`),
/// and an optional message.
pub fn status_page(
    identifier: &str,
    infos: &[Value],
    message: Option<&str>,
    token: &str,
) -> String {
    let mut rows = String::new();
    let mut options = String::new();
    for info in infos {
        let spec = namespec(info);
        let q = encode(&spec);
        let state = field(info, "statename");
        let running = matches!(state, "RUNNING" | "STARTING" | "BACKOFF");
        let actions = if running {
            format!(
                "{}{}",
                button(token, &spec, "restart", "Restart"),
                button(token, &spec, "stop", "Stop")
            )
        } else {
            button(token, &spec, "start", "Start")
        };
        options.push_str(&format!(
            "<option value=\"{name}\">{name}</option>",
            name = escape(&spec)
        ));
        rows.push_str(&format!(
            "<tr data-name=\"{name}\"><td class=\"state {cls}\">{state}</td><td class=\"desc\">{desc}</td><td><a href=\"tail.html?processname={q}\">{name}</a></td>\
             <td>{actions}{clear} <a href=\"logtail/{q}\">Tail -f Stdout</a> <a href=\"logtail/{q}/stderr\">Tail -f Stderr</a></td></tr>\n",
            cls = state.to_ascii_lowercase(),
            state = escape(state),
            desc = escape(field(info, "description")),
            name = escape(&spec),
            clear = button(token, &spec, "clearlog", "Clear Log"),
        ));
    }
    let message = message
        .map(|m| format!("<div class=\"msg\">{}</div>", escape(m)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Supervisor Status</title>{STYLESHEET_LINK}</head>\n\
         <body><h1>Supervisor Status</h1><p>{id} <span id=\"live\"></span></p>{message}\n\
         <p><a href=\"index.html\">Refresh</a> {restartall}{stopall} <a href=\"mainlogtail\">Main Log</a></p>\n\
         <table id=\"status\"><tr><th>State</th><th>Description</th><th>Name</th><th>Action</th></tr>\n{rows}</table>\n\
         <section><h2>Pools</h2><table id=\"pools\"><thead><tr><th>Pool</th><th>Accepted</th><th>Delivered</th>\
         <th>Rejected</th><th>Rebuffered</th><th>Dropped</th><th>Queued</th><th>Listeners</th></tr></thead><tbody></tbody></table></section>\n\
         <section><h2>Events</h2><input id=\"event-type\" placeholder=\"event type, e.g. PROCESS_STATE\"> \
         <input id=\"event-process\" placeholder=\"process name\"><ul id=\"events\"></ul></section>\n\
         <section><h2>Log</h2><select id=\"tail-name\"><option value=\"\">(choose a process)</option>{options}</select>\
         <pre id=\"tail\"></pre></section>\n\
         <script src=\"console.js\"></script></body></html>\n",
        id = escape(identifier),
        restartall = button(token, "", "restartall", "Restart All"),
        stopall = button(token, "", "stopall", "Stop All"),
    )
}

/// The tail page of one process's stdout log.
pub fn tail_page(spec: &str, text: &str) -> String {
    let q = encode(spec);
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Supervisor tail of {name}</title>{STYLESHEET_LINK}</head>\n\
         <body><h1>{name}</h1><p><a href=\"tail.html?processname={q}\">Refresh</a> <a href=\"index.html\">Back</a></p>\
         <pre>{text}</pre></body></html>\n",
        name = escape(spec),
        text = escape(text),
    )
}

/// Streams `path` to `tx`: its last `initial` bytes, then whatever is appended, polling
/// every 200 ms, starting over when the file is rotated or truncated. Ends when the client
/// goes away.
pub async fn follow(path: PathBuf, initial: u64, tx: mpsc::Sender<Bytes>) {
    let mut offset = match std::fs::metadata(&path) {
        Ok(m) => m.len().saturating_sub(initial),
        Err(_) => 0,
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if len < offset {
            offset = 0; // rotated or cleared
        }
        if len > offset {
            let read = std::fs::File::open(&path).and_then(|mut f| {
                f.seek(SeekFrom::Start(offset))?;
                f.read(&mut buf)
            });
            if let Ok(n) = read {
                if n > 0 {
                    offset += n as u64;
                    if tx.send(Bytes::copy_from_slice(&buf[..n])).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_and_escaping() {
        assert_eq!(
            query_get("processname=grp%3Aone&action=stop", "processname").as_deref(),
            Some("grp:one")
        );
        assert_eq!(query_get("a=x+y", "a").as_deref(), Some("x y"));
        assert_eq!(query_get("a=%zz%4", "a").as_deref(), Some("%zz%4"));
        assert_eq!(query_get("a", "a").as_deref(), Some(""));
        assert_eq!(query_get("", "a"), None);
        assert_eq!(
            escape("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(encode("grp:one two"), "grp:one%20two");
    }

    #[test]
    fn the_status_page_lists_processes_with_their_actions() {
        let info = Value::structure([
            ("name", Value::from("web")),
            ("group", Value::from("site")),
            ("statename", Value::from("RUNNING")),
            ("description", Value::from("pid 1, uptime 0:00:01 <x>")),
        ]);
        let page = status_page(
            "supervisor",
            &[info],
            Some("Process site:web started"),
            "t0k",
        );
        assert!(page.contains("site:web"));
        assert!(page.contains("name=\"action\" value=\"stop\""));
        assert!(page.contains("name=\"csrf\" value=\"t0k\""));
        assert!(!page.contains("action=stop"), "no GET action links");
        assert!(page.contains("&lt;x&gt;"));
        assert!(page.contains("Process site:web started"));
    }
}
