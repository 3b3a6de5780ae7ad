#!/usr/bin/env sh
# Measures the held-out part of a model's corpus as the human reference a sweep compares with, and
# stores it (with the training text's word list) in the model file's metadata, atomically. The
# tensors are left as they are, and files without a reference keep loading as before.
#
#   scripts/attach-reference.sh [MODEL] [CORPUS] [VAL_FRAC]
#
# Defaults: the bundled model and data/shakespeare.txt (fetch it with `make corpus`), with the
# held-out fraction `tempest train` uses by default (0.1, the end of the file). Rebuild afterwards
# (`cargo build --release`) so the binary embeds the updated bundled model.
set -eu
model=${1:-assets/shakespeare.safetensors}
corpus=${2:-data/shakespeare.txt}
val_frac=${3:-0.1}
bin=${TEMPEST:-target/release/tempest}
if [ ! -f "$corpus" ]; then
    echo "error: corpus $corpus not found (run \`make corpus\` first)" >&2
    exit 1
fi
exec "$bin" attach-reference --model "$model" --corpus "$corpus" --val-frac "$val_frac"
