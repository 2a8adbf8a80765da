//! `fatalmailbatch`: see [`examples::mailbatch`].

fn main() -> std::process::ExitCode {
    examples::mailbatch::main(examples::mailbatch::Kind::FatalMailBatch)
}
