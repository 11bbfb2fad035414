#!/usr/bin/env bash
# Builds shared libllama, libggml*, libmtmd (and optionally llama-server) from llama.cpp/src.
# Env: CPU_FLAGS (cmake flags for the CPU backend; default: detected by cpu-flags.sh),
#      CUDA=1 for a CUDA build, TARGETS (cmake targets), JOBS, LLAMA_BUILD_DIR (default ./build),
#      GGML_OPENMP (default OFF; ON is upstream's default, which the bench's llama-server keeps).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${LLAMA_BUILD_DIR:-"$here/build"}
# The instruction sets of the build machine (never GGML_NATIVE, never AMX: see cpu-flags.sh).
cpu_flags=${CPU_FLAGS:-$(bash "$here/cpu-flags.sh")}
# ggml's own thread pool rather than OpenMP: libgomp's barrier, which ggml puts after every graph
# node, makes a futex syscall each time (about 490 a decode step here); ggml's pool spins. Decode
# threads' system time fell from 0.86 to 0.17 ms a token (BENCHMARKS.md).
openmp_flags="-DGGML_OPENMP=${GGML_OPENMP:-OFF}"
cuda_flags=""
[ "${CUDA:-0}" = "1" ] && cuda_flags="-DGGML_CUDA=ON"
targets=${TARGETS:-"llama mtmd"}
# The CPU flags are part of the config, so a checkout moved to another CPU rebuilds.
config="$(cat "$here/src/.pin") $cpu_flags $openmp_flags $cuda_flags"
if [ -f "$build/.config" ] && [ "$(cat "$build/.config")" != "$config" ]; then rm -rf "$build"; fi
cmake -S "$here/src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_TOOLS=ON $cpu_flags $openmp_flags $cuda_flags >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log"; exit 1; }
echo "$config" > "$build/.config"
cmake --build "$build" --config Release -j "${JOBS:-$(nproc)}" --target $targets
