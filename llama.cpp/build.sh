#!/usr/bin/env bash
# Builds shared libllama, libggml*, libmtmd (and optionally llama-server) from llama.cpp/src.
# Env: CPU_FLAGS (cmake flags for the CPU backend), CUDA=1 for a CUDA build,
#      TARGETS (cmake targets), JOBS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build="$here/build"
# GGML_NATIVE=ON enables AMX kernels that die with SIGILL on some of these machines, and others
# (AMD EPYC) lack AVX-512 altogether: AVX2 is the level every machine here runs.
default_cpu="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
cpu_flags=${CPU_FLAGS:-$default_cpu}
cuda_flags=""
[ "${CUDA:-0}" = "1" ] && cuda_flags="-DGGML_CUDA=ON"
targets=${TARGETS:-"llama mtmd"}
config="$(cat "$here/src/.pin") $cpu_flags $cuda_flags"
if [ -f "$build/.config" ] && [ "$(cat "$build/.config")" != "$config" ]; then rm -rf "$build"; fi
cmake -S "$here/src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_TOOLS=ON $cpu_flags $cuda_flags >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log"; exit 1; }
echo "$config" > "$build/.config"
cmake --build "$build" --config Release -j "${JOBS:-$(nproc)}" --target $targets
