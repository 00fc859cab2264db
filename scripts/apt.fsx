// The atom-probe example (issue 28): a synthetic γ/γ′ superalloy, fcc Ni–Al with 2 × 2 × 2 cubic L1₂ (Ni₃Al)
// precipitates, "measured" at 37 % detection efficiency with reconstruction noise (lateral 0.1 Å, depth 0.05 Å by
// default) and written as .pos + .rrng; then mapped by 3D SPM through the command line (under mpirun with
// --ranks N > 1: each process reads only its part of the .pos). Prints the mean L1₂ probability of the boxes inside the
// precipitates and in the matrix, and the share of the ions labelled L1₂ (atoms.xyz, for OVITO) inside and outside.
// The defaults make about 10⁷ ions (a 675 Å cube); --size 150 makes about 10⁵ in a minute.
//
//   ./arise --version
//   dotnet fsi scripts/apt.fsx [--size 675] [--per-axis 2] [--precipitate 200] [--efficiency 0.37] [--lateral 0.1]
//       [--depth 0.05] [--box 16] [--stride 16] [--samples 10] [--ranks 1] [--out apt-out] [--make-only]
#load "Common.fsx"

open System
open System.IO
open Arise.Structure
open Arise.Structure.Formats

let arg = Common.ScriptArgs.get
let size = float (arg "--size" "675")
let perAxis = int (arg "--per-axis" "2")
let precipitate = float (arg "--precipitate" (string (0.3 * size)))
let efficiency = float (arg "--efficiency" "0.37")
let lateral, depth = float (arg "--lateral" "0.1"), float (arg "--depth" "0.05")

let box, stride, samples =
    arg "--box" "16", arg "--stride" "16", arg "--samples" "10"

let ranks = int (arg "--ranks" "1")
let out = arg "--out" "apt-out"

let pos, rrng =
    Path.Combine(out, "superalloy.pos"), Path.Combine(out, "superalloy.rrng")

let clock = Diagnostics.Stopwatch.StartNew()
Directory.CreateDirectory out |> ignore

// the measurement, made once (its settings in its name would be overkill: delete the folder to make another)
if not (File.Exists pos && File.Exists rrng) then
    let alloy = Polycrystal.superalloyArray 1 3.57 size perAxis precipitate 0.05

    let ions, ranges =
        AtomProbe.synthetic 7 efficiency lateral depth alloy
        |> Result.defaultWith failwith

    AtomProbe.writePos pos ions
    AtomProbe.writeRrng rrng ranges

    printfn
        "made %s: %d atoms measured at %.0f %% (noise %g Å lateral, %g Å in depth): %d ions, %.0f MB (%.0f s)"
        pos
        (Structure.count alloy)
        (100.0 * efficiency)
        lateral
        depth
        ions.Length
        (float (FileInfo(pos).Length) / 1e6)
        clock.Elapsed.TotalSeconds

if Array.contains "--make-only" fsi.CommandLineArgs then
    exit 0

// the map, through the command line
let map = Path.Combine(out, "map")
let cli = Path.Combine(Common.ScriptArgs.root, "arise")

let command, arguments =
    let spm =
        [ cli; "spm"; pos; "--ranges"; rrng; "--mode"; "bulk" ]
        @ [ "--box"; box; "--stride"; stride; "--samples"; samples; "--out"; map ]

    if ranks > 1 then
        "mpirun", [ "--oversubscribe"; "-n"; string ranks ] @ spm
    else
        "bash", spm

let run = Diagnostics.ProcessStartInfo(command)

for a in arguments do
    run.ArgumentList.Add a

let started = clock.Elapsed.TotalSeconds
let p = Diagnostics.Process.Start run
p.WaitForExit()

if p.ExitCode <> 0 then
    failwithf "arise spm failed (exit %d)" p.ExitCode

printfn "arise spm: %.0f s wall with %d process(es)" (clock.Elapsed.TotalSeconds - started) ranks

// the precipitates: cubes of edge `precipitate` centred in each of the perAxis³ cells
let cell = size / float perAxis

/// Distance (Å) from x to the nearest precipitate face along one axis: > 0 inside, < 0 outside.
let depthInside (x: float) =
    let c = (floor (x / cell) + 0.5) * cell
    precipitate / 2.0 - abs (x - c)

let inside margin (p: Vec3) =
    [ p.X; p.Y; p.Z ] |> List.forall (fun x -> depthInside x >= margin)

let outside margin (p: Vec3) =
    [ p.X; p.Y; p.Z ] |> List.exists (fun x -> depthInside x <= -margin)

let arrays =
    Arise.Numerics.Npy.readNpz (Path.Combine(map, "spm.npz"))
    |> Result.defaultWith failwith

let classes = Arise.Numerics.Npy.asStrings arrays.["classes"]
let l12 = Array.IndexOf(classes, "L12_Cu3Au")
let probs = Arise.Numerics.Npy.asFloat32 arrays.["probabilities"]
let argmax = Arise.Numerics.Npy.asInt32 arrays.["argmax"]
let xyz = Arise.Numerics.Npy.asFloat64 arrays.["centres"]
let half = float box / 2.0

let boxes sel =
    [| for f in 0 .. argmax.Length - 1 do
           let c = Vec3.make xyz.[3 * f] xyz.[3 * f + 1] xyz.[3 * f + 2]

           if argmax.[f] >= 0 && sel c then
               float probs.[f * classes.Length + l12], argmax.[f] = l12 |]

let summary name (xs: (float * bool)[]) =
    printfn
        "  boxes %-36s %6d, mean L1₂ probability %.3f, L1₂ the most probable class in %5.1f %%"
        name
        xs.Length
        (if xs.Length = 0 then nan else Array.averageBy fst xs)
        (if xs.Length = 0 then
             nan
         else
             100.0 * float (xs |> Array.filter snd |> Array.length) / float xs.Length)

printfn "%d L1₂ precipitates of %.0f Å in %.0f Å; box %s Å, stride %s Å, T = %s:" (pown perAxis 3) precipitate size box stride samples
summary "inside a precipitate:" (boxes (inside half))
summary "in the matrix:" (boxes (outside half))

// per-atom labels (atoms.xyz, read line by line): ions 4 Å or more inside a precipitate, or out of every one
let mutable inL12, inAll, outL12, outAll = 0, 0, 0, 0

for line in File.ReadLines(Path.Combine(map, "atoms.xyz")) |> Seq.skip 2 do
    let t = line.Split ' '
    let p = Vec3.make (float t.[1]) (float t.[2]) (float t.[3])
    let isL12 = t.[5] = "L12_Cu3Au"

    if inside 4.0 p then
        inAll <- inAll + 1
        inL12 <- inL12 + (if isL12 then 1 else 0)
    elif outside 4.0 p then
        outAll <- outAll + 1
        outL12 <- outL12 + (if isL12 then 1 else 0)

printfn
    "  ions labelled L1₂ (atoms.xyz): %.1f %% of %d inside the precipitates, %.1f %% of %d in the matrix"
    (100.0 * float inL12 / float (max 1 inAll))
    inAll
    (100.0 * float outL12 / float (max 1 outAll))
    outAll

printfn
    "done in %.0f s; OVITO: open %s (colour by arise_class or arise_mutual_information)"
    clock.Elapsed.TotalSeconds
    (Path.Combine(map, "atoms.xyz"))
