//! `PROCESS_GROUP_ADDED` / `PROCESS_GROUP_REMOVED` payloads ([EV-PAY-group]).

use bytes::{BufMut, Bytes, BytesMut};

use super::{missing, PayloadError, TokenLine};
use crate::text::Text;

/// `groupname:<name>\n`: unlike every other token set, it ends with a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessGroupPayload {
    /// The group name.
    pub group_name: Text,
}

impl ProcessGroupPayload {
    pub(crate) fn decode(payload: &Bytes) -> Result<Self, PayloadError> {
        let head = match payload.strip_suffix(b"\n") {
            Some(head) => payload.slice_ref(head),
            None => return Err(PayloadError::new(payload.len(), "expected a final newline")),
        };
        let line = TokenLine::new(&head);
        let mut group = None;
        line.each(|key, value, offset| {
            if key == b"groupname" {
                group = Some(line.text(value, offset)?);
            }
            Ok(())
        })?;
        Ok(ProcessGroupPayload {
            group_name: group.ok_or_else(|| missing(&head, "groupname"))?,
        })
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(12 + self.group_name.len());
        dst.put_slice(b"groupname:");
        dst.put_slice(self.group_name.as_bytes());
        dst.put_u8(b'\n');
    }
}
