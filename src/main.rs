//! The `rewind` binary: parse arguments, run, map errors to exit codes.

fn main() {
    std::process::exit(rewind::cli::main());
}
