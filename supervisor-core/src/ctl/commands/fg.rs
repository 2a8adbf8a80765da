//! `fg`: a process in the foreground.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{s, Ctl, ERROR};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

impl Ctl {
    /// [CTL-fg]: the process's output streamed here, and each line typed sent to its stdin,
    /// until EOF (Ctrl-D) or the process stops.
    pub(super) fn fg(&mut self, out: &mut dyn Write, args: &[&str]) {
        let name = match args {
            [] => {
                outln!(out, "ERROR: no process name supplied");
                self.fail(ERROR);
                return;
            }
            [name] => (*name).to_owned(),
            _ => {
                outln!(out, "ERROR: too many process names supplied");
                self.fail(ERROR);
                return;
            }
        };
        if !self.upcheck(out, false) {
            return;
        }
        match self.call(Method::GetProcessInfo, vec![Value::from(name.as_str())]) {
            Ok(info) if s(&info, "statename") == "RUNNING" => {}
            Ok(_) => {
                outln!(out, "ERROR: process not running");
                self.fail(ERROR);
                return;
            }
            Err(CallError::Fault(Fault::BAD_NAME, _)) => {
                outln!(out, "ERROR: bad process name supplied");
                self.fail(ERROR);
                return;
            }
            Err(e) => {
                self.generic(out, &e);
                return;
            }
        }
        outln!(out, "==> Press Ctrl-C to exit <==");
        let client = self.client.clone();
        let message = self.rt.block_on(async {
            // The tails run as tasks of their own, so they hand their chunks to this loop,
            // which writes each one and flushes.
            let (chunk_tx, mut chunks) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
            let tails: Vec<_> = ["stdout", "stderr"]
                .into_iter()
                .map(|channel| {
                    let client = client.clone();
                    let chunk_tx = chunk_tx.clone();
                    let path = format!("/logtail/{name}/{channel}");
                    tokio::spawn(async move {
                        let _ = client
                            .follow(&path, |chunk| {
                                let _ = chunk_tx.send(chunk.to_vec());
                            })
                            .await;
                    })
                })
                .collect();
            drop(chunk_tx);
            let mut write = |chunk: &[u8]| {
                let _ = out.write_all(chunk);
                let _ = out.flush();
            };
            let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<Option<String>>();
            std::thread::spawn(move || {
                let stdin = std::io::stdin();
                loop {
                    let mut line = String::new();
                    match stdin.read_line(&mut line) {
                        Ok(0) | Err(_) => {
                            let _ = tx.send(None);
                            return;
                        }
                        Ok(_) => {
                            if tx.send(Some(line)).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
            let mut check = tokio::time::interval(std::time::Duration::from_secs(1));
            let message = loop {
                tokio::select! {
                    Some(chunk) = chunks.recv() => write(&chunk),
                    line = lines.recv() => match line {
                        Some(Some(text)) => {
                            let chars = format!("{}\n", text.trim_end_matches(['\r', '\n']));
                            let _ = client
                                .call(Method::SendProcessStdin.wire(), vec![Value::from(name.as_str()), Value::from(chars)])
                                .await;
                        }
                        _ => break "Exiting foreground",
                    },
                    _ = check.tick() => {
                        let running = client
                            .call(Method::GetProcessInfo.wire(), vec![Value::from(name.as_str())])
                            .await
                            .is_ok_and(|i| s(&i, "statename") == "RUNNING");
                        if !running {
                            break "Process got killed";
                        }
                    }
                }
            };
            for t in tails {
                t.abort();
            }
            // What the tails had already received is shown, as it was when they wrote it.
            while let Ok(chunk) = chunks.try_recv() {
                write(&chunk);
            }
            message
        });
        outln!(out);
        outln!(out, "{message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::{no_daemon, run};

    #[test]
    fn exactly_one_name() {
        let (text, code) = run(&mut no_daemon(), &["fg"]);
        assert_eq!(text, "ERROR: no process name supplied\n");
        assert_eq!(code, ERROR);
        let (text, code) = run(&mut no_daemon(), &["fg", "a", "b"]);
        assert_eq!(text, "ERROR: too many process names supplied\n");
        assert_eq!(code, ERROR);
    }
}
