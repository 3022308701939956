//! Command-line arguments (docs/cli.md). Only this module knows clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "rewind",
    version,
    about = "Time-travel debugger for event-sourced systems: import event logs and snapshots, rebuild state at any point, diff any two moments.",
    args_conflicts_with_subcommands = true,
    after_help = "Points (P): N (position; 0 = before the first event), start, end, end-N, id:EVENT_ID, STREAM@SEQ, or an RFC 3339 time.\nExit codes: 0 ok / no differences, 1 differences found (diff, compare, verify), 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Inputs to open (the TUI on a terminal; otherwise what `import` prints).
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub common: Common,

    /// Force the input format.
    #[arg(long = "format", value_name = "FMT", global = false)]
    pub format: Option<String>,
}

/// Options every command takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    /// Cache file to use (default: under $REWIND_CACHE_DIR, keyed by the inputs).
    #[arg(long, global = true, value_name = "FILE")]
    pub cache: Option<PathBuf>,
    /// Force the input format (same as --format on commands whose --format is an output format).
    #[arg(long, global = true, value_name = "FMT")]
    pub input_format: Option<String>,
    /// Rules file: field mapping overrides and reducer rules.
    #[arg(long, global = true, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Make the first bad record an error instead of skipping it.
    #[arg(long, global = true)]
    pub strict: bool,
    /// Whether keyed records (DynamoDB items, Cosmos documents) are events or entity
    /// states (default: per record, by the presence of type and data fields).
    #[arg(long, global = true, value_enum, value_name = "KIND")]
    pub records: Option<RecordsArg>,
    /// Key attributes of state items, e.g. `--key pk,sk`.
    #[arg(long, global = true, value_name = "A,B", value_delimiter = ',')]
    pub key: Vec<String>,
    /// Keep EventStoreDB system streams (names starting with `$`).
    #[arg(long, global = true)]
    pub system_streams: bool,
    /// When to use colour.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print less.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print timings and peak memory to stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordsArg {
    Events,
    States,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffFormat {
    #[default]
    Text,
    Json,
    Patch,
    Unified,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the TUI (the default when INPUTs are given without a command).
    Open(InputArgs),
    /// Import inputs into a cache and print a summary.
    Import {
        #[command(flatten)]
        input: InputArgs,
        /// Write the cache to this file (same as --cache).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print the ledger as JSON: per input and file, what was read, imported,
        /// deduplicated, filtered and skipped, with every skip, warning and conflict.
        #[arg(long)]
        json: bool,
    },
    /// List events.
    Log {
        #[command(flatten)]
        input: InputArgs,
        /// Only this stream (exact name, or a glob with *).
        #[arg(long)]
        stream: Option<String>,
        /// Only types matching this glob.
        #[arg(long = "type", value_name = "GLOB")]
        ty: Option<String>,
        /// Events after this point.
        #[arg(long, value_name = "P")]
        from: Option<String>,
        /// Events up to and including this point.
        #[arg(long, value_name = "P")]
        to: Option<String>,
        /// At most N events.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print the state at a point as JSON.
    State {
        #[command(flatten)]
        input: InputArgs,
        /// The point (default: end).
        #[arg(long, value_name = "P", default_value = "end")]
        at: String,
        /// Only this stream's state.
        #[arg(long)]
        stream: Option<String>,
        /// Select a node with a JSON Pointer.
        #[arg(long, value_name = "PTR")]
        path: Option<String>,
        /// One line instead of pretty JSON.
        #[arg(long)]
        compact: bool,
    },
    /// What changed between two points of one recording.
    Diff {
        /// Event logs, snapshot files, compressed files, or a cache (*.db).
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        #[arg(long, value_name = "P")]
        from: String,
        #[arg(long, value_name = "P")]
        to: String,
        #[command(flatten)]
        view: DiffView,
    },
    /// Diff two recordings and name their first divergence.
    Compare {
        /// The reference recording (file or cache).
        baseline: PathBuf,
        /// The recording to check.
        candidate: PathBuf,
        /// Point in both recordings (default: end).
        #[arg(long, value_name = "P")]
        at: Option<String>,
        #[arg(long, value_name = "P")]
        at_baseline: Option<String>,
        #[arg(long, value_name = "P")]
        at_candidate: Option<String>,
        #[command(flatten)]
        view: DiffView,
    },
    /// Every event that changed the value at a path.
    History {
        #[command(flatten)]
        input: InputArgs,
        /// JSON Pointer into the world state (or into --stream's state).
        #[arg(long, value_name = "PTR")]
        path: String,
        #[arg(long)]
        stream: Option<String>,
        #[arg(long, value_name = "P")]
        from: Option<String>,
        #[arg(long, value_name = "P")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check snapshots against replay and list events whose rule failed.
    Verify {
        #[command(flatten)]
        input: InputArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Event logs, snapshot files, compressed files, or a cache (*.db).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Force the input format.
    #[arg(long = "format", value_name = "FMT")]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DiffView {
    #[arg(long)]
    pub stream: Option<String>,
    #[arg(long, value_name = "PTR")]
    pub path: Option<String>,
    /// Output format.
    #[arg(long = "format", value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Lines of context for --format unified.
    #[arg(long, default_value_t = 3)]
    pub context: usize,
}
