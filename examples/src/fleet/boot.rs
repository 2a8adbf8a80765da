//! Which run of supervisord this is: the `boot` in every `Nats-Msg-Id`.
//!
//! supervisord's global serial counts from 0 for the life of the daemon process (a
//! `supervisorctl reload` keeps the process and the count). So a run is one process: its
//! pid and its start time, read from `/proc/<pid>/stat` (clock ticks after the machine's
//! boot, plus `btime` from `/proc/stat`), written `<start-ms>-<pid>`. The forwarder
//! restarting changes neither; supervisord restarting changes the start time even if the
//! pid comes back. The pid is supervisord's answer to `supervisor.getPID` over
//! `SUPERVISOR_SERVER_URL` (a listener started through a wrapper script has the script as
//! its parent), else the parent process.

use listener_sdk::rpc::RpcClient;

/// The pid of the supervisord that runs this listener.
pub fn supervisord_pid(rpc: Option<&RpcClient>) -> u32 {
    rpc.and_then(|r| r.call("supervisor.getPID", Vec::new()).ok())
        .and_then(|v| v.as_int())
        .and_then(|p| u32::try_from(p).ok())
        .filter(|&p| p > 0)
        .unwrap_or_else(std::os::unix::process::parent_id)
}

/// When process `pid` started, in milliseconds since the epoch (`None` without `/proc`).
pub fn start_ms(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields follow the last `)`.
    let after = &stat[stat.rfind(')')? + 1..];
    // Field 22 (starttime) is the 20th after the name.
    let ticks: u64 = after.split_whitespace().nth(19)?.parse().ok()?;
    let btime: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).ok().filter(|&h| h > 0)?;
    Some(btime * 1000 + ticks * 1000 / hz)
}

/// The boot id for the supervisord with `pid`: `<start-ms>-<pid>`, or `pid-<pid>` where
/// the start time cannot be read.
pub fn boot_id(pid: u32) -> String {
    match start_ms(pid) {
        Some(ms) => format!("{ms}-{pid}"),
        None => format!("pid-{pid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_stable_start() {
        let me = std::process::id();
        let a = start_ms(me).expect("/proc");
        assert_eq!(start_ms(me), Some(a));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as u64;
        assert!(a <= now + 1000 && a + 3_600_000 > now, "{a} vs {now}");
        assert_eq!(boot_id(me), format!("{a}-{me}"));
        // A different process (our parent) started at another time or has another pid.
        assert_ne!(boot_id(std::os::unix::process::parent_id()), boot_id(me));
    }
}
