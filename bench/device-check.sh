#!/usr/bin/env bash
# The GPU engine's device check, for a machine with an NVIDIA GPU: builds, checks that the CUDA engine classifies the
# embedded sample as the CPU engine does, and runs `bench gpu` (MC dropout against the FP32 peak, SOAP environments/s
# against one CPU core and its equality with the CPU descriptor, Fig. 2's SPM and a 10^6-atom bulk SPM on both
# engines, the GPU engine computing the boxes' descriptors on the device). Needs the NVIDIA driver (not the CUDA toolkit) and
# either the .NET 10 SDK or the pack that bench/device-pack.sh makes (.device/arise-device.tar.xz: runtime and builds).
# Figures go to stdout and, when $OUT is set, to $OUT/device-check.txt. About 3-5 minutes on one H200.
set -uo pipefail
cd "$(dirname "$0")/.."
log="${OUT:-/tmp}/device-check.txt"
exec > >(tee "$log") 2>&1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || echo "nvidia-smi not found"

# ILGPU opens the driver as libcuda.so; a machine may hold only libcuda.so.1, so give it the plain name too
cudalib=$(ldconfig -p 2> /dev/null | awk '/libcuda\.so\.1 /{print $NF; exit}')
[ -z "$cudalib" ] && cudalib=$(ls /usr/local/nvidia/lib64/libcuda.so.1 /usr/lib/x86_64-linux-gnu/libcuda.so.1 2> /dev/null | head -1)
if [ -n "$cudalib" ]; then
    mkdir -p /tmp/arise-cuda && ln -sf "$cudalib" /tmp/arise-cuda/libcuda.so
    export LD_LIBRARY_PATH="/tmp/arise-cuda:$(dirname "$cudalib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "CUDA driver library: $cudalib"
else
    echo "no libcuda.so.1 found: the GPU engine will say it found no device"
fi

if [ -z "${ARISE_USE_PACK:-}" ] && command -v dotnet > /dev/null; then
    dotnet build src/Arise.Cli.fs/Arise.Cli.fsproj -c Release -nologo -v quiet "-clp:NoSummary;ErrorsOnly" || exit 1
    dotnet build bench/Arise.Bench/Arise.Bench.fsproj -c Release -nologo -v quiet "-clp:NoSummary;ErrorsOnly" || exit 1
    run=dotnet
    cli=src/Arise.Cli.fs/bin/Release/net10.0/Arise.Cli.dll
    bench=Arise.Bench/bin/Release/net10.0/Arise.Bench.dll
elif [ -f .device/arise-device.tar.xz ]; then
    # no SDK here: the runtime and builds that bench/device-pack.sh packed on a machine that has one
    pack=/tmp/arise-device
    mkdir -p "$pack" && tar -C "$pack" -xJf .device/arise-device.tar.xz || exit 1
    export DOTNET_ROOT="$pack/dotnet" DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
    run="$pack/dotnet/dotnet"
    cli="$pack/cli/Arise.Cli.dll"
    bench="$pack/bench/Arise.Bench.dll"
    # Fig. 2's polycrystal, where the pack carries it, where the benchmarks look for the data release
    [ -d "$pack/shared" ] && [ ! -e shared ] && ln -s "$pack/shared" shared
    echo "no .NET SDK here: running the packed runtime $("$run" --list-runtimes | head -1)"
else
    echo "device check: dotnet not found and no .device/arise-device.tar.xz (make it with bench/device-pack.sh)"
    exit 3
fi
cli="$run $cli"

echo "== the embedded sample, T = 1000, on both engines"
$cli classify --json --engine cpu > /tmp/cpu.json
$cli classify --json --engine gpu > /tmp/gpu.json || echo "the GPU engine did not start (the benchmarks below say more)"
python3 - <<'PY' || echo "(python3 missing: compare /tmp/cpu.json and /tmp/gpu.json by eye)"
import json
a, b = (json.load(open(f))[0] for f in ("/tmp/cpu.json", "/tmp/gpu.json"))
pa, pb = a["top"][0]["probability"], b["top"][0]["probability"]
print(f"cpu {a['top'][0]['class']} p {pa:.10f} MI {a['mutual_information']:.6g}")
print(f"gpu {b['top'][0]['class']} p {pb:.10f} MI {b['mutual_information']:.6g}")
print("same class:", a["top"][0]["class"] == b["top"][0]["class"], f"|dp| {abs(pa - pb):.2g} (target < 1e-5)",
      f"|dMI| {abs(a['mutual_information'] - b['mutual_information']):.2g} (target < 1e-4)")
PY

echo "== bench gpu"
(cd bench && $run "$bench" gpu)
