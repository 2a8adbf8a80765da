//! `[group:x]` ([CFG-GROUP-*]): which programs run in which named group.

use std::path::Path;

use super::ctx::{base_names, section_here, Ctx};
use crate::config::ini::Section;
use crate::config::values;

/// A program listed in a `[group:x] programs=`.
pub(super) struct GroupMember {
    /// The program (or fcgi-program) name.
    pub(super) program: String,
    /// The group's name.
    pub(super) group: String,
    /// The group's `priority=`.
    pub(super) priority: i32,
}

/// Every program named by a `[group:x]`, in file order; `here` is the main file's
/// directory.
pub(super) fn groups(ctx: &mut Ctx, sections: &[Section], here: &Path) -> Vec<GroupMember> {
    let mut group_of: Vec<GroupMember> = Vec::new();
    for s in sections.iter().filter(|s| s.name.starts_with("group:")) {
        let gname = match values::name(&s.name["group:".len()..]) {
            Ok(n) => n,
            Err(m) => {
                ctx.err(s, None, m);
                continue;
            }
        };
        let gnames = base_names(&section_here(here, s), &[]);
        let priority = ctx.get(s, "priority", 999, &gnames, values::integer) as i32;
        let programs = ctx.get(s, "programs", Vec::new(), &gnames, |v| Ok(values::list(v)));
        for p in programs {
            let as_program = sections.iter().any(|x| x.name == format!("program:{p}"));
            let as_fcgi = sections
                .iter()
                .any(|x| x.name == format!("fcgi-program:{p}"));
            if as_program && as_fcgi {
                ctx.err(
                    s,
                    s.get("programs"),
                    format!("name {p} is ambiguous (exists as program and fcgi-program)"),
                );
                continue;
            }
            if !as_program && !as_fcgi {
                ctx.err(
                    s,
                    s.get("programs"),
                    format!("names unknown program or fcgi-program {p}"),
                );
                continue;
            }
            group_of.push(GroupMember {
                program: p,
                group: gname.clone(),
                priority,
            });
        }
    }
    group_of
}
