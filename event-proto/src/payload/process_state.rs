//! `PROCESS_STATE_*` payloads ([EV-PAY-STARTING] ... [EV-PAY-UNKNOWN]).

use bytes::{BufMut, Bytes, BytesMut};

use super::{missing, number, utf8, PayloadError, TokenLine};
use crate::header::put_decimal;
use crate::state::ProcessState;
use crate::text::Text;
use crate::tokens::canonical;

/// `processname:P groupname:G from_state:S` plus, depending on the new state, `expected`,
/// `tries` and `pid` (always written in that order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessStatePayload {
    /// The process name.
    pub process_name: Text,
    /// The group name ([EV-PAY-names]).
    pub group_name: Text,
    /// The state before the change ([EV-PAY-from]).
    pub from_state: ProcessState,
    /// EXITED only: whether the exit status was in `exitcodes` ([EV-PAY-expected]).
    pub expected: Option<bool>,
    /// STARTING and BACKOFF only: the backoff count ([EV-PAY-tries]).
    pub tries: Option<u32>,
    /// RUNNING, STOPPING, EXITED and STOPPED only: the pid ([EV-PAY-pid]).
    pub pid: Option<u32>,
}

impl ProcessStatePayload {
    /// The payload 4.3 sends for a change `from` → `to`: it picks the fields `to` carries
    /// (STARTING/BACKOFF: `tries`; RUNNING/STOPPING/STOPPED: `pid`; EXITED: `expected` and
    /// `pid`; FATAL/UNKNOWN: none).
    pub fn transition(
        process_name: Text,
        group_name: Text,
        from: ProcessState,
        to: ProcessState,
        tries: u32,
        pid: u32,
        expected: bool,
    ) -> ProcessStatePayload {
        use ProcessState as S;
        let (expected, tries, pid) = match to {
            S::Starting | S::Backoff => (None, Some(tries), None),
            S::Running | S::Stopping | S::Stopped => (None, None, Some(pid)),
            S::Exited => (Some(expected), None, Some(pid)),
            S::Fatal | S::Unknown => (None, None, None),
        };
        ProcessStatePayload {
            process_name,
            group_name,
            from_state: from,
            expected,
            tries,
            pid,
        }
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(64 + self.process_name.len() + self.group_name.len());
        dst.put_slice(b"processname:");
        dst.put_slice(self.process_name.as_bytes());
        dst.put_slice(b" groupname:");
        dst.put_slice(self.group_name.as_bytes());
        dst.put_slice(b" from_state:");
        dst.put_slice(self.from_state.as_str().as_bytes());
        if let Some(expected) = self.expected {
            dst.put_slice(if expected {
                b" expected:1"
            } else {
                b" expected:0"
            });
        }
        if let Some(tries) = self.tries {
            dst.put_slice(b" tries:");
            put_decimal(dst, u64::from(tries));
        }
        if let Some(pid) = self.pid {
            dst.put_slice(b" pid:");
            put_decimal(dst, u64::from(pid));
        }
    }
}

/// A [`ProcessStatePayload`] borrowed from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStateView<'a> {
    /// The process name.
    pub process_name: &'a str,
    /// The group name ([EV-PAY-names]).
    pub group_name: &'a str,
    /// The state before the change ([EV-PAY-from]).
    pub from_state: ProcessState,
    /// EXITED only: whether the exit status was in `exitcodes` ([EV-PAY-expected]).
    pub expected: Option<bool>,
    /// STARTING and BACKOFF only: the backoff count ([EV-PAY-tries]).
    pub tries: Option<u32>,
    /// RUNNING, STOPPING, EXITED and STOPPED only: the pid ([EV-PAY-pid]).
    pub pid: Option<u32>,
}

impl<'a> ProcessStateView<'a> {
    pub(crate) fn decode(payload: &'a [u8]) -> Result<Self, PayloadError> {
        if let Some(p) = Self::decode_canonical(payload) {
            return Ok(p);
        }
        let line = TokenLine::new(payload);
        let (mut pname, mut gname, mut from) = (None, None, None);
        let (mut expected, mut tries, mut pid) = (None, None, None);
        line.each(|key, value, offset| {
            match key {
                b"processname" => pname = Some(line.text(value, offset)?),
                b"groupname" => gname = Some(line.text(value, offset)?),
                b"from_state" => {
                    let name = line.text(value, offset)?;
                    from = Some(name.parse::<ProcessState>().map_err(|_| {
                        PayloadError::new(offset, format!("unknown from_state {name:?}"))
                    })?);
                }
                b"expected" => {
                    expected = Some(match value {
                        b"0" => false,
                        b"1" => true,
                        _ => return Err(PayloadError::new(offset, "expected must be 0 or 1")),
                    })
                }
                b"tries" => tries = Some(number("tries", value, offset)?),
                b"pid" => pid = Some(number("pid", value, offset)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(ProcessStateView {
            process_name: pname.ok_or_else(|| missing(payload, "processname"))?,
            group_name: gname.ok_or_else(|| missing(payload, "groupname"))?,
            from_state: from.ok_or_else(|| missing(payload, "from_state"))?,
            expected,
            tries,
            pid,
        })
    }

    /// 4.3's exact layout, parsed in one pass; `None` sends the caller to the general parser
    /// (which also produces the precise error).
    fn decode_canonical(payload: &'a [u8]) -> Option<Self> {
        let (pname, rest) = canonical(payload, b"processname:")?;
        let (gname, rest) = canonical(rest, b" groupname:")?;
        let (from, mut rest) = canonical(rest, b" from_state:")?;
        let from_state = ProcessState::from_name(from)?;
        let mut expected = None;
        if let Some((v, r)) = canonical(rest, b" expected:") {
            expected = Some(match v {
                b"0" => false,
                b"1" => true,
                _ => return None,
            });
            rest = r;
        }
        let mut tries = None;
        if let Some((v, r)) = canonical(rest, b" tries:") {
            tries = Some(number::<u32>("tries", v, 0).ok()?);
            rest = r;
        }
        let mut pid = None;
        if let Some((v, r)) = canonical(rest, b" pid:") {
            pid = Some(number::<u32>("pid", v, 0).ok()?);
            rest = r;
        }
        if !rest.is_empty() {
            return None;
        }
        Some(ProcessStateView {
            process_name: utf8(pname)?,
            group_name: utf8(gname)?,
            from_state,
            expected,
            tries,
            pid,
        })
    }

    /// The owned payload (copies what it borrows).
    pub fn to_payload(self) -> ProcessStatePayload {
        self.to_owned_in(None)
    }

    pub(crate) fn to_owned_in(self, parent: Option<&Bytes>) -> ProcessStatePayload {
        ProcessStatePayload {
            process_name: Text::from_str_in(parent, self.process_name),
            group_name: Text::from_str_in(parent, self.group_name),
            from_state: self.from_state,
            expected: self.expected,
            tries: self.tries,
            pid: self.pid,
        }
    }
}
