//! `PROCESS_COMMUNICATION_STDOUT` / `_STDERR` payloads ([EV-PAY-COMM]): like a log payload but
//! with no `channel` token.

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};

use super::{missing, number, output_bytes, split_body, PayloadError, TokenLine};
use crate::header::put_decimal;
use crate::text::Text;

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

    pub(crate) fn decode(payload: &Bytes) -> Result<Self, PayloadError> {
        let (head, data) = split_body(payload)?;
        let line = TokenLine::new(&head);
        let (mut pname, mut gname, mut pid) = (None, None, None);
        line.each(|key, value, offset| {
            match key {
                b"processname" => pname = Some(line.text(value, offset)?),
                b"groupname" => gname = Some(line.text(value, offset)?),
                b"pid" => pid = Some(number("pid", value, offset)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(ProcessCommunicationPayload {
            process_name: pname.ok_or_else(|| missing(&head, "processname"))?,
            group_name: gname.ok_or_else(|| missing(&head, "groupname"))?,
            pid: pid.ok_or_else(|| missing(&head, "pid"))?,
            data,
        })
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(40 + self.process_name.len() + self.group_name.len() + self.data.len());
        dst.put_slice(b"processname:");
        dst.put_slice(self.process_name.as_bytes());
        dst.put_slice(b" groupname:");
        dst.put_slice(self.group_name.as_bytes());
        dst.put_slice(b" pid:");
        put_decimal(dst, u64::from(self.pid));
        dst.put_u8(b'\n');
        dst.put_slice(&self.data);
    }
}
