#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo-fuzz (libFuzzer), one target at a time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; no TARGET means every target in
# fuzz/Cargo.toml. Needs a nightly toolchain and `cargo install cargo-fuzz`.
# Seeds come from fuzz/seed-corpus.sh (fixtures and test samples) into
# fuzz/corpus/<target>/, which also keeps what libFuzzer finds between runs.
# Limits: -rss_limit_mb=2048 and -timeout=10 per input, so an input that makes
# the product allocate past its own caps or hang is a finding. Findings are left
# in fuzz/artifacts/<target>/ (crash-*, timeout-*, oom-*), logs in fuzz/logs/.
# Exits 1 when any target found something; reproduce one with
#   cargo +nightly fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-...
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac
toolchain=${REWIND_FUZZ_TOOLCHAIN:-nightly}
# No sanitizer: rewind forbids unsafe code, and on a shared machine the 2-3x
# speed of an uninstrumented allocator finds more (debug assertions stay on).
fuzz=(cargo "+$toolchain" fuzz)
sanitizer=(-s "${REWIND_FUZZ_SANITIZER:-none}")

if ! "${fuzz[@]}" --version >/dev/null 2>&1; then
    echo "cargo-fuzz or the $toolchain toolchain is missing:" >&2
    echo "  rustup toolchain install nightly && cargo install cargo-fuzz --locked" >&2
    exit 2
fi
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <("${fuzz[@]}" list); fi

bash fuzz/seed-corpus.sh >/dev/null
mkdir -p fuzz/logs
if ! "${fuzz[@]}" build "${sanitizer[@]}" >fuzz/logs/build.log 2>&1; then tail -n 30 fuzz/logs/build.log >&2; exit 2; fi
failed=0
printf '%-16s %8s %12s %10s  %s\n' target seconds execs execs/s status
for t in "${targets[@]}"; do
    log=fuzz/logs/$t.log
    mkdir -p "fuzz/artifacts/$t" "fuzz/corpus/$t"
    "${fuzz[@]}" run "${sanitizer[@]}" "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(grep -o '^stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    took=$(grep -o '^stat::slowest_unit_time_sec\|Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -n 1)
    status=clean
    if [ $rc -ne 0 ]; then
        failed=1
        if grep -q 'ERROR: libFuzzer: timeout' "$log"; then status=timeout
        elif grep -q 'out-of-memory' "$log"; then status=oom
        else status=crash; fi
        status="$status: $(ls -t "fuzz/artifacts/$t" | head -n 1) (rc $rc, see $log)"
    fi
    execs=${execs:-?}
    took=${took:-$secs}
    rate=?
    if [ "$execs" != "?" ] && [ "$took" -gt 0 ] 2>/dev/null; then rate=$((execs / took)); fi
    printf '%-16s %8s %12s %10s  %s\n' "$t" "$took" "$execs" "$rate" "$status"
done
exit $failed
