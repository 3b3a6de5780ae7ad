#!/usr/bin/env bash
# The corpus of the bundled Rust model: the library sources of 25 widely used crates from crates.io,
# each pinned by version and sha256, all under MIT and/or Apache-2.0 (two also offer Unlicense).
# Only `src/**/*.rs` files that are pure ASCII are kept (no generated tables, tests, benches or
# examples), joined in sorted path order with a `// FILE: crate/path` line before each, so the
# vocabulary stays that of everyday Rust. Output: data/rust.txt. Idempotent.
set -euo pipefail
export LC_ALL=C  # sort order and grep classes must not depend on the user's locale
cd "$(dirname "$0")/.."
out=data/rust.txt
[ -s "$out" ] && { echo "fetch-rust-corpus: $out is already there"; exit 0; }
cache=data/.crate-cache
mkdir -p "$cache"
# name version license sha256
crates=(
  "anyhow 1.0.105 MIT/Apache-2.0 2cb931c189b85683d69a5cfad41d4d418671e1ac413dd209f3f2fc31e3cfd902"
  "byteorder 1.5.0 Unlicense/MIT 1fd0f2584146f6f2ef48085050886acf353beff7305ebd1ae69500e27c67f64b"
  "clap_builder 4.6.7 MIT/Apache-2.0 ec0797fb7aeb1406c84efac526901f7ec3ead2124f946b494e72879d4b54704d"
  "crossterm 0.28.1 MIT 829d955a0bb380ef178a640b91779e3987da38c9aea133b20614cfed8cdea9c6"
  "flate2 1.1.11 MIT/Apache-2.0 626d4928326b646e70f65ed36fc7cf9f206bdb68a0019ee7c6b4709da4e084c4"
  "half 2.7.1 MIT/Apache-2.0 6ea2d84b969582b4b1864a92dc5d27cd2b77b622a8d79306834f1be5ba20d84b"
  "hashbrown 0.15.5 MIT/Apache-2.0 9229cfe53dfd69f0609a49f65461bd93001ea1ef889cd5529dd176593f5338a1"
  "indexmap 2.14.2 Apache-2.0/MIT cc4e190f5d26ca7051642629da2c52fc03bde85a03197c99408dcd291734c855"
  "indicatif 0.17.11 MIT 183b3088984b400f4cfac3620d5e076c84da5364016b4f49473de574b2586235"
  "itertools 0.13.0 MIT/Apache-2.0 413ee7dfc52ee1a4949ceeb7dbc8a33f2d6c088194d9f922fb8318faf1f01186"
  "log 0.4.35 MIT/Apache-2.0 5d15f86d12da44cd8d4ec3c73984537eb7f4cadcb9776a575a0a8a05ca11005c"
  "memchr 2.8.3 Unlicense/MIT cf8baf1c55e62ffcace7a9f06f4bd9cd3f0c4beb022d3b367256b91b87513d98"
  "mio 1.2.5 MIT 20521a903f02b0a573cd6840e9d0a5a0cc043d361fe924092cd70f8556cc9c4a"
  "ndarray 0.16.1 MIT/Apache-2.0 882ed72dce9365842bf196bdeedf5055305f11fc8c03dee7bb0194a6cad34841"
  "num-traits 0.2.19 MIT/Apache-2.0 071dfc062690e90b734c0b2273ce72ad0ffa95f0c74596bc250dcfd960262841"
  "parking_lot 0.12.5 MIT/Apache-2.0 93857453250e3077bd71ff98b6a65ea6621a19bb0f559a85248955ac12c45a1a"
  "proc-macro2 1.0.107 MIT/Apache-2.0 985e7ec9bb745e6ce6535b544d84d6cd6f7ad8bd711c398938ae983b91a766d9"
  "rand 0.9.5 MIT/Apache-2.0 b9ef1d0d795eb7d84685bca4f72f3649f064e6641543d3a8c415898726a57b41"
  "ratatui 0.29.0 MIT eabd94c2f37801c20583fc49dd5cd6b0ba68c716787c2dd6ed18571e1e63117b"
  "serde 1.0.229 MIT/Apache-2.0 4148590afebada386688f18773da617792bf2ef03ffc1e4cbd2b1d45b023e0ba"
  "serde_json 1.0.154 MIT/Apache-2.0 e7e9cc8b1b85264074fbcc02a88680c4096b1e47df8f739dceb03bf482f04bd6"
  "smallvec 1.16.6 MIT/Apache-2.0 3244542535d5de959d90ec55d1b5ff0fd2bb7b1310223907d5f11932847f7b59"
  "syn 2.0.119 MIT/Apache-2.0 872831b642d1a07999a962a351ed35b955ea2cfc8f3862091e2a240a84f17297"
  "toml_edit 0.22.27 MIT/Apache-2.0 41fe8c660ae4257887cf66394862d21dbca4a6ddd26f04a3560410406a2f819a"
  "winnow 0.7.15 MIT df79d97927682d2fd8adb29682d1140b343be4ac0f08fd68b7765d9c059d3945"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for line in "${crates[@]}"; do
  read -r name version _lic want <<<"$line"
  file="$cache/$name-$version.crate"
  if [ ! -s "$file" ]; then
    curl -fsSL --retry 3 -o "$file.part" "https://static.crates.io/crates/$name/$name-$version.crate"
    mv "$file.part" "$file"
  fi
  echo "$want  $file" | sha256sum -c --quiet - || { echo "fetch-rust-corpus: checksum mismatch for $file" >&2; rm -f "$file"; exit 1; }
  tar -xzf "$file" -C "$tmp"
done
: >"$tmp/out"
(cd "$tmp" && find . -path './*/src/*' -name '*.rs' | sort) | while read -r f; do
  if LC_ALL=C grep -q '[^[:print:][:space:]]' "$tmp/$f" || grep -q $'\r' "$tmp/$f"; then continue; fi
  printf '// FILE: %s\n' "${f#./}" >>"$tmp/out"
  cat "$tmp/$f" >>"$tmp/out"
  printf '\n' >>"$tmp/out"
done
# The joined text is checked too: a different `find`, `tar` or `grep` must not change the corpus silently.
echo "99a7b76b9fd919fa33ef253eec71a7def223aa169b189c78b20af57aba191420  $tmp/out" | sha256sum -c --quiet - \
  || { echo "fetch-rust-corpus: the joined corpus differs from the one the bundled model was trained on" >&2; exit 1; }
mkdir -p data
mv "$tmp/out" "$out"
echo "fetch-rust-corpus: $(wc -c <"$out") bytes in $out"
