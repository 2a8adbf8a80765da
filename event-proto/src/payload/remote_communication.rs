//! `REMOTE_COMMUNICATION` payloads ([EV-PAY-REMOTE], [EV-PAY-remote-raw]).

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};

use super::{split_body, PayloadError};
use crate::text::Text;

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

    pub(crate) fn decode(payload: &Bytes) -> Result<Self, PayloadError> {
        let (head, data) = split_body(payload)?;
        let Some(kind) = head.strip_prefix(b"type:") else {
            return Err(PayloadError::new(0, "expected type: at the start"));
        };
        let kind =
            Text::from_sub(&head, kind).ok_or_else(|| PayloadError::new(5, "type is not UTF-8"))?;
        Ok(RemoteCommunicationPayload { kind, data })
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(6 + self.kind.len() + self.data.len());
        dst.put_slice(b"type:");
        dst.put_slice(self.kind.as_bytes());
        dst.put_u8(b'\n');
        dst.put_slice(&self.data);
    }
}
