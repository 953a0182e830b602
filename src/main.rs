use std::process::ExitCode;

fn main() -> ExitCode {
    nomad_build::commands::main()
}
