#!/usr/bin/env bash
# The GPU engine's device check, for a machine with an NVIDIA GPU: builds, checks that the CUDA engine classifies the
# embedded sample as the CPU engine does, and runs `bench gpu` (MC dropout against the FP32 peak, SOAP environments/s
# against one CPU core and its equality with the CPU descriptor, Fig. 2's SPM and a 10^6-atom bulk SPM on both
# engines, the GPU engine computing the boxes' descriptors on the device). Needs the .NET 10 SDK and the NVIDIA driver (not the CUDA toolkit).
# Figures go to stdout and, when $OUT is set, to $OUT/device-check.txt. About 3-5 minutes on one H200.
set -uo pipefail
cd "$(dirname "$0")/.."
log="${OUT:-/tmp}/device-check.txt"
exec > >(tee "$log") 2>&1

if ! command -v dotnet > /dev/null; then
    echo "device check: dotnet not found; it needs the .NET 10 SDK on the machine"
    exit 3
fi

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || echo "nvidia-smi not found"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Arise.Cli.fs/Arise.Cli.fsproj -c Release -nologo -v quiet "-clp:NoSummary;ErrorsOnly" || exit 1
dotnet build bench/Arise.Bench/Arise.Bench.fsproj -c Release -nologo -v quiet "-clp:NoSummary;ErrorsOnly" || exit 1
cli="dotnet src/Arise.Cli.fs/bin/Release/net10.0/Arise.Cli.dll"

echo "== the embedded sample, T = 1000, on both engines"
$cli classify --json --engine cpu > /tmp/cpu.json
$cli classify --json --engine gpu > /tmp/gpu.json || { echo "the GPU engine did not start"; exit 1; }
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
(cd bench && dotnet Arise.Bench/bin/Release/net10.0/Arise.Bench.dll gpu)
