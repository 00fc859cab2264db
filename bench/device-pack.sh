#!/usr/bin/env bash
# Packs what bench/device-check.sh needs on a GPU machine that has no .NET SDK: this machine's .NET runtime (host and
# Microsoft.NETCore.App only), the Release builds of the command line and the benchmarks (linux-x64 native parts
# only), and, where the data release is beside the checkout, Fig. 2's polycrystal (to the machine's scratch, never
# into the repository: .device/ is ignored). Writes .device/arise-device.tar.xz; device-check.sh unpacks it when
# `dotnet` is missing. Usage: bash bench/device-pack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
fx=$(ls -d "$root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)
dotnet build src/Arise.Cli.fs/Arise.Cli.fsproj -c Release -nologo -v quiet "-clp:NoSummary;ErrorsOnly"
dotnet build bench/Arise.Bench/Arise.Bench.fsproj -c Release -nologo -v quiet "-clp:NoSummary;ErrorsOnly"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dotnet/shared/Microsoft.NETCore.App" "$stage/cli" "$stage/bench"
cp -a "$root/dotnet" "$root/host" "$stage/dotnet/"
cp -a "$fx" "$stage/dotnet/shared/Microsoft.NETCore.App/"
cp -a src/Arise.Cli.fs/bin/Release/net10.0/. "$stage/cli/"
cp -a bench/Arise.Bench/bin/Release/net10.0/. "$stage/bench/"
# native parts for other systems are dead weight on a linux-x64 machine
for d in "$stage/cli/runtimes" "$stage/bench/runtimes"; do
    [ -d "$d" ] && find "$d" -mindepth 1 -maxdepth 1 ! -name 'linux-x64' ! -name 'unix' ! -name 'linux' -exec rm -rf {} +
done
poly=../shared/data/polycrystal/four_grains_elemental_solid.xyz
if [ -f "$poly" ]; then
    mkdir -p "$stage/shared/data/polycrystal"
    cp "$poly" "$stage/shared/data/polycrystal/"
fi
mkdir -p .device
tar -C "$stage" -cJf .device/arise-device.tar.xz .
ls -la .device/arise-device.tar.xz
