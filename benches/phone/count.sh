#!/usr/bin/env bash
# Instructions per message of `smsguard classify` on aarch64, counted under qemu-user.
#
#   benches/phone/count.sh MESSAGES.txt [CPU] [N]
#
# MESSAGES.txt holds one message per line. The release aarch64 binary classifies the first
# message alone and then the first N+1 (default 10+1) under `qemu-aarch64 -cpu CPU` (default
# cortex-a76) with `-d in_asm,exec,nochain`; qemu_trace_count.py sums the executed
# instructions of each run from the trace, and the difference divided by N is the cost of one
# message with model loading cancelled out. Needs qemu-user and gcc-aarch64-linux-gnu (see
# .cargo/config.toml); the trace of 11 messages is about 1 GB, written under a temporary folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
input="$1"; cpu="${2:-cortex-a76}"; n="${3:-10}"
cargo build --release -p smsguard --target aarch64-unknown-linux-gnu --manifest-path "$root/Cargo.toml" >&2
bin="$root/target/aarch64-unknown-linux-gnu/release/smsguard"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
count() {
    head -n "$1" "$input" > "$tmp/in.txt"
    qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu "$cpu" -d in_asm,exec,nochain -D "$tmp/trace.log" \
        "$bin" classify < "$tmp/in.txt" > /dev/null
    python3 "$here/qemu_trace_count.py" "$tmp/trace.log" | cut -d' ' -f1
    rm -f "$tmp/trace.log"
}
one="$(count 1)"; many="$(count $((n + 1)))"
python3 -c "print(f'aarch64 ($cpu): {($many - $one) / $n / 1e6:.2f} M instructions per message ({$n} messages)')"
