//! benches package (publish = false): criterion benches live in benches/benches; this library
//! holds what the end-to-end benches share.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles one of the C helpers in `benches/e2e` (`<name>.c`) into `dir` and returns the
/// binary's path. Panics if gcc fails: a bench without its ceiling is not worth running.
pub fn build_c(dir: &Path, name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("e2e")
        .join(format!("{name}.c"));
    let bin = dir.join(name);
    let status = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc {name}.c failed");
    bin
}
