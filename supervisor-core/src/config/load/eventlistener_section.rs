//! `[eventlistener:x]`'s own keys ([CFG-EL-*]): the pool's events, buffer and result
//! handler; its other keys are a program's.

use event_proto::EventMask;

use super::ctx::Ctx;
use crate::config::expand::Expansions;
use crate::config::ini::Section;
use crate::config::values;
use crate::pool::PoolSettings;

/// The only result handler a Rust daemon can run ([EV-RH-contract]).
const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";

/// Adds the pool of listener section `s` (named `pname`) to `pools` and returns its index;
/// `None` after recording an error.
pub(super) fn pool(
    ctx: &mut Ctx,
    s: &Section,
    pname: &str,
    early: &Expansions,
    identifier: &str,
    pools: &mut Vec<PoolSettings>,
) -> Option<usize> {
    let Some(ev) = s.get("events") else {
        ctx.err(
            s,
            None,
            format!("[{}] section requires an \"events\" line", s.name),
        );
        return None;
    };
    let mask = match EventMask::parse_list(&ev.value) {
        Ok(m) if !m.is_empty() => m,
        Ok(_) => {
            ctx.err(
                s,
                Some(ev),
                format!("[{}] section requires an \"events\" line", s.name),
            );
            return None;
        }
        Err(e) => {
            ctx.err(
                s,
                Some(ev),
                format!("Unknown event type {} in [{}] events", e.name, s.name),
            );
            return None;
        }
    };
    let buffer_size = ctx.get(s, "buffer_size", 10, early, values::integer);
    if buffer_size < 1 {
        ctx.err(
            s,
            s.get("buffer_size"),
            format!(
                "[{}] section sets invalid buffer_size ({buffer_size})",
                s.name
            ),
        );
    }
    if let Some(rh) = s.get("result_handler") {
        if rh.value.trim() != DEFAULT_RESULT_HANDLER {
            ctx.err(
                s,
                Some(rh),
                format!(
                    "{} cannot be resolved within [{}] (only {DEFAULT_RESULT_HANDLER} is built in)",
                    rh.value.trim(),
                    s.name
                ),
            );
        }
    }
    let exit_details = ctx.get(s, "exit_details", false, early, values::boolean);
    pools.push(PoolSettings {
        name: pname.to_owned(),
        events: mask,
        buffer_size: buffer_size.max(1) as usize,
        len_unit: event_proto::LenUnit::Chars,
        server: identifier.to_owned(),
        exit_details,
    });
    Some(pools.len() - 1)
}
