# ves-k6. `make demo` and `make test` are the two quick-start commands (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

SCRIPT  ?= load/sequencer_ingest.js
PROFILE ?= smoke
DEMO_PORT ?= 8080

.PHONY: help demo test docs lint build devserver load bench bench-k6 bench-devserver bench-scale vectors presign clean capacity spec
.PHONY: signer demo-signer bench-signer
.PHONY: wasm inspect bench-wasm wasm-repro
.PHONY: observe observe-stop

# Variables whose values `make help` shows in place of their names.
HELP_VARS = DEMO_PORT SIGNER_PORT INSPECT_PORT SCRIPT PROFILE

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed $(foreach v,$(HELP_VARS),-e 's|$$($(v))|$($(v))|g') | \
	  awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

demo: ## fresh machine: install k6 if needed, build and start ves-devserver, run the mixed smoke, stop
	@DEMO_PORT=$(DEMO_PORT) scripts/demo.sh

test: ## every suite (lint, cargo test, conformance, generated docs, wasm, k6 tests, end-to-end tests in tests/e2e); last line is the summary
	@scripts/test.sh

docs: ## regenerate docs/CONFIG.md, docs/CLI.md and docs/FAULTS.md from their sources (make test checks them)
	@scripts/docs.sh --write

lint: ## cargo fmt --check and clippy -D warnings
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

build: ## release build of ves and ves-devserver
	cargo build --release -p ves-cli -p ves-devserver

devserver: ## build (release) and run ves-devserver in the foreground on 127.0.0.1:$(DEMO_PORT), data in ./devserver-data
	cargo build --release --quiet -p ves-devserver
	target/release/ves-devserver --listen 127.0.0.1:$(DEMO_PORT)

load: ## k6 run SCRIPT with PROFILE against SEQUENCER_BASE_URL (default: the local `make devserver`)
	@k6=$$(scripts/install-k6.sh) && \
	if [ -z "$${SEQUENCER_BASE_URL:-}" ] && [ -z "$${SEQUENCER_PUBLIC_KEY:-}" ] && [ -f devserver-data/sequencer.pub ]; then \
	  export SEQUENCER_PUBLIC_KEY=$$(cat devserver-data/sequencer.pub); fi && \
	"$$k6" run -e PROFILE=$(PROFILE) $(SCRIPT)

bench: build ## native throughput: signed events/s and proof verifications/s (ves bench)
	target/release/ves bench

bench-k6: build ## k6 library throughput per VU, RSS per VU, ratio to native
	@scripts/bench-k6.sh

bench-devserver: build ## devserver ingest throughput, batch 100, 4 streams
	@scripts/bench-devserver.sh

bench-scale: build ## k6 CPU-seconds per 1,000 events, live signing vs replay, in one run (docs/SCALE.md)
	@scripts/bench-scale.sh

vectors: build ## write results/vectors.json (ves vectors --seed 1 --count 2000)
	target/release/ves vectors --seed 1 --count 2000 --out results/vectors.json

presign: build ## pre-sign a replay corpus into results/corpus (VUS, BATCHES, BATCH_SIZE; docs/REPLAY.md)
	target/release/ves presign --out results/corpus --vus $(or $(VUS),10) --batches-per-vu $(or $(BATCHES),100) --batch-size $(or $(BATCH_SIZE),100)

# `ves signer` (docs/SIGNER.md): native signing for k6 over loopback.
SIGNER_PORT ?= 8787
signer: build ## run ves signer in the foreground on 127.0.0.1:$(SIGNER_PORT) (k6: -e SIGNER_URL=http://127.0.0.1:$(SIGNER_PORT))
	target/release/ves signer --listen 127.0.0.1:$(SIGNER_PORT)

demo-signer: ## make demo, with signing done by a ves signer started beside the devserver
	@SIGNER=1 SIGNER_PORT=$(SIGNER_PORT) DEMO_PORT=$(DEMO_PORT) scripts/demo.sh

bench-signer: build ## k6 CPU per event and events/s per k6 core: in-k6 signing vs SIGNER_URL, plus the signer's CPU
	@scripts/bench-signer.sh

SPEC_TARGET ?= $(or $(SEQUENCER_BASE_URL),http://127.0.0.1:$(DEMO_PORT))
spec: build ## ves spec against SPEC_TARGET (default the local `make devserver`): every promise, PASS/FAIL/SKIP (docs/SPEC.md)
	@if [ -z "$${SEQUENCER_PUBLIC_KEY:-}" ] && [ -f devserver-data/sequencer.pub ]; then export SEQUENCER_PUBLIC_KEY=$$(cat devserver-data/sequencer.pub); fi; \
	target/release/ves spec --target $(SPEC_TARGET) --junit results/spec-junit.xml --html results/spec.html

capacity: build ## capacity search against a local devserver with a pre-signed corpus (START STEP MAX_RATE STAGE_SECONDS; docs/CAPACITY.md)
	@scripts/capacity.sh

# The server's own view beside the load (docs/OBSERVE.md).
observe: ## local Prometheus (Debian's package): scrapes SEQUENCER_BASE_URL's /metrics, receives k6 remote write (OBSERVE_PORT)
	@python3 scripts/observe.py start

observe-stop: ## stop the Prometheus of make observe
	@python3 scripts/observe.py stop

# ves-wasm (docs/WASM.md)
INSPECT_PORT ?= 8137
wasm: ## WebAssembly packages of ves-core for Node.js and browsers (crates/ves-wasm/pkg/{node,web})
	@scripts/build-wasm.sh

inspect: wasm ## serve the proof inspector on http://127.0.0.1:$(INSPECT_PORT)/inspector/ (INSPECT_PORT)
	@echo "proof inspector: http://127.0.0.1:$(INSPECT_PORT)/inspector/  (Ctrl-C stops it)"
	python3 -m http.server $(INSPECT_PORT) --bind 127.0.0.1 --directory crates/ves-wasm

bench-wasm: build wasm ## signed events/s and proof verifications/s: Node + wasm vs native, one run (BENCH_SECONDS)
	node crates/ves-wasm/bench/bench.mjs $(or $(BENCH_SECONDS),5)

wasm-repro: ## make wasm from a copy of this checkout at another path, fresh target dir: same bytes?
	@scripts/wasm-repro.sh

clean: ## remove build output and results
	cargo clean
	rm -rf results/* devserver-data
