//! What the commands' tests share: a controller whose server is not there, and a way to run a
//! command line and read what it wrote. The dispatcher's own cases are here too.

use super::*;

/// A controller for a socket that does not exist, so every call fails with "no such file".
pub(super) fn no_daemon() -> Ctl {
    let url = "unix:///nonexistent/supervisorctl-test.sock";
    Ctl::new(Client::new(url, None, None), false).expect("a runtime")
}

/// Runs `words` on `ctl`; its output and exit status.
pub(super) fn run(ctl: &mut Ctl, words: &[&str]) -> (String, i32) {
    let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    let mut out = Vec::new();
    let code = ctl.run_to(&mut out, &words);
    (String::from_utf8(out).expect("the output is UTF-8"), code)
}

/// A process info struct with these members.
pub(super) fn info(group: &str, name: &str, state: &str, description: &str) -> Value {
    Value::Struct(vec![
        ("group".into(), Value::from(group)),
        ("name".into(), Value::from(name)),
        ("statename".into(), Value::from(state)),
        ("description".into(), Value::from(description)),
    ])
}

/// `result` for one code: what it wrote, and the exit status it left.
fn result_of(code: i64, description: &str, ok_word: &str, ignored: i64) -> (String, i32) {
    let mut ctl = no_daemon();
    let mut out = Vec::new();
    ctl.result(&mut out, "web:web_0", code, description, ok_word, ignored);
    (
        String::from_utf8(out).expect("the output is UTF-8"),
        ctl.status,
    )
}

#[test]
fn result_lines_for_each_fault() {
    let cases = [
        (Fault::SUCCESS, "web:web_0: started\n", 0),
        (
            Fault::BAD_NAME,
            "web:web_0: ERROR (no such process)\n",
            ERROR,
        ),
        (Fault::NO_FILE, "web:web_0: ERROR (no such file)\n", ERROR),
        (
            Fault::NOT_EXECUTABLE,
            "web:web_0: ERROR (file is not executable)\n",
            ERROR,
        ),
        (
            Fault::SPAWN_ERROR,
            "web:web_0: ERROR (spawn error)\n",
            NOT_RUNNING,
        ),
        (
            Fault::ABNORMAL_TERMINATION,
            "web:web_0: ERROR (abnormal termination)\n",
            NOT_RUNNING,
        ),
        (
            Fault::NOT_RUNNING,
            "web:web_0: ERROR (not running)\n",
            NOT_RUNNING,
        ),
        (
            Fault::BAD_SIGNAL,
            "web:web_0: ERROR (bad signal name)\n",
            ERROR,
        ),
        (Fault::FAILED, "web:web_0: ERROR (it broke)\n", ERROR),
    ];
    for (code, text, status) in cases {
        assert_eq!(
            result_of(code, "it broke", "started", -1),
            (text.to_owned(), status),
            "code {code}"
        );
    }
}

#[test]
fn the_ignored_fault_is_shown_but_leaves_the_status_alone() {
    assert_eq!(
        result_of(
            Fault::ALREADY_STARTED,
            "",
            "started",
            Fault::ALREADY_STARTED
        ),
        ("web:web_0: ERROR (already started)\n".to_owned(), 0)
    );
    assert_eq!(
        result_of(Fault::NOT_RUNNING, "", "stopped", Fault::NOT_RUNNING),
        ("web:web_0: ERROR (not running)\n".to_owned(), 0)
    );
    assert_eq!(
        result_of(Fault::ALREADY_STARTED, "", "stopped", Fault::NOT_RUNNING),
        ("web:web_0: ERROR (already started)\n".to_owned(), ERROR)
    );
}

#[test]
fn results_name_each_entry_and_keep_the_last_failure() {
    let entry = |group: &str, name: &str, status: i64, description: &str| {
        Value::Struct(vec![
            ("group".into(), Value::from(group)),
            ("name".into(), Value::from(name)),
            ("status".into(), Value::Int(status)),
            ("description".into(), Value::from(description)),
        ])
    };
    let v = Value::Array(vec![
        entry("cat", "cat", Fault::SUCCESS, "OK"),
        entry("web", "web_0", Fault::SPAWN_ERROR, "spawn error"),
        entry("web", "web_1", Fault::FAILED, "odd"),
    ]);
    let mut ctl = no_daemon();
    let mut out = Vec::new();
    ctl.results(&mut out, &v, "stopped", Fault::NOT_RUNNING);
    assert_eq!(
        String::from_utf8(out).expect("the output is UTF-8"),
        "cat: stopped\nweb:web_0: ERROR (spawn error)\nweb:web_1: ERROR (odd)\n"
    );
    assert_eq!(ctl.status, ERROR);
}

#[test]
fn an_unreachable_server_sets_4_3s_statuses() {
    let mut ctl = no_daemon();
    let url = ctl.client.url.clone();
    let (text, code) = run(&mut ctl, &["status"]);
    assert_eq!(text, format!("{url} no such file\n"));
    assert_eq!(code, UNREACHABLE);
    let (text, code) = run(&mut ctl, &["version"]);
    assert_eq!(text, format!("{url} no such file\n"));
    assert_eq!(code, NOT_RUNNING);
    let (text, code) = run(&mut ctl, &["avail"]);
    assert_eq!(text, format!("error: {url} no such file\n"));
    assert_eq!(code, ERROR);
    let (text, code) = run(&mut ctl, &["add", "g"]);
    assert_eq!(text, format!("error: {url} no such file\n"));
    assert_eq!(code, ERROR);
}

#[test]
fn unknown_commands_and_bad_urls() {
    let (text, code) = run(&mut no_daemon(), &["frob", "a", "b"]);
    assert_eq!(text, "*** Unknown syntax: frob a b\n");
    assert_eq!(code, ERROR);
    let (text, code) = run(&mut no_daemon(), &["open", "ftp://x"]);
    assert_eq!(text, "ERROR: url must be http:// or unix://\n");
    assert_eq!(code, ERROR);
    let (text, code) = run(&mut no_daemon(), &[]);
    assert_eq!((text.as_str(), code), ("", 0));
}

#[test]
fn open_switches_server_then_shows_status() {
    let mut ctl = no_daemon();
    let (text, code) = run(&mut ctl, &["open", "unix:///nonexistent/other.sock"]);
    assert_eq!(text, "unix:///nonexistent/other.sock no such file\n");
    assert_eq!(code, UNREACHABLE);
    assert_eq!(ctl.client.url, "unix:///nonexistent/other.sock");
}

#[test]
fn the_status_resets_for_each_command_line() {
    let mut ctl = no_daemon();
    assert_eq!(run(&mut ctl, &["frob"]).1, ERROR);
    assert_eq!(run(&mut ctl, &["help"]).1, 0);
}
