//! The `rewind` binary: parse arguments, run, map errors to exit codes.

// Replay and import allocate many small JSON nodes; mimalloc makes them
// markedly cheaper than glibc's allocator (see benches/README.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(rewind::cli::main());
}
