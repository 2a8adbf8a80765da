//! The superlance mail drop-ins (crashmailbatch, fatalmailbatch, crashsms, and crashmail
//! over SMTP) as real `[eventlistener:x]`s under both daemons, mailing a real aiosmtpd over
//! STARTTLS with AUTH, verified against the test's CA. superlance 2.0's own three run
//! alongside with the same superlance options; their mails must say the same.

use std::time::Duration;

use tests::{
    aiosmtpd_installed, python_reference, rust_binary, Daemon, Implementation, Received, SmtpMode,
    SmtpServer, TempDir, TestCa, SMTP_PASSWORD, SMTP_USER,
};

/// `YYYY-MM-DD HH:MM:SS,mmm` replaced by `<time>`, pids by `<pid>`.
fn normalized(text: &str) -> String {
    let b = text.as_bytes();
    let shape = b"dddd-dd-dd dd:dd:dd,ddd";
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let fits = b.len() - i >= shape.len()
            && shape.iter().zip(&b[i..]).all(|(s, c)| match s {
                b'd' => c.is_ascii_digit(),
                other => other == c,
            });
        if fits {
            out.push_str("<time>");
            i += shape.len();
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out.split("(pid ")
        .enumerate()
        .map(|(n, part)| match (n, part.split_once(')')) {
            (0, _) | (_, None) => part.to_owned(),
            (_, Some((_, rest))) => format!("<pid>){rest}"),
        })
        .collect::<Vec<_>>()
        .join("(pid ")
}

fn header<'a>(m: &'a Received, name: &str) -> Option<&'a str> {
    m.message
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
}

fn body(m: &Received) -> String {
    let text = m.message.replace("\r\n", "\n");
    let body = text.split_once("\n\n").map_or("", |(_, b)| b);
    normalized(body.trim_end())
}

fn scenario(which: Implementation) {
    let certs = TempDir::new("mlca").expect("dir");
    let ca = TestCa::new(certs.path(), "mail").expect("ca");
    let smtp = SmtpServer::start(SmtpMode::StartTls, &ca).expect("smtp");
    let auth = format!("-u {SMTP_USER} -p \"{SMTP_PASSWORD}\" --tls");
    let ours = format!(
        "-H {} {auth} --cacert {} -e TICK_5 -i 0.05 --spool %(here)s/spool-%(program_name)s",
        smtp.tls_address(),
        ca.ca_file.display()
    );
    // superlance verifies nothing and takes no --cacert; everything else is the same.
    let theirs = format!("-H {} {auth} -e TICK_5 -i 0.05", smtp.address());
    let sections = format!(
        "[program:crasher]\ncommand=sh -c 'sleep 0.5; exit 3'\nautorestart=false\nstartsecs=0\n\n\
         [program:broken]\ncommand=/nonexistent/program\nstartretries=0\n\n\
         [eventlistener:cmb]\ncommand={cmb} -t ops@example.com -f rs-batch@example.com {ours}\nevents=PROCESS_STATE,TICK_5\nbuffer_size=200\n\n\
         [eventlistener:fmb]\ncommand={fmb} -t ops@example.com -f rs-fatal@example.com {ours}\nevents=PROCESS_STATE,TICK_5\nbuffer_size=200\n\n\
         [eventlistener:sms]\ncommand={sms} -t 5550100@sms.example.com -f rs-sms@example.com -s sms {ours}\nevents=PROCESS_STATE,TICK_5\nbuffer_size=200\n\n\
         [eventlistener:crashmail]\ncommand={crashmail} --spool %(here)s/spool-crashmail -a -m ops@example.com --fromEmail rs-crashmail@example.com --smtpHost {tlsaddr} --userName {SMTP_USER} --password \"{SMTP_PASSWORD}\" --tls --cacert {cafile}\nevents=PROCESS_STATE_EXITED\n\n\
         [eventlistener:py_cmb]\ncommand=crashmailbatch -t ops@example.com -f py-batch@example.com {theirs}\nevents=PROCESS_STATE,TICK_5\nbuffer_size=200\n\n\
         [eventlistener:py_fmb]\ncommand=fatalmailbatch -t ops@example.com -f py-fatal@example.com {theirs}\nevents=PROCESS_STATE,TICK_5\nbuffer_size=200\n\n\
         [eventlistener:py_sms]\ncommand=crashsms -t 5550100@sms.example.com -f py-sms@example.com -s sms {theirs}\nevents=PROCESS_STATE,TICK_5\nbuffer_size=200\n",
        cmb = rust_binary("crashmailbatch").display(),
        fmb = rust_binary("fatalmailbatch").display(),
        sms = rust_binary("crashsms").display(),
        crashmail = rust_binary("crashmail").display(),
        tlsaddr = smtp.tls_address(),
        cafile = ca.ca_file.display(),
    );
    let d = Daemon::start(which, &sections).expect("daemon starts");
    let from = |addr: &str| -> Vec<Received> {
        smtp.received()
            .into_iter()
            .filter(|m| m.mail_from == addr)
            .collect()
    };
    let senders = [
        "rs-batch@example.com",
        "rs-fatal@example.com",
        "rs-sms@example.com",
        "rs-crashmail@example.com",
        "py-batch@example.com",
        "py-fatal@example.com",
        "py-sms@example.com",
    ];
    let all = tests::try_wait_until(Duration::from_secs(40), || {
        senders.iter().all(|s| !from(s).is_empty())
    });
    if !all {
        let got: Vec<String> = smtp
            .received()
            .iter()
            .map(|m| m.mail_from.clone())
            .collect();
        let mut logs = String::new();
        for name in ["cmb", "fmb", "sms", "crashmail"] {
            let tail = d.rpc(&format!(
                "s.supervisor.tailProcessStderrLog('{name}', 0, 2000)[0]"
            ));
            logs.push_str(&format!("--- {name}: {tail:?}\n"));
        }
        panic!(
            "not every listener mailed; from {got:?}\n{logs}\n{}",
            d.main_log()
        );
    }
    let first = |s: &str| from(s).remove(0);
    for (rs, py) in [
        ("rs-batch@example.com", "py-batch@example.com"),
        ("rs-fatal@example.com", "py-fatal@example.com"),
        ("rs-sms@example.com", "py-sms@example.com"),
    ] {
        let (ours, theirs) = (first(rs), first(py));
        assert!(ours.tls && ours.authenticated, "{ours:?}");
        assert_eq!(body(&ours), body(&theirs), "{rs} vs {py}");
        assert_eq!(header(&ours, "Subject"), header(&theirs, "Subject"));
        assert_eq!(header(&ours, "To"), header(&theirs, "To"));
        assert_eq!(ours.rcpt_tos, theirs.rcpt_tos);
    }
    assert_eq!(
        body(&first("rs-batch@example.com")),
        "<time> -- Process crasher:crasher (pid <pid>) died unexpectedly"
    );
    assert_eq!(
        body(&first("rs-fatal@example.com")),
        "<time> -- Process broken:broken failed to start too many times"
    );
    let crashmail = first("rs-crashmail@example.com");
    assert!(crashmail.tls && crashmail.authenticated);
    assert!(body(&crashmail).starts_with("Process crasher in group crasher exited unexpectedly"));
    assert!(header(&crashmail, "Subject").is_some_and(
        |s| s.starts_with(" crasher crashed at") || s.starts_with("crasher crashed at")
    ));
    drop(d);
}

#[test]
fn mail_listeners_under_python_reference() {
    if python_reference() && aiosmtpd_installed() {
        scenario(Implementation::Python);
    }
}

#[test]
fn mail_listeners_under_ours() {
    if python_reference() && aiosmtpd_installed() {
        scenario(Implementation::Rust);
    }
}
