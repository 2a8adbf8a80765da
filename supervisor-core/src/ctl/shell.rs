//! The interactive `supervisorctl` shell: on a terminal, a line editor with history (kept in
//! `[supervisorctl] history_file` or `-r FILE`, as 4.3 keeps its readline history) and tab
//! completion of commands, process and group names, as 4.3's `completionmatches` offers;
//! otherwise (input from a pipe) plain lines, each after the prompt.

use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use super::commands::{Ctl, COMMANDS};

/// Commands whose arguments are process names (`group:name`, `group:*`) ...
const TAKES_PROCESSES: &[&str] = &[
    "clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail",
];
/// ... and those whose arguments are group names.
const TAKES_GROUPS: &[&str] = &["add", "remove", "update"];

/// What completion offers: the daemon's names, fetched after each command.
#[derive(Debug, Default)]
pub struct Names {
    /// `name` or `group:name` for every process, and `group:*` for every group.
    pub processes: Vec<String>,
    /// Group names.
    pub groups: Vec<String>,
}

/// The candidates for the word being typed at `pos` in `line`: (where it starts, matches).
pub fn complete(line: &str, pos: usize, names: &Names) -> (usize, Vec<String>) {
    let before = line.get(..pos).unwrap_or(line);
    let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &before[start..];
    let previous: Vec<&str> = before[..start].split_whitespace().collect();
    let candidates: Vec<String> = match previous.first() {
        None => COMMANDS
            .iter()
            .chain(&["help"])
            .map(|c| (*c).to_owned())
            .collect(),
        Some(&"help") if previous.len() == 1 => COMMANDS.iter().map(|c| (*c).to_owned()).collect(),
        Some(c) if TAKES_PROCESSES.contains(c) => names.processes.clone(),
        Some(c) if TAKES_GROUPS.contains(c) => names.groups.clone(),
        Some(_) => Vec::new(),
    };
    let mut matches: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.starts_with(word))
        .collect();
    matches.sort();
    matches.dedup();
    (start, matches)
}

struct ShellHelper {
    names: Rc<RefCell<Names>>,
}

impl Helper for ShellHelper {}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, matches) = complete(line, pos, &self.names.borrow());
        let single = matches.len() == 1;
        Ok((
            start,
            matches
                .into_iter()
                .map(|m| Pair {
                    display: m.clone(),
                    replacement: if single { format!("{m} ") } else { m },
                })
                .collect(),
        ))
    }
}

/// Runs the shell until `quit`, `exit` or end of input; returns the exit status.
pub fn run(ctl: &mut Ctl, prompt: &str, history: Option<PathBuf>) -> i32 {
    if !std::io::stdin().is_terminal() {
        return run_plain(ctl, prompt);
    }
    let names = Rc::new(RefCell::new(ctl.completion_names()));
    let mut editor: Editor<ShellHelper, DefaultHistory> = match Editor::new() {
        Ok(e) => e,
        Err(_) => return run_plain(ctl, prompt),
    };
    editor.set_helper(Some(ShellHelper {
        names: Rc::clone(&names),
    }));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let status = loop {
        match editor.readline(&format!("{prompt}> ")) {
            Ok(line) => {
                let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
                if words.is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(line.trim());
                if let Some(path) = &history {
                    let _ = editor.append_history(path);
                }
                if matches!(words[0].as_str(), "quit" | "exit") {
                    break 0;
                }
                ctl.run(&words);
                *names.borrow_mut() = ctl.completion_names();
            }
            // Ctrl-C abandons the line, as in 4.3's shell.
            Err(ReadlineError::Interrupted) => println!(),
            Err(_) => {
                println!();
                break 0;
            }
        }
    };
    status
}

fn run_plain(ctl: &mut Ctl, prompt: &str) -> i32 {
    let stdin = std::io::stdin();
    loop {
        print!("{prompt}> ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => {
                println!();
                return 0;
            }
            Ok(_) => {}
        }
        let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        match words.first().map(String::as_str) {
            None => {}
            Some("quit" | "exit") => return 0,
            Some(_) => {
                ctl.run(&words);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            processes: vec![
                "web:*".into(),
                "web:web_0".into(),
                "web:web_1".into(),
                "worker".into(),
            ],
            groups: vec!["web".into(), "worker".into()],
        }
    }

    #[test]
    fn completes_commands_then_names() {
        let n = names();
        assert_eq!(
            complete("sta", 3, &n),
            (0, vec!["start".into(), "status".into()])
        );
        assert_eq!(complete("he", 2, &n), (0, vec!["help".into()]));
        assert_eq!(
            complete("help re", 7, &n).1,
            ["reload", "remove", "reread", "restart"]
        );
        assert_eq!(
            complete("stop web:w", 10, &n),
            (5, vec!["web:web_0".into(), "web:web_1".into()])
        );
        assert_eq!(
            complete("start worker w", 14, &n).1,
            ["web:*", "web:web_0", "web:web_1", "worker"]
        );
        assert_eq!(complete("update w", 8, &n).1, ["web", "worker"]);
        assert!(complete("version x", 9, &n).1.is_empty());
    }
}
