//! The `alert` listener under both daemons, delivering one incident to every kind of
//! destination at once: a real Prometheus Alertmanager (the alert appears in its API with
//! the process's labels and stderr tail, and resolves when the process runs again), and
//! Slack- and PagerDuty-shaped HTTPS endpoints (verified against the test's CA) whose
//! requests must be exactly the JSON documented, a generic JSON webhook, and email over
//! STARTTLS with AUTH to a real aiosmtpd.

use std::time::Duration;

use listener_sdk::testing::FakeHttp;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};
use tests::{
    aiosmtpd_installed, alertmanager_installed, python_reference, rust_binary, wait_until,
    Alertmanager, Daemon, Implementation, SmtpMode, SmtpServer, TempDir, TestCa, SMTP_PASSWORD,
    SMTP_USER,
};

fn bodies(server: &FakeHttp) -> Vec<Value> {
    server
        .requests()
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

fn scenario(which: Implementation) {
    let am = Alertmanager::start().expect("alertmanager");
    let certs = TempDir::new("alca").expect("dir");
    let ca = TestCa::new(certs.path(), "alert").expect("ca");
    let slack = FakeHttp::start_tls(&["200 OK"], "ok", ca.server_config()).expect("slack");
    let pd = FakeHttp::start_tls(&["202 Accepted"], "{}", ca.server_config()).expect("pd");
    let hook = FakeHttp::start(&["200 OK"], "").expect("webhook");
    let smtp = SmtpServer::start(SmtpMode::StartTls, &ca).expect("smtp");
    let sections = format!(
        "[program:web]\ncommand=sh -c 'echo boom on stderr >&2; exec sleep 1000'\nstartsecs=0\nautorestart=false\n\n\
         [eventlistener:alert]\ncommand={alert} --host h --alertmanager {am} --slack {slack} \
         --pagerduty KEY --pagerduty-url {pd} --webhook {hook} --email ops@example.com \
         --fromEmail alert@example.com --smtpHost {smtp} --userName {user} --password \"{pass}\" --tls \
         --cacert {ca} --spool %(here)s/spool --backoff 0.2\n\
         events=PROCESS_STATE,TICK_5\nbuffer_size=100\nstartsecs=0\n",
        alert = rust_binary("alert").display(),
        am = am.url,
        slack = slack.url(),
        pd = pd.url(),
        ca = ca.ca_file.display(),
        hook = hook.url(),
        smtp = smtp.tls_address(),
        user = SMTP_USER,
        pass = SMTP_PASSWORD,
    );
    let d = Daemon::start(which, &sections).expect("daemon");
    let pid = || {
        d.rpc("s.supervisor.getProcessInfo('web')['pid']")
            .ok()
            .and_then(|p| p.parse::<i32>().ok())
            .unwrap_or(0)
    };
    wait_until(
        Duration::from_secs(10),
        "web RUNNING with its stderr",
        || {
            pid() > 0
                && d.rpc("s.supervisor.tailProcessStderrLog('web', 0, 100)[0]")
                    .is_ok_and(|t| t.contains("boom"))
        },
    );
    let web = pid();
    kill(Pid::from_raw(web), Signal::SIGKILL).expect("crash web");

    // Alertmanager: the alert, with labels and the stderr tail.
    wait_until(Duration::from_secs(20), "the alert in Alertmanager", || {
        am.alerts().iter().any(|a| a["labels"]["process"] == "web")
    });
    let alert = am
        .alerts()
        .into_iter()
        .find(|a| a["labels"]["process"] == "web")
        .expect("alert");
    assert_eq!(
        alert["labels"],
        json!({"alertname": "SupervisorProcessDown", "host": "h", "group": "web",
               "process": "web", "state": "EXITED"})
    );
    assert_eq!(alert["annotations"]["stderr_tail"], "boom on stderr\n");
    assert_eq!(alert["status"]["state"], "active");

    // PagerDuty and Slack: exactly these bodies.
    wait_until(
        Duration::from_secs(20),
        "PagerDuty and Slack triggers",
        || !bodies(&pd).is_empty() && !bodies(&slack).is_empty(),
    );
    assert_eq!(
        bodies(&pd)[0],
        json!({
            "routing_key": "KEY",
            "event_action": "trigger",
            "dedup_key": "h/web",
            "payload": {
                "summary": format!("web on h: web exited unexpectedly (pid {web})"),
                "source": "h",
                "severity": "error",
                "component": "web",
                "group": "web",
                "class": "EXITED",
                "custom_details": {"count": 1, "pid": web, "stderr_tail": "boom on stderr\n"},
            }
        })
    );
    assert_eq!(
        bodies(&slack)[0],
        json!({"text": format!(
            ":rotating_light: web on h: web exited unexpectedly (pid {web})\n```\nboom on stderr\n```"
        )})
    );
    assert_eq!(
        pd.requests()[0].header("content-type"),
        Some("application/json")
    );
    // The generic webhook: the incident as JSON.
    wait_until(Duration::from_secs(20), "the webhook and the mail", || {
        !bodies(&hook).is_empty() && !smtp.received().is_empty()
    });
    let incident = &bodies(&hook)[0];
    for (k, v) in [
        ("phase", json!("trigger")),
        ("host", json!("h")),
        ("group", json!("web")),
        ("process", json!("web")),
        ("state", json!("EXITED")),
        ("count", json!(1)),
        ("pid", json!(web)),
        ("stderr_tail", json!("boom on stderr\n")),
    ] {
        assert_eq!(incident[k], v, "{k} in {incident}");
    }
    let mail = &smtp.received()[0];
    assert!(mail.tls && mail.authenticated);
    assert_eq!(mail.rcpt_tos, ["ops@example.com"]);
    assert!(
        mail.message.contains("Subject: [ALERT] web on h"),
        "{}",
        mail.message
    );
    assert!(mail.message.contains("boom on stderr"), "{}", mail.message);

    // RUNNING again: resolved everywhere.
    d.rpc("s.supervisor.startProcess('web')")
        .expect("start web");
    wait_until(Duration::from_secs(20), "the alert resolved", || {
        !am.alerts().iter().any(|a| a["labels"]["process"] == "web")
    });
    wait_until(Duration::from_secs(20), "PagerDuty resolve", || {
        bodies(&pd).len() >= 2
    });
    assert_eq!(
        bodies(&pd)[1],
        json!({"routing_key": "KEY", "event_action": "resolve", "dedup_key": "h/web"})
    );
    assert_eq!(
        bodies(&slack)[1],
        json!({"text": ":white_check_mark: web on h: web is running again"})
    );
}

#[test]
fn alert_destinations_under_ours() {
    if python_reference() && alertmanager_installed() && aiosmtpd_installed() {
        scenario(Implementation::Rust);
    }
}

#[test]
fn alert_destinations_under_python_reference() {
    if python_reference() && alertmanager_installed() && aiosmtpd_installed() {
        scenario(Implementation::Python);
    }
}
