#!/bin/sh
# The performance suite: scripts/bench.sh [--full] [--events N]
#   (no flag)   1M events (~460 MB of JSONL, generated once under target/bench-data)
#   --full      1M and 10M events (10M: ~4.6 GB JSONL + ~5 GB cache + baseline
#               databases; check free disk; takes well over an hour with baselines)
#   --events N  one recording of N events
#   --tui-only  only the TUI rows (builds the cache if missing; for profiling)
# Environment: REWIND_BENCH_RUNS (default 3) runs per median;
# REWIND_BENCH_BASELINE_RUNS (default: the same at 1M, 1 at 10M);
# REWIND_BENCH_BASELINES=0 skips Python, sqlite3 CLI and jq.
# Prints progress, then markdown tables (value, target, met/short per row).
set -eu
cd "$(dirname "$0")/.."
exec cargo bench --bench suite -- "$@"
