//! Writing metric families in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.

use std::fmt::Write;

/// Which exposition format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`, the default.
    Text,
    /// `application/openmetrics-text; version=1.0.0`, when the scraper's `Accept` asks for it.
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for: OpenMetrics if it names it (Prometheus lists
    /// it first), else the text format.
    pub fn from_accept(accept: &str) -> Format {
        if accept.contains("application/openmetrics-text") {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Goes up and down.
    Gauge,
    /// Only goes up; its samples are named `<name>_total`.
    Counter,
    /// Buckets, sum and count.
    Histogram,
}

/// A document being written: families, each a `# HELP` and `# TYPE` line, then its samples.
///
/// ```
/// use supervisor_core::metrics::{Exposition, Format, Kind};
///
/// let mut doc = Exposition::new(Format::OpenMetrics);
/// doc.family("jobs", "Jobs run.", Kind::Counter);
/// doc.sample("jobs_total", &[("queue", "a\"b")], 3.0);
/// assert_eq!(
///     doc.finish(),
///     "# HELP jobs Jobs run.\n# TYPE jobs counter\njobs_total{queue=\"a\\\"b\"} 3\n# EOF\n"
/// );
/// ```
#[derive(Debug)]
pub struct Exposition {
    format: Format,
    out: String,
}

impl Exposition {
    /// An empty document.
    pub fn new(format: Format) -> Exposition {
        Exposition {
            format,
            out: String::with_capacity(4096),
        }
    }

    /// Starts a family. `name` is the base name: for a counter without `_total` (the text
    /// format's family is then called `<name>_total`, as its samples are).
    pub fn family(&mut self, name: &str, help: &str, kind: Kind) {
        let (family, kind_name) = match (kind, self.format) {
            (Kind::Counter, Format::Text) => (format!("{name}_total"), "counter"),
            (Kind::Counter, Format::OpenMetrics) => (name.to_owned(), "counter"),
            (Kind::Gauge, _) => (name.to_owned(), "gauge"),
            (Kind::Histogram, _) => (name.to_owned(), "histogram"),
        };
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {family} {help}");
        let _ = writeln!(self.out, "# TYPE {family} {kind_name}");
    }

    /// One sample: its full name (`x_total`, `x_bucket`...), labels and value.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (k, (key, v)) in labels.iter().enumerate() {
                if k > 0 {
                    self.out.push(',');
                }
                self.out.push_str(key);
                self.out.push_str("=\"");
                for c in v.chars() {
                    match c {
                        '\\' => self.out.push_str("\\\\"),
                        '"' => self.out.push_str("\\\""),
                        '\n' => self.out.push_str("\\n"),
                        c => self.out.push(c),
                    }
                }
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        write_value(&mut self.out, value);
        self.out.push('\n');
    }

    /// The finished document (OpenMetrics ends with `# EOF`).
    pub fn finish(mut self) -> String {
        if self.format == Format::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }
}

fn write_value(out: &mut String, v: f64) {
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else if v.is_nan() {
        out.push_str("NaN");
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        let _ = write!(out, "{}", v as i64);
    } else {
        let _ = write!(out, "{v}");
    }
}
