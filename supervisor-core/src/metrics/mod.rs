//! `GET /metrics`: what the daemon knows, in the Prometheus text format (0.0.4) or
//! OpenMetrics, as the scraper asks.
//!
//! The supervisor task hands out a [`MetricsSnapshot`] (plain data, cheap to build); the HTTP
//! side adds what `/proc` says about each process and the daemon, and renders it with
//! [`render`]. node_exporter's supervisord collector's four series come first, name for name,
//! so existing dashboards keep working; ours follow under `supervisord_`.

mod exposition;
mod histogram;
pub mod procfs;
mod render;

pub use exposition::{Exposition, Format, Kind};
pub use histogram::Histogram;
pub use render::{render, DaemonStats, MetricsSnapshot, PoolSample, ProcessSample};
