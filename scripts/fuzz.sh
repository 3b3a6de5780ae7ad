#!/usr/bin/env bash
# Fuzzes the checkpoint parser and the resume-checkpoint loader (fuzz/, cargo-fuzz) for FUZZ_SECS
# seconds per target (default 25, so both take under a minute), starting from the committed seeds in
# fuzz/seeds. Needs a nightly toolchain and cargo-fuzz; prints that it skipped otherwise and exits 0.
# New inputs go to $CARGO_TARGET_DIR/fuzz-corpus (the seeds are never written to), crashes to
# $CARGO_TARGET_DIR/fuzz-artifacts. Arguments: the targets to run (default: both).
set -uo pipefail
cd "$(dirname "$0")/.."
if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== fuzz: skipped (needs a nightly toolchain and cargo-fuzz: rustup toolchain install nightly; cargo install cargo-fuzz)"
  exit 0
fi
export LIBTORCH="${LIBTORCH:-$PWD/third_party/libtorch}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
secs="${FUZZ_SECS:-25}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(checkpoint resume)
status=0
# No sanitizer: the code under test is safe Rust, and ASan would also instrument the libtorch link.
# -a keeps debug assertions (overflow checks) on.
flags=(--fuzz-dir fuzz --target-dir "$target" -s none -a)
echo "== fuzz: building ${targets[*]} ($(cargo +nightly --version))"
cargo +nightly fuzz build "${flags[@]}" || exit 1
for t in "${targets[@]}"; do
  mkdir -p "$target/fuzz-corpus/$t" "$target/fuzz-artifacts/$t"
  echo "== fuzz: $t for ${secs}s"
  log="$target/fuzz-artifacts/$t.log"
  cargo +nightly fuzz run "${flags[@]}" "$t" "$target/fuzz-corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -artifact_prefix="$target/fuzz-artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  # The progress lines are many; the summary and any crash report are what matter.
  grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "$log" | tail -40
  [ "$rc" -eq 0 ] || { echo "== fuzz: $t FAILED (exit $rc; see $log and $target/fuzz-artifacts/$t)"; status=1; }
done
exit "$status"
