#!/usr/bin/env bash
# Build fuzz/corpus/<target>/ from the committed fixtures and test samples:
# whole files for the file decoders, single records (lines) for the record
# decoders, the first byte chosen for the targets that pick a decoder with it.
# Re-run safe: seeds are named by content hash, so libFuzzer's own finds stay.
# No pipefail: `head` closing a pipe early is how long samples are cut.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/fuzz/corpus"
cd "$root"

seed() { # seed TARGET [PREFIX_BYTE] < content
    local target=$1 tmp
    mkdir -p "$out/$target"
    tmp=$(mktemp)
    if [ $# -ge 2 ]; then printf "\\x$(printf %02x "$2")" >"$tmp"; fi
    # At most 64 KiB a seed: libFuzzer's -max_len follows the biggest seed.
    head -c 65536 >>"$tmp"
    mv "$tmp" "$out/$target/seed-$(sha1sum "$tmp" | cut -c1-16)"
}
file() { # file TARGET [PREFIX] PATH
    if [ $# -eq 3 ]; then seed "$1" "$2" <"$3"; else seed "$1" <"$2"; fi
}
unz() { case $1 in *.gz) zcat "$1" ;; *.zst) zstd -qdc "$1" ;; *) cat "$1" ;; esac; }

json_files=$(find fixtures tests/data -name '*.json' -o -name '*.jsonl' | grep -v conformance | sort)

# framing: every JSON/JSONL sample, the compressed fixtures decompressed.
for f in $json_files fixtures/snapshots.jsonl.gz fixtures/training.jsonl.zst; do unz "$f" | seed framing; done

# mapping: single records from the event, snapshot and run fixtures.
for f in fixtures/agents.jsonl fixtures/run2/agents.jsonl fixtures/snapshots.jsonl.gz fixtures/training.jsonl.zst; do
    unz "$f" | head -n 40 | while IFS= read -r l; do printf '%s' "$l" | seed mapping; done
done
jq -c '.[]' fixtures/registry.json | head -n 20 | while IFS= read -r l; do printf '%s' "$l" | seed mapping; done

# points: the forms of docs/model.md §6.
for p in 0 17 end end-3 'agent/s1@4' 'id:e-0005' '2026-11-20T09:15:00Z' '2026-11-20T09:15:00.123456+02:00' \
    '@1763630100000000' 'run-7@-1' 'a@b@3'; do printf '%s\n' "$p" | seed points; done

# rules: the fixture rules file and its variations in the tests' fixtures.
file rules fixtures/rules.json
grep -l '"fields"\|"reducers"\|"ignore"' $json_files 2>/dev/null | while read -r f; do file rules "$f"; done

# dynamodb_json: items from exports and streams.
for f in $(find fixtures/aws tests/data/aws -name '*.json.gz' -o -name '*.jsonl' | sort); do
    unz "$f" | while IFS= read -r l; do printf '%s' "$l" | seed dynamodb_json; done
done
for f in $(grep -l '"NewImage"\|"Keys"' $json_files); do
    jq -c '.. | objects | (.NewImage, .OldImage, .Keys, .Item) | select(. != null)' "$f" 2>/dev/null |
        while IFS= read -r l; do printf '%s' "$l" | seed dynamodb_json; done
done

# aws_envelopes: [0] one Kinesis record, [1] one Streams record, [2] a payload,
# [3] an export data file, [4] a Streams file, [5] a Kinesis file, [6] a
# Firehose object, [7] an export's manifest-files.json.
for f in fixtures/aws/kinesis/*.json tests/data/aws/samples/*/*inesis*.json; do
    jq -c '.. | objects | select(has("Data") or has("kinesis") or has("recordId"))' "$f" 2>/dev/null |
        while IFS= read -r l; do printf '%s' "$l" | seed aws_envelopes 0; done
    file aws_envelopes 5 "$f"
done
for f in fixtures/aws/registry-stream.json tests/data/aws/samples/*/*ynamo*.json tests/data/aws/samples/*/dynamodbstreams*.json; do
    jq -c '.. | objects | select(has("dynamodb"))' "$f" 2>/dev/null |
        while IFS= read -r l; do printf '%s' "$l" | seed aws_envelopes 1; done
    file aws_envelopes 4 "$f"
done
head -n 3 fixtures/agents.jsonl | while IFS= read -r l; do printf '%s' "$l" | seed aws_envelopes 2; done
printf '%s' '{"type":"T","data":{}}' | gzip -c | seed aws_envelopes 2
for f in $(find fixtures/aws tests/data/aws -path '*data/*.json.gz' | sort); do file aws_envelopes 3 "$f"; done
for f in $(find fixtures/aws/firehose -type f | sort); do file aws_envelopes 6 "$f"; done
for f in $(find fixtures/aws tests/data/aws -name 'manifest-files*.json*' | sort); do file aws_envelopes 7 "$f"; done

# kpl: aggregates from the Kinesis fixtures (whole, and their protobuf alone, as
# the target adds the magic and digest itself).
grep -ho '"84ma[^"]*"' fixtures/aws/kinesis/*.json | tr -d '"' | while read -r b; do
    printf '%s' "$b" | base64 -d | seed kpl
    printf '%s' "$b" | base64 -d | tail -c +5 | head -c -16 | seed kpl
done

# avro_ocf and capture: every Avro sample.
for f in $(find fixtures tests/data -name '*.avro' | sort); do file avro_ocf "$f"; file capture "$f"; done

# azure_envelopes: [0] a CloudEvent, [1] an Event Grid event, [2] a Cosmos file,
# [3] an Event Grid file, [4] a CloudEvents file.
for f in $(find fixtures/azure/cloudevents tests/data/azure/cloudevents tests/data/azure/eventgrid-mocks -name '*.json*' | sort); do
    jq -c 'if type == "array" then .[] else . end' "$f" 2>/dev/null | while IFS= read -r l; do
        printf '%s' "$l" | seed azure_envelopes 0
        printf '%s' "$l" | seed azure_envelopes 1
    done
    file azure_envelopes 4 "$f"
done
for f in $(find fixtures/azure/eventgrid tests/data/azure/eventgrid-mocks -name '*.json*' | sort); do
    jq -c 'if type == "array" then .[] else . end | .. | objects | select(has("eventType"))' "$f" 2>/dev/null |
        while IFS= read -r l; do printf '%s' "$l" | seed azure_envelopes 1; done
    file azure_envelopes 3 "$f"
done
for f in $(find fixtures/azure/cosmos tests/data/azure/cosmos-changefeed-avad -name '*.json*' | sort); do file azure_envelopes 2 "$f"; done

# esdb_chunk: the fixture database's chunks (and their first records alone).
for f in fixtures/eventstore/agents-db/chunk-*; do
    file esdb_chunk "$f"
    tail -c +129 "$f" | head -c 1024 | seed esdb_chunk
done

# esdb_feed: Atom feed pages and dumps.
for f in tests/data/eventstore/*.json tests/data/eventstore/*.txt; do file esdb_feed "$f"; done

# langgraph_value: [even] every msgpack checkpoint and write of the LangGraph fixture.
sqlite3 fixtures/ai/langgraph.sqlite "SELECT hex(checkpoint) FROM checkpoints; SELECT hex(value) FROM writes WHERE type = 'msgpack'" |
    while read -r h; do printf '%s' "$h" | xxd -r -p | seed langgraph_value 0; done

# agents_item: every item of the Agents SDK session fixture.
sqlite3 fixtures/ai/agents.sqlite "SELECT hex(message_data) FROM agent_messages" |
    while read -r h; do printf '%s' "$h" | xxd -r -p | seed agents_item; done

# otel_spans: the GenAI spans, whole and line by line.
file otel_spans fixtures/ai/otel-genai.jsonl
while IFS= read -r l; do printf '%s' "$l" | seed otel_spans; done <fixtures/ai/otel-genai.jsonl

# inputs: whole files under the name that detection expects (index into NAMES
# of fuzz_targets/inputs.rs).
file inputs 0 fixtures/run2/agents.jsonl
file inputs 1 fixtures/registry.json
file inputs 2 fixtures/snapshots.jsonl.gz
file inputs 3 fixtures/training.jsonl.zst
for f in $(find fixtures/aws -path '*data/*.json.gz' | sort); do file inputs 4 "$f"; done
for f in fixtures/aws/registry-stream.json fixtures/aws/kinesis/*.json fixtures/azure/*/*.json*; do file inputs 5 "$f"; done
for f in $(find fixtures/azure/capture -name '*.avro' | sort); do file inputs 6 "$f"; done
file inputs 7 fixtures/eventstore/agents-db/chunk-000001.000000
file inputs 1 fixtures/ai/agents.sqlite
file inputs 0 fixtures/ai/otel-genai.jsonl

for d in "$out"/*/; do printf '%-16s %4d seeds\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done
