#!/usr/bin/env bash
# SPM across MPI processes on the atom-probe example (issue 28; scripts/apt.fsx makes the data: about 10^7 ions by
# default). The same .pos is mapped in 3D (box 16 Å, stride 16 Å, T = 10) by one process on one core, then by
# `mpirun -n 2` with one core each (the processes share the ends of their blocks, the default: a process that finishes
# first takes the other's last chunks). Prints boxes/s for both, their ratio (target >= 1.8), each process's peak memory
# (resident set), and checks that the outputs are byte-identical. Then measures this machine's own limit: two
# one-process runs at once, one a core (2 x one alone / their wall time); the two processes once more without sharing
# (ARISE_SPM_SHARING=0); and one process again, since this machine drifts by tens of seconds over the ten minutes of
# the bench: the ratio is also given against the mean of the two one-process runs. The PNG pictures are not drawn
# (ARISE_CHROMIUM=none): Chromium runs its own processes, which a one-core run would share its core with (the processes
# share the pictures, as they share the maps: about 20 s for nine here either way).
#   bench/apt-mpi.sh [SIZE_Å (675)] [FOLDER (apt-bench)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size="${1:-675}"
out="$(realpath -m "${2:-apt-bench}")"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ARISE_CHROMIUM=none
"$root/arise" --version > /dev/null
dll="$root/src/Arise.Cli.fs/bin/Release/net10.0/Arise.Cli.dll"
(cd "$root/scripts" && dotnet fsi apt.fsx --size "$size" --out "$out" --make-only)
spm=(spm "$out/superalloy.pos" --ranges "$out/superalloy.rrng" --mode bulk --box 16 --stride 16 --samples 10)
rank='${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}'

one() { # one process on one core: one FOLDER
  rm -rf "$out/$1"
  taskset -c 0 env DOTNET_PROCESSOR_COUNT=1 /usr/bin/time -f "process 0 of 1: peak %M KB" \
    dotnet "$dll" "${spm[@]}" --out "$out/$1" > "$out/$1.log" 2>&1
}
two() { # two processes, a core each: two FOLDER [ENVIRONMENT...]
  local folder="$1"
  shift
  rm -rf "$out/$folder"
  # each process's peak into its own file (two lines written at once to the log could interleave), then the log
  local timed="/usr/bin/time -o $out/$folder.peak.$rank -f \"process $rank of 2: peak %M KB\""
  mpirun --oversubscribe --bind-to core -n 2 bash -c \
    "$* DOTNET_PROCESSOR_COUNT=1 $timed dotnet $dll ${spm[*]} --out $out/$folder" > "$out/$folder.log" 2>&1
  cat "$out/$folder".peak.* >> "$out/$folder.log"
  rm -f "$out/$folder".peak.*
}
start=$(date +%s.%N)
one one
middle=$(date +%s.%N)
two two
end=$(date +%s.%N)
# this machine's own limit: two one-process runs at once, one a core, sharing nothing but the machine (its memory
# bandwidth, caches and clock): the most two processes could reach
rm -rf "$out/alone0" "$out/alone1"
taskset -c 0 env DOTNET_PROCESSOR_COUNT=1 dotnet "$dll" "${spm[@]}" --out "$out/alone0" > "$out/alone0.log" 2>&1 &
taskset -c 1 env DOTNET_PROCESSOR_COUNT=1 dotnet "$dll" "${spm[@]}" --out "$out/alone1" > "$out/alone1.log" 2>&1 &
wait
limit=$(date +%s.%N)
# the same two processes, each computing its own block only
two unshared ARISE_SPM_SHARING=0
unshared=$(date +%s.%N)
# one process again: the machine's drift over the bench
one again
again=$(date +%s.%N)

boxes=$(grep -oE '= [0-9]+ boxes' "$out/one.log" | grep -oE '[0-9]+')
ions=$(grep -oE 'pos: [0-9]+ atoms' "$out/one.log" | grep -oE '[0-9]+')
python3 - "$boxes" "$ions" "$start" "$middle" "$end" "$limit" "$unshared" "$again" <<'PY'
import sys
boxes, ions, a, b, c, d, e, f = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:])
one, two, both, unshared, again = b - a, c - b, d - c, e - d, f - e
mean = (one + again) / 2
print(f"{ions} ions, {boxes} boxes (box 16 Å, stride 16 Å, T = 10), wall time of the whole command:")
print(f"  1 process, 1 core:     {one:7.1f} s  {boxes / one:7.1f} boxes/s (again at the end: {again:.1f} s; mean {mean:.1f} s)")
print(f"  2 processes, 1 core each: {two:4.1f} s  {boxes / two:7.1f} boxes/s")
print(f"  ratio 2 / 1: {one / two:.2f} (target >= 1.8); against the mean of the two 1-process runs: {mean / two:.2f}")
print(f"  this machine's limit: two 1-process runs at once, a core each, {both:.1f} s: ratio {2 * one / both:.2f};"
      f" the 2 processes reach {one / two / (2 * one / both) * 100:.0f} % of it")
print(f"  2 processes not sharing the ends of their blocks (ARISE_SPM_SHARING=0): {unshared:.1f} s, ratio {one / unshared:.2f}"
      f" (against the mean: {mean / unshared:.2f})")
PY
grep -h "done in" "$out/one.log" "$out/two.log" "$out/again.log" | sed 's/^/  /'
grep -h "peak" "$out/one.log" "$out/two.log" "$out/again.log" | sed 's/^/  /'
grep -h "holds" "$out/two.log" | sed 's/^/  /'
for f in boxes.csv atoms.xyz; do
  if cmp -s "$out/one/$f" "$out/two/$f"; then echo "  $f byte-identical"; else echo "  $f DIFFERS"; fi
done
# spm.npz: its arrays (the zip's members, by their CRC-32 and length; the zip itself dates them)
if command -v unzip > /dev/null; then
  if diff -q <(unzip -v "$out/one/spm.npz" | awk '$2 == "Stored" || $2 == "Defl:N" {print $1, $7, $8}') \
             <(unzip -v "$out/two/spm.npz" | awk '$2 == "Stored" || $2 == "Defl:N" {print $1, $7, $8}') > /dev/null; then
    echo "  spm.npz arrays identical"
  else
    echo "  spm.npz arrays DIFFER"
  fi
fi
grep -h "placed in\|labelled and their lines" "$out/two.log" | sed 's/^/  /'
echo "  not sharing the ends of their blocks:"
grep -h "labelled and their lines\|peak" "$out/unshared.log" | sed 's/^/    /'
for f in boxes.csv atoms.xyz; do
  if cmp -s "$out/one/$f" "$out/unshared/$f"; then echo "    $f byte-identical"; else echo "    $f DIFFERS"; fi
done
