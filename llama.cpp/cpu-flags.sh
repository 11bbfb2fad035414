#!/usr/bin/env bash
# Prints the ggml CMake flags for the CPU this runs on, from the flags in /proc/cpuinfo.
# Env: CPUINFO (file to read, default /proc/cpuinfo), CPU_ARCH (default `uname -m`); both for tests.
# GGML_NATIVE stays OFF: native builds turn on AMX, which traps with SIGILL on some machines
# that advertise it, so AMX is never enabled here whatever the CPU says.
set -euo pipefail
cpuinfo=${CPUINFO:-/proc/cpuinfo}
arch=${CPU_ARCH:-$(uname -m)}
# The level every x86_64 machine here runs; also the answer when the flags cannot be read.
avx2_set="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"

case "$arch" in
  x86_64 | amd64) ;;
  # ggml's x86 options mean nothing elsewhere; its own defaults pick a portable baseline.
  *) echo "-DGGML_NATIVE=OFF"; exit 0 ;;
esac

# Flags every processor reports (a core that lacks one must not get code that uses it).
flags=$(awk -F: '/^flags[ \t]*:/ { n++; split($2, f, " "); split("", seen)
  for (i in f) if (!seen[f[i]]++) c[f[i]]++ }
  END { for (k in c) if (c[k] == n) print k }' "$cpuinfo" 2>/dev/null || true)
if [ -z "$flags" ]; then
  echo "cpu-flags.sh: no CPU flags in $cpuinfo; using the AVX2 set" >&2
  echo "$avx2_set"; exit 0
fi
has() { local f; for f in "$@"; do grep -qx -- "$f" <<<"$flags" || return 1; done; }
onoff() { if has "$@"; then echo ON; else echo OFF; fi; }

# ggml turns AVX..BMI2 (and SSE4.2) on by default when GGML_NATIVE=OFF, so a missing one is
# written OFF. SSE4.2 is written only when missing, so an AVX2 machine's flags (and its build
# config string) stay exactly the AVX2 set.
out="-DGGML_NATIVE=OFF"
has sse4_2 || out+=" -DGGML_SSE42=OFF"
out+=" -DGGML_AVX=$(onoff avx) -DGGML_AVX2=$(onoff avx2) -DGGML_FMA=$(onoff fma)"
out+=" -DGGML_F16C=$(onoff f16c) -DGGML_BMI2=$(onoff bmi2)"
has avx2 avx_vnni && out+=" -DGGML_AVX_VNNI=ON"
# GGML_AVX512 compiles with -mavx512f/cd/vl/dq/bw: all five must be there; the rest build on it.
if has avx512f avx512cd avx512vl avx512dq avx512bw; then
  out+=" -DGGML_AVX512=ON"
  has avx512vbmi && out+=" -DGGML_AVX512_VBMI=ON"
  has avx512_vnni && out+=" -DGGML_AVX512_VNNI=ON"
  has avx512_bf16 && out+=" -DGGML_AVX512_BF16=ON"
fi
echo "$out"
