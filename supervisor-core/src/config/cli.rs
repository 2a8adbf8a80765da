//! `supervisord`'s command line ([CFG-CLI-*]) and the config search order ([CFG-SEARCH-*]).

use std::path::{Path, PathBuf};

use crate::model::Overrides;

/// What the command line asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cli {
    /// `-c FILE`.
    pub configuration: Option<PathBuf>,
    /// `-h`: print usage and exit 0.
    pub help: bool,
    /// `-v`: print the version and exit 0.
    pub version: bool,
    /// `--check` (ours, like `nginx -t`): validate, print the result, exit 0 or 2.
    pub check: bool,
    /// Values overriding the file.
    pub overrides: Overrides,
}

/// The usage text.
pub const USAGE: &str = "supervisord -- run a set of applications as daemons.

Usage: supervisord [options]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of supervisord
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup --  prevent the process from performing cleanup (removal of
                   old automatic child log files) at startup.
-a/--minfds NUM -- the minimum number of file descriptors for start success
-t/--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM  -- the minimum number of processes available for start success
--profile_options OPTIONS -- run supervisord under profiler and output
                             results based on OPTIONS, which  is a comma-sep'd
                             list of 'cumulative', 'calls', and/or 'callers',
                             e.g. 'cumulative,callers')
--check -- validate the configuration, print the effective programs, and exit
";

const WITH_VALUE: &[(char, &str)] = &[
    ('c', "configuration"),
    ('u', "user"),
    ('m', "umask"),
    ('d', "directory"),
    ('l', "logfile"),
    ('y', "logfile_maxbytes"),
    ('z', "logfile_backups"),
    ('e', "loglevel"),
    ('j', "pidfile"),
    ('i', "identifier"),
    ('q', "childlogdir"),
    ('a', "minfds"),
];
const FLAGS: &[(char, &str)] = &[
    ('n', "nodaemon"),
    ('s', "silent"),
    ('h', "help"),
    ('?', "help"),
    ('v', "version"),
    ('k', "nocleanup"),
    ('t', "strip_ansi"),
];

impl Cli {
    /// Parses arguments (without `argv[0]`) getopt-style; errors are 4.3's texts.
    pub fn parse(args: &[String]) -> Result<Cli, String> {
        let mut cli = Cli::default();
        let mut seen: Vec<String> = Vec::new();
        let mut i = 0;
        let mut positional = Vec::new();
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            if let Some(long) = arg.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (long, None),
                };
                if name == "check" {
                    cli.check = true;
                    continue;
                }
                if ["minprocs", "profile_options"].contains(&name)
                    || WITH_VALUE.iter().any(|(_, l)| *l == name)
                {
                    let value = match inline {
                        Some(v) => v,
                        None => {
                            let v = args
                                .get(i)
                                .cloned()
                                .ok_or_else(|| format!("option --{name} requires argument"))?;
                            i += 1;
                            v
                        }
                    };
                    cli.set(name, Some(value), &mut seen)?;
                } else if FLAGS.iter().any(|(_, l)| *l == name) {
                    cli.set(name, None, &mut seen)?;
                } else {
                    return Err(format!("option --{name} not recognized"));
                }
            } else if let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
                let chars: Vec<char> = shorts.chars().collect();
                let mut j = 0;
                while j < chars.len() {
                    let c = chars[j];
                    j += 1;
                    if let Some((_, long)) = WITH_VALUE.iter().find(|(s, _)| *s == c) {
                        let value = if j < chars.len() {
                            let v: String = chars[j..].iter().collect();
                            j = chars.len();
                            v
                        } else {
                            let v = args
                                .get(i)
                                .cloned()
                                .ok_or_else(|| format!("option -{c} requires argument"))?;
                            i += 1;
                            v
                        };
                        cli.set(long, Some(value), &mut seen)?;
                    } else if let Some((_, long)) = FLAGS.iter().find(|(s, _)| *s == c) {
                        cli.set(long, None, &mut seen)?;
                    } else {
                        return Err(format!("option -{c} not recognized"));
                    }
                }
            } else {
                positional.push(arg.clone());
            }
        }
        if !positional.is_empty() {
            return Err(
                format!("positional arguments are not supported: {positional:?}").replace('"', "'"),
            );
        }
        Ok(cli)
    }

    fn set(
        &mut self,
        name: &str,
        value: Option<String>,
        seen: &mut Vec<String>,
    ) -> Result<(), String> {
        if name != "help" && seen.iter().any(|s| s == name) {
            return Err(format!("conflicting command line option '--{name}'"));
        }
        seen.push(name.to_owned());
        let o = &mut self.overrides;
        match name {
            "configuration" => self.configuration = value.map(PathBuf::from),
            "help" => self.help = true,
            "version" => self.version = true,
            "nodaemon" => o.nodaemon = Some(true),
            "silent" => o.silent = Some(true),
            "nocleanup" => o.nocleanup = Some(true),
            "strip_ansi" => o.strip_ansi = Some(true),
            "user" => o.user = value,
            "umask" => o.umask = value,
            "directory" => o.directory = value,
            "logfile" => o.logfile = value,
            "logfile_maxbytes" => o.logfile_maxbytes = value,
            "logfile_backups" => o.logfile_backups = value,
            "loglevel" => {
                if let Some(v) = &value {
                    v.parse::<crate::log_level::LogLevel>()
                        .map_err(|e| format!("invalid value for -e '{v}': {e}"))?;
                }
                o.loglevel = value;
            }
            "pidfile" => o.pidfile = value,
            "identifier" => o.identifier = value,
            "childlogdir" => o.childlogdir = value,
            "minfds" => o.minfds = value,
            "minprocs" => o.minprocs = value,
            _ => {} // profile_options: accepted and ignored
        }
        Ok(())
    }
}

/// The config search order when `-c` is absent ([CFG-SEARCH-order]); `exe` is the binary.
pub fn search_paths(exe: &Path) -> Vec<PathBuf> {
    let d = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    vec![
        d.join("etc/supervisord.conf"),
        d.join("supervisord.conf"),
        PathBuf::from("supervisord.conf"),
        PathBuf::from("etc/supervisord.conf"),
        PathBuf::from("/etc/supervisord.conf"),
        PathBuf::from("/etc/supervisor/supervisord.conf"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        Cli::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn getopt_style_flags_cfg_cli() {
        let cli = parse(&[
            "-nc",
            "/etc/s.conf",
            "--loglevel=debug",
            "--minprocs",
            "300",
            "-k",
        ])
        .expect("valid");
        assert_eq!(cli.configuration, Some(PathBuf::from("/etc/s.conf")));
        assert_eq!(cli.overrides.nodaemon, Some(true));
        assert_eq!(cli.overrides.loglevel.as_deref(), Some("debug"));
        assert_eq!(cli.overrides.minprocs.as_deref(), Some("300"));
        assert_eq!(cli.overrides.nocleanup, Some(true));
        assert_eq!(
            parse(&["--bogus"]).expect_err("unknown"),
            "option --bogus not recognized"
        );
        assert_eq!(
            parse(&["extra_arg"]).expect_err("positional"),
            "positional arguments are not supported: ['extra_arg']"
        );
        assert!(parse(&["-e", "bogus"])
            .expect_err("bad level")
            .starts_with("invalid value for -e 'bogus': bad logging level name 'bogus'"));
        assert_eq!(
            parse(&["-n", "-n"]).expect_err("twice"),
            "conflicting command line option '--nodaemon'"
        );
        assert!(parse(&["--check", "-c", "x"]).expect("valid").check);
    }
}
