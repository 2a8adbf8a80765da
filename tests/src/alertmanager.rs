//! A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`, listed in
//! scripts/apt-packages) on a free loopback port with its own config and storage in a temp
//! dir, clustering off; killed by pid when dropped.

use std::io;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use listener_sdk::http::{HttpClient, HttpOptions};

use crate::stop_on_drop::StopOnDrop;
use crate::temp_dir::TempDir;
use crate::wait::try_wait_until;

const BINARY: &str = "prometheus-alertmanager";

/// Whether Alertmanager is installed: under CI (env `CI` set) its absence panics, so its
/// tests fail rather than skip; otherwise a note is printed and false returned.
pub fn alertmanager_installed() -> bool {
    crate::required(
        crate::runs(BINARY, &["--version"]),
        BINARY,
        &format!("apt-get install {BINARY}"),
    )
}

/// A running Alertmanager.
#[derive(Debug)]
pub struct Alertmanager {
    _process: StopOnDrop,
    _dir: TempDir,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    http: HttpClient,
}

impl Alertmanager {
    /// Starts one and waits up to 20 s for `/-/ready`.
    pub fn start() -> io::Result<Alertmanager> {
        let dir = TempDir::new("am")?;
        let config = dir.join("alertmanager.yml");
        std::fs::write(
            &config,
            "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n",
        )?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(BINARY)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.join("stderr.txt"))?))
            .spawn()?;
        let process = StopOnDrop(child);
        let http = HttpClient::new(&HttpOptions {
            proxy_from_env: false,
            ..HttpOptions::with_timeout(Duration::from_secs(5))
        })
        .map_err(|e| io::Error::other(e.to_string()))?;
        let url = format!("http://127.0.0.1:{port}");
        let ready = try_wait_until(Duration::from_secs(20), || {
            http.get(&format!("{url}/-/ready"), &[])
                .is_ok_and(|r| r.status == 200)
        });
        if !ready {
            let log = std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
            return Err(io::Error::other(format!(
                "alertmanager did not start: {log}"
            )));
        }
        Ok(Alertmanager {
            _process: process,
            _dir: dir,
            url,
            http,
        })
    }

    /// `GET /api/v2/alerts`: the alerts it holds that are not resolved.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        self.http
            .get(&format!("{}/api/v2/alerts", self.url), &[])
            .ok()
            .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    }
}
