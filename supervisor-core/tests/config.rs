//! The config loader against a table of configs, good and bad ([CFG-*]), and against Python
//! supervisor 4.3's own `ServerOptions` on the same files (the differential test), plus 4.3's
//! sample config and the fixture configs its package ships (read from the installed package).
//! Without the Python reference this fails under CI and is skipped with a note otherwise.

mod common;

use common::{python_reference, temp_dir};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use supervisor_core::config::{load, LoadedConfig, Overrides};
use supervisor_core::log_level::LogLevel;
use supervisor_core::model::{ChannelModel, ServerModel};
use supervisor_core::process::AutoRestart;

/// Every case gets this `[supervisord]` prelude unless it has its own (`{dir}` = temp dir).
const SUPD: &str = "[supervisord]\nlogfile={dir}/s.log\npidfile={dir}/s.pid\nchildlogdir={dir}\n";

/// (name, config text, expected: `Ok(())` or `Err(substring of our error)`).
type Case = (&'static str, &'static str, Result<(), &'static str>);

const CASES: &[Case] = &[
    // Format ([CFG-FMT-*]).
    ("fmt_colon_delimiter", "[program:a]\nCommand: /bin/echo colon\n", Ok(())),
    ("fmt_inline_comments", "[program:a]\ncommand=/bin/echo a ;b\nstartsecs=3 # three\n", Ok(())),
    ("fmt_no_comment_without_space", "[program:a]\ncommand=/bin/echo a;b#c\n", Ok(())),
    ("fmt_continuation", "[program:a]\ncommand=/bin/echo a\n  b c\n", Ok(())),
    ("fmt_default_section", "[DEFAULT]\nstartsecs=9\n[program:a]\ncommand=/bin/cat\n", Ok(())),
    ("fmt_duplicate_sections_merge", "[program:a]\ncommand=/bin/cat\n[program:a]\nstartsecs=7\n", Ok(())),
    ("fmt_unknown_keys_ignored", "[program:a]\ncommand=/bin/cat\nbogus=1\n[bogus]\nx=y\n", Ok(())),
    ("fmt_section_case", "[Program:a]\ncommand=/bin/cat\n", Ok(())),
    ("fmt_no_delimiter", "[program:a]\ncommand=/bin/cat\nautostart\n", Err("parsing errors")),
    ("fmt_missing_supervisord", "NOSUPD[program:a]\ncommand=/bin/cat\n", Err("does not include supervisord section")),
    // Expansion ([CFG-EXP-*]).
    ("exp_process_num", "[program:foo]\ncommand=/bin/cat\nnumprocs=3\nnumprocs_start=5\nprocess_name=%(program_name)s-%(process_num)03d\n", Ok(())),
    ("exp_env", "[program:a]\ncommand=/bin/echo %(ENV_HOME)s\n", Ok(())),
    ("exp_program_env", "[program:a]\nenvironment=X=\"fromprog\"\ncommand=/bin/echo %(ENV_X)s\n", Ok(())),
    ("exp_supd_env", "[supervisord]\nlogfile={dir}/s.log\npidfile={dir}/s.pid\nchildlogdir={dir}\nenvironment=A=\"one\"\n[program:a]\ncommand=/bin/echo %(ENV_A)s\n", Ok(())),
    ("exp_here", "[program:a]\ncommand=/bin/cat\ndirectory=%(here)s\n", Ok(())),
    ("exp_group_name", "[program:a]\ncommand=/bin/echo %(group_name)s\n[group:grp]\nprograms=a\n", Ok(())),
    ("exp_percent", "[program:a]\ncommand=/bin/echo 100%%\n", Ok(())),
    ("exp_unknown_name", "[program:a]\ncommand=/bin/echo %(nope)s\n", Err("contains names ('nope') which cannot be expanded")),
    ("exp_bad_format", "[program:a]\ncommand=/bin/echo 100%\n", Err("is badly formatted: incomplete format")),
    ("exp_process_num_too_early", "[program:a]\ncommand=/bin/cat\npriority=%(process_num)s\n", Err("cannot be expanded")),
    // Values ([CFG-TYPE-*]).
    ("type_bool_spellings", "[program:a]\ncommand=/bin/cat\nautostart=No\nstopasgroup=on\n", Ok(())),
    ("type_bool_bad", "[program:a]\ncommand=/bin/cat\nautostart=y\n", Err("autostart: not a valid boolean value: 'y'")),
    ("type_int_underscore", "[program:a]\ncommand=/bin/cat\nstartsecs=1_0\n", Ok(())),
    ("type_int_negative", "[program:a]\ncommand=/bin/cat\nstartsecs=-1\n", Ok(())),
    ("type_int_bad", "[program:a]\ncommand=/bin/cat\nstartretries=three\n", Err("startretries: invalid literal for int() with base 10: 'three'")),
    ("type_bytes", "[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=1 MB\nstderr_logfile_maxbytes=10kB\n", Ok(())),
    ("type_bytes_bad", "[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=1M\n", Err("invalid literal for int() with base 10: '1m'")),
    ("type_octal", "[program:a]\ncommand=/bin/cat\numask=0o27\n", Ok(())),
    ("type_octal_bad", "[program:a]\ncommand=/bin/cat\numask=8\n", Err("umask: 8 can not be converted to an octal type")),
    ("type_signal_names", "[program:a]\ncommand=/bin/cat\nstopsignal=sigkill\n[program:b]\ncommand=/bin/cat\nstopsignal=HUP\n[program:c]\ncommand=/bin/cat\nstopsignal=2\n", Ok(())),
    ("type_signal_bad", "[program:a]\ncommand=/bin/cat\nstopsignal=FOO\n", Err("value 'FOO' is not a valid signal name")),
    ("type_signal_number_bad", "[program:a]\ncommand=/bin/cat\nstopsignal=99\n", Err("value '99' is not a valid signal number")),
    ("type_exitcodes", "[program:a]\ncommand=/bin/cat\nexitcodes=0, 2 ,255\n", Ok(())),
    ("type_exitcodes_bad", "[program:a]\ncommand=/bin/cat\nexitcodes=256\n", Err("not a valid list of exit codes: '256'")),
    ("type_autorestart_values", "[program:a]\ncommand=/bin/cat\nautorestart=TRUE\n[program:b]\ncommand=/bin/cat\nautorestart=Unexpected\n[program:c]\ncommand=/bin/cat\nautorestart=false\n", Ok(())),
    ("type_autorestart_bad", "[program:a]\ncommand=/bin/cat\nautorestart=maybe\n", Err("invalid 'autorestart' value 'maybe'")),
    ("type_loglevel", "[supervisord]\nlogfile={dir}/s.log\npidfile={dir}/s.pid\nchildlogdir={dir}\nloglevel=BLATHER\n", Ok(())),
    ("type_loglevel_bad", "[supervisord]\nlogfile={dir}/s.log\npidfile={dir}/s.pid\nchildlogdir={dir}\nloglevel=loud\n", Err("bad logging level name 'loud'")),
    ("type_name_bad", "[program:a b]\ncommand=/bin/cat\n", Err("Invalid name: 'a b' because of character: ' '")),
    ("type_name_dots", "[program:a.b-c_d]\ncommand=/bin/cat\n", Ok(())),
    ("type_dirpath_bad", "[program:a]\ncommand=/bin/cat\nstdout_logfile=/nonexistent/dir/a.log\n", Err("The directory named as part of the path /nonexistent/dir/a.log does not exist")),
    ("type_childlogdir_bad", "[supervisord]\nlogfile={dir}/s.log\npidfile={dir}/s.pid\nchildlogdir=/nonexistent\n", Err("/nonexistent is not an existing directory")),
    // [supervisord] ([CFG-SUPD-*]).
    ("supd_options", "[supervisord]\nlogfile={dir}/s.log\npidfile={dir}/s.pid\nchildlogdir={dir}\nidentifier=r7\nminfds=2048\nminprocs=300\nnodaemon=true\nloglevel=debug\n", Ok(())),
    // [program:x] ([CFG-PROG-*]).
    ("prog_missing_command", "[program:a]\nstartsecs=1\n", Err("does not specify a command")),
    ("prog_numprocs_needs_process_num", "[program:a]\ncommand=/bin/cat\nnumprocs=2\n", Err("%(process_num) must be present within process_name when numprocs > 1")),
    ("prog_numprocs_zero", "[program:a]\ncommand=/bin/cat\nnumprocs=0\n", Ok(())),
    ("prog_stopasgroup_killasgroup", "[program:a]\ncommand=/bin/cat\nstopasgroup=true\nkillasgroup=false\n", Err("Cannot set stopasgroup=true and killasgroup=false")),
    ("prog_stopasgroup_implies_kill", "[program:a]\ncommand=/bin/cat\nstopasgroup=true\n", Ok(())),
    ("prog_logfiles", "[program:a]\ncommand=/bin/cat\nstdout_logfile={dir}/a.out\nstderr_logfile=NONE\nstdout_logfile_backups=3\nstdout_capture_maxbytes=1KB\nstdout_events_enabled=true\n", Ok(())),
    ("prog_redirect_stderr", "[program:a]\ncommand=/bin/cat\nredirect_stderr=true\n", Ok(())),
    ("prog_environment", "[program:a]\ncommand=/bin/cat\nenvironment=A=\"x y\",B=plain,C='sq',D=\"has,comma\"\n", Ok(())),
    ("prog_environment_bad", "[program:a]\ncommand=/bin/cat\nenvironment=A=1 B=2\n", Err("Unexpected end of key/value pairs")),
    ("prog_directory_umask", "[program:a]\ncommand=/bin/cat\ndirectory=/tmp\numask=077\npriority=5\n", Ok(())),
    ("prog_user_unknown", "[program:a]\ncommand=/bin/cat\nuser=nosuchuser_xyz\n", Err("Invalid user name nosuchuser_xyz")),
    ("prog_user_root", "[program:a]\ncommand=/bin/cat\nuser=root\n", Ok(())),
    // [group:x] ([CFG-GROUP-*]).
    ("group_heterogeneous", "[program:a]\ncommand=/bin/cat\n[program:b]\ncommand=/bin/cat\n[group:g]\nprograms=a,b\npriority=5\n", Ok(())),
    ("group_unknown_program", "[program:a]\ncommand=/bin/cat\n[group:g]\nprograms=a,zz\n", Err("names unknown program or fcgi-program zz")),
    ("group_bad_name", "[program:a]\ncommand=/bin/cat\n[group:g:x]\nprograms=a\n", Err("Invalid name: 'g:x'")),
    // [eventlistener:x] ([CFG-EL-*]).
    ("el_basic", "[eventlistener:l]\ncommand=/bin/cat\nevents=PROCESS_STATE,tick_60\nbuffer_size=50\n", Ok(())),
    ("el_missing_events", "[eventlistener:l]\ncommand=/bin/cat\n", Err("section requires an \"events\" line")),
    ("el_unknown_event", "[eventlistener:l]\ncommand=/bin/cat\nevents=NOPE\n", Err("Unknown event type NOPE in [eventlistener:l] events")),
    ("el_bad_buffer_size", "[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nbuffer_size=0\n", Err("sets invalid buffer_size (0)")),
    ("el_redirect_stderr", "[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nredirect_stderr=true\n", Err("this is not allowed because it will interfere with the eventlistener protocol")),
    ("el_default_result_handler", "[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nresult_handler=supervisor.dispatchers:default_handler\n", Ok(())),
    ("el_numprocs", "[eventlistener:l]\ncommand=/bin/cat\nevents=EVENT\nnumprocs=3\nprocess_name=%(program_name)s_%(process_num)d\n", Ok(())),
    // Servers ([CFG-UNIX-*], [CFG-INET-*], [CFG-AUTH-pair]).
    ("srv_unix", "[unix_http_server]\nfile={dir}/s.sock\nchmod=0770\n", Ok(())),
    ("srv_unix_no_file", "[unix_http_server]\nchmod=0770\n", Err("section [unix_http_server] has no file value")),
    ("srv_unix_bad_chmod", "[unix_http_server]\nfile={dir}/s.sock\nchmod=abc\n", Err("Invalid chmod value abc")),
    ("srv_inet", "[inet_http_server]\nport=127.0.0.1:19001\nusername=u\npassword={SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d\n", Ok(())),
    ("srv_inet_bad_port", "[inet_http_server]\nport=99999\n", Err("99999 is above upper bound (65535)")),
    ("srv_auth_pair", "[inet_http_server]\nport=19001\nusername=u\n", Err("contains incomplete authentication")),
    // [rpcinterface:x] ([CFG-RPCI-*]) and [include] ([CFG-INC-*]).
    ("rpci_main", "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n", Ok(())),
    ("rpci_missing_factory", "[rpcinterface:x]\nfoo=bar\n", Err("does not specify a supervisor.rpcinterface_factory")),
    ("include_no_files", "[include]\nx=1\n", Err("[include] section, but no files setting")),
    // [fcgi-program:x] ([CFG-FCGI-*]).
    ("fcgi_unix", "[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix://{dir}/%(program_name)s.sock\nsocket_mode=0770\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n", Ok(())),
    ("fcgi_tcp", "[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://localhost:19100\nsocket_backlog=64\n", Ok(())),
    ("fcgi_in_group", "[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://localhost:19101\n[group:g]\nprograms=f\n", Ok(())),
    ("fcgi_missing_socket", "[fcgi-program:f]\ncommand=/bin/cat\n", Err("[fcgi-program:f] section requires a \"socket\" line")),
    ("fcgi_relative_path", "[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix://rel.sock\n", Err("('Unix socket path %s is not an absolute path', 'rel.sock') in [fcgi-program:f] socket")),
    ("fcgi_bad_scheme", "[fcgi-program:f]\ncommand=/bin/cat\nsocket=udp://x:1\n", Err("('Bad socket format %s', 'udp://x:1') in [fcgi-program:f] socket")),
    ("fcgi_bad_backlog", "[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://:9000\nsocket_backlog=0\n", Err("Invalid socket_backlog value 0")),
    ("fcgi_mode_with_tcp", "[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9000\nsocket_mode=0700\n", Err("socket_owner and socket_mode params should only be used with a Unix domain socket")),
    ("ctl_section", "[supervisorctl]\nserverurl=unix://rel/s.sock\nprompt=mine\nhistory_file=~/.sc_history\n", Ok(())),
    ("prog_syslog", "[program:a]\ncommand=/bin/cat\nstdout_syslog=true\nstderr_logfile=syslog\n", Ok(())),
    ("prog_serverurl", "[program:a]\ncommand=/bin/cat\nserverurl=http://example.invalid:1\n", Ok(())),
    ("prog_auto_no_rollover", "[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=0\n", Ok(())),
];

fn prelude(body: &str) -> String {
    if body.starts_with("[supervisord]") {
        String::new()
    } else if let Some(rest) = body.strip_prefix("NOSUPD") {
        let _ = rest;
        String::new()
    } else {
        SUPD.to_owned()
    }
}

fn write_case(dir: &Path, name: &str, body: &str) -> PathBuf {
    let pre = prelude(body);
    let body = body.strip_prefix("NOSUPD").unwrap_or(body);
    let text = format!("{pre}{body}").replace("{dir}", &dir.display().to_string());
    let path = dir.join(format!("{name}.conf"));
    std::fs::write(&path, text).expect("write case");
    path
}

fn channel(c: &ChannelModel, identifier: &str) -> Value {
    let logfile = c.logfile.as_ref().map(|p| {
        let s = p.display().to_string();
        if s.contains(&format!("---{identifier}-")) {
            "AUTO".to_owned()
        } else {
            s
        }
    });
    json!({
        "logfile": logfile,
        "maxbytes": c.maxbytes,
        "backups": c.backups,
        "capture_maxbytes": c.capture_maxbytes,
        "events_enabled": c.events_enabled,
    })
}

fn level(l: LogLevel) -> i64 {
    match l {
        LogLevel::Critical => 50,
        LogLevel::Error => 40,
        LogLevel::Warn => 30,
        LogLevel::Info => 20,
        LogLevel::Debug => 10,
        LogLevel::Trace => 5,
        LogLevel::Blather => 3,
    }
}

/// Our result in the reference dumper's shape.
fn normalize(c: &LoadedConfig) -> Value {
    let m = &c.model;
    let mut processes: Vec<Value> = m
        .programs
        .iter()
        .map(|p| {
            // 4.3 folds [supervisord] environment into each program's configured environment;
            // we merge at spawn time (same effective environment).
            let env: BTreeMap<&str, &str> = m
                .environment
                .iter()
                .chain(&p.environment)
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut exitcodes = p.params.exitcodes.clone();
            exitcodes.sort_unstable();
            json!({
                "group": p.params.group,
                "name": p.params.name,
                "argv": p.argv,
                "priority": p.priority,
                "autostart": p.params.autostart,
                "autorestart": match p.params.autorestart {
                    AutoRestart::True => "true",
                    AutoRestart::False => "false",
                    AutoRestart::Unexpected => "unexpected",
                },
                "startsecs": p.params.startsecs,
                "startretries": p.params.startretries,
                "exitcodes": exitcodes,
                "stopsignal": p.params.stopsignal.number(),
                "stopwaitsecs": p.params.stopwaitsecs,
                "stopasgroup": p.params.stopasgroup,
                "killasgroup": p.params.killasgroup,
                "redirect_stderr": p.redirect_stderr,
                "directory": p.directory.as_ref().map(|d| d.display().to_string()),
                "umask": p.umask,
                "environment": env,
                "stdout": channel(&p.stdout, &m.identifier),
                "stderr": channel(&p.stderr, &m.identifier),
            })
        })
        .collect();
    processes.sort_by_key(|p| (p["group"].to_string(), p["name"].to_string()));
    let mut pools: Vec<Value> = m
        .pools
        .iter()
        .map(|p| {
            let mut events: Vec<&str> = p.events.types().map(|t| t.as_str()).collect();
            events.sort_unstable();
            json!({"name": p.name, "buffer_size": p.buffer_size, "events": events})
        })
        .collect();
    pools.sort_by_key(|p| p["name"].to_string());
    let mut servers: Vec<&str> = m
        .servers
        .iter()
        .map(|s| match s {
            ServerModel::Unix { .. } => "unix",
            ServerModel::Tcp { .. } => "inet",
        })
        .collect();
    servers.sort_unstable();
    json!({
        "identifier": m.identifier,
        "loglevel": level(m.loglevel),
        "minfds": c.options.minfds,
        "minprocs": c.options.minprocs,
        "nodaemon": c.nodaemon,
        "processes": processes,
        "pools": pools,
        "servers": servers,
    })
}

/// Runs the reference dumper over `paths`, one JSON value per path.
fn reference(paths: &[PathBuf]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config/dump_reference.py");
    let out = Command::new("python3")
        .arg(script)
        .args(paths)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("reference JSON"))
        .collect()
}

#[test]
fn table_of_configs_and_the_differential_against_4_3() {
    assert!(CASES.len() >= 60, "the table covers at least 60 configs");
    let dir = temp_dir("table");
    let paths: Vec<PathBuf> = CASES
        .iter()
        .map(|(n, b, _)| write_case(&dir, n, b))
        .collect();
    let ours: Vec<_> = paths
        .iter()
        .map(|p| load(p, &Overrides::default()))
        .collect();
    let mut failures = Vec::new();
    for ((name, _, expected), got) in CASES.iter().zip(&ours) {
        match (expected, got) {
            (Ok(()), Err(errors)) => {
                failures.push(format!("{name}: expected success, got {errors:?}"))
            }
            (Err(want), Ok(_)) => {
                failures.push(format!("{name}: expected an error containing {want:?}"))
            }
            (Err(want), Err(errors)) => {
                let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
                if !text.iter().any(|t| t.contains(want)) {
                    failures.push(format!("{name}: no error contains {want:?}: {text:?}"));
                }
                // Every refusal names file and line.
                if !text.iter().all(|t| t.starts_with(&format!("{name}.conf:"))) {
                    failures.push(format!(
                        "{name}: errors must start with file:line: {text:?}"
                    ));
                }
            }
            (Ok(()), Ok(_)) => {}
        }
    }
    if python_reference() {
        for ((name, _, _), (got, reference)) in CASES.iter().zip(ours.iter().zip(reference(&paths)))
        {
            let mut reference = reference;
            // A negative startsecs behaves exactly like 0 (4.3 compares `now - start > -1`);
            // we store it as 0 (COMPATIBILITY.md).
            if let Some(procs) = reference.get_mut("processes").and_then(Value::as_array_mut) {
                for p in procs {
                    if p["startsecs"].as_i64().is_some_and(|n| n < 0) {
                        p["startsecs"] = json!(0);
                    }
                }
            }
            match (got, reference.get("error")) {
                (Ok(c), None) => {
                    let mine = normalize(c);
                    if mine != reference {
                        failures.push(format!(
                            "{name}: differs from 4.3\n ours: {mine}\n 4.3:  {reference}"
                        ));
                    }
                }
                (Err(_), Some(_)) => {}
                (Ok(_), Some(e)) => {
                    failures.push(format!("{name}: 4.3 refuses ({e}) but we accept"))
                }
                (Err(e), None) => {
                    failures.push(format!("{name}: 4.3 accepts but we refuse: {e:?}"))
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Fixture configs supervisor 4.3 ships that exercise features we refuse on purpose.
const KNOWN_REFUSALS: &[(&str, &str)] = &[];

#[test]
fn sample_and_fixture_configs_agree_with_4_3() {
    if !python_reference() {
        return;
    }
    let dir = temp_dir("fixtures");
    // 4.3's sample config, as echo_supervisord_conf prints it.
    let sample = Command::new("echo_supervisord_conf")
        .output()
        .expect("echo_supervisord_conf runs");
    let sample_path = dir.join("sample.conf");
    std::fs::write(&sample_path, &sample.stdout).expect("write sample");
    let pkg = Command::new("python3")
        .args([
            "-c",
            "import supervisor, os; print(os.path.dirname(supervisor.__file__))",
        ])
        .output()
        .expect("python3");
    let fixtures =
        PathBuf::from(String::from_utf8_lossy(&pkg.stdout).trim()).join("tests/fixtures");
    let mut paths = vec![sample_path];
    let mut listing: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    listing.sort();
    paths.extend(listing);
    let refs = reference(&paths);
    let mut failures = Vec::new();
    for (path, reference) in paths.iter().zip(refs) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if KNOWN_REFUSALS.iter().any(|(n, _)| *n == name) {
            continue;
        }
        match (load(path, &Overrides::default()), reference.get("error")) {
            (Ok(c), None) => {
                let mine = normalize(&c);
                if mine != reference {
                    failures.push(format!(
                        "{name}: differs from 4.3\n ours: {mine}\n 4.3:  {reference}"
                    ));
                }
            }
            (Err(_), Some(_)) => {}
            (Ok(_), Some(e)) => failures.push(format!("{name}: 4.3 refuses ({e}) but we accept")),
            (Err(e), None) => failures.push(format!(
                "{name}: 4.3 accepts but we refuse: {:?}",
                e.iter().map(ToString::to_string).collect::<Vec<_>>()
            )),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever the bytes, loading returns a config or errors; it never panics.
        #[test]
        fn on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..400)) {
            let dir = temp_dir("prop-bytes");
            let path = dir.join("x.conf");
            std::fs::write(&path, &data).expect("write");
            let _ = load(&path, &Overrides::default());
            let _ = std::fs::remove_dir_all(&dir);
        }

        /// Ini-shaped text reaches the section builders.
        #[test]
        fn on_ini_shaped_text(body in "(\\[(supervisord|program:[a-z% ]{0,4}|eventlistener:e|group:g|include|unix_http_server|inet_http_server)\\]\n|(command|numprocs|process_name|events|environment|autorestart|startsecs|port|file|programs|stdout_logfile|files|umask|priority)[ ]?[=:][ ]?[-a-zA-Z0-9%()_,=\"' ]{0,12}\n|  [a-z ]{0,5}\n|; c\n){0,14}") {
            let dir = temp_dir("prop-ini");
            let path = dir.join("x.conf");
            std::fs::write(&path, format!("[supervisord]\nchildlogdir={}\n{body}", dir.display())).expect("write");
            let _ = load(&path, &Overrides::default());
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[test]
fn warnings_4_3_logs_are_produced() {
    let dir = temp_dir("warnings");
    let path = write_case(
        &dir,
        "w",
        "[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=0\nstderr_logfile=syslog\nredirect_stderr=false\n\
         [program:b]\ncommand=/bin/cat\nredirect_stderr=true\nstderr_logfile={dir}/b.err\n\
         [include]\nfiles=nothing-*.conf\n",
    );
    let loaded = load(&path, &Overrides::default()).expect("valid");
    let lines: Vec<String> = loaded
        .options
        .parse_messages
        .iter()
        .map(|l| format!("{} {}", l.level.code(), l.message))
        .collect();
    for expected in [
        "WARN For [program:a], AUTO logging used for stdout_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally",
        "WARN For [program:a], stderr_logfile=syslog but this is deprecated and will be removed.  Use stderr_syslog=true to enable syslog instead.",
        "WARN For [program:b], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored",
    ] {
        assert!(lines.iter().any(|l| l == expected), "missing {expected:?} in {lines:#?}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("WARN No file matches via include \"")
                && l.ends_with("nothing-*.conf\"")),
        "{lines:#?}"
    );
    let ctl_dir = temp_dir("ctl");
    let ctl = write_case(
        &ctl_dir,
        "c",
        "[supervisorctl]\nserverurl=unix://rel/s.sock\n",
    );
    let settings = load(&ctl, &Overrides::default())
        .expect("valid")
        .ctl
        .expect("ctl section");
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(
        settings.serverurl,
        format!("unix://{}/rel/s.sock", cwd.display())
    );
    assert_eq!(settings.prompt, "supervisor");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&ctl_dir);
}

/// Every seed of the loader's fuzz target (including past findings) loads without panicking.
#[test]
fn fuzz_seeds_replay() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/config");
    let mut n = 0;
    for entry in std::fs::read_dir(&seeds).expect("seeds dir") {
        let data = std::fs::read(entry.expect("entry").path()).expect("read seed");
        if let Ok(text) = String::from_utf8(data) {
            let _ = supervisor_core::config::load_text(
                Path::new("/nonexistent/s.conf"),
                &text,
                &Overrides::default(),
            );
        }
        n += 1;
    }
    assert!(n >= 3);
}

/// Sizes that would make the loader allocate without bound are refused with
/// a clear error (fuzz finding: `numprocs=000…8198552921648689608`).
/// 4.3 hangs on both; see COMPATIBILITY.md ([CFG-PROG-numprocs], [CFG-EXP-syntax]).
#[test]
fn hostile_sizes_are_refused() {
    let cases = [
        (
            "[supervisord]\n[program:a]\ncommand=/bin/cat\nnumprocs=0008198552921648689608\nprocess_name=%(program_name)s_%(process_num)d\n",
            "numprocs: got 8198552921648689608; at most 65536 processes per section are supported",
        ),
        (
            "[supervisord]\n[program:a]\ncommand=/bin/cat\nnumprocs=2\nnumprocs_start=9223372036854775807\nprocess_name=%(program_name)s_%(process_num)d\n",
            "numprocs_start + numprocs overflows",
        ),
        (
            "[supervisord]\n[program:a]\ncommand=/bin/cat\nprocess_name=%(program_name)999999999s\n",
            "format width 999999999 is too large (at most 4096)",
        ),
    ];
    for (text, want) in cases {
        let err = supervisor_core::config::load_text(
            Path::new("/nonexistent/s.conf"),
            text,
            &Overrides::default(),
        )
        .expect_err(text);
        let msgs: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert!(
            msgs.iter().any(|m| m.contains(want)),
            "{text}: got {msgs:?}"
        );
    }
    // The largest accepted section still loads.
    let ok = supervisor_core::config::load_text(
        Path::new("/nonexistent/s.conf"),
        "[supervisord]\n[program:a]\ncommand=/bin/cat\nnumprocs=65536\nprocess_name=%(program_name)s_%(process_num)05d\n",
        &Overrides::default(),
    )
    .expect("65536 processes load");
    assert_eq!(ok.model.programs.len(), 65536);
}

#[path = "common/config_values.rs"]
mod config_values_invariants;

/// Every seed of the `config_values` fuzz target (command splitting, environment, expansion,
/// scalar values) holds the target's invariants.
#[test]
fn config_values_fuzz_seeds_replay() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/config_values");
    let mut n = 0;
    for entry in std::fs::read_dir(&seeds).expect("seeds dir") {
        let data = std::fs::read(entry.expect("entry").path()).expect("read seed");
        config_values_invariants::check(&data);
        n += 1;
    }
    assert!(n >= 8);
}
