#!/usr/bin/env bash
# Assemble a minimal CPU libtorch 2.13.0 (the version tch 0.26 expects) from PyPI wheels.
#
# Why PyPI: it is reachable where the libtorch download hosts are not, and pip verifies every wheel
# against the sha256 pins below. The x86_64 Linux torch wheel is a CUDA build, but libtorch_cpu.so
# only needs the CUDA runtime and CUPTI shared objects to *load*, never a GPU or driver.
#
# Idempotent: a complete folder is left alone. Work happens in a staging folder that is renamed into
# place only once it is complete and loads, so an interrupted run never leaves a half folder behind.
#
# Usage: scripts/fetch-libtorch.sh [DEST]   (default: third_party/libtorch, git-ignored)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/torch-wheels.sh
source "$here/scripts/torch-wheels.sh"
dest=${1:-"$here/third_party/libtorch"}

if is_complete "$dest"; then
    exit 0
fi

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *)
        echo "fetch-libtorch: only x86_64 Linux is automated. Elsewhere, point LIBTORCH at a libtorch $TORCH_VERSION" >&2
        echo "folder, or set LIBTORCH_USE_PYTORCH=1 with torch $TORCH_VERSION installed in Python (see README)." >&2
        exit 1
        ;;
esac

command -v python3 >/dev/null || { echo "fetch-libtorch: python3 with pip is needed to fetch wheels" >&2; exit 1; }

stage_beside "$dest" libtorch

# Wheels are cached beside the destination so a re-run after a failed unpack does not download 0.5 GB again.
cache="$(dirname "$dest")/.wheel-cache"
echo "fetch-libtorch: downloading pinned wheels from PyPI (about 530 MB, cached in $cache)" >&2
download_torch_wheels "$cache"

echo "fetch-libtorch: unpacking" >&2
out="$stage/libtorch"
mkdir -p "$out/lib" "$out/include"
python3 - "$cache" "$out" "$TORCH_VERSION" <<'PY'
import pathlib, shutil, sys, zipfile
cache, out, version = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
def wheel(prefix):
    found = sorted(cache.glob(prefix + "-*.whl"))
    if not found:
        sys.exit(f"fetch-libtorch: no {prefix} wheel in {cache}")
    return zipfile.ZipFile(found[-1])
def extract(zf, src_prefix, dst):
    n = 0
    for info in zf.infolist():
        if info.is_dir() or not info.filename.startswith(src_prefix):
            continue
        target = dst / info.filename[len(src_prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as f:
            shutil.copyfileobj(src, f)
        n += 1
    if n == 0:
        sys.exit(f"fetch-libtorch: nothing under {src_prefix}")
torch = wheel(f"torch-{version}")
extract(torch, "torch/include/", out / "include")
for lib in ["libtorch_cpu.so", "libc10.so", "libgomp.so.1"]:
    extract(torch, f"torch/lib/{lib}", out / "lib" / lib)
extract(wheel("nvidia_cuda_runtime"), "nvidia/cu13/lib/libcudart.so.13", out / "lib" / "libcudart.so.13")
extract(wheel("nvidia_cuda_cupti"), "nvidia/cu13/lib/libcupti.so.13", out / "lib" / "libcupti.so.13")
PY
# torch-sys always links -ltorch. The real libtorch.so needs libtorch_cuda.so, which we do not ship;
# pointing it at the CPU library works with both rust-lld (--as-needed) and GNU ld.
ln -s libtorch_cpu.so "$out/lib/libtorch.so"
echo "$TORCH_VERSION+cu130" >"$out/build-version"

# A load check now gives a clear message here instead of an obscure one at link or start time.
python3 - "$out/lib/libtorch_cpu.so" <<'PY'
import ctypes, sys
try:
    ctypes.CDLL(sys.argv[1])
except OSError as e:
    sys.exit(f"fetch-libtorch: the assembled libtorch does not load: {e}")
PY

mark_complete "$out"
rm -rf "$dest"
mv "$out" "$dest"
echo "fetch-libtorch: ready in $dest" >&2
