# The two set-up commands of the README. Both fetch libtorch into third_party/ on first use
# (scripts/fetch-libtorch.sh is idempotent, so later runs skip it at once).
.PHONY: run test bench libtorch pytorch-reference corpus corpus-rust

# Build and open the explorer on the bundled model. Extra flags: make run ARGS="--seed 7"
run: libtorch
	cargo run --release -- $(ARGS)

# The whole test suite (unit, integration, snapshot and end-to-end pseudo-terminal tests).
test: libtorch
	cargo test --release --workspace --no-fail-fast

# The benchmarks behind the README's performance table: model step and sampling (benches/generation.rs),
# UI render and key latency (benches/ui.rs), start-up, key-to-screen, memory and idle CPU of the real
# binary in a pty (benches/explorer.rs), then training throughput (tempest bench-train). The PyTorch
# figures need a Python that imports torch: TEMPEST_PYTHON=/path/to/python (default python3);
# `make pytorch-reference` assembles one (CPU-only torch 2.13.0, the libtorch release) and prints its path.
# A short smoke run: make bench QUICK=1.
bench: libtorch
	cargo bench --bench '*' -- $(if $(QUICK),--quick)
	cargo run --release -- bench-train --python "$${TEMPEST_PYTHON:-python3}" $(if $(QUICK),--warmup 1 --steps 2 --windows 2)

libtorch:
	@scripts/fetch-libtorch.sh

pytorch-reference: libtorch
	@scripts/fetch-pytorch-reference.sh

# The Shakespeare corpus the bundled model was trained on (see README: the bundled model).
corpus:
	scripts/fetch-corpus.sh

# The Rust source corpus the bundled code model was trained on (see README: the bundled models).
corpus-rust:
	scripts/fetch-rust-corpus.sh
