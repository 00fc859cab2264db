#!/usr/bin/env bash
# Packs the library (Arise: the face, the layer assemblies and the embedded model) and the command-line tool
# (Arise.Cli, command `arise`) into a local folder feed.
#   scripts/pack.sh [FEED] [VERSION]        # default: out/feed, 0.1.0
# Then: dotnet tool install Arise.Cli --add-source FEED --tool-path DIR --version VERSION
#       in a script: #i "nuget: FEED"  then  #r "nuget: Arise, VERSION"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
feed="${1:-$root/out/feed}"
version="${2:-0.1.0}"
mkdir -p "$feed"
feed="$(cd "$feed" && pwd)"
cd "$root"
dotnet tool restore >/dev/null
dotnet paket restore >/dev/null
for project in src/Arise.fs/Arise.fsproj src/Arise.Cli.fs/Arise.Cli.fsproj; do
  log="$(mktemp)"
  if ! dotnet pack "$project" -c Release -o "$feed" -p:PackageVersion="$version" -p:LayerPrivateAssets=all -nologo -v quiet >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "pack: $project failed" >&2
    exit 1
  fi
  rm -f "$log"
done
echo "packed Arise $version and Arise.Cli $version into $feed"
