//! `supervisord-probe URL TIMEOUT_SECS`: one `http(s)://` ready check, run by supervisord as a
//! child of its own so that the daemon carries no TLS stack and parses nothing a network peer
//! sends it. A GET without redirects, certificates verified against the webpki roots; the
//! exit status is the outcome (see [`supervisor_core::daemon::ready_probe::HttpOutcome`]), and
//! the reason goes to stderr for someone running it by hand.

use std::process::ExitCode;
use std::time::Duration;

use supervisor_core::daemon::ready_probe::HttpOutcome;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(url), Some(timeout)) = (args.first(), args.get(1)) else {
        eprintln!("usage: supervisord-probe URL TIMEOUT_SECS");
        return ExitCode::from(HttpOutcome::Usage as u8);
    };
    let Some(timeout) = timeout
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(Duration::from_secs_f64)
    else {
        eprintln!("supervisord-probe: TIMEOUT_SECS must be a positive number, not {timeout:?}");
        return ExitCode::from(HttpOutcome::Usage as u8);
    };
    // A resolver stuck past the request's own timeout must not keep the check in flight.
    std::thread::spawn(move || {
        std::thread::sleep(timeout + Duration::from_secs(1));
        eprintln!(
            "supervisord-probe: no answer within {} s",
            timeout.as_secs_f64()
        );
        std::process::exit(HttpOutcome::Timeout as i32);
    });
    let (outcome, why) = get(url, timeout);
    if outcome != HttpOutcome::Passed {
        eprintln!("supervisord-probe: {url}: {why}");
    }
    ExitCode::from(outcome as u8)
}

fn get(url: &str, timeout: Duration) -> (HttpOutcome, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    match agent.get(url).call() {
        Ok(response) if response.status().is_success() => (HttpOutcome::Passed, String::new()),
        Ok(response) => (
            HttpOutcome::NotSuccess,
            format!("HTTP status {}", response.status().as_u16()),
        ),
        Err(ureq::Error::Timeout(_)) => (HttpOutcome::Timeout, "timed out".into()),
        Err(e) => (HttpOutcome::Failed, e.to_string()),
    }
}
