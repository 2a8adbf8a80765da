//! Resident memory of a process (and of its descendants) from `/proc`, in bytes: what
//! `ps -o rss=` reports, times 1024.

use std::collections::HashMap;

/// `VmRSS` of `pid` in bytes, or `None` if the process is gone (or has no memory, like a
/// zombie).
pub fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Every process's parent, from `/proc/<pid>/stat`.
fn parents() -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return map;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may contain spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            map.insert(pid, ppid);
        }
    }
    map
}

/// RSS of `pid` plus all its descendants (memmon's `-c`).
pub fn cumulative_rss(pid: u32) -> Option<u64> {
    let parents = parents();
    let mut total = rss(pid)?;
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (&child, &parent) in &parents {
            if parent == p {
                total += rss(child).unwrap_or(0);
                frontier.push(child);
            }
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_rss_is_positive_and_children_add_up() {
        let me = std::process::id();
        let own = rss(me).expect("our RSS");
        assert!(own > 0);
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("spawn");
        let total = cumulative_rss(me).expect("tree RSS");
        let _ = child.kill();
        let _ = child.wait();
        assert!(total >= own, "{total} >= {own}");
        assert_eq!(rss(u32::MAX), None);
    }
}
