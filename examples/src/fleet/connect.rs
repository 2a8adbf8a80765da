//! Reaching the broker: the options `event-forwarder` and `fleet` share (several URLs,
//! credentials, a CA), turned into an `async-nats` connection.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::{ConnectOptions, ServerAddr};

/// How to reach the broker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatsArgs {
    /// Server URLs (`nats://host:4222`, `tls://host:4222`); any of a cluster's servers, the
    /// client learns the others from it.
    pub urls: Vec<String>,
    /// A `.creds` file (JWT and nkey seed).
    pub creds: Option<PathBuf>,
    /// User name and password.
    pub user: Option<(String, String)>,
    /// A CA file to trust for TLS (also requires TLS).
    pub tls_ca: Option<PathBuf>,
}

/// The usage lines for these options.
pub const USAGE: &str = "\
  --nats URL[,URL...]     the broker (repeatable; default $NATS_URL, else nats://127.0.0.1:4222)
  --creds FILE            a NATS credentials file
  --user U --password P   user and password
  --tls-ca FILE           trust this CA (and require TLS)
";

impl NatsArgs {
    /// Takes one of these options; false if `opt` is not one of them.
    pub fn take(&mut self, opt: &str, value: &str) -> bool {
        match opt {
            "nats" => self.urls.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned),
            ),
            "creds" => self.creds = Some(value.into()),
            "user" => self.user = Some((value.to_owned(), self.user.take().unwrap_or_default().1)),
            "password" => {
                self.user = Some((self.user.take().unwrap_or_default().0, value.to_owned()))
            }
            "tls-ca" => self.tls_ca = Some(value.into()),
            _ => return false,
        }
        true
    }

    /// The URLs given, else `$NATS_URL` (comma separated), else the default.
    pub fn servers(&self) -> Result<Vec<ServerAddr>, String> {
        let urls = if self.urls.is_empty() {
            std::env::var("NATS_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .map(|u| u.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_else(|| vec![super::DEFAULT_URL.to_owned()])
        } else {
            self.urls.clone()
        };
        urls.iter()
            .map(|u| {
                u.parse::<ServerAddr>()
                    .map_err(|e| format!("bad NATS URL {u:?}: {e}"))
            })
            .collect()
    }

    /// The connection options: credentials, TLS, `name`; reconnecting for ever.
    pub async fn options(&self, name: &str) -> Result<ConnectOptions, String> {
        let mut o = ConnectOptions::new()
            .name(name)
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(5))
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis((100 * attempts as u64).min(2000))
            });
        if let Some(creds) = &self.creds {
            o = o
                .credentials_file(creds)
                .await
                .map_err(|e| format!("--creds {}: {e}", creds.display()))?;
        }
        if let Some((u, p)) = &self.user {
            o = o.user_and_password(u.clone(), p.clone());
        }
        if let Some(ca) = &self.tls_ca {
            if !ca.is_file() {
                return Err(format!("--tls-ca {}: not a file", ca.display()));
            }
            o = o.add_root_certificates(ca.clone()).require_tls(true);
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_urls_in_one_or_many_options() {
        let mut a = NatsArgs::default();
        assert!(a.take("nats", "nats://a:4222, nats://b:4222"));
        assert!(a.take("nats", "tls://c:4223"));
        assert!(a.take("user", "u") && a.take("password", "p"));
        assert!(!a.take("stream", "x"));
        assert_eq!(a.servers().expect("valid").len(), 3);
        assert_eq!(a.user, Some(("u".into(), "p".into())));
        a.urls = vec!["nats://bad host".into()];
        assert!(a.servers().is_err());
    }
}
