//! `REMOTE_COMMUNICATION` payloads ([EV-PAY-REMOTE], [EV-PAY-remote-raw]).

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};

use super::{split_body, utf8, PayloadError};
use crate::text::{sub_bytes, Text};

/// `type:<type>\n<data>`; the type is everything up to the first newline, verbatim (it may
/// hold spaces and colons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCommunicationPayload {
    /// The `type` argument of `sendRemoteCommEvent`.
    pub kind: Text,
    /// The `data` argument, as sent.
    pub data: Bytes,
}

impl RemoteCommunicationPayload {
    /// The data as text, lossily decoded.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.data)
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(6 + self.kind.len() + self.data.len());
        dst.put_slice(b"type:");
        dst.put_slice(self.kind.as_bytes());
        dst.put_u8(b'\n');
        dst.put_slice(&self.data);
    }
}

/// A [`RemoteCommunicationPayload`] borrowed from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteCommunicationView<'a> {
    /// The `type` argument of `sendRemoteCommEvent`.
    pub kind: &'a str,
    /// The `data` argument, as sent.
    pub data: &'a [u8],
}

impl<'a> RemoteCommunicationView<'a> {
    pub(crate) fn decode(payload: &'a [u8]) -> Result<Self, PayloadError> {
        let (head, data) = split_body(payload)?;
        let Some(kind) = head.strip_prefix(b"type:") else {
            return Err(PayloadError::new(0, "expected type: at the start"));
        };
        let kind = utf8(kind).ok_or_else(|| PayloadError::new(5, "type is not UTF-8"))?;
        Ok(RemoteCommunicationView { kind, data })
    }

    /// The data as text, lossily decoded.
    pub fn text(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.data)
    }

    /// The owned payload (copies what it borrows).
    pub fn to_payload(self) -> RemoteCommunicationPayload {
        self.to_owned_in(None)
    }

    pub(crate) fn to_owned_in(self, parent: Option<&Bytes>) -> RemoteCommunicationPayload {
        RemoteCommunicationPayload {
            kind: Text::from_str_in(parent, self.kind),
            data: sub_bytes(parent, self.data),
        }
    }
}
