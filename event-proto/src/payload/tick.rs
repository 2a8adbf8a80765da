//! `TICK_5` / `TICK_60` / `TICK_3600` payloads ([EV-PAY-TICK]).

use bytes::{BufMut, BytesMut};

use super::{missing, number, PayloadError, TokenLine};
use crate::header::put_decimal;

/// `when:<epoch seconds>`: the clock boundary that was crossed ([EV-TICK-timing]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickPayload {
    /// The boundary, in seconds since the Unix epoch (a multiple of the tick period).
    pub when: u64,
}

impl TickPayload {
    pub(crate) fn decode(payload: &[u8]) -> Result<Self, PayloadError> {
        let line = TokenLine::new(payload);
        let mut when = None;
        line.each(|key, value, offset| {
            if key == b"when" {
                when = Some(number::<u64>("when", value, offset)?);
            }
            Ok(())
        })?;
        Ok(TickPayload {
            when: when.ok_or_else(|| missing(payload, "when"))?,
        })
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        dst.put_slice(b"when:");
        put_decimal(dst, self.when);
    }
}
