//! How every example that sends something runs: in spooled mode (see
//! `listener_sdk::Listener::run_spooled`), each event acknowledged only once it is in an
//! on-disk spool, then delivered at least once with capped exponential backoff. The spool
//! is `--spool DIR` (accepted only in full by the superlance drop-ins), by default
//! `$TMPDIR/PROGRAM-NAME.spool` where NAME is supervisord's `SUPERVISOR_PROCESS_NAME`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use listener_sdk::spool::{Spool, SpoolOptions};
use listener_sdk::{Delivery, Event, Listener, Logger, SpooledOptions};

use crate::support::getopt::Spec;

/// `--spool DIR`.
pub const SPEC: Spec = Spec {
    short: None,
    long: "spool",
    takes_value: true,
};

/// The usage line for it.
pub const USAGE: &str = "\
  --spool DIR                  the on-disk spool of events not yet delivered
                               (default $TMPDIR/PROGRAM-NAME.spool)
";

/// `dir`, or the default spool directory for `program`.
pub fn dir(program: &str, dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| {
        let name = std::env::var("SUPERVISOR_PROCESS_NAME").unwrap_or_else(|_| program.into());
        std::env::temp_dir().join(format!("{program}-{name}.spool"))
    })
}

/// Opens the spool in `dir` and runs the listener on stdin/stdout with `deliver`, logging
/// what is left over and what was dropped. The exit status for `main`.
pub fn run<D>(
    log: &Logger,
    dir: PathBuf,
    spool_options: SpoolOptions,
    options: SpooledOptions,
    deliver: D,
) -> ExitCode
where
    D: FnMut(&Event) -> Delivery + Send + 'static,
{
    let spool = match Spool::open(&dir, spool_options) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            log.log(format_args!("cannot open the spool {}: {e}", dir.display()));
            return ExitCode::from(2);
        }
    };
    if !spool.is_empty() {
        log.log(format_args!(
            "{} spooled events from an earlier run",
            spool.len()
        ));
    }
    match Listener::new().run_spooled(spool, options, deliver) {
        Ok(summary) => {
            if summary.dropped > 0 {
                log.log(format_args!(
                    "{} events dropped (spool full)",
                    summary.dropped
                ));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            log.log(e);
            ExitCode::FAILURE
        }
    }
}
