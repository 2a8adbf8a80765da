//! listener-sdk's SMTP client against a real aiosmtpd: STARTTLS and implicit TLS verified
//! against the test's CA (a wrong CA refused, saying why), AUTH, and the message as sent.

use std::time::Duration;

use listener_sdk::smtp::{Mail, Security, SmtpClient, SmtpError, SmtpOptions};
use tests::{aiosmtpd_installed, SmtpMode, SmtpServer, TempDir, TestCa, SMTP_PASSWORD, SMTP_USER};

fn mail() -> Mail {
    Mail {
        from: "supervisor@example.com".into(),
        to: vec!["ops@example.com".into(), "dev@example.com".into()],
        subject: Some("Crash alert from supervisord".into()),
        body: "Process web:web (pid 42) died unexpectedly".into(),
    }
}

fn options(server: &str, security: Security, ca: &TestCa) -> SmtpOptions {
    SmtpOptions {
        security,
        username: Some(SMTP_USER.into()),
        password: Some(SMTP_PASSWORD.into()),
        timeout: Duration::from_secs(10),
        ca_file: Some(ca.ca_file.clone()),
        ..SmtpOptions::new(server)
    }
}

#[test]
fn starttls_and_auth_deliver_the_mail() {
    if !aiosmtpd_installed() {
        return;
    }
    let dir = TempDir::new("smtpca").expect("dir");
    let ca = TestCa::new(dir.path(), "smtp").expect("ca");
    let server = SmtpServer::start(SmtpMode::StartTls, &ca).expect("smtp");
    let client =
        SmtpClient::new(&options(&server.tls_address(), Security::StartTls, &ca)).expect("client");
    client.send(&mail()).expect("sent");
    let got = server.received();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(m.tls && m.authenticated, "{m:?}");
    assert_eq!(m.mail_from, "supervisor@example.com");
    assert_eq!(m.rcpt_tos, ["ops@example.com", "dev@example.com"]);
    assert!(
        m.message.contains("Subject: Crash alert from supervisord"),
        "{}",
        m.message
    );
    assert!(
        m.message.contains("To: ops@example.com, dev@example.com"),
        "{}",
        m.message
    );
    assert!(m.message.contains("Date: ") && m.message.contains("Message-ID: "));
    assert!(m
        .message
        .contains("Process web:web (pid 42) died unexpectedly"));

    // A wrong password is refused (aiosmtpd leaves the failed session hanging, so a short
    // timeout).
    let wrong = SmtpClient::new(&SmtpOptions {
        password: Some("nope".into()),
        timeout: Duration::from_secs(2),
        ..options(&server.tls_address(), Security::StartTls, &ca)
    })
    .expect("client");
    assert!(matches!(wrong.send(&mail()), Err(SmtpError::Send(_))));
    // Plain SMTP to a server that requires STARTTLS is refused too.
    let plain = SmtpClient::new(&options(&server.address(), Security::None, &ca)).expect("client");
    assert!(plain.send(&mail()).is_err());
    assert_eq!(server.received().len(), 1);
}

#[test]
fn implicit_tls_verifies_the_certificate() {
    if !aiosmtpd_installed() {
        return;
    }
    let dir = TempDir::new("smtpsca").expect("dir");
    let ca = TestCa::new(dir.path(), "smtps").expect("ca");
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).expect("dir");
    let other = TestCa::new(&other_dir, "other").expect("ca");
    let server = SmtpServer::start(SmtpMode::Tls, &ca).expect("smtp");
    let good = SmtpClient::new(&options(&server.tls_address(), Security::Tls, &ca)).expect("c");
    good.send(&mail()).expect("sent");
    let bad = SmtpClient::new(&options(&server.tls_address(), Security::Tls, &other)).expect("c");
    match bad.send(&mail()) {
        Err(SmtpError::Send(why)) => assert!(why.to_lowercase().contains("certificate"), "{why}"),
        other => panic!("a wrong CA must be refused: {other:?}"),
    }
    let insecure = SmtpClient::new(&SmtpOptions {
        insecure: true,
        ..options(&server.tls_address(), Security::Tls, &other)
    })
    .expect("c");
    insecure.send(&mail()).expect("insecure sent");
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|m| m.tls && m.authenticated));
}
