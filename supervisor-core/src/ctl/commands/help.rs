//! `help`: the command list, or one command's usage.

use std::io::Write;

/// The command names, as `help` lists them.
pub const COMMANDS: &[&str] = &[
    "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "pools", "quit", "reload",
    "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail",
    "update", "version",
];

/// `help [<topic>]`.
pub(super) fn help(out: &mut dyn Write, args: &[&str]) {
    if let Some(topic) = args.first() {
        outln!(out, "{}", usage(topic));
        return;
    }
    outln!(out);
    outln!(out, "default commands (type help <topic>):");
    outln!(out, "=====================================");
    for row in COMMANDS.chunks(10) {
        outln!(
            out,
            "{}",
            row.iter()
                .map(|c| format!("{c:<9}"))
                .collect::<String>()
                .trim_end()
        );
    }
    outln!(out);
}

/// One command's usage (`help <topic>`, and after a usage error), in our own words.
pub fn usage(topic: &str) -> String {
    let text = match topic {
        "status" => "status [--json] [<name>|<group>:*|all]...\tshow processes (all by default; --json: as a JSON array)",
        "start" => "start <name>|<group>:*|all...\tstart processes",
        "stop" => "stop <name>|<group>:*|all...\tstop processes",
        "restart" => "restart <name>|<group>:*|all...\tstop, then start processes",
        "signal" => "signal <signal> <name>|<group>:*|all...\tsend a signal (HUP, USR1, 15...)",
        "pid" => "pid [<name>...|all]\tthe pid of supervisord, or of processes",
        "tail" => "tail [-f|-<bytes>] <name> [stdout|stderr]\tthe end of a process log (1600 bytes of stdout by default; -f follows it)",
        "maintail" => "maintail [-f|-<bytes>]\tthe end of supervisord's own log",
        "pools" => "pools [--json]\teach event-listener pool's counters and listener states",
        "clear" => "clear <name>...|all\tempty process logs",
        "avail" => "avail\t\t\tevery configured process and whether it is in use",
        "reread" => "reread\t\t\tread the configuration again and report what changed (nothing is started or stopped)",
        "update" => "update [all|<group>...]\tapply the configuration: remove, change and add groups",
        "add" => "add <group>...\t\tactivate groups from the configuration",
        "remove" => "remove <group>...\tremove stopped groups",
        "reload" => "reload\t\t\trestart supervisord",
        "shutdown" => "shutdown\t\tstop every process, then supervisord",
        "version" => "version\t\t\tthe version of supervisord",
        "open" => "open <url>\t\tconnect to another supervisord (unix:// or http://)",
        "fg" => "fg <name>\t\tattach to a process: its output, and your input as its stdin",
        "help" => "help [<command>]\tlist commands, or explain one",
        "quit" | "exit" => "quit\t\t\tleave the shell",
        other => return format!("*** No help on {other}"),
    };
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::{no_daemon, run};

    #[test]
    fn help_lists_the_commands_ten_to_a_row() {
        let (text, code) = run(&mut no_daemon(), &["help"]);
        assert_eq!(
            text,
            "\n\
             default commands (type help <topic>):\n\
             =====================================\n\
             add      avail    clear    exit     fg       maintail open     pid      pools    quit\n\
             reload   remove   reread   restart  shutdown signal   start    status   stop     tail\n\
             update   version\n\
             \n"
        );
        assert_eq!(code, 0);
    }

    #[test]
    fn help_on_a_topic_is_its_usage() {
        let (text, code) = run(&mut no_daemon(), &["help", "start"]);
        assert_eq!(text, "start <name>|<group>:*|all...\tstart processes\n");
        assert_eq!(code, 0);
        let (text, code) = run(&mut no_daemon(), &["help", "frobnicate"]);
        assert_eq!(text, "*** No help on frobnicate\n");
        assert_eq!(code, 0);
    }

    #[test]
    fn every_command_has_a_usage() {
        for c in COMMANDS {
            assert!(!usage(c).starts_with("***"), "{c}");
            assert!(usage(c).contains('\t'), "{c}");
        }
        assert!(usage("help").starts_with("help "));
    }
}
