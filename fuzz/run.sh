#!/usr/bin/env bash
# Run every fuzz target for SECS seconds each (default 600), one after the other, seeding the
# text targets with the project's hand-written cases and the model target with the golden
# fixture. Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: fuzz/run.sh [SECS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(from_bytes classify extract normalize)
for t in classify extract normalize; do
    mkdir -p "corpus/$t"
    # One seed file per hand-written message (never real data): the text is the last field.
    i=0
    while IFS= read -r text; do
        printf '%s' "$text" > "corpus/$t/seed-$i"
        i=$((i + 1))
    done < <(grep -hv '^#' ../data/cases/extraction.tsv ../data/cases/labelled.tsv |
        awk -F'\t' 'NF > 1 { print ($NF == "old" || $NF == "modern") ? $2 : $NF }')
done
mkdir -p corpus/from_bytes
{ printf '\x00'; cat ../data/fixtures/golden-v1.smsg; } > corpus/from_bytes/seed-golden
printf '\x01\x10\x00\x00\x00\x07' > corpus/from_bytes/seed-edit
cargo +nightly fuzz build
for t in "${targets[@]}"; do
    max_len=8192
    [ "$t" = from_bytes ] && max_len=131072
    echo "== $t: $secs s"
    # -timeout: any single input slower than 2 s is a finding (a hang), not a slow run.
    cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -timeout=2 -rss_limit_mb=2048 \
        -max_len="$max_len" -print_final_stats=1 2>&1 | tee "corpus/$t.log" | grep -E "^(stat::|==|Done|#[0-9]+ *DONE)|ERROR|panicked" || true
done
