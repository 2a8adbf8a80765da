//! One output channel (stdout or stderr) of one process: each chunk read from the pipe goes
//! through `strip_ansi`, capture mode, the log file, the main log (at debug) and, when enabled,
//! PROCESS_LOG / PROCESS_COMMUNICATION events ([LOG-CHILD-*], [LOG-CAP-*], [EV-PAY-LOG],
//! [EV-PAY-COMM]). Pure: it returns [`OutputAction`]s and does no I/O.

use bytes::Bytes;
use event_proto::payload::{
    output_body, output_body_from, Channel, ProcessCommunicationPayload, ProcessLogPayload,
};
use event_proto::{EventType, Payload, Text};

use super::capture::{CaptureScanner, Captured};
use super::strip_ansi::strip_ansi;
use crate::log_level::{LogLevel, LogLine};

/// The settings of one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSettings {
    /// The process name.
    pub process_name: Text,
    /// The group name.
    pub group_name: Text,
    /// Which channel.
    pub channel: Channel,
    /// `strip_ansi` ([LOG-CHILD-strip]).
    pub strip_ansi: bool,
    /// `*_events_enabled`: emit PROCESS_LOG_* events.
    pub events_enabled: bool,
    /// `*_capture_maxbytes` (0: no capture mode).
    pub capture_maxbytes: usize,
    /// Copy output to the main log (the main log level is debug or lower,
    /// [LOG-MAIN-child-output]).
    pub to_main_log: bool,
}

/// What to do with a piece of output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputAction {
    /// Append to the channel's log file.
    WriteLog(Bytes),
    /// A main-log line.
    Log(LogLine),
    /// Emit an event.
    Event(EventType, Payload),
}

/// The pipeline of one channel.
#[derive(Debug)]
pub struct OutputDispatcher {
    settings: ChannelSettings,
    capture: Option<CaptureScanner>,
    pid: u32,
    pieces: Vec<Captured>,
}

impl OutputDispatcher {
    /// A dispatcher for a freshly spawned process with pid `pid`.
    pub fn new(settings: ChannelSettings, pid: u32) -> OutputDispatcher {
        let capture =
            (settings.capture_maxbytes > 0).then(|| CaptureScanner::new(settings.capture_maxbytes));
        OutputDispatcher {
            settings,
            capture,
            pid,
            pieces: Vec::new(),
        }
    }

    /// Handles one chunk read from the pipe.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<OutputAction>) {
        self.feed_bytes(Bytes::copy_from_slice(chunk), out);
    }

    /// [`OutputDispatcher::feed`] for a chunk already in shared memory (what the pipe
    /// readers produce): without `strip_ansi` it is passed on without a copy.
    pub fn feed_bytes(&mut self, chunk: Bytes, out: &mut Vec<OutputAction>) {
        let data = if self.settings.strip_ansi {
            Bytes::from(strip_ansi(&chunk))
        } else {
            chunk
        };
        match &mut self.capture {
            None => self.normal(data, out),
            Some(scanner) => {
                scanner.feed(&data, &mut self.pieces);
                self.drain(out);
            }
        }
    }

    /// The pipe reached EOF.
    pub fn finish(&mut self, out: &mut Vec<OutputAction>) {
        if let Some(scanner) = &mut self.capture {
            scanner.finish(&mut self.pieces);
            self.drain(out);
        }
    }

    fn drain(&mut self, out: &mut Vec<OutputAction>) {
        let pieces = std::mem::take(&mut self.pieces);
        for piece in pieces {
            match piece {
                Captured::Normal(data) => self.normal(data, out),
                Captured::InCapture(data) => {
                    self.main_log(&data, out);
                    self.log_event(&data, out);
                }
                Captured::Communication(block) => self.communication(block, out),
            }
        }
    }

    fn normal(&self, data: Bytes, out: &mut Vec<OutputAction>) {
        if data.is_empty() {
            return;
        }
        self.main_log(&data, out);
        self.log_event(&data, out);
        out.push(OutputAction::WriteLog(data));
    }

    fn main_log(&self, data: &[u8], out: &mut Vec<OutputAction>) {
        if self.settings.to_main_log {
            let text = String::from_utf8_lossy(&output_body(data)).into_owned();
            out.push(OutputAction::Log(LogLine::new(
                LogLevel::Debug,
                format!(
                    "'{}' {} output:\n{text}",
                    self.settings.process_name, self.settings.channel
                ),
            )));
        }
    }

    fn log_event(&self, data: &Bytes, out: &mut Vec<OutputAction>) {
        if !self.settings.events_enabled {
            return;
        }
        let event_type = match self.settings.channel {
            Channel::Stdout => EventType::ProcessLogStdout,
            Channel::Stderr => EventType::ProcessLogStderr,
        };
        let payload = ProcessLogPayload {
            process_name: self.settings.process_name.clone(),
            group_name: self.settings.group_name.clone(),
            pid: self.pid,
            channel: self.settings.channel,
            data: output_body_from(data),
        };
        out.push(OutputAction::Event(
            event_type,
            Payload::ProcessLog(payload),
        ));
    }

    fn communication(&self, block: Bytes, out: &mut Vec<OutputAction>) {
        let event_type = match self.settings.channel {
            Channel::Stdout => EventType::ProcessCommunicationStdout,
            Channel::Stderr => EventType::ProcessCommunicationStderr,
        };
        let payload = ProcessCommunicationPayload {
            process_name: self.settings.process_name.clone(),
            group_name: self.settings.group_name.clone(),
            pid: self.pid,
            data: output_body_from(&block),
        };
        out.push(OutputAction::Event(
            event_type,
            Payload::ProcessCommunication(payload),
        ));
        out.push(OutputAction::Log(LogLine::new(
            LogLevel::Debug,
            format!(
                "'{}' {} emitted a comm event",
                self.settings.process_name, self.settings.channel
            ),
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(channel: Channel) -> ChannelSettings {
        ChannelSettings {
            process_name: Text::from("talker"),
            group_name: Text::from("talker"),
            channel,
            strip_ansi: false,
            events_enabled: true,
            capture_maxbytes: 0,
            to_main_log: true,
        }
    }

    #[test]
    fn plain_output_goes_to_log_main_log_and_events() {
        let mut d = OutputDispatcher::new(settings(Channel::Stderr), 8745);
        let mut out = Vec::new();
        d.feed(b"hello stderr\n", &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[0],
            OutputAction::Log(LogLine::new(
                LogLevel::Debug,
                "'talker' stderr output:\nhello stderr\n"
            ))
        );
        let OutputAction::Event(t, payload) = &out[1] else {
            panic!("expected an event: {out:?}");
        };
        assert_eq!(*t, EventType::ProcessLogStderr);
        assert_eq!(
            &payload.to_bytes()[..],
            b"processname:talker groupname:talker pid:8745 channel:stderr\nhello stderr\n"
        );
        assert_eq!(
            out[2],
            OutputAction::WriteLog(Bytes::from_static(b"hello stderr\n"))
        );
    }

    #[test]
    fn undecodable_output_in_the_main_log_ev_pay_text() {
        let mut s = settings(Channel::Stdout);
        s.events_enabled = false;
        let mut d = OutputDispatcher::new(s, 1);
        let mut out = Vec::new();
        d.feed(b"bad \xff\n", &mut out);
        assert_eq!(
            out[0],
            OutputAction::Log(LogLine::new(
                LogLevel::Debug,
                "'talker' stdout output:\nUndecodable: b'bad \\xff\\n'"
            ))
        );
        assert_eq!(
            out[1],
            OutputAction::WriteLog(Bytes::from_static(b"bad \xff\n")),
            "raw bytes in the file"
        );
    }

    #[test]
    fn capture_mode_emits_a_comm_event_and_keeps_the_block_out_of_the_file_log_cap_normal() {
        let mut s = settings(Channel::Stdout);
        s.capture_maxbytes = 100;
        s.to_main_log = false;
        let mut d = OutputDispatcher::new(s, 8745);
        let mut out = Vec::new();
        d.feed(
            b"before<!--XSUPERVISOR:BEGIN-->captured data\nline2<!--XSUPERVISOR:END-->after",
            &mut out,
        );
        d.finish(&mut out);
        let written: Vec<u8> = out
            .iter()
            .filter_map(|a| match a {
                OutputAction::WriteLog(b) => Some(b.to_vec()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(written, b"beforeafter");
        let events: Vec<(EventType, Vec<u8>)> = out
            .iter()
            .filter_map(|a| match a {
                OutputAction::Event(t, p) => Some((*t, p.to_bytes().to_vec())),
                _ => None,
            })
            .collect();
        assert!(events.contains(&(
            EventType::ProcessCommunicationStdout,
            b"processname:talker groupname:talker pid:8745\ncaptured data\nline2".to_vec()
        )));
        let log_events = events
            .iter()
            .filter(|(t, _)| *t == EventType::ProcessLogStdout)
            .count();
        assert_eq!(
            log_events, 3,
            "before, the captured block and after are PROCESS_LOG events too"
        );
        assert!(out.contains(&OutputAction::Log(LogLine::new(
            LogLevel::Debug,
            "'talker' stdout emitted a comm event"
        ))));
    }

    #[test]
    fn strip_ansi_applies_to_log_and_events() {
        let mut s = settings(Channel::Stdout);
        s.strip_ansi = true;
        s.to_main_log = false;
        let mut d = OutputDispatcher::new(s, 2);
        let mut out = Vec::new();
        d.feed(b"\x1b[1;31mERR\x1b[0m\n", &mut out);
        assert_eq!(out[1], OutputAction::WriteLog(Bytes::from_static(b"ERR\n")));
        let OutputAction::Event(_, p) = &out[0] else {
            panic!("expected an event");
        };
        assert!(p.to_bytes().ends_with(b"\nERR\n"));
    }
}
