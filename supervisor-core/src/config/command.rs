//! `command=` splitting with POSIX shell-like rules (Python `shlex.split`, [CFG-CMD-split]).

/// Splits a command line; the error is 4.3's spawn-time text.
pub fn split(cmd: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => {
                            return Err(format!(
                                "can't parse command '{cmd}': No closing quotation"
                            ))
                        }
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.peek() {
                            Some(&n) if n == '"' || n == '\\' => {
                                word.push(n);
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        Some(c) => word.push(c),
                        None => {
                            return Err(format!(
                                "can't parse command '{cmd}': No closing quotation"
                            ))
                        }
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(n) => word.push(n),
                    None => {
                        return Err(format!("can't parse command '{cmd}': No escaped character"))
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_rules_cfg_cmd_split() {
        assert_eq!(
            split(r#"echo $HOME ~ a#b 'it''s' "x"y\z"#).expect("valid"),
            ["echo", "$HOME", "~", "a#b", "its", "xyz"]
        );
        assert_eq!(
            split(r#""a b" 'c d' e\ f"#).expect("valid"),
            ["a b", "c d", "e f"]
        );
        assert_eq!(
            split("/bin/echo a\nb c").expect("valid"),
            ["/bin/echo", "a", "b", "c"]
        );
        assert_eq!(
            split("echo 'x").expect_err("unbalanced"),
            "can't parse command 'echo 'x': No closing quotation"
        );
        assert!(split("").expect("valid").is_empty());
    }
}
