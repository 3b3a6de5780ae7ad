#!/usr/bin/env bash
# Miri over the stepper (crates/tempest-step: all of the project's unsafe code, kernels and the
# helper-thread protocol) under both aliasing models, then the two-thread protocol under several
# scheduler seeds. Needs a nightly toolchain with Miri:
#   rustup component add --toolchain nightly miri rust-src
# Skips (exit 0, with a message) when that is not installed, so `.ci/run` can always call it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "== miri: skipped (no nightly toolchain with Miri; see README, 'Checking the stepper with Miri')"
    exit 0
fi
# A target dir of its own: Miri's artefacts never mix with the release build's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/miri"
start=$(date +%s)
run() {
    echo "== miri: MIRIFLAGS='$1' ${2:+(tests matching $2)}"
    MIRIFLAGS="$1" cargo +nightly miri test -q -p tempest-step -- ${2:-} 2>&1 | grep -vE '^\s*$|^running|ignored,'
}
run ""
run "-Zmiri-tree-borrows"
for seed in 1 2 3; do
    run "-Zmiri-seed=$seed" protocol
    run "-Zmiri-tree-borrows -Zmiri-seed=$seed" protocol
done
echo "== miri: passed in $(( $(date +%s) - start ))s"
