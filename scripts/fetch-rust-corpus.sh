#!/usr/bin/env bash
# The corpus of the bundled Rust model: the library sources of 24 widely used crates from crates.io,
# each pinned by version and sha256, all under MIT and/or Apache-2.0 (two also offer Unlicense).
# Only `src/**/*.rs` files that are pure ASCII are kept (no generated tables, tests, benches or
# examples), joined in sorted path order with a `// FILE: crate/path` line before each, so the
# vocabulary stays that of everyday Rust. Output: data/rust.txt. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/rust.txt
[ -s "$out" ] && { echo "fetch-rust-corpus: $out is already there"; exit 0; }
cache=data/.crate-cache
mkdir -p "$cache"
# name version license sha256
crates=(
  "anyhow 1.0.105 MIT/Apache-2.0"
  "byteorder 1.5.0 Unlicense/MIT"
  "clap_builder 4.6.7 MIT/Apache-2.0"
  "crossterm 0.28.1 MIT"
  "flate2 1.1.11 MIT/Apache-2.0"
  "half 2.7.1 MIT/Apache-2.0"
  "hashbrown 0.15.5 MIT/Apache-2.0"
  "indexmap 2.14.2 Apache-2.0/MIT"
  "indicatif 0.17.11 MIT"
  "itertools 0.13.0 MIT/Apache-2.0"
  "log 0.4.35 MIT/Apache-2.0"
  "memchr 2.8.3 Unlicense/MIT"
  "mio 1.2.5 MIT"
  "ndarray 0.16.1 MIT/Apache-2.0"
  "num-traits 0.2.19 MIT/Apache-2.0"
  "parking_lot 0.12.5 MIT/Apache-2.0"
  "proc-macro2 1.0.107 MIT/Apache-2.0"
  "rand 0.9.5 MIT/Apache-2.0"
  "ratatui 0.29.0 MIT"
  "serde 1.0.229 MIT/Apache-2.0"
  "serde_json 1.0.154 MIT/Apache-2.0"
  "smallvec 1.16.6 MIT/Apache-2.0"
  "syn 2.0.119 MIT/Apache-2.0"
  "toml_edit 0.22.27 MIT/Apache-2.0"
  "winnow 0.7.15 MIT"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for line in "${crates[@]}"; do
  read -r name version _lic <<<"$line"
  file="$cache/$name-$version.crate"
  if [ ! -s "$file" ]; then
    curl -fsSL --retry 3 -o "$file.part" "https://static.crates.io/crates/$name/$name-$version.crate"
    mv "$file.part" "$file"
  fi
  want=$(grep -A3 "^name = \"$name\"$" Cargo.lock | grep -A2 "^version = \"$version\"$" | sed -n 's/^checksum = "\(.*\)"/\1/p' | head -1)
  if [ -n "$want" ]; then
    echo "$want  $file" | sha256sum -c --quiet - || { echo "fetch-rust-corpus: checksum mismatch for $file" >&2; exit 1; }
  fi
  tar -xzf "$file" -C "$tmp"
done
: >"$tmp/out"
(cd "$tmp" && find . -path './*/src/*' -name '*.rs' | sort) | while read -r f; do
  if LC_ALL=C grep -q '[^[:print:][:space:]]' "$tmp/$f" || grep -q $'\r' "$tmp/$f"; then continue; fi
  printf '// FILE: %s\n' "${f#./}" >>"$tmp/out"
  cat "$tmp/$f" >>"$tmp/out"
  printf '\n' >>"$tmp/out"
done
mkdir -p data
mv "$tmp/out" "$out"
echo "fetch-rust-corpus: $(wc -c <"$out") bytes in $out"
