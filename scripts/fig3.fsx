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
let model = ScriptArgs.model ()

let stem name =
    Path.Combine(ScriptArgs.data, "stem", name)

for name, paper in [ "Fig_3_a_STEM.xyz", "graphene ~99 %"; "Fig_3_b_STEM.xyz", "graphene ~79 %" ] do
    let s =
        StructureIO.read (stem name) |> Result.defaultWith (fun e -> failwithf "%O" e)

    match (Classifier.classify 2 1 samples (Pipeline.ofModel model) [| s |]).[0] with
    | Ok c ->
        let top =
            c.Ranked
            |> Array.truncate 3
            |> Array.map (fun (i, p) -> sprintf "%s %.1f %%" model.Metadata.Classes.[i] (100.0 * p))
            |> String.concat ", "

        printfn
            "%-20s %4d atoms: %s; mutual information %.3f   (paper: %s)"
            name
            (Structure.count s)
            top
            c.Prediction.MutualInformation
            paper
    | Error e -> printfn "%s: %s" name e

let large =
    StructureIO.read (stem "Fig_3_d_STEM_large.xyz")
    |> Result.defaultWith (fun e -> failwithf "%O" e)

let settings =
    { SpmGrid.defaults with
        Box = 100.0
        Stride = 4.0 }

let grid, _ =
    SpmGrid.create settings large |> Result.defaultWith (string >> failwith)

let r, _ =
    Spm.run
        (Pipeline.ofModel model)
        (min samples 100)
        1
        settings
        grid
        large
        (Some "fig3-out/chunks")
        (fun _ _ -> ())
        Threading.CancellationToken.None

ScriptPictures.writeMaps "fig3-out" r
SpmOutput.writeAtoms "fig3-out/atoms.xyz" large r
let classified = r.Argmax |> Array.filter (fun a -> a >= 0)
let graphene = Array.IndexOf(model.Metadata.Classes, "C")

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
