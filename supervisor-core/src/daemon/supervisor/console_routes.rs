//! The live web console's endpoints (beyond 4.3): its script and stylesheet, and the JSON it
//! polls (`api/status`, `api/events`, `api/tail`). Like the pages, they are answered through
//! in-process calls and messages, behind the same authentication.

use event_proto::xmlrpc::Value;
use tokio::sync::oneshot;

use super::messages::Control;
use super::routes::RpcRoutes;
use crate::http::{Answer, Reply};
use crate::rpc::{json_value, Method};

/// The console's script, served as `/console.js`.
const SCRIPT: &str = include_str!("../console/console.js");

/// The pages' stylesheet, served as `/console.css`.
pub(crate) const STYLESHEET: &str = include_str!("../console/console.css");

/// How much of a log the console's tail shows.
const TAIL_BYTES: i64 = 8192;

fn json(text: String) -> Answer {
    Answer::Full(Reply {
        status: hyper::StatusCode::OK,
        content_type: "application/json",
        body: text.into(),
    })
}

impl RpcRoutes {
    /// Answers a console path, or `None` for the other web paths.
    pub(super) async fn console(&self, path: &str, query: &str) -> Option<Answer> {
        let asset = |content_type, body: &'static str| {
            Some(Answer::Full(Reply {
                status: hyper::StatusCode::OK,
                content_type,
                body: body.into(),
            }))
        };
        match path {
            "/console.js" => asset("text/javascript; charset=utf-8", SCRIPT),
            "/console.css" => asset("text/css; charset=utf-8", STYLESHEET),
            "/api/status" => {
                let processes = self
                    .call(Method::GetAllProcessInfo, Vec::new())
                    .await
                    .unwrap_or(Value::Array(Vec::new()));
                let pools = self
                    .call(Method::GetPoolCounters, Vec::new())
                    .await
                    .unwrap_or(Value::Array(Vec::new()));
                Some(json(format!(
                    "{{\"processes\":{},\"pools\":{}}}",
                    json_value(&processes),
                    json_value(&pools)
                )))
            }
            "/api/events" => {
                let after = crate::daemon::web::query_get(query, "after")
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(0);
                let (reply, rx) = oneshot::channel();
                self.control
                    .send(Control::RecentEvents { after, reply })
                    .ok()?;
                let (last, events) = rx.await.unwrap_or_default();
                let events = Value::Array(
                    events
                        .into_iter()
                        .map(|(seq, name, payload)| {
                            Value::Array(vec![
                                Value::Int(seq as i64),
                                Value::from(name),
                                Value::from(payload),
                            ])
                        })
                        .collect(),
                );
                Some(json(format!(
                    "{{\"last\":{last},\"events\":{}}}",
                    json_value(&events)
                )))
            }
            "/api/tail" => {
                let name = crate::daemon::web::query_get(query, "processname")?;
                let text = match self
                    .call(
                        Method::TailProcessStdoutLog,
                        vec![name.as_str().into(), Value::Int(0), Value::Int(TAIL_BYTES)],
                    )
                    .await
                {
                    Ok(Value::Array(parts)) => {
                        parts.into_iter().next().unwrap_or_else(|| Value::from(""))
                    }
                    _ => Value::from(""),
                };
                Some(json(format!("{{\"text\":{}}}", json_value(&text))))
            }
            _ => None,
        }
    }
}
