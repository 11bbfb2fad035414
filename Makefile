# One entry point for every set-up step: Bun, packages, llama.cpp, the FFI shim.
# `make serve MODEL=path.gguf` runs the server; `make test` runs the whole suite.

SHELL := /bin/bash
BUN_VERSION := 1.4.5
# Bun from PATH when present, otherwise installed from the npm registry into .tools/.
BUN ?= $(shell command -v bun 2>/dev/null || echo $(CURDIR)/.tools/node_modules/.bin/bun)
LLAMA_BIN := llama.cpp/build/bin
SHIM := $(LLAMA_BIN)/libshim.so
LLAMA_PIN := llama.cpp/PIN
# ggml's CMake CPU options, in full; empty: llama.cpp/cpu-flags.sh detects them (never AMX).
CPU_FLAGS ?=
# ON builds ggml with OpenMP, upstream's default (llama.cpp/build.sh says why ours is OFF).
GGML_OPENMP ?= OFF
# CUDA=1 builds the CUDA backend (needs nvcc).
CUDA ?= 0
MODEL ?=
ARGS ?=

export CPU_FLAGS CUDA GGML_OPENMP

.PHONY: all setup deps llama shim serve test bench binary clean distclean

all: setup

setup: deps llama shim

$(CURDIR)/.tools/node_modules/.bin/bun:
	mkdir -p .tools && npm install --prefix .tools --no-save --no-audit --no-fund bun@$(BUN_VERSION)

deps: $(BUN) node_modules/.installed

node_modules/.installed: package.json bun.lock | $(BUN)
	$(BUN) install --frozen-lockfile
	touch $@

llama.cpp/src/.pin: $(LLAMA_PIN) $(wildcard llama.cpp/patches/*.patch)
	bash llama.cpp/fetch.sh

# The detected CPU flags and the threading, rewritten only when they change, so a checkout moved
# to another CPU (or a new CPU_FLAGS or GGML_OPENMP) rebuilds and an unchanged one does not.
LLAMA_CPU_STAMP := llama.cpp/.cpu-flags
$(LLAMA_CPU_STAMP): FORCE
	@flags="$${CPU_FLAGS:-$$(bash llama.cpp/cpu-flags.sh)} GGML_OPENMP=$(GGML_OPENMP)"; \
	  [ -f $@ ] && [ "$$(cat $@)" = "$$flags" ] || echo "$$flags" > $@

.PHONY: FORCE
FORCE:

# Rebuilt when the pin or the CPU flags change; build.sh itself is incremental.
$(LLAMA_BIN)/libllama.so: llama.cpp/src/.pin llama.cpp/build.sh llama.cpp/cpu-flags.sh $(LLAMA_CPU_STAMP)
	bash llama.cpp/build.sh
	touch $@

llama: $(LLAMA_BIN)/libllama.so

# -lggml-cpu: batched sampling (shim_sample_many) runs on the context's ggml thread pool.
$(SHIM): ffi/shim.c $(LLAMA_BIN)/libllama.so
	cc -O2 -shared -fPIC -o $@ ffi/shim.c \
	  -Illama.cpp/src/include -Illama.cpp/src/ggml/include -Illama.cpp/src/tools/mtmd \
	  -L$(LLAMA_BIN) -lmtmd -lllama -lggml -lggml-cpu -lggml-base -lm -lpthread -Wl,-rpath,'$$ORIGIN'

shim: $(SHIM)

serve: setup
	@if [ -z "$(MODEL)$(ARGS)" ]; then echo "usage: make serve MODEL=/path/to/model.gguf [ARGS='--port 8080'] (or ARGS='--config models.yaml')"; exit 2; fi
	$(BUN) run server.ts $(if $(MODEL),--model "$(MODEL)") $(ARGS)

test: setup
	$(BUN) x tsc -p .
	$(BUN) test --timeout 120000

# A standalone executable with the native libraries embedded (still needs glibc, libstdc++, libgomp).
binary: setup
	mkdir -p dist
	$(BUN) build --compile cli/compiled.ts --outfile dist/bunllama

# Ours against llama-server on the same model and flags; BENCH_ARGS passes flags to bench/bench.ts
# (e.g. BENCH_ARGS="--phases main,16 --modes pinned --rounds 1").
bench: setup
	BUN=$(BUN) bash bench/run.sh

clean:
	rm -rf llama.cpp/build build dist .cache

distclean: clean
	rm -rf llama.cpp/src node_modules .tools
