//! Command-line arguments (docs/cli.md). Only this module knows clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The point grammar, in the help of every command that takes a point.
macro_rules! points {
    () => {
        concat!(
            "Points (P): N (after event N; 0 = before the first event), start, end, end-N, ",
            "id:EVENT_ID, STREAM@SEQ (after that stream's event with that seq), or an RFC 3339 time ",
            "(after the last event at or before it)."
        )
    };
}

#[derive(Parser, Debug)]
#[command(
    name = "rewind",
    version,
    about = "Time-travel debugger for event-sourced systems: import event logs and snapshots, rebuild state at any point, diff any two moments.",
    args_conflicts_with_subcommands = true,
    after_help = concat!(
        points!(),
        "\nExit codes: 0 ok / no differences, 1 differences found (diff, compare, verify), 2 error.\n\n",
        "Examples:\n",
        "  rewind fixtures/agents.jsonl fixtures/snapshots.jsonl.gz --rules fixtures/rules.json\n",
        "  rewind history fixtures/agents.jsonl --path /agent~1sess-0004/memory/goal\n",
        "  rewind diff fixtures/agents.jsonl --from 651 --to 652\n",
        "  rewind completions bash > ~/.local/share/bash-completion/completions/rewind"
    ),
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Inputs to open (the TUI on a terminal; otherwise what `import` prints).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Keep reading the inputs as they grow; new events arrive in the TUI.
    #[arg(long)]
    pub follow: bool,

    #[command(flatten)]
    pub common: Common,

    #[command(flatten)]
    pub slice: SliceArgs,

    #[command(flatten)]
    pub no_output: NoOutputFormat,
}

/// `--stream` and `--type` of the commands that only import (import, open): there
/// they filter the import, like `--import-stream` and `--import-type`.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Import filters")]
pub struct SliceArgs {
    /// Import only streams matching this glob (`*`, `?`, `[...]`; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub stream: Vec<String>,
    /// Import only event types matching this glob (repeatable; snapshots are kept).
    #[arg(long = "type", value_name = "GLOB")]
    pub ty: Vec<String>,
}

/// Options every command takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    /// Cache file to use (default: under $REWIND_CACHE_DIR, keyed by the inputs).
    #[arg(long, global = true, value_name = "FILE")]
    pub cache: Option<PathBuf>,
    /// Force the input format instead of detecting it (e.g. jsonl, json, snapshot, firehose).
    #[arg(long, global = true, value_name = "FMT")]
    pub input_format: Option<String>,
    /// Rules file: field mapping overrides and reducer rules.
    #[arg(long, global = true, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// A LangGraph PostgresSaver database to read, as an input after the others
    /// (`postgres://user@host/db`; the password from PGPASSWORD or the URL).
    #[arg(long, global = true, value_name = "URL")]
    pub pg: Vec<String>,
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
    /// Import only events at or after T: an RFC 3339 time, a date (midnight UTC),
    /// `now`, or now minus a duration (-30s, -15m, -2h, -7d, -1w).
    #[arg(
        long,
        global = true,
        value_name = "T",
        allow_hyphen_values = true,
        help_heading = "Import filters"
    )]
    pub since: Option<String>,
    /// Import only events at or before T (same forms as --since).
    #[arg(
        long,
        global = true,
        value_name = "T",
        allow_hyphen_values = true,
        help_heading = "Import filters"
    )]
    pub until: Option<String>,
    /// Import only streams matching this glob (`*`, `?`, `[...]`; repeatable). On
    /// import and open, `--stream` says the same.
    #[arg(long, global = true, value_name = "GLOB", help_heading = "Import filters")]
    pub import_stream: Vec<String>,
    /// Import only event types matching this glob (repeatable; snapshots are kept).
    /// On import and open, `--type` says the same.
    #[arg(long, global = true, value_name = "GLOB", help_heading = "Import filters")]
    pub import_type: Vec<String>,
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
    /// Every keyed record is an event.
    Events,
    /// Every keyed record is the entity's whole state.
    States,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffFormat {
    /// One line per change: `+ /path: new`, `- /path: old`, `~ /path: old -> new`.
    #[default]
    Text,
    /// `{"from", "to", "changes": [{"op", "path", "old", "new"}]}`.
    Json,
    /// The RFC 6902 patch from the first state to the second.
    Patch,
    /// A unified diff of the two pretty-printed states.
    Unified,
}

/// The output of log, history and verify.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextJson {
    /// Lines for people.
    #[default]
    Text,
    /// JSON for programs.
    Json,
}

/// The output of state.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateFormat {
    /// One `POINTER = VALUE` line per leaf, for grep.
    Text,
    /// The state as JSON (pretty unless --compact).
    #[default]
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the TUI (the default when INPUTs are given without a command).
    #[command(after_help = concat!(
        "Examples:\n",
        "  rewind open fixtures/agents.jsonl fixtures/snapshots.jsonl.gz --rules fixtures/rules.json\n",
        "  rewind fixtures/agents.jsonl              the same: INPUTs without a command open them"
    ))]
    Open(OpenArgs),
    /// Import inputs into a cache and print a summary.
    #[command(after_help = concat!(
        "Examples:\n",
        "  rewind import fixtures/agents.jsonl fixtures/snapshots.jsonl.gz --rules fixtures/rules.json\n",
        "  rewind import ./backup -o backup.db       then: rewind log backup.db\n",
        "  rewind import page-1.json --input-format firehose"
    ))]
    Import(ImportArgs),
    /// List events.
    #[command(after_help = concat!(
        points!(),
        " --from A --to B lists positions A+1..B.\n\n",
        "Examples:\n",
        "  rewind log fixtures/agents.jsonl --stream agent/sess-0004 --type 'Memory*'\n",
        "  rewind log fixtures/agents.jsonl --from 640 --to 660\n",
        "  rewind log fixtures/agents.jsonl --format json --limit 10"
    ))]
    Log(LogArgs),
    /// Print the state at a point as JSON.
    #[command(after_help = concat!(
        points!(),
        "\n\n",
        "Examples:\n",
        "  rewind state fixtures/agents.jsonl --at agent/sess-0005@18 --stream agent/sess-0005 --path /params\n",
        "  rewind state fixtures/agents.jsonl --at 2026-11-20T10:00:00Z --compact\n",
        "  rewind state fixtures/agents.jsonl --at 652 --format text | grep goal"
    ))]
    State(StateArgs),
    /// What changed between two points of one recording.
    #[command(after_help = concat!(
        points!(),
        "\n",
        "Exit codes: 0 no differences, 1 differences found, 2 error.\n\n",
        "Examples:\n",
        "  rewind diff fixtures/agents.jsonl --from 651 --to 652\n",
        "  rewind diff fixtures/agents.jsonl --from start --to end --stream agent/sess-0004 --format unified\n",
        "  rewind diff fixtures/agents.jsonl --from 600 --to 700 --format patch"
    ))]
    Diff(DiffArgs),
    /// Diff two recordings and name their first divergence.
    #[command(after_help = concat!(
        points!(),
        "\n",
        "Exit codes: 0 the recordings agree, 1 they differ, 2 error.\n\n",
        "Examples:\n",
        "  rewind compare fixtures/agents.jsonl fixtures/run2/agents.jsonl --rules fixtures/rules.json\n",
        "  rewind compare baseline.db today.db --at-baseline end --at-candidate end-10 --format json"
    ))]
    Compare(CompareArgs),
    /// Every event that changed the value at a path.
    #[command(after_help = concat!(
        points!(),
        "\n",
        "In a JSON Pointer, a `/` inside a key is written `~1` and a `~` is written `~0`.\n\n",
        "Examples:\n",
        "  rewind history fixtures/agents.jsonl --path /agent~1sess-0004/memory/goal\n",
        "  rewind history fixtures/agents.jsonl --stream agent/sess-0004 --path /memory/goal --format json"
    ))]
    History(HistoryArgs),
    /// Check snapshots against replay and list events whose rule failed.
    #[command(after_help = concat!(
        "Exit codes: 0 no drift and no failures, 1 drift or failures found, 2 error.\n\n",
        "Examples:\n",
        "  rewind verify fixtures/agents.jsonl fixtures/snapshots.jsonl.gz --rules fixtures/rules.json\n",
        "  rewind verify backup.db --format json"
    ))]
    Verify(VerifyArgs),
    /// Diff reality against a hypothesis (skipped, edited, inserted events) and
    /// name the first point where each changed stream diverges.
    #[command(after_help = concat!(
        points!(),
        " Under a hypothesis, N is after original event N and the events inserted after it.\n",
        "Exit codes: 0 the edits make no difference at P, 1 they do, 2 error.\n\n",
        "Examples:\n",
        "  rewind whatif fixtures/agents.jsonl --skip 652 --at 674\n",
        "  rewind whatif fixtures/agents.jsonl --set-data '652={\"patch\":{}}' --format json\n",
        "  rewind whatif fixtures/agents.jsonl --whatif edits.json --stream agent/sess-0004 --format unified"
    ))]
    Whatif(WhatifArgs),
    /// Write events as JSON Lines or Parquet in rewind's normalized form (a slice, or a hypothesis's fork).
    #[command(after_help = concat!(
        points!(),
        "\nThe output is compressed by its extension: .gz (gzip), .zst (zstd); `-o -` writes to stdout.\n",
        "A .parquet name (or --format parquet) writes one Parquet file for Spark, Athena, DuckDB.\n\n",
        "Examples:\n",
        "  rewind export fixtures/agents.jsonl --stream agent/sess-0004 -o sess-0004.jsonl\n",
        "  rewind export fixtures/agents.jsonl --from 600 --to 700 -o slice.jsonl.zst\n",
        "  rewind export fixtures/agents.jsonl --skip 652 -o fork.jsonl.gz\n",
        "  rewind export fixtures/agents.jsonl --since 2026-11-20T10:00:00Z -o slice.parquet"
    ))]
    Export(ExportArgs),
    /// Print a shell completion script.
    #[command(after_help = concat!(
        "Examples:\n",
        "  rewind completions bash > ~/.local/share/bash-completion/completions/rewind\n",
        "  rewind completions zsh > ~/.zfunc/_rewind\n",
        "  rewind completions fish > ~/.config/fish/completions/rewind.fish\n",
        "  rewind completions powershell >> $PROFILE"
    ))]
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    #[command(after_help = concat!(
        "Examples:\n",
        "  rewind man | man -l -\n",
        "  rewind man > ~/.local/share/man/man1/rewind.1"
    ))]
    Man,
}

#[derive(Args, Debug, Clone)]
pub struct OpenArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Keep reading the inputs as they grow; new events arrive in the TUI.
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub slice: SliceArgs,
    #[command(flatten)]
    pub no_output: NoOutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub slice: SliceArgs,
    /// Write the cache to this file (same as --cache).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the ledger as JSON: per input and file, what was read, imported,
    /// deduplicated, filtered and skipped, with every skip, warning and conflict.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub no_output: NoOutputFormat,
}

/// `--format` on a command with no output format: accepted by the parser so that
/// the error can point to `--input-format`.
#[derive(Args, Debug, Clone, Default)]
pub struct NoOutputFormat {
    #[arg(long = "format", value_name = "FMT", hide = true)]
    pub format: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct LogArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub edits: EditArgs,
    /// Only this stream (exact name, or a glob with *).
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// Only types matching this glob.
    #[arg(long = "type", value_name = "GLOB")]
    pub ty: Option<String>,
    /// Events after this point.
    #[arg(long, value_name = "P")]
    pub from: Option<String>,
    /// Events up to and including this point.
    #[arg(long, value_name = "P")]
    pub to: Option<String>,
    /// At most N events.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Keep reading the inputs as they grow and print each new event (Ctrl-C ends).
    #[arg(long, conflicts_with_all = ["to", "limit"])]
    pub follow: bool,
    /// Output format: text lines, or one JSON object per line.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Under a hypothesis, list the events it leaves out too (marked `skipped`);
    /// the text output always shows them.
    #[arg(long)]
    pub show_skipped: bool,
}

#[derive(Args, Debug, Clone)]
pub struct StateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub edits: EditArgs,
    /// The point (default: end).
    #[arg(long, value_name = "P", default_value = "end")]
    pub at: String,
    /// Keep reading the inputs as they grow and print the state again each time it
    /// changes (Ctrl-C ends).
    #[arg(long)]
    pub follow: bool,
    /// Only this stream's state.
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// Select a node with a JSON Pointer.
    #[arg(long, value_name = "PTR")]
    pub path: Option<String>,
    /// Output format: JSON, or one `POINTER = VALUE` line per leaf.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = StateFormat::Json)]
    pub format: StateFormat,
    /// One line instead of pretty JSON.
    #[arg(long)]
    pub compact: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// Event logs, snapshot files, compressed files, or a cache (*.db).
    #[arg(required_unless_present = "pg", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The earlier point.
    #[arg(long, value_name = "P")]
    pub from: String,
    /// The later point.
    #[arg(long, value_name = "P")]
    pub to: String,
    #[command(flatten)]
    pub view: DiffView,
    #[command(flatten)]
    pub edits: EditArgs,
}

#[derive(Args, Debug, Clone)]
pub struct CompareArgs {
    /// The reference recording (file or cache).
    pub baseline: PathBuf,
    /// The recording to check.
    pub candidate: PathBuf,
    /// Point in both recordings (default: end).
    #[arg(long, value_name = "P")]
    pub at: Option<String>,
    /// Point in the baseline (default: --at).
    #[arg(long, value_name = "P")]
    pub at_baseline: Option<String>,
    /// Point in the candidate (default: --at).
    #[arg(long, value_name = "P")]
    pub at_candidate: Option<String>,
    #[command(flatten)]
    pub view: DiffView,
}

#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub edits: EditArgs,
    /// JSON Pointer into the world state (or into --stream's state).
    #[arg(long, value_name = "PTR")]
    pub path: String,
    /// Look only at this stream's state; --path is then relative to it.
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// Changes after this point.
    #[arg(long, value_name = "P")]
    pub from: Option<String>,
    /// Changes up to and including this point.
    #[arg(long, value_name = "P")]
    pub to: Option<String>,
    /// Keep reading the inputs as they grow and print each change as it comes
    /// (Ctrl-C ends).
    #[arg(long, conflicts_with = "to")]
    pub follow: bool,
    /// Output format: text lines, or one JSON object per line.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub edits: EditArgs,
    /// Output format: text lines, or one JSON document.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct WhatifArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub edits: EditArgs,
    /// The point to compare at (default: end).
    #[arg(long, value_name = "P", default_value = "end")]
    pub at: String,
    #[command(flatten)]
    pub view: DiffView,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Events after this point (default: from the start).
    #[arg(long, value_name = "P")]
    pub from: Option<String>,
    /// Events up to and including this point (default: end).
    #[arg(long, value_name = "P")]
    pub to: Option<String>,
    /// Only streams matching this glob.
    #[arg(long, value_name = "GLOB")]
    pub stream: Option<String>,
    /// Only types matching this glob.
    #[arg(long = "type", value_name = "GLOB")]
    pub ty: Option<String>,
    /// The file to write (.jsonl, .jsonl.gz, .jsonl.zst, .parquet; `-`: stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// The output format (default: by the file's extension, JSON Lines unless `.parquet`).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ExportFormat>,
    #[command(flatten)]
    pub edits: EditArgs,
}

/// What `export` writes.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// JSON Lines in rewind's normalized form (gzip or zstd by the extension).
    Jsonl,
    /// One Parquet file (snappy) with the same columns, for Spark, Athena, DuckDB.
    Parquet,
}

#[derive(Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl LogArgs {
    pub fn output(&self) -> TextJson {
        if self.json {
            TextJson::Json
        } else {
            self.format
        }
    }
}

impl HistoryArgs {
    pub fn output(&self) -> TextJson {
        if self.json {
            TextJson::Json
        } else {
            self.format
        }
    }
}

impl VerifyArgs {
    pub fn output(&self) -> TextJson {
        if self.json {
            TextJson::Json
        } else {
            self.format
        }
    }
}

/// A hypothesis (docs/whatif.md): edits whose positions refer to the recording as imported.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "What-if")]
pub struct EditArgs {
    /// Leave out event N, or events A..B (both ends included).
    #[arg(long, value_name = "N|A..B")]
    pub skip: Vec<String>,
    /// Event N carries this data instead (JSON, or @FILE).
    #[arg(long, value_name = "N=JSON|@FILE")]
    pub set_data: Vec<String>,
    /// A new event right after event N (0: before the first): a JSON object with
    /// stream, type, data and optional time, seq, id, kind, meta (or @FILE).
    #[arg(long, value_name = "N=JSON|@FILE")]
    pub insert: Vec<String>,
    /// The edits as a JSON file: {"edits": [{"skip": N}, {"set_data": {"at", "data"}}, {"insert": {"after", "event"}}]}.
    #[arg(long, value_name = "FILE")]
    pub whatif: Vec<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Event logs, snapshot files, folders, compressed files, or a cache (*.db).
    #[arg(required_unless_present = "pg", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct DiffView {
    /// Only this stream's state.
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// Only the node at this JSON Pointer.
    #[arg(long, value_name = "PTR")]
    pub path: Option<String>,
    /// Output format.
    #[arg(long = "format", value_enum, value_name = "FMT", default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Lines of context for --format unified.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub context: usize,
}
