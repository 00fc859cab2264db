/// Strided pattern matching: the paper's Fig. 2 run end to end, and scaling with the sample size.
module Arise.Bench.SpmBench

open System
open System.IO
open System.Diagnostics
open Arise.Structure
open Arise.Model
open Arise.Spm

/// The embedded model, from models/ above the current folder.
let model () =
    let rec find (d: DirectoryInfo) =
        if isNull d then
            None
        else
            let p = Path.Combine(d.FullName, "models", "arise-108.model")
            if File.Exists p then Some p else find d.Parent

    match find (DirectoryInfo(Directory.GetCurrentDirectory())) with
    | Some p -> ModelFile.load p |> Result.defaultWith failwith
    | None -> failwith "models/arise-108.model not found (run from the repository)"

/// One SPM run on a pipeline (seed 1): the grid, the result, its timing and the wall seconds.
let timedOn (pipeline: Pipeline) (samples: int) (settings: SpmSettings) (s: Structure) =
    let grid, _ = SpmGrid.create settings s |> Result.defaultWith (string >> failwith)
    let sw = Stopwatch.StartNew()

    let r, t =
        Spm.run pipeline samples 1 settings grid s None (fun _ _ -> ()) Threading.CancellationToken.None

    grid, r, t, sw.Elapsed.TotalSeconds

let private timed (m: Model) = timedOn (Pipeline.ofModel m)

let run (data: string option) =
    let m = model ()
    printfn "SPM (%d cores)" Environment.ProcessorCount

    match data with
    | Some dir ->
        let file = Path.Combine(dir, "polycrystal", "four_grains_elemental_solid.xyz")
        let s = StructureIO.read file |> Result.defaultWith (fun e -> failwithf "%O" e)

        let grid, r, t, secs =
            timed
                m
                1000
                { SpmGrid.defaults with
                    Box = 16.0
                    Stride = 1.0 }
                s

        let classified = r.Argmax |> Array.filter (fun a -> a >= 0) |> Array.length

        printfn
            "Fig. 2 run (four grains, box 16 Å, stride 1 Å, T = 1000): %d boxes (%d classified) in %.1f s: box extraction %.1f s, \
                descriptors %.1f s, network %.1f s (target < 120 s)"
            grid.Count
            classified
            secs
            t.Extraction
            t.Descriptors
            t.Network
    | None -> eprintfn "skipping the Fig. 2 run: ../shared/data not found"

    printfn "Scaling: bulk SPM of fcc Cu Voronoi polycrystals (8 grains), box 12 Å, stride 8 Å, T = 10"
    printfn "%10s %8s %10s %14s %14s" "atoms" "boxes" "seconds" "ms per box" "peak memory"

    for edge in [ 103.0; 222.0 ] do
        GC.Collect()
        let grains = List.init 8 (fun _ -> Crystals.fcc 29 3.61)
        let s = Polycrystal.voronoi 3 grains (Vec3.make edge edge edge) false 2.0

        let grid, _, _, secs =
            timed
                m
                10
                { SpmGrid.defaults with
                    Mode = SpmMode.Bulk
                    Box = 12.0
                    Stride = 8.0 }
                s

        let peak = Process.GetCurrentProcess().PeakWorkingSet64
        printfn "%10d %8d %10.1f %14.2f %11.2f GB" (Structure.count s) grid.Count secs (1000.0 * secs / float grid.Count) (float peak / 1e9)

    printfn "Targets: time per box flat within 1.5× from 10^5 to 10^6 atoms; peak memory < 4 GB at 10^6 atoms."
