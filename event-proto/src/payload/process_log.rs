//! `PROCESS_LOG_STDOUT` / `PROCESS_LOG_STDERR` payloads ([EV-PAY-LOG]).

use std::borrow::Cow;
use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use super::{
    encode_process_tokens, missing, output_bytes, output_slice, OutputTokens, PayloadError,
};
use crate::text::{sub_bytes, Text};

/// A child output channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Channel {
    /// `stdout` or `stderr`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `processname:P groupname:G pid:N channel:C\n<data>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessLogPayload {
    /// The process name.
    pub process_name: Text,
    /// The group name.
    pub group_name: Text,
    /// The process id.
    pub pid: u32,
    /// Which channel the output came from.
    pub channel: Channel,
    /// The body as sent: the output chunk, or `Undecodable: b'...'` when it was not UTF-8
    /// ([EV-PAY-text]). [`ProcessLogPayload::output`] recovers the raw bytes.
    pub data: Bytes,
}

impl ProcessLogPayload {
    /// The child's raw output bytes (undoing 4.3's `Undecodable:` rewriting).
    pub fn output(&self) -> Bytes {
        output_bytes(&self.data)
    }

    /// The body as text, lossily decoded.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.data)
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(48 + self.process_name.len() + self.group_name.len() + self.data.len());
        encode_process_tokens(dst, &self.process_name, &self.group_name, self.pid);
        dst.put_slice(b" channel:");
        dst.put_slice(self.channel.as_str().as_bytes());
        dst.put_u8(b'\n');
        dst.put_slice(&self.data);
    }
}

/// A [`ProcessLogPayload`] borrowed from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessLogView<'a> {
    /// The process name.
    pub process_name: &'a str,
    /// The group name.
    pub group_name: &'a str,
    /// The process id.
    pub pid: u32,
    /// Which channel the output came from.
    pub channel: Channel,
    /// The body as sent (see [`ProcessLogPayload::data`]).
    pub data: &'a [u8],
}

impl<'a> ProcessLogView<'a> {
    #[inline]
    pub(crate) fn decode(payload: &'a [u8]) -> Result<Self, PayloadError> {
        let (t, head, data) = OutputTokens::split(payload)?;
        Ok(ProcessLogView {
            process_name: t.process_name,
            group_name: t.group_name,
            pid: t.pid,
            channel: t.channel.ok_or_else(|| missing(head, "channel"))?,
            data,
        })
    }

    /// The child's raw output bytes (undoing 4.3's `Undecodable:` rewriting; borrowed unless
    /// it did).
    pub fn output(&self) -> Cow<'a, [u8]> {
        output_slice(self.data)
    }

    /// The body as text, lossily decoded.
    pub fn text(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.data)
    }

    /// The owned payload (copies what it borrows).
    pub fn to_payload(self) -> ProcessLogPayload {
        self.to_owned_in(None)
    }

    pub(crate) fn to_owned_in(self, parent: Option<&Bytes>) -> ProcessLogPayload {
        ProcessLogPayload {
            process_name: Text::from_str_in(parent, self.process_name),
            group_name: Text::from_str_in(parent, self.group_name),
            pid: self.pid,
            channel: self.channel,
            data: sub_bytes(parent, self.data),
        }
    }
}
