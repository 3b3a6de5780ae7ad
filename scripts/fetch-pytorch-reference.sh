#!/usr/bin/env bash
# Assemble a CPU-only Python torch 2.13.0 (the same release as the libtorch tch links) for the
# PyTorch reference figures of the benchmarks, in about 1.2 GB instead of the ~5 GB the PyPI wheel
# pulls in with its CUDA dependencies.
#
# How: the pinned torch wheel (the one scripts/fetch-libtorch.sh uses, from the same cache) is
# unpacked without its headers, and the pure-Python packages torch imports are added with
# `pip --no-deps`. The wheel's Python code and its CPU libraries (libtorch_cpu.so: MKL, oneDNN) are
# used as shipped. What the wheel links but a CPU never runs — cuBLAS, cuDNN, NCCL, cuFFT, cuSPARSE,
# NVRTC, NVSHMEM and friends, several GB — is replaced by small stub libraries whose every function
# aborts with its name; they exist only so the dynamic loader can resolve libtorch_cuda.so's
# references. No CUDA call is reached on a machine without a GPU (torch.cuda.is_available() is
# False), so the CPU timings are those of the stock wheel.
#
# Prints nothing on success but the path of a `python` wrapper to use as TEMPEST_PYTHON.
# Idempotent. Needs python3 with pip, gcc and nm (binutils).
#
# Usage: scripts/fetch-pytorch-reference.sh [DEST]   (default: third_party/pytorch-reference;
#        WHEEL_CACHE=DIR to share another checkout's third_party/.wheel-cache)
#        TEMPEST_PYTHON=$(scripts/fetch-pytorch-reference.sh) make bench
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/torch-wheels.sh
source "$here/scripts/torch-wheels.sh"
dest=${1:-"$here/third_party/pytorch-reference"}

if is_complete "$dest"; then
    echo "$dest/python"
    exit 0
fi
[[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] || { echo "fetch-pytorch-reference: only x86_64 Linux is automated" >&2; exit 1; }
for tool in python3 gcc nm; do
    command -v "$tool" >/dev/null || { echo "fetch-pytorch-reference: $tool is needed" >&2; exit 1; }
done
python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
    { echo "fetch-pytorch-reference: the pinned wheel is for CPython 3.11; python3 is $(python3 -V)" >&2; exit 1; }

stage_beside "$dest" pytorch

cache=${WHEEL_CACHE:-"$here/third_party/.wheel-cache"}
echo "fetch-pytorch-reference: the pinned wheels (cached in $cache)" >&2
download_torch_wheels "$cache"

out="$stage/site"
echo "fetch-pytorch-reference: the pure-Python packages torch imports" >&2
python3 -m pip install --quiet --no-deps --no-compile --only-binary=:all: --target "$out" \
    filelock==4.3.1 typing_extensions==4.16.0 sympy==1.14.0 mpmath==1.3.0 networkx==3.6.1 \
    jinja2==3.1.6 markupsafe==3.0.4 fsspec==2026.9.0

echo "fetch-pytorch-reference: unpacking torch without headers" >&2
python3 - "$cache" "$out" "$TORCH_VERSION" <<'PY'
import pathlib, sys, zipfile
cache, out, version = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
def wheel(prefix):
    found = sorted(cache.glob(prefix + "-*.whl"))
    if not found:
        sys.exit(f"fetch-pytorch-reference: no {prefix} wheel in {cache}")
    return zipfile.ZipFile(found[-1])
torch = wheel(f"torch-{version}")
skip = ("torch/include/", "torch/share/", "torch/bin/protoc")
torch.extractall(out, [n for n in torch.namelist() if not n.startswith(skip)])
(out / "torch/bin/torch_shm_manager").chmod(0o755)
for prefix, name in [("nvidia_cuda_runtime", "libcudart.so.13"), ("nvidia_cuda_cupti", "libcupti.so.13")]:
    (out / "torch/lib" / name).write_bytes(wheel(prefix).read(f"nvidia/cu13/lib/{name}"))
PY

echo "fetch-pytorch-reference: stub libraries for the CUDA libraries a CPU never calls" >&2
lib="$out/torch/lib"
python3 - "$lib" "$stage" <<'PY'
import pathlib, subprocess, sys
lib, stage = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
def needed(so):
    return [l.split("[")[1].rstrip("]") for l in run("readelf", "-d", str(so)).splitlines() if "(NEEDED)" in l]
present = {p.name for p in lib.iterdir()}
# What the system loader finds (libc, libstdc++, ...) is the system's business, not a stub's.
system = {l.split()[0] for l in run("ldconfig", "-p").splitlines()[1:] if l.strip()}
missing = sorted({n for so in lib.glob("*.so*") for n in needed(so)} - present - system)
# libcuda.so.1 (the driver) is only needed by libcaffe2_nvrtc.so, which torch opens on demand for GPU code.
missing = [m for m in missing if m != "libcuda.so.1"]
defined = set()
for so in lib.glob("*.so*"):
    defined |= {l.split()[-1].split("@")[0] for l in run("nm", "-D", "--defined-only", str(so)).splitlines() if l.strip()}
undefined = {}
for so in lib.glob("*.so*"):
    for l in run("nm", "-D", "--undefined-only", str(so)).splitlines():
        kind, sym = l.split()[-2:]
        name, _, ver = sym.partition("@")
        if kind == "U" and name not in defined and not ver.startswith(("GLIBC", "GLIBCXX", "CXXABI", "GCC")) \
                and not name.startswith(("Py", "_Py")):
            undefined.setdefault(ver, set()).add(name)
# Each versioned symbol goes to the library whose version node it names (the soname, or NVSHMEM for
# libnvshmem_host); the unversioned ones (NCCL, cuFile, cuRAND, cuSPARSELt) can live in any stub.
node = {m: m for m in missing}
node["libnvshmem_host.so.3"] = "NVSHMEM"
plan = {m: sorted(undefined.pop(node[m], ())) for m in missing}
plan[missing[0]] += sorted(undefined.pop("", ()))
if undefined:
    sys.exit(f"fetch-pytorch-reference: symbols with no library to stub them: {sorted(undefined)}")
for so, syms in plan.items():
    c = ["#include <stdio.h>", "#include <stdlib.h>"]
    for i, s in enumerate(syms):
        c.append(f'void f{i}(void) __asm__("{s}");')
        c.append(f'void f{i}(void) {{ fputs("CUDA stub called (CPU-only PyTorch reference): {s}\\n", stderr); abort(); }}')
    src = stage / f"{so}.c"
    src.write_text("\n".join(c) + "\n")
    cmd = ["gcc", "-shared", "-fPIC", "-o", str(lib / so), f"-Wl,-soname,{so}", str(src)]
    if so in node and node[so] != "":
        (stage / f"{so}.map").write_text(f"{node[so]} {{ global: *; }};\n")
        cmd.append(f"-Wl,--version-script={stage / (so + '.map')}")
    run(*cmd)
    print(f"  {so}: {len(syms)} stubs", file=sys.stderr)
PY

cat >"$out/python" <<'SH'
#!/bin/sh
# python3 with the CPU-only torch reference on the path (see scripts/fetch-pytorch-reference.sh).
here=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec python3 "$@"
SH
chmod +x "$out/python"

got=$("$out/python" -c 'import torch; assert not torch.cuda.is_available(); c = torch.nn.LSTMCell(4, 8); print(torch.__version__, c(torch.zeros(2, 4))[0].shape[1])' 2>/dev/null) ||
    { echo "fetch-pytorch-reference: the assembled torch does not import" >&2; exit 1; }
[[ "$got" == "$TORCH_VERSION+cu130 8" ]] || { echo "fetch-pytorch-reference: unexpected check output: $got" >&2; exit 1; }

mark_complete "$out"
rm -rf "$dest"
mv "$out" "$dest"
echo "$dest/python"
