#!/usr/bin/env bash
# Unpacks llama.cpp's source from the pinned npm package into llama.cpp/src and applies
# llama.cpp/patches/*.patch (our changes to it, in order; see patches/README.md).
# Usage: llama.cpp/fetch.sh   (idempotent: does nothing when src matches the pin and the patches)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pin=$(grep -v '^#' "$here/PIN" | head -n1)
patches=("$here"/patches/*.patch)
# The stamp names the pin and the patches' content, so a changed patch refetches (and rebuilds).
stamp_text="$pin $(cat "${patches[@]}" | sha256sum | cut -c1-16)"
stamp="$here/src/.pin"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "llama.cpp: fetching source from $pin" >&2
(cd "$work" && npm pack --silent "$pin" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/llama/gitRelease.bundle
rm -rf "$here/src"
git clone --quiet "$work/package/llama/gitRelease.bundle" "$here/src"
for patch in "${patches[@]}"; do
  echo "llama.cpp: applying $(basename "$patch")" >&2
  git -C "$here/src" apply --whitespace=nowarn "$patch"
done
echo "$stamp_text" > "$stamp"
