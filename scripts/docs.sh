#!/usr/bin/env bash
# Builds the documentation site from docs/ with fsdocs (the tool manifest's fsdocs-tool): the literate .fsx pages run
# while the site is built (--eval), and any error in a page or its snippets fails the build (--strict). The API
# reference is the library face (src/Arise.fs, from its XML docs).
#   scripts/docs.sh [OUT]      # default: out/docs; open OUT/index.html
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-out/docs}"
dotnet tool restore >/dev/null
dotnet build src/Arise.Cli.fs/Arise.Cli.fsproj -c Release -nologo -v quiet "-clp:NoSummary;ErrorsOnly"
rm -rf .fsdocs "$out"
mkdir -p "$out"
site="$(cd "$out" && pwd)"
dotnet tool run fsdocs build --input docs --output "$out" --eval --strict \
  --properties Configuration=Release --projects src/Arise.fs/Arise.fsproj \
  --parameters root "$site/" fsdocs-collection-name Arise
echo "docs built into $out (open $out/index.html)"
