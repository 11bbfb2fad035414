#!/usr/bin/env bash
# `make bench`: builds llama-server (same source and CPU flags as our libllama, with upstream's
# default OpenMP threading; ours uses ggml's own thread pool: llama.cpp/build.sh) if it is missing,
# generates the benchmark model, then runs bench/bench.ts (each phase on llama-server and on ours).
# Env: BUN (bun binary), BENCH_MODEL (preset of tests/fixtures/models.ts or a .gguf path,
#      default qwen25-0.5b), BENCH_ARGS (extra flags for bench.ts, e.g. "--threads 2 --runs 5",
#      "--phases main,conversation", "--modes pinned").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUN=${BUN:-$(command -v bun 2>/dev/null || echo "$root/.tools/node_modules/.bin/bun")}
reference_build="$root/llama.cpp/build-reference"
llama_server="$reference_build/bin/llama-server"

if [ ! -x "$llama_server" ]; then
  echo "bench: building llama-server (first time only; a few minutes)" >&2
  GGML_OPENMP=ON LLAMA_BUILD_DIR="$reference_build" TARGETS=llama-server bash llama.cpp/build.sh >&2
fi

model=${BENCH_MODEL:-qwen25-0.5b}
if [[ "$model" != *.gguf ]]; then
  model=$("$BUN" tests/fixtures/models.ts "$model")
fi

# shellcheck disable=SC2086
exec "$BUN" bench/bench.ts --model "$model" --llama-server "$llama_server" ${BENCH_ARGS:-}
