//! `supervisord`: parse the command line and config, then run the daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use supervisor_core::config::cli::{search_paths, Cli, USAGE};
use supervisor_core::config::{load, LoadedConfig};
use supervisor_core::daemon::startup::{run_daemon, RunOutcome};

fn usage_error(argv0: &str, message: &str) -> ExitCode {
    eprintln!("Error: {message}");
    eprintln!("For help, use {argv0} -h");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args
        .first()
        .cloned()
        .unwrap_or_else(|| "supervisord".into());
    let cli = match Cli::parse(&args[1..]) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&argv0, &e),
    };
    if cli.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if cli.version {
        println!("4.3.0");
        return ExitCode::SUCCESS;
    }
    let path = match &cli.configuration {
        Some(p) => p.clone(),
        None => {
            let exe = std::env::current_exe().unwrap_or_default();
            let candidates = search_paths(&exe);
            match candidates.iter().find(|p| p.exists()) {
                Some(p) => p.clone(),
                None => {
                    let list: Vec<String> =
                        candidates.iter().map(|p| p.display().to_string()).collect();
                    return usage_error(
                        &argv0,
                        &format!(
                            "No config file found at default paths ({}); use the -c option to specify a config file at a different path",
                            list.join(", ")
                        ),
                    );
                }
            }
        }
    };
    let mut first = true;
    loop {
        let config = match load(&path, &cli.overrides) {
            Ok(c) => c,
            Err(errors) => {
                for e in &errors {
                    eprintln!("Error: {e}");
                }
                eprintln!("For help, use {argv0} -h");
                return ExitCode::from(2);
            }
        };
        if cli.check {
            // Written at once, and a closed stdout (`--check | head`) is not an error.
            let mut out = String::new();
            print_check(&path, &config, &mut out);
            let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
            return ExitCode::SUCCESS;
        }
        // A restart re-reads the same file, in the same process ([PROC-SUPD-restart]).
        match run_daemon(config.model, config.options, first) {
            RunOutcome::Exit(code) => return ExitCode::from(code as u8),
            RunOutcome::Restart => first = false,
        }
    }
}

/// `--check`: the effective programs with their expanded names and key options.
fn print_check(path: &std::path::Path, config: &LoadedConfig, out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(out, "{}: configuration is valid", path.display());
    for line in &config.options.parse_messages {
        let _ = writeln!(out, "{} {}", line.level.code(), line.message);
    }
    for p in &config.model.programs {
        let log = |c: &Option<PathBuf>| {
            c.as_ref()
                .map_or_else(|| "NONE".to_owned(), |p| p.display().to_string())
        };
        let kind = match p.pool {
            Some(k) => format!("eventlistener (pool {})", config.model.pools[k].name),
            None => "program".to_owned(),
        };
        let _ = writeln!(
            out,
            "{}:{} [{kind}] priority={} autostart={} autorestart={:?} startsecs={} startretries={} stopsignal={} stoptree={} command={:?} stdout={} stderr={}",
            p.params.group,
            p.params.name,
            p.priority,
            p.params.autostart,
            p.params.autorestart,
            p.params.startsecs,
            p.params.startretries,
            p.params.stopsignal,
            p.stoptree,
            p.argv.join(" "),
            log(&p.stdout.logfile),
            log(&p.stderr.logfile),
        );
    }
    for pool in &config.model.pools {
        let events: Vec<&str> = pool.events.types().map(|t| t.as_str()).collect();
        let _ = writeln!(
            out,
            "pool {} events={} buffer_size={}{}",
            pool.name,
            events.join(","),
            pool.buffer_size,
            if pool.exit_details {
                " exit_details=true"
            } else {
                ""
            }
        );
    }
    print_orchestration(config, out);
}

/// `--check`'s lines for the keys beyond 4.3, and the start order when `depends_on` is used.
fn print_orchestration(config: &LoadedConfig, out: &mut String) {
    use std::fmt::Write;
    let programs = &config.model.programs;
    for p in programs {
        let o = &p.orchestration;
        let pacing = &p.params.pacing;
        let mut keys = Vec::new();
        if !o.depends_on.is_empty() {
            keys.push(format!("depends_on={}", o.depends_on.join(",")));
        }
        if let Some(check) = &o.ready_check {
            keys.push(format!(
                "ready_check={check} ready_timeout={} ready_interval={}",
                p.params.ready_timeout.unwrap_or_default(),
                o.ready_interval_secs
            ));
        }
        if o.essential {
            keys.push("essential=true".into());
        }
        if *pacing != supervisor_core::process::RestartPacing::default() {
            keys.push(format!(
                "backoff={} backoff_max={} fatal_retry_after={}",
                pacing.curve.name(),
                pacing.max_secs,
                pacing.fatal_retry_after_secs
            ));
        }
        if !keys.is_empty() {
            let _ = writeln!(
                out,
                "{}:{} {}",
                p.params.group,
                p.params.name,
                keys.join(" ")
            );
        }
    }
    if programs
        .iter()
        .any(|p| !p.orchestration.depends_on.is_empty())
    {
        let _ = writeln!(out, "start order (depends_on):");
        for (n, layer) in supervisor_core::model::start_layers(programs)
            .iter()
            .enumerate()
        {
            let _ = writeln!(out, "  {}: {}", n + 1, layer.join(" "));
        }
    }
}
