// Paper Fig. 4: 3D SPM of the FePt nanoparticle from atomic electron tomography (box 12 Å, stride 1 Å by
// default; ~23k atoms). Prints the share of L1₀, L1₂ and fcc among the classified boxes and writes maps of the
// central slice to fig4-out/.
//
//   ./arise --version
//   dotnet fsi scripts/fig4.fsx [--stride 1] [--samples 100]
#load "Common.fsx"

open System
open System.IO
open Arise.Structure
open Arise.Model
open Arise.Spm
open Common

let stride = float (ScriptArgs.get "--stride" "1")
let samples = int (ScriptArgs.get "--samples" "100")
let recognizer = ScriptArgs.recognizer ()
let sample = ScriptArgs.fePtNanoparticle ()

printfn "FePt nanoparticle: %d atoms; 3D SPM, box 12 Å, stride %g Å, T = %d" (Structure.count sample) stride samples

let map =
    recognizer
        .MapAsync(
            sample,
            box = 12.0,
            stride = stride,
            mode = "bulk",
            samples = samples,
            folder = "fig4-out",
            progress = ScriptArgs.progressEvery 0.05
        )
        .Result

let r, t = map.Result, map.Timing
ScriptPictures.save "fig4-out" map
let classified = r.Argmax |> Array.filter (fun a -> a >= 0)

printfn "%d classified boxes in %.0f s (descriptors %.0f s, network %.0f s)" classified.Length map.Seconds t.Descriptors t.Network

for cls, k in classified |> Array.countBy id |> Array.sortByDescending snd |> Array.truncate 6 do
    printfn "  %-30s %5.1f %%" recognizer.Classes.[cls] (100.0 * float k / float classified.Length)

// The uncertainty from the core out (issue 27): mean mutual information of the boxes in 2 Å shells around the
// particle's centroid, with the class most of them take; the picture is fig4-out/shells.html.
let shells = map.Shells 2.0
printfn "Mutual information by shell (2 Å) around the particle's centre:"
Shells.table shells |> List.iter (printfn "%s")

Arise.Charts.Save(Arise.Charts.Shells(map, 2.0), Path.Combine("fig4-out", "shells.html"))
