#!/usr/bin/env bash
# The half-hour soak of the explorer at max speed (benches/soak.rs), niced so it shares the machine
# politely. Arguments go to the bench and override the defaults, e.g.
# `scripts/soak.sh --secs 600 --model /abs/path/tiny.safetensors`.
# Writes target/soak.csv (elapsed_s, rss_mib, peak_mib, latency_ms, chars per pane) and the log
# target/soak.log; exits non-zero when the run fails its checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export LIBTORCH="${LIBTORCH:-$PWD/third_party/libtorch}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
mkdir -p "$target"
nice -n 10 cargo bench --bench soak -- --secs 1800 --every 10 --warmup 120 --csv "$target/soak.csv" "$@" 2>&1 \
  | tee "$target/soak.log"
exit "${PIPESTATUS[0]}"
