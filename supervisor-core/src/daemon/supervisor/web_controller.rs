//! The web interface's controller: 4.3's status page actions, the tail page and the log
//! streams, each served through in-process XML-RPC calls.

use tokio::sync::{mpsc, oneshot};

use super::messages::Control;
use super::routes::RpcRoutes;
use crate::rpc::Method;

impl RpcRoutes {
    pub(super) async fn web(&self, path: &str, query: &str) -> crate::http::Answer {
        use crate::daemon::web;
        use crate::http::{Answer, Reply};
        use event_proto::xmlrpc::Value;
        let not_found = || Answer::Full(Reply::error(hyper::StatusCode::NOT_FOUND));
        let (main_log, identifier) = {
            let (tx, rx) = oneshot::channel();
            if self.control.send(Control::WebInfo(tx)).is_err() {
                return Answer::Full(Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE));
            }
            rx.await.unwrap_or((None, String::new()))
        };
        if path == "/" || path == "/index.html" {
            let name = web::query_get(query, "processname").unwrap_or_default();
            let action = web::query_get(query, "action").unwrap_or_default();
            let message = match action.as_str() {
                "start" | "stop" | "restart" | "clearlog" if name.is_empty() => {
                    Some("No process name given".to_owned())
                }
                "start" => Some(
                    match self
                        .call(
                            Method::StartProcess,
                            vec![name.as_str().into(), true.into()],
                        )
                        .await
                    {
                        Ok(_) => format!("Process {name} started"),
                        Err(e) => format!("Failed to start {name}: {e}"),
                    },
                ),
                "stop" => Some(
                    match self
                        .call(Method::StopProcess, vec![name.as_str().into(), true.into()])
                        .await
                    {
                        Ok(_) => format!("Process {name} stopped"),
                        Err(e) => format!("Failed to stop {name}: {e}"),
                    },
                ),
                "restart" => {
                    let _ = self
                        .call(Method::StopProcess, vec![name.as_str().into(), true.into()])
                        .await;
                    Some(
                        match self
                            .call(
                                Method::StartProcess,
                                vec![name.as_str().into(), true.into()],
                            )
                            .await
                        {
                            Ok(_) => format!("Process {name} restarted"),
                            Err(e) => format!("Failed to restart {name}: {e}"),
                        },
                    )
                }
                "clearlog" => Some(
                    match self
                        .call(Method::ClearProcessLogs, vec![name.as_str().into()])
                        .await
                    {
                        Ok(_) => format!("Log for {name} cleared"),
                        Err(e) => format!("Failed to clear the log of {name}: {e}"),
                    },
                ),
                "stopall" => Some(
                    match self.call(Method::StopAllProcesses, vec![true.into()]).await {
                        Ok(_) => "All stopped".to_owned(),
                        Err(e) => format!("Failed to stop all: {e}"),
                    },
                ),
                "restartall" => {
                    let _ = self.call(Method::StopAllProcesses, vec![true.into()]).await;
                    Some(
                        match self
                            .call(Method::StartAllProcesses, vec![true.into()])
                            .await
                        {
                            Ok(_) => "All restarted".to_owned(),
                            Err(e) => format!("Failed to restart all: {e}"),
                        },
                    )
                }
                _ => None,
            };
            let infos = match self.call(Method::GetAllProcessInfo, Vec::new()).await {
                Ok(Value::Array(v)) => v,
                _ => Vec::new(),
            };
            return Answer::Full(Reply::html(web::status_page(
                &identifier,
                &infos,
                message.as_deref(),
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
