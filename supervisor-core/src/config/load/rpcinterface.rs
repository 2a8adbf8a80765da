//! `[rpcinterface:x]` ([CFG-RPCI-*]): only the built-in interface can be named.

use super::ctx::Ctx;
use crate::config::ini::Section;

/// The only RPC interface factory ([CFG-RPCI-main]).
const MAIN_RPC_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";

/// Checks every `[rpcinterface:x]` section names the built-in factory.
pub(super) fn check(ctx: &mut Ctx, sections: &[Section]) {
    for s in sections
        .iter()
        .filter(|s| s.name.starts_with("rpcinterface:"))
    {
        match s.get("supervisor.rpcinterface_factory") {
            None => ctx.err(
                s,
                None,
                format!(
                    "section [{}] does not specify a supervisor.rpcinterface_factory",
                    s.name
                ),
            ),
            Some(e) if e.value.trim() != MAIN_RPC_FACTORY => ctx.err(
                s,
                Some(e),
                format!(
                    "{} cannot be resolved within [{}] (only {MAIN_RPC_FACTORY} is built in)",
                    e.value.trim(),
                    s.name
                ),
            ),
            Some(_) => {}
        }
    }
}
