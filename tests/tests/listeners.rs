//! The example listeners as real `[eventlistener:x]`s under both daemons (issue 7): each
//! one's effect is checked — the mail crashmail hands to sendmail (compared with
//! superlance's own crashmail, run alongside), the program memmon and httpok restart over
//! RPC (httpok over http and over https with the test's CA), the alert fatal-webhook posts
//! to a loopback server.

use std::net::TcpListener;
use std::time::Duration;

use listener_sdk::testing::FakeHttp;

use tests::{python_reference, rust_binary, wait_until, Daemon, Implementation};

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// The subject's timestamp replaced, so two crashmails' mails compare equal.
fn normalized(mail: &str) -> String {
    mail.lines()
        .map(|l| match l.split_once(" crashed at ") {
            Some((head, _)) => format!("{head} crashed at <time>"),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn scenario(which: Implementation) {
    let certs = tests::TempDir::new("lca").expect("dir");
    let ca = tests::TestCa::new(certs.path(), "listeners").expect("ca");
    let failing_https = FakeHttp::start_tls(&["500 Internal Server Error"], "", ca.server_config())
        .expect("https site");
    let webhook = FakeHttp::start(&["200 OK"], "").expect("webhook");
    let hook = webhook.url().to_owned();
    let sections = format!(
        "[program:crasher]\ncommand=sh -c 'sleep 0.5; exit 3'\nautorestart=false\nstartsecs=0\n\n\
         [program:hog]\ncommand=python3 -c 'x = bytearray(40 << 20); import time; time.sleep(1000)'\nstartsecs=0\n\n\
         [program:web]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:tlsweb]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:broken]\ncommand=/nonexistent/program\nstartretries=0\n\n\
         [eventlistener:crashmail]\ncommand={crashmail} --spool %(here)s/spool-crashmail -a -m ops@example.com -o [prod] -s \"cat >> %(here)s/mail.txt\"\nevents=PROCESS_STATE_EXITED\n\n\
         [eventlistener:superlance]\ncommand=crashmail -a -m ops@example.com -o [prod] -s \"cat >> %(here)s/mail-superlance.txt\"\nevents=PROCESS_STATE_EXITED\n\n\
         [eventlistener:memmon]\ncommand={memmon} -p hog=10MB\nevents=TICK_5\n\n\
         [eventlistener:httpok]\ncommand={httpok} -p web -t 2 http://127.0.0.1:{port}/\nevents=TICK_5\n\n\
         [eventlistener:httpoks]\ncommand={httpok} -p tlsweb -t 2 --cacert {cafile} {https}\nevents=TICK_5\n\n\
         [eventlistener:alerts]\ncommand={webhook} -b 0.1 --spool %(here)s/spool-webhook {hook}\nevents=PROCESS_STATE_FATAL\n",
        crashmail = rust_binary("crashmail").display(),
        memmon = rust_binary("memmon").display(),
        httpok = rust_binary("httpok").display(),
        webhook = rust_binary("fatal-webhook").display(),
        port = closed_port(),
        cafile = ca.ca_file.display(),
        https = failing_https.url(),
    );
    let d = Daemon::start(which, &sections).expect("daemon starts");
    let pid = |name: &str| {
        d.rpc(&format!("s.supervisor.getProcessInfo('{name}')['pid']"))
            .ok()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    wait_until(
        Duration::from_secs(10),
        "hog, web and tlsweb RUNNING",
        || pid("hog") > 0 && pid("web") > 0 && pid("tlsweb") > 0,
    );
    let (hog, web, tlsweb) = (pid("hog"), pid("web"), pid("tlsweb"));

    // crashmail: the same mail as superlance's.
    let mail = d.dir().join("mail.txt");
    let reference = d.dir().join("mail-superlance.txt");
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    wait_until(Duration::from_secs(15), "both crashmails' mails", || {
        read(&mail).contains("exited unexpectedly")
            && read(&reference).contains("exited unexpectedly")
    });
    assert_eq!(normalized(&read(&mail)), normalized(&read(&reference)));
    assert!(read(&mail).starts_with("To: ops@example.com\nSubject: [prod]: crasher crashed at "));

    // fatal-webhook: the FATAL alert for `broken`.
    wait_until(Duration::from_secs(15), "the FATAL alert", || {
        webhook.requests().iter().any(|r| {
            let b = r.text();
            b.contains("\"namespec\":\"broken\"") && b.contains("PROCESS_STATE_FATAL")
        })
    });

    // memmon and httpok: restarts over RPC (a new pid) within a few ticks.
    wait_until(Duration::from_secs(30), "memmon restarting hog", || {
        let p = pid("hog");
        p != 0 && p != hog
    });
    wait_until(Duration::from_secs(30), "httpok restarting web", || {
        let p = pid("web");
        p != 0 && p != web
    });
    // httpok over https, verified against the test's CA: a 500 restarts tlsweb.
    wait_until(
        Duration::from_secs(30),
        "httpok (https) restarting tlsweb",
        || {
            let p = pid("tlsweb");
            p != 0 && p != tlsweb
        },
    );
    assert!(!failing_https.requests().is_empty());
}

#[test]
fn example_listeners_under_python_reference() {
    if python_reference() {
        scenario(Implementation::Python);
    }
}

#[test]
fn example_listeners_under_ours() {
    if python_reference() {
        scenario(Implementation::Rust);
    }
}
