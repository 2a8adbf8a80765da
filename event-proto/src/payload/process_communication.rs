//! `PROCESS_COMMUNICATION_STDOUT` / `_STDERR` payloads ([EV-PAY-COMM]): like a log payload but
//! with no `channel` token.

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};

use super::{encode_process_tokens, output_bytes, output_slice, OutputTokens, PayloadError};
use crate::text::{sub_bytes, Text};

/// `processname:P groupname:G pid:N\n<data>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessCommunicationPayload {
    /// The process name.
    pub process_name: Text,
    /// The group name.
    pub group_name: Text,
    /// The process id.
    pub pid: u32,
    /// The captured block as sent (see [`super::output_body`]).
    pub data: Bytes,
}

impl ProcessCommunicationPayload {
    /// The captured raw bytes (undoing 4.3's `Undecodable:` rewriting).
    pub fn output(&self) -> Bytes {
        output_bytes(&self.data)
    }

    /// The body as text, lossily decoded.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.data)
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(40 + self.process_name.len() + self.group_name.len() + self.data.len());
        encode_process_tokens(dst, &self.process_name, &self.group_name, self.pid);
        dst.put_u8(b'\n');
        dst.put_slice(&self.data);
    }
}

/// A [`ProcessCommunicationPayload`] borrowed from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessCommunicationView<'a> {
    /// The process name.
    pub process_name: &'a str,
    /// The group name.
    pub group_name: &'a str,
    /// The process id.
    pub pid: u32,
    /// The captured block as sent (see [`ProcessCommunicationPayload::data`]).
    pub data: &'a [u8],
}

impl<'a> ProcessCommunicationView<'a> {
    pub(crate) fn decode(payload: &'a [u8]) -> Result<Self, PayloadError> {
        let (t, _, data) = OutputTokens::split(payload)?;
        Ok(ProcessCommunicationView {
            process_name: t.process_name,
            group_name: t.group_name,
            pid: t.pid,
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
    pub fn to_payload(self) -> ProcessCommunicationPayload {
        self.to_owned_in(None)
    }

    pub(crate) fn to_owned_in(self, parent: Option<&Bytes>) -> ProcessCommunicationPayload {
        ProcessCommunicationPayload {
            process_name: Text::from_str_in(parent, self.process_name),
            group_name: Text::from_str_in(parent, self.group_name),
            pid: self.pid,
            data: sub_bytes(parent, self.data),
        }
    }
}
