# The two set-up commands of the README. Both fetch libtorch into third_party/ on first use
# (scripts/fetch-libtorch.sh is idempotent, so later runs skip it at once).
.PHONY: run test bench libtorch corpus

# Build and open the explorer on the bundled model. Extra flags: make run ARGS="--seed 7"
run: libtorch
	cargo run --release -- $(ARGS)

# The whole test suite (unit, integration, snapshot and end-to-end pseudo-terminal tests).
test: libtorch
	cargo test --release --no-fail-fast

# The benchmarks behind the README's performance table.
bench: libtorch
	cargo run --release -- bench

libtorch:
	@scripts/fetch-libtorch.sh

# The Shakespeare corpus the bundled model was trained on (see README: the bundled model).
corpus:
	scripts/fetch-corpus.sh
