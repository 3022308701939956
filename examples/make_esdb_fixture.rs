//! Writes fixtures/eventstore/agents-db: a small EventStoreDB database folder (an
//! AI agent system's streams) laid out byte for byte as the server writes it.
//! `cargo run --example make_esdb_fixture [out-dir]`

#[path = "../tests/cli/eventstore/writer.rs"]
mod writer;

#[path = "../tests/cli/eventstore/scenario.rs"]
mod scenario;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/eventstore/agents-db").to_string());
    let out = std::path::PathBuf::from(out);
    if out.exists() {
        std::fs::remove_dir_all(&out).expect("clear the old folder");
    }
    let built = scenario::build(&out);
    let mut names: Vec<String> = std::fs::read_dir(&built.dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        let len = std::fs::metadata(built.dir.join(&n)).expect("meta").len();
        println!("{n}\t{len}");
    }
}
