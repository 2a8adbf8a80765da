//! Mail through a sendmail command, as superlance does: the command line is run by
//! `/bin/sh` with the message on its stdin (`/usr/sbin/sendmail -t -i` by default).

use std::io::Write;
use std::process::{Command, Stdio};

/// superlance's default `-s`.
pub const DEFAULT_SENDMAIL: &str = "/usr/sbin/sendmail -t -i";

/// The message superlance writes: `To:`, `Subject:`, a blank line, the text.
pub fn message(to: &str, subject: &str, text: &str) -> String {
    format!("To: {to}\nSubject: {subject}\n\n{text}")
}

/// Runs `sendmail` (a shell command line) with `body` on its stdin and waits for it.
pub fn send(sendmail: &str, body: &str) -> std::io::Result<()> {
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(sendmail)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(body.as_bytes())?;
    }
    let status = child.wait()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "{sendmail:?} exited with {status}"
        )))
    }
}

/// `YYYY-MM-DD HH:MM:SS,mmm` in local time, as `childutils.get_asctime()` formats it.
pub fn asctime_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: `localtime_r` writes into the zeroed `tm` we own; both pointers are valid for
    // the call.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}
