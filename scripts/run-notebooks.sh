#!/usr/bin/env bash
# Runs every notebook under notebooks/ headless in the Polyglot Notebooks kernel (dotnet-repl, from the tool
# manifest) and writes each back with its outputs, so that they read on a code host without running them.
#   scripts/run-notebooks.sh [NOTEBOOK ...]       # default: all of notebooks/*.ipynb
# Builds the libraries first (./arise --version). Exits 1 when a notebook raises; that notebook is left unchanged.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet tool restore >/dev/null || exit 1
./arise --version >/dev/null || exit 1
if [ "$#" -eq 0 ]; then set -- notebooks/*.ipynb; fi
failed=0
for nb in "$@"; do
  out="$(mktemp --suffix .ipynb)"
  start=$SECONDS
  if dotnet tool run dotnet-repl -- --run "$nb" --exit-after-run --output-path "$out" >"$out.log" 2>&1; then
    chmod 644 "$out" && mv "$out" "$nb"
    echo "$nb: ran in $((SECONDS - start)) s, outputs written"
  else
    echo "$nb: a cell raised (kernel output in $out.log, executed notebook in $out); left unchanged" >&2
    failed=1
    continue
  fi
  rm -f "$out.log"
done
exit "$failed"
