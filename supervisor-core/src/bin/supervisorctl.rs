//! `supervisorctl`: see [`supervisor_core::ctl`].

fn main() -> std::process::ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = supervisor_core::ctl::run(&argv);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
