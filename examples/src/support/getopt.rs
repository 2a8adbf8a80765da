//! Command-line parsing with Python `getopt.getopt`'s rules, so the superlance ports accept
//! exactly the command lines superlance does: `-pNAME`, `-p NAME`, clustered flags (`-ac`),
//! `--program=NAME`, `--program NAME`, unique prefixes of long options (`--prog`), and
//! option parsing stops at the first non-option argument or `--`.

/// One option a program takes.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The short letter, if any.
    pub short: Option<char>,
    /// The long name (without `--`).
    pub long: &'static str,
    /// Whether it takes a value.
    pub takes_value: bool,
}

/// An option as given: its long name (the canonical key) and value.
pub type Given = (&'static str, Option<String>);

/// Parses `args`; returns the options in order and the remaining arguments, or the message
/// Python's getopt would raise.
pub fn parse(specs: &[Spec], args: &[String]) -> Result<(Vec<Given>, Vec<String>), String> {
    parse_with_extensions(specs, &[], args)
}

/// [`parse`] with `extensions` (our options beyond superlance's) accepted too, but only when
/// spelled in full: an abbreviation superlance accepts keeps meaning what it means there.
pub fn parse_with_extensions(
    specs: &[Spec],
    extensions: &[Spec],
    args: &[String],
) -> Result<(Vec<Given>, Vec<String>), String> {
    let mut given = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let spec = match specs.iter().chain(extensions).find(|s| s.long == name) {
                Some(s) => s,
                None => {
                    let matches: Vec<&Spec> =
                        specs.iter().filter(|s| s.long.starts_with(name)).collect();
                    match matches.as_slice() {
                        [one] => *one,
                        [] => return Err(format!("option --{name} not recognized")),
                        _ => return Err(format!("option --{name} not a unique prefix")),
                    }
                }
            };
            if spec.takes_value {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i)
                            .cloned()
                            .ok_or_else(|| format!("option --{} requires argument", spec.long))?
                    }
                };
                given.push((spec.long, Some(value)));
            } else if inline.is_some() {
                return Err(format!("option --{} must not have an argument", spec.long));
            } else {
                given.push((spec.long, None));
            }
            i += 1;
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
            break; // first non-option argument
        };
        for (at, c) in cluster.char_indices() {
            let spec = specs
                .iter()
                .find(|s| s.short == Some(c))
                .ok_or_else(|| format!("option -{c} not recognized"))?;
            if spec.takes_value {
                let rest = &cluster[at + c.len_utf8()..];
                let value = if rest.is_empty() {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| format!("option -{c} requires argument"))?
                } else {
                    rest.to_owned()
                };
                given.push((spec.long, Some(value)));
                break;
            }
            given.push((spec.long, None));
        }
        i += 1;
    }
    Ok((given, args[i.min(args.len())..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[Spec] = &[
        Spec {
            short: Some('p'),
            long: "program",
            takes_value: true,
        },
        Spec {
            short: Some('a'),
            long: "any",
            takes_value: false,
        },
        Spec {
            short: Some('c'),
            long: "cumulative",
            takes_value: false,
        },
        Spec {
            short: None,
            long: "not-eager",
            takes_value: false,
        },
    ];

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn forms_python_getopt_accepts() {
        let (g, rest) = parse(
            SPECS,
            &args(&[
                "-pweb",
                "-p",
                "db",
                "-ac",
                "--program=x",
                "--prog",
                "y",
                "--not",
                "url",
                "-a",
            ]),
        )
        .expect("parses");
        let names: Vec<_> = g.iter().map(|(n, v)| (*n, v.as_deref())).collect();
        assert_eq!(
            names,
            [
                ("program", Some("web")),
                ("program", Some("db")),
                ("any", None),
                ("cumulative", None),
                ("program", Some("x")),
                ("program", Some("y")),
                ("not-eager", None)
            ]
        );
        assert_eq!(rest, ["url", "-a"]);
    }

    #[test]
    fn errors_python_getopt_raises() {
        assert!(parse(SPECS, &args(&["-z"])).is_err());
        assert!(parse(SPECS, &args(&["-p"])).is_err());
        assert!(parse(SPECS, &args(&["--any=1"])).is_err());
        assert!(parse(SPECS, &args(&["--nope"])).is_err());
    }

    #[test]
    fn extensions_only_in_full() {
        let ext = [Spec {
            short: None,
            long: "princess",
            takes_value: false,
        }];
        let (g, _) = parse_with_extensions(SPECS, &ext, &args(&["--pr", "x", "--princess"]))
            .expect("parses");
        let names: Vec<_> = g.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["program", "princess"]);
        assert!(parse_with_extensions(SPECS, &ext, &args(&["--princ"])).is_err());
    }
}
