use std::process::ExitCode;

fn main() -> ExitCode {
    nomad_build::cli::main()
}
