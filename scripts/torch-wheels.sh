# Sourced (not run) by scripts/fetch-libtorch.sh and scripts/fetch-pytorch-reference.sh: the torch
# release both assemble from, its wheels pinned by sha256, and the staging folder both build in. One
# place, so the libtorch tch links and the Python reference it is measured against cannot drift
# apart.

# The libtorch release tch 0.26 expects.
TORCH_VERSION=2.13.0

# is_complete DIR: whether DIR was finished by one of these scripts (the mark is made last, so a
# folder that has it is whole; rerunning then does nothing).
is_complete() {
    [[ -f "$1/.tempest-complete" ]]
}

mark_complete() {
    touch "$1/.tempest-complete"
}

# stage_beside DEST NAME: sets $stage to a fresh folder beside DEST (so the final rename stays on one
# file system), removed when the script exits, so an interrupted run never leaves half a folder.
stage_beside() {
    local parent
    parent=$(dirname "$1")
    mkdir -p "$parent"
    stage=$(mktemp -d "$parent/.$2-stage.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
}

# download_torch_wheels CACHE: puts the pinned torch, CUDA runtime and CUPTI wheels (CPython 3.11,
# x86_64 Linux) in CACHE, each checked against its hash; wheels already there are not fetched again.
# Needs $stage (for the requirements file).
download_torch_wheels() {
    local cache=$1
    mkdir -p "$cache"
    cat >"$stage/requirements.txt" <<REQ
torch==$TORCH_VERSION --hash=sha256:60fcdcb2f3876e21146cb4524ef06397d727ca9ad5f020818547e25075fe3cb7
nvidia-cuda-runtime==13.0.96 --hash=sha256:7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548
nvidia-cuda-cupti==13.0.85 --hash=sha256:4eb01c08e859bf924d222250d2e8f8b8ff6d3db4721288cf35d14252a4d933c8
REQ
    python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
        --implementation cp --python-version 3.11 --abi cp311 \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_25_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -r "$stage/requirements.txt" -d "$cache"
}
