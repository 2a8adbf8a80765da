//! The web interface's controller: 4.3's status page (its actions by POST only, see
//! [`crate::daemon::web_guard`]), the tail page and the log streams, each served through
//! in-process XML-RPC calls.

use event_proto::xmlrpc::Value;
use tokio::sync::{mpsc, oneshot};

use super::messages::Control;
use super::routes::RpcRoutes;
use crate::rpc::Method;

impl RpcRoutes {
    /// The web interface ([RPC-HTTP-web]): the status page and its actions, the tail page, and
    /// the log streams.
    pub(super) async fn web(&self, path: &str, query: &str) -> crate::http::Answer {
        use crate::daemon::web;
        use crate::http::{Answer, Reply};
        let not_found = || Answer::Full(Reply::error(hyper::StatusCode::NOT_FOUND));
        if let Some(answer) = self.console(path, query).await {
            return answer;
        }
        let (main_log, identifier) = {
            let (tx, rx) = oneshot::channel();
            if self.control.send(Control::WebInfo(tx)).is_err() {
                return Answer::Full(Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE));
            }
            rx.await.unwrap_or((None, String::new()))
        };
        if path == "/" || path == "/index.html" {
            // A GET never changes anything: 4.3's `?action=` links are refused, and the page
            // only shows the outcome a form's POST redirected with.
            let action = web::query_get(query, "action").unwrap_or_default();
            let message = match action.as_str() {
                "" | "refresh" => web::query_get(query, "message"),
                _ => Some(
                    "Nothing was done: actions are taken only by the buttons of this page"
                        .to_owned(),
                ),
            };
            let infos = match self.call(Method::GetAllProcessInfo, Vec::new()).await {
                Ok(Value::Array(v)) => v,
                _ => Vec::new(),
            };
            return Answer::Full(Reply::html(web::status_page(
                &identifier,
                &infos,
                message.as_deref(),
                self.csrf.as_str(),
            )));
        }
        if path == "/tail.html" {
            let Some(name) = web::query_get(query, "processname") else {
                return not_found();
            };
            let limit = web::query_get(query, "limit")
                .and_then(|l| l.parse::<i64>().ok())
                .unwrap_or(1024);
            let text = match self
                .call(
                    Method::TailProcessStdoutLog,
                    vec![name.as_str().into(), Value::Int(0), Value::Int(limit)],
                )
                .await
            {
                Ok(Value::Array(parts)) => parts
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                Ok(_) => String::new(),
                Err(e) => format!("ERROR: {e}"),
            };
            return Answer::Full(Reply::html(web::tail_page(&name, &text)));
        }
        let log_path = if path == "/mainlogtail" {
            main_log
        } else if let Some(rest) = path.strip_prefix("/logtail/") {
            let rest = web::decode(rest);
            let (name, key) = match rest.rsplit_once('/') {
                Some((n, "stderr")) => (n.to_owned(), "stderr_logfile"),
                Some((n, "stdout")) => (n.to_owned(), "stdout_logfile"),
                _ => (rest.clone(), "stdout_logfile"),
            };
            match self
                .call(Method::GetProcessInfo, vec![name.as_str().into()])
                .await
            {
                Ok(info) => info
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .map(std::path::PathBuf::from),
                Err(_) => None,
            }
        } else {
            return not_found();
        };
        let Some(log_path) = log_path else {
            return not_found();
        };
        let (tx, chunks) = mpsc::channel(16);
        tokio::spawn(web::follow(log_path, 1024, tx));
        Answer::Stream {
            content_type: "text/plain;charset=utf-8",
            chunks,
        }
    }
}

impl RpcRoutes {
    /// A form of the status page: refused (403) unless it comes from this server's page
    /// (`Origin`/`Referer`) with the token; otherwise the action runs and the browser is
    /// sent back to the page with its outcome.
    pub(super) async fn web_post(&self, form: crate::http::FormPost) -> crate::http::Answer {
        use crate::daemon::{web, web_guard};
        use crate::http::{Answer, Reply};
        if form.path != "/" && form.path != "/index.html" {
            return Answer::Full(Reply::error(hyper::StatusCode::NOT_FOUND));
        }
        let forbidden = |why: &str| {
            Answer::Full(Reply {
                status: hyper::StatusCode::FORBIDDEN,
                content_type: "text/plain",
                body: format!("403 Forbidden: {why}; nothing was done\n").into(),
            })
        };
        if !web_guard::same_origin(
            form.host.as_deref(),
            form.origin.as_deref(),
            form.referer.as_deref(),
        ) {
            return forbidden("the form was not sent from this server's page");
        }
        let body = String::from_utf8_lossy(&form.body);
        let token = web::query_get(&body, "csrf").unwrap_or_default();
        if !self.csrf.matches(&token) {
            return forbidden("missing or wrong form token (reload the page)");
        }
        let name = web::query_get(&body, "processname").unwrap_or_default();
        let action = web::query_get(&body, "action").unwrap_or_default();
        let message = match page_action(&action, &name) {
            Some(PageAction::Refused(text)) => text,
            Some(PageAction::Calls {
                calls,
                done,
                failed,
            }) => {
                let mut outcome = Ok(Value::Bool(true));
                for (method, params) in calls {
                    outcome = self.call(method, params).await;
                }
                match outcome {
                    Ok(_) => done,
                    Err(e) => format!("{failed}: {e}"),
                }
            }
            None => return Answer::Redirect("index.html".to_owned()),
        };
        Answer::Redirect(format!("index.html?message={}", web::encode(&message)))
    }
}

/// What an action of 4.3's status page (`index.html?action=...`) does.
enum PageAction {
    /// Nothing is called; the page shows this.
    Refused(String),
    /// These calls in order; the page reports the last one's outcome (a restart's stop may
    /// fail because the process was not running, and the start still runs).
    Calls {
        calls: Vec<(Method, Vec<Value>)>,
        done: String,
        failed: String,
    },
}

/// The status page's `action` for process `name`, or `None` for no action.
fn page_action(action: &str, name: &str) -> Option<PageAction> {
    let per_process = matches!(action, "start" | "stop" | "restart" | "clearlog");
    if per_process && name.is_empty() {
        return Some(PageAction::Refused("No process name given".to_owned()));
    }
    let wait = || vec![Value::from(name), Value::Bool(true)];
    let all = || vec![Value::Bool(true)];
    let (calls, done, failed) = match action {
        "start" => (
            vec![(Method::StartProcess, wait())],
            format!("Process {name} started"),
            format!("Failed to start {name}"),
        ),
        "stop" => (
            vec![(Method::StopProcess, wait())],
            format!("Process {name} stopped"),
            format!("Failed to stop {name}"),
        ),
        "restart" => (
            vec![
                (Method::StopProcess, wait()),
                (Method::StartProcess, wait()),
            ],
            format!("Process {name} restarted"),
            format!("Failed to restart {name}"),
        ),
        "clearlog" => (
            vec![(Method::ClearProcessLogs, vec![Value::from(name)])],
            format!("Log for {name} cleared"),
            format!("Failed to clear the log of {name}"),
        ),
        "stopall" => (
            vec![(Method::StopAllProcesses, all())],
            "All stopped".to_owned(),
            "Failed to stop all".to_owned(),
        ),
        "restartall" => (
            vec![
                (Method::StopAllProcesses, all()),
                (Method::StartAllProcesses, all()),
            ],
            "All restarted".to_owned(),
            "Failed to restart all".to_owned(),
        ),
        _ => return None,
    };
    Some(PageAction::Calls {
        calls,
        done,
        failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_actions_call_what_4_3_calls() {
        let Some(PageAction::Calls {
            calls,
            done,
            failed,
        }) = page_action("restart", "web")
        else {
            panic!("restart is an action");
        };
        let methods: Vec<Method> = calls.iter().map(|c| c.0).collect();
        assert_eq!(methods, [Method::StopProcess, Method::StartProcess]);
        assert_eq!(calls[1].1, vec![Value::from("web"), Value::Bool(true)]);
        assert_eq!(
            (done.as_str(), failed.as_str()),
            ("Process web restarted", "Failed to restart web")
        );
        assert!(matches!(
            page_action("stop", ""),
            Some(PageAction::Refused(t)) if t == "No process name given"
        ));
        assert!(matches!(
            page_action("stopall", ""),
            Some(PageAction::Calls { .. })
        ));
        assert!(page_action("", "web").is_none());
        assert!(page_action("bogus", "web").is_none());
    }
}
