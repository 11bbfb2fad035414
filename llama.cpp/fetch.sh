#!/usr/bin/env bash
# Unpacks llama.cpp's source from the pinned npm package into llama.cpp/src.
# Usage: llama.cpp/fetch.sh   (idempotent: does nothing when src matches the pin)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pin=$(grep -v '^#' "$here/PIN" | head -n1)
stamp="$here/src/.pin"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "llama.cpp: fetching source from $pin" >&2
(cd "$work" && npm pack --silent "$pin" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/llama/gitRelease.bundle
rm -rf "$here/src"
git clone --quiet "$work/package/llama/gitRelease.bundle" "$here/src"
echo "$pin" > "$stamp"
