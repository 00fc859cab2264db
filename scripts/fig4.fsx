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
let model = ScriptArgs.model ()
let sample = ScriptArgs.fePtNanoparticle ()

let settings =
    { SpmGrid.defaults with
        Mode = SpmMode.Bulk
        Box = 12.0
        Stride = stride }

let grid, _ =
    SpmGrid.create settings sample |> Result.defaultWith (string >> failwith)

printfn "FePt nanoparticle: %d atoms, %d boxes" (Structure.count sample) grid.Count
let clock = Diagnostics.Stopwatch.StartNew()

let r, t =
    Spm.run
        (Pipeline.ofModel model)
        samples
        1
        settings
        grid
        sample
        (Some "fig4-out/chunks")
        (fun d n ->
            if d % 4096 = 0 then
                printfn "  %d/%d boxes" d n)
        Threading.CancellationToken.None

ScriptPictures.writeMaps "fig4-out" r
SpmOutput.writeAtoms "fig4-out/atoms.xyz" sample r
let classified = r.Argmax |> Array.filter (fun a -> a >= 0)

printfn
    "%d classified boxes in %.0f s (descriptors %.0f s, network %.0f s)"
    classified.Length
    clock.Elapsed.TotalSeconds
    t.Descriptors
    t.Network

for cls, k in classified |> Array.countBy id |> Array.sortByDescending snd |> Array.truncate 6 do
    printfn "  %-30s %5.1f %%" model.Metadata.Classes.[cls] (100.0 * float k / float classified.Length)
