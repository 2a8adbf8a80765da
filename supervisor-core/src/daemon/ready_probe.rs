//! The I/O of a ready check (`ready_check=`): one probe, as a task, reporting whether it
//! passed. `exec:` checks are children of the daemon, so the supervisor task runs them
//! itself (the reaper reaps them); this module does `tcp:` and `http(s)://`.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::model::ReadyCheck;

/// The outcome of one probe, tagged with the caller's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult<Id> {
    /// The caller's id for the probe.
    pub id: Id,
    /// `Ok` when the check passed, else why not.
    pub outcome: Result<(), String>,
}

/// Starts one probe of a `tcp:` or `http(s)://` check, giving up after `timeout`; the result
/// goes to `tx`. Must be called within a tokio runtime. `exec:` checks are not probed here.
pub fn spawn_probe<Id: Send + 'static>(
    check: &ReadyCheck,
    timeout: Duration,
    id: Id,
    tx: mpsc::UnboundedSender<ProbeResult<Id>>,
) {
    let check = check.clone();
    tokio::spawn(async move {
        let outcome = match tokio::time::timeout(timeout, probe(&check, timeout)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!("no answer within {} s", timeout.as_secs_f64())),
        };
        let _ = tx.send(ProbeResult { id, outcome });
    });
}

async fn probe(check: &ReadyCheck, timeout: Duration) -> Result<(), String> {
    match check {
        ReadyCheck::Tcp { host, port } => tokio::net::TcpStream::connect((host.as_str(), *port))
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        ReadyCheck::Http { url } => {
            let url = url.clone();
            tokio::task::spawn_blocking(move || http_get(&url, timeout))
                .await
                .map_err(|e| e.to_string())?
        }
        ReadyCheck::Exec { .. } => Err("exec checks are run by the supervisor task".into()),
    }
}

/// A GET that passes on a 2xx answer. Certificates are verified against the webpki roots.
fn http_get(url: &str, timeout: Duration) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP status {}", status.as_u16()))
    }
}
