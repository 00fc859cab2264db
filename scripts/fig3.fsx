// Paper Fig. 3: STEM graphene coordinates (units: pixels). Classifies Fig_3_a and Fig_3_b as a whole (paper:
// graphene with ~99 % and 79 %), then runs SPM over Fig_3_d_STEM_large (box 100 px, stride 4 px).
//
//   ./arise --version
//   dotnet fsi scripts/fig3.fsx [--samples 1000]
#load "Common.fsx"

open System
open System.IO
open Arise.Structure
open Arise.Model
open Arise.Spm
open Common

let samples = int (ScriptArgs.get "--samples" "1000")
let recognizer = ScriptArgs.recognizer ()

let stem name =
    Path.Combine(ScriptArgs.data, "stem", name)

for name, paper in [ "Fig_3_a_STEM.xyz", "graphene ~99 %"; "Fig_3_b_STEM.xyz", "graphene ~79 %" ] do
    let s = Arise.Structures.Read(stem name)

    match recognizer.ClassifyMany([| s |], samples = samples).[0] with
    | c when isNull c.Error ->
        let top =
            c.Top
            |> Array.map (fun k -> sprintf "%s %.1f %%" k.Class (100.0 * k.Probability))
            |> String.concat ", "

        printfn "%-20s %4d atoms: %s; mutual information %.3f   (paper: %s)" name (Structure.count s) top c.MutualInformation paper
    | c -> printfn "%s: %s" name c.Error

let large = Arise.Structures.Read(stem "Fig_3_d_STEM_large.xyz")

let map =
    recognizer.Map(large, box = 100.0, stride = 4.0, samples = min samples 100, folder = "fig3-out")

let r = map.Result
ScriptPictures.save "fig3-out" map
let classified = r.Argmax |> Array.filter (fun a -> a >= 0)
let graphene = Array.IndexOf(recognizer.Classes, "C")

printfn
    "SPM of Fig_3_d (box 100 px, stride 4 px): %d boxes, graphene (class C) is the argmax of %.1f %% of the classified boxes"
    grid.Count
    (100.0 * float (classified |> Array.filter ((=) graphene) |> Array.length)
     / float classified.Length)

let sortedMi =
    r.MutualInformation |> Array.filter (Double.IsNaN >> not) |> Array.sort

printfn
    "mutual information: median %.3f, 90th percentile %.3f (maps in fig3-out/)"
    sortedMi.[sortedMi.Length / 2]
    sortedMi.[sortedMi.Length * 9 / 10]
