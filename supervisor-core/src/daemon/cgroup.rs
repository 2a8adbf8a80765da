//! cgroup v2 for `stoptree`: where the unified hierarchy is mounted and writable, each
//! process with `stoptree = true` runs in a cgroup of its own under supervisord's
//! (`<our cgroup>/supervisord-<pid>/<group>:<name>`), so every process it starts, however it
//! detaches (`setsid`, double fork), can be found and killed. Nothing here enables
//! controllers; the cgroups only group processes.

use std::io;
use std::path::{Path, PathBuf};

/// The directory under which this daemon makes its processes' cgroups.
#[derive(Debug, Clone)]
pub struct CgroupBase {
    dir: PathBuf,
}

/// Where the cgroup v2 hierarchy is mounted, from `/proc/self/mountinfo`.
fn unified_mount() -> io::Result<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    info.lines()
        .find_map(|l| {
            let (before, after) = l.split_once(" - ")?;
            (after.split_whitespace().next() == Some("cgroup2"))
                .then(|| before.split_whitespace().nth(4).map(PathBuf::from))
                .flatten()
        })
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no cgroup2 file system mounted"))
}

/// This process's cgroup v2 path (the `0::` line of `/proc/self/cgroup`).
fn own_path() -> io::Result<String> {
    let text = std::fs::read_to_string("/proc/self/cgroup")?;
    text.lines()
        .find_map(|l| l.strip_prefix("0::").map(str::to_owned))
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in a cgroup v2 hierarchy"))
}

impl CgroupBase {
    /// Makes (or reuses) `supervisord-<pid>` under this process's own cgroup; an error says
    /// why cgroups cannot be used here (no cgroup2 mount, not writable...).
    pub fn create() -> io::Result<CgroupBase> {
        let mount = unified_mount()?;
        let own = own_path()?;
        let dir = mount
            .join(own.trim_start_matches('/'))
            .join(format!("supervisord-{}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", dir.display()))),
        }
        if !dir.join("cgroup.procs").exists() {
            return Err(io::Error::other(format!(
                "{} is not a cgroup v2 directory",
                dir.display()
            )));
        }
        Ok(CgroupBase { dir })
    }

    /// The base directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes (or reuses) the cgroup of process `group:name`.
    pub fn process_dir(&self, group: &str, name: &str) -> io::Result<PathBuf> {
        let leaf = format!("{group}:{name}").replace(['/', '\n'], "_");
        let dir = self.dir.join(leaf);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        Ok(dir)
    }

    /// Makes (or reuses) the cgroup of process `group:name` and moves `pid` into it.
    pub fn enter(&self, group: &str, name: &str, pid: u32) -> io::Result<PathBuf> {
        let dir = self.process_dir(group, name)?;
        std::fs::write(dir.join("cgroup.procs"), pid.to_string())?;
        Ok(dir)
    }

    /// Removes the base directory and every empty process cgroup in it (at shutdown).
    pub fn remove(&self) {
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.path().join("cgroup.procs").exists() {
                    let _ = std::fs::remove_dir(e.path());
                }
            }
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// The process cgroups a previous supervisord (pid `old_pid`) of the same cgroup made, if
/// that one is gone and left them: `(cgroup, its pids)` for each.
pub fn leftovers_of(old_pid: i32) -> Vec<(PathBuf, Vec<i32>)> {
    let (Ok(mount), Ok(own)) = (unified_mount(), own_path()) else {
        return Vec::new();
    };
    let base = mount
        .join(own.trim_start_matches('/'))
        .join(format!("supervisord-{old_pid}"));
    let Ok(entries) = std::fs::read_dir(&base) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("cgroup.procs").exists())
        .map(|p| {
            let pids = members(&p);
            (p, pids)
        })
        .collect()
}

/// Removes the process cgroups in `dirs` and their base, once empty.
pub fn remove_leftovers(dirs: &[PathBuf]) {
    for d in dirs {
        let _ = std::fs::remove_dir(d);
    }
    if let Some(base) = dirs.first().and_then(|d| d.parent()) {
        let _ = std::fs::remove_dir(base);
    }
}

/// The pids in cgroup `dir`.
pub fn members(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// Kills every process in cgroup `dir` at once (`cgroup.kill`, Linux 5.14); on older
/// kernels, SIGKILL to each member.
pub fn kill_all(dir: &Path) {
    if std::fs::write(dir.join("cgroup.kill"), "1").is_err() {
        for pid in members(dir) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}
