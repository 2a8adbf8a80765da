//! Process names in RPC calls ([PROC-GROUP-namespec]): `group:process`, `name` (group and
//! process both `name`), `group:*` and `group:` (the whole group).

/// A parsed name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameSpec {
    /// One process.
    Process {
        /// Its group.
        group: String,
        /// Its name.
        process: String,
    },
    /// A whole group.
    Group(String),
}

impl NameSpec {
    /// Parses a name as 4.3 splits it (at the first `:`).
    pub fn parse(name: &str) -> NameSpec {
        match name.split_once(':') {
            Some((group, "" | "*")) => NameSpec::Group(group.to_owned()),
            Some((group, process)) => NameSpec::Process {
                group: group.to_owned(),
                process: process.to_owned(),
            },
            None => NameSpec::Process {
                group: name.to_owned(),
                process: name.to_owned(),
            },
        }
    }
}

/// The display name: `process` when group == process, else `group:process`.
pub fn display_name(group: &str, process: &str) -> String {
    if group == process {
        process.to_owned()
    } else {
        format!("{group}:{process}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_proc_group_namespec() {
        assert_eq!(NameSpec::parse("g:*"), NameSpec::Group("g".into()));
        assert_eq!(NameSpec::parse("g:"), NameSpec::Group("g".into()));
        assert_eq!(
            NameSpec::parse("g:p"),
            NameSpec::Process {
                group: "g".into(),
                process: "p".into()
            }
        );
        assert_eq!(
            NameSpec::parse("cat"),
            NameSpec::Process {
                group: "cat".into(),
                process: "cat".into()
            }
        );
        assert_eq!(display_name("sleeper", "sleeper_00"), "sleeper:sleeper_00");
        assert_eq!(display_name("cat", "cat"), "cat");
    }
}
