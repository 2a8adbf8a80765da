//! Changing the set of groups at run time: `reloadConfig`, `addProcessGroup`,
//! `removeProcessGroup`, and `getAllConfigInfo` over the configuration as last read
//! ([RPC-supervisor.reloadConfig], [RPC-supervisor.addProcessGroup],
//! [RPC-supervisor.removeProcessGroup], [RPC-supervisor.getAllConfigInfo]).

use event_proto::payload::ProcessGroupPayload;
use event_proto::xmlrpc::Value;
use event_proto::{EventMask, EventType, Payload, Text};

use std::sync::Arc;

use super::state::{sort_key, PoolSlot, Slot, StoredConfig, Supervisor};
use crate::log_level::LogLevel;
use crate::model::{ChannelModel, FcgiSocket, ProgramModel};
use crate::pool::{Pool, PoolSettings};
use crate::process::Now;
use crate::rpc::Fault;

/// One group's configuration in a form that compares equal when 4.3 would see no change:
/// its processes in name order with AUTO log names blanked, and its pool's settings.
#[derive(Debug, PartialEq, Eq)]
struct GroupConfig {
    programs: Vec<ProgramModel>,
    pool: Option<PoolSettings>,
}

fn normalized(programs: &[&ProgramModel], pools: &[PoolSettings]) -> GroupConfig {
    let blank = |c: &ChannelModel| {
        let mut c = c.clone();
        if c.auto {
            c.logfile = None;
        }
        c
    };
    let mut list: Vec<ProgramModel> = programs
        .iter()
        .map(|p| {
            let mut p = (*p).clone();
            p.stdout = blank(&p.stdout);
            p.stderr = blank(&p.stderr);
            p.pool = None;
            p
        })
        .collect();
    list.sort_by(|a, b| a.params.name.cmp(&b.params.name));
    let pool = programs
        .first()
        .and_then(|p| p.pool)
        .and_then(|k| pools.get(k))
        .cloned();
    GroupConfig {
        programs: list,
        pool,
    }
}

/// The group names of `config` in (priority, name) order.
fn group_names(config: &StoredConfig) -> Vec<String> {
    let mut programs: Vec<&ProgramModel> = config.programs.iter().map(|p| &**p).collect();
    programs.sort_by_key(|p| sort_key(p));
    let mut names: Vec<String> = Vec::new();
    for p in programs {
        if names.last() != Some(&p.params.group) {
            names.push(p.params.group.clone());
        }
    }
    names
}

impl Supervisor {
    fn active_group(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|(g, _)| g == name)
    }

    fn active_config(&self, g: usize) -> GroupConfig {
        let programs: Vec<&ProgramModel> = self.groups[g]
            .1
            .iter()
            .map(|&i| &*self.procs[i].model)
            .collect();
        let mut config = normalized(&programs, &[]);
        config.pool = self.groups[g]
            .1
            .first()
            .and_then(|&i| self.procs[i].listener)
            .map(|(k, _)| self.pools[k].pool.settings().clone());
        config
    }

    fn stored_config(&self, name: &str) -> GroupConfig {
        let programs: Vec<&ProgramModel> = self
            .config
            .programs
            .iter()
            .filter(|p| p.params.group == name)
            .map(|p| &**p)
            .collect();
        normalized(&programs, &self.config.pools)
    }

    /// `reloadConfig`: re-read the file, keep it as the stored configuration and report
    /// `[[added, changed, removed]]` group names; nothing is started or stopped.
    pub(super) fn reload_config(&mut self) -> Result<Value, Fault> {
        let Some(source) = self.model.source.clone() else {
            return Err(Fault::CantReread(
                "this daemon was not started from a configuration file".into(),
            ));
        };
        let loaded = crate::config::load(&source.path, &source.overrides).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            Fault::CantReread(lines.join("; "))
        })?;
        for line in &loaded.options.parse_messages {
            self.log.log(line);
        }
        self.config = StoredConfig::new(loaded.model);
        let new_names = group_names(&self.config);
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for name in &new_names {
            match self.active_group(name) {
                None => added.push(Value::from(name.as_str())),
                Some(g) => {
                    if self.active_config(g) != self.stored_config(name) {
                        changed.push(Value::from(name.as_str()));
                    }
                }
            }
        }
        let removed: Vec<Value> = self
            .groups
            .iter()
            .filter(|(g, _)| !new_names.contains(g))
            .map(|(g, _)| Value::from(g.as_str()))
            .collect();
        Ok(Value::Array(vec![Value::Array(vec![
            Value::Array(added),
            Value::Array(changed),
            Value::Array(removed),
        ])]))
    }

    /// `addProcessGroup`: create a group from the stored configuration and autostart its
    /// processes; PROCESS_GROUP_ADDED.
    pub(super) fn add_group(&mut self, name: &str, now: Now) -> Result<Value, Fault> {
        if self.active_group(name).is_some() {
            return Err(Fault::AlreadyAdded(name.to_owned()));
        }
        let mut programs: Vec<Arc<ProgramModel>> = self
            .config
            .programs
            .iter()
            .filter(|p| p.params.group == name)
            .cloned()
            .collect();
        if programs.is_empty() {
            return Err(Fault::BadName(name.to_owned()));
        }
        programs.sort_by_key(|p| sort_key(p));
        let pool = programs
            .first()
            .and_then(|p| p.pool)
            .and_then(|k| self.config.pools.get(k).cloned())
            .map(|settings| {
                let names = programs.iter().map(|p| p.params.name.clone()).collect();
                self.pools
                    .push(PoolSlot::new(Pool::new(settings, names), Vec::new(), true));
                self.pools.len() - 1
            });
        let mut members = Vec::with_capacity(programs.len());
        for mut p in programs {
            let i = self.procs.len();
            let listener = pool.map(|k| {
                self.pools[k].members.push(i);
                (k, self.pools[k].members.len() - 1)
            });
            if p.pool != pool {
                Arc::make_mut(&mut p).pool = pool;
            }
            self.procs.push(Slot::new(p, listener));
            members.push(i);
        }
        let key = |s: &Supervisor, g: &(String, Vec<usize>)| {
            let priority = g.1.first().map_or(0, |&i| s.procs[i].model.group_priority);
            (priority, g.0.clone())
        };
        let new_group = (name.to_owned(), members.clone());
        let new_key = key(self, &new_group);
        let at = self
            .groups
            .iter()
            .position(|g| key(self, g) > new_key)
            .unwrap_or(self.groups.len());
        self.groups.insert(at, new_group);
        self.wire_dependencies();
        self.bind_fcgi_sockets();
        let payload = Payload::ProcessGroup(ProcessGroupPayload {
            group_name: Text::from(name),
        });
        self.emit(EventType::ProcessGroupAdded, &payload);
        for i in members {
            if self.procs[i].model.params.autostart {
                let _ = self.request_start(i, now);
            }
        }
        Ok(Value::Bool(true))
    }

    /// `removeProcessGroup`: only when every process is stopped; PROCESS_GROUP_REMOVED.
    pub(super) fn remove_group(&mut self, name: &str) -> Result<Value, Fault> {
        let Some(g) = self.active_group(name) else {
            return Err(Fault::BadName(name.to_owned()));
        };
        let members = self.groups[g].1.clone();
        if members
            .iter()
            .any(|&i| !self.procs[i].machine.state().is_stopped())
        {
            return Err(Fault::StillRunning(name.to_owned()));
        }
        self.groups.remove(g);
        for &i in &members {
            let slot = &mut self.procs[i];
            slot.removed = true;
            slot.stdin = None;
            slot.stdin_fd = None;
            slot.stdout_log = None;
            slot.stderr_log = None;
        }
        if let Some((k, _)) = members.first().and_then(|&i| self.procs[i].listener) {
            let settings = self.pools[k].pool.settings().clone();
            let c = *self.pools[k].pool.counters();
            let queued = self.pools[k].pool.queued();
            self.line(
                LogLevel::Info,
                format!(
                    "pool {} removed; events: {} accepted, {} delivered, {} rejected, {} rebuffered, {} dropped, {} discarded from its queue",
                    settings.name, c.accepted, c.delivered, c.rejected, c.rebuffered, c.dropped, queued
                ),
            );
            let inert = PoolSettings {
                events: EventMask::empty(),
                ..settings
            };
            self.pools[k] = PoolSlot::new(Pool::new(inert, Vec::new()), Vec::new(), false);
        }
        let in_use: Vec<_> = self
            .live()
            .iter()
            .filter_map(|&i| self.procs[i].model.fcgi_socket.clone())
            .collect();
        self.fcgi_sockets.retain(|spec, _| {
            let keep = in_use.contains(spec);
            if !keep {
                if let FcgiSocket::Unix { path, .. } = spec {
                    let _ = std::fs::remove_file(path);
                }
            }
            keep
        });
        let payload = Payload::ProcessGroup(ProcessGroupPayload {
            group_name: Text::from(name),
        });
        self.emit(EventType::ProcessGroupRemoved, &payload);
        Ok(Value::Bool(true))
    }

    /// `getAllConfigInfo`: one struct per configured process, active or not, by name.
    pub(super) fn all_config_info(&self) -> Value {
        let mut programs: Vec<&ProgramModel> = self.config.programs.iter().map(|p| &**p).collect();
        programs.sort_by_key(|p| sort_key(p));
        programs.sort_by(|a, b| a.params.name.cmp(&b.params.name));
        let entries = programs.into_iter().map(|p| self.config_info(p)).collect();
        Value::Array(entries)
    }

    fn config_info(&self, p: &ProgramModel) -> Value {
        let group = p.params.group.as_str();
        let active = self.active_group(group);
        // The running slot, when its group is in use with this very configuration: its AUTO
        // log names are real files by now.
        let running = active
            .filter(|&g| self.active_config(g) == self.stored_config(group))
            .and_then(|g| {
                self.groups[g]
                    .1
                    .iter()
                    .copied()
                    .find(|&i| self.procs[i].model.params.name == p.params.name)
            })
            .map(|i| &*self.procs[i].model);
        let none = || Value::from("none");
        let log = |c: &ChannelModel, used: Option<&ChannelModel>| match (&c.logfile, used) {
            (_, Some(u)) if u.logfile.is_some() => Value::from(
                u.logfile
                    .as_ref()
                    .map(|l| l.display().to_string())
                    .unwrap_or_default(),
            ),
            (Some(_), _) if c.auto => Value::from("auto"),
            (Some(path), _) => Value::from(path.display().to_string()),
            (None, _) => none(),
        };
        let int = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
        let channel = |prefix: &str, c: &ChannelModel, used: Option<&ChannelModel>| {
            [
                (
                    format!("{prefix}_capture_maxbytes").into(),
                    int(c.capture_maxbytes as u64),
                ),
                (
                    format!("{prefix}_events_enabled").into(),
                    Value::Bool(c.events_enabled),
                ),
                (format!("{prefix}_logfile").into(), log(c, used)),
                (
                    format!("{prefix}_logfile_backups").into(),
                    Value::Int(i64::from(c.backups)),
                ),
                (format!("{prefix}_logfile_maxbytes").into(), int(c.maxbytes)),
                (format!("{prefix}_syslog").into(), Value::Bool(c.syslog)),
                // An extension: 4.3 has no such key.
                (
                    format!("{prefix}_log_timestamps").into(),
                    Value::Bool(c.timestamps),
                ),
            ]
        };
        let mut fields: Vec<(std::borrow::Cow<'static, str>, Value)> = vec![
            ("autostart".into(), Value::Bool(p.params.autostart)),
            (
                "directory".into(),
                p.directory
                    .as_ref()
                    .map_or_else(none, |d| Value::from(d.display().to_string())),
            ),
            (
                "uid".into(),
                p.user
                    .as_ref()
                    .map_or_else(none, |u| Value::Int(i64::from(u.uid))),
            ),
            ("command".into(), Value::from(p.command.as_str())),
            (
                "exitcodes".into(),
                Value::Array(
                    p.params
                        .exitcodes
                        .iter()
                        .map(|&c| Value::Int(i64::from(c)))
                        .collect(),
                ),
            ),
            ("group".into(), Value::from(group)),
            ("group_prio".into(), Value::Int(i64::from(p.group_priority))),
            ("inuse".into(), Value::Bool(active.is_some())),
            ("killasgroup".into(), Value::Bool(p.params.killasgroup)),
            ("name".into(), Value::from(p.params.name.as_str())),
            ("process_prio".into(), Value::Int(i64::from(p.priority))),
            ("redirect_stderr".into(), Value::Bool(p.redirect_stderr)),
            (
                "startretries".into(),
                Value::Int(i64::from(p.params.startretries)),
            ),
            ("startsecs".into(), int(p.params.startsecs)),
            // An extension: 4.3 has no such key.
            ("stoptree".into(), Value::Bool(p.stoptree)),
        ];
        fields.extend(channel("stdout", &p.stdout, running.map(|r| &r.stdout)));
        fields.push((
            "stopsignal".into(),
            Value::Int(i64::from(p.params.stopsignal.number())),
        ));
        fields.push(("stopwaitsecs".into(), int(p.params.stopwaitsecs)));
        fields.extend(channel("stderr", &p.stderr, running.map(|r| &r.stderr)));
        fields.push((
            "serverurl".into(),
            p.server_url.as_deref().map_or_else(none, Value::from),
        ));
        // Beyond 4.3 (Python clients ignore extra members).
        let o = &p.orchestration;
        let pacing = &p.params.pacing;
        fields.extend([
            ("depends_on".into(), Value::from(o.depends_on.join(","))),
            (
                "ready_check".into(),
                o.ready_check
                    .as_ref()
                    .map_or_else(none, |c| Value::from(c.to_string())),
            ),
            (
                "ready_timeout".into(),
                p.params.ready_timeout.map_or_else(none, int),
            ),
            ("ready_interval".into(), int(o.ready_interval_secs)),
            ("essential".into(), Value::Bool(o.essential)),
            ("backoff".into(), Value::from(pacing.curve.name())),
            ("backoff_max".into(), int(pacing.max_secs)),
            (
                "fatal_retry_after".into(),
                int(pacing.fatal_retry_after_secs),
            ),
        ]);
        Value::Struct(fields)
    }
}
