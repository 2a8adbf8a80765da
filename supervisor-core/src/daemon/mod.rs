//! The daemon's edges that turn OS events into messages for the supervisor task: reaping
//! children and catching signals.

pub mod cgroup;
pub mod children_file;
pub mod fcgi;
pub mod heap_trim;
pub mod lifecycle;
pub mod pipes;
pub mod ready_probe;
pub mod reaper;
pub mod servers;
pub mod signals;
pub mod spawn;
pub mod spawner;
pub mod startup;
pub mod supervisor;
pub mod tree;
pub mod web;
pub mod web_guard;
