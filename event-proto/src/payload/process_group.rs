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
    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(12 + self.group_name.len());
        dst.put_slice(b"groupname:");
        dst.put_slice(self.group_name.as_bytes());
        dst.put_u8(b'\n');
    }
}

/// A [`ProcessGroupPayload`] borrowed from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessGroupView<'a> {
    /// The group name.
    pub group_name: &'a str,
}

impl<'a> ProcessGroupView<'a> {
    pub(crate) fn decode(payload: &'a [u8]) -> Result<Self, PayloadError> {
        let Some(head) = payload.strip_suffix(b"\n") else {
            return Err(PayloadError::new(payload.len(), "expected a final newline"));
        };
        let line = TokenLine::new(head);
        let mut group = None;
        line.each(|key, value, offset| {
            if key == b"groupname" {
                group = Some(line.text(value, offset)?);
            }
            Ok(())
        })?;
        Ok(ProcessGroupView {
            group_name: group.ok_or_else(|| missing(head, "groupname"))?,
        })
    }

    /// The owned payload (copies what it borrows).
    pub fn to_payload(self) -> ProcessGroupPayload {
        self.to_owned_in(None)
    }

    pub(crate) fn to_owned_in(self, parent: Option<&Bytes>) -> ProcessGroupPayload {
        ProcessGroupPayload {
            group_name: Text::from_str_in(parent, self.group_name),
        }
    }
}
