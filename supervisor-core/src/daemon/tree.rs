//! A supervised process's tree, without cgroups: supervisord is a child subreaper
//! (`PR_SET_CHILD_SUBREAPER`), so every descendant of its children that is orphaned (a
//! daemonizing double fork, a `setsid` grandchild whose parent exited) is re-parented to it
//! rather than to init. The tree of a process is then found in `/proc`: its descendants, and
//! the processes under supervisord whose environment still names it
//! (`SUPERVISOR_GROUP_NAME`/`SUPERVISOR_PROCESS_NAME`, which every child gets, as in 4.3).
//! A re-parented process that cleared its environment is missed; cgroups
//! ([`crate::daemon::cgroup`]) are used where they can be.

use std::collections::HashMap;

/// Makes this process a child subreaper, so orphaned descendants are re-parented to it
/// (and reaped by its SIGCHLD reaper).
pub fn become_subreaper() -> nix::Result<()> {
    nix::sys::prctl::set_child_subreaper(true)
}

/// Every process's parent, from `/proc/<pid>/stat`.
fn parents() -> HashMap<i32, i32> {
    let mut map = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return map;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            map.insert(pid, ppid);
        }
    }
    map
}

/// Whether `pid`'s chain of parents reaches `ancestor`.
fn descends_from(parents: &HashMap<i32, i32>, mut pid: i32, ancestor: i32) -> bool {
    for _ in 0..4096 {
        match parents.get(&pid) {
            Some(&p) if p == ancestor => return true,
            Some(&p) if p > 1 && p != pid => pid = p,
            _ => return false,
        }
    }
    false
}

/// Whether `pid`'s environment names process `group:name`.
fn environment_names(pid: i32, group: &str, name: &str) -> bool {
    let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let (want_name, want_group) = (
        format!("SUPERVISOR_PROCESS_NAME={name}"),
        format!("SUPERVISOR_GROUP_NAME={group}"),
    );
    let mut found = (false, false);
    for var in env.split(|&b| b == 0) {
        found.0 |= var == want_name.as_bytes();
        found.1 |= var == want_group.as_bytes();
    }
    found == (true, true)
}

/// The processes of `group:name`'s tree other than its main process `root`: under
/// supervisord (`daemon`), descending from `root` or with an environment naming the process.
pub fn members(daemon: i32, root: Option<i32>, group: &str, name: &str) -> Vec<i32> {
    let parents = parents();
    let mut out: Vec<i32> = parents
        .keys()
        .copied()
        .filter(|&pid| Some(pid) != root && pid != daemon && descends_from(&parents, pid, daemon))
        .filter(|&pid| {
            root.is_some_and(|r| descends_from(&parents, pid, r))
                || environment_names(pid, group, name)
        })
        .collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_chains() {
        let parents: HashMap<i32, i32> = [(10, 1), (20, 10), (30, 20), (40, 1)].into();
        assert!(descends_from(&parents, 30, 10));
        assert!(descends_from(&parents, 20, 10));
        assert!(!descends_from(&parents, 40, 10));
        assert!(!descends_from(&parents, 10, 10));
        // This test's own process is found under its parent.
        let me = std::process::id() as i32;
        let all = self::parents();
        let parent = all[&me];
        assert!(descends_from(&all, me, parent));
    }
}
