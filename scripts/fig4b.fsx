// Paper Fig. 4b: boxes of the FePt nanoparticle (electron tomography) classified L1₀, first hidden layer, HDBSCAN
// with soft clustering (min_cluster_size 10, threshold 0.1) and UMAP (n_neighbors 50); per cluster the histogram of
// Δd = d_FeFe − d_PtPt (Å; ARISE's nearest-neighbour distance per species pair inside each box). The paper found
// 5,359 L1₀ boxes of 43,679, six clusters, each with a peaked Δd distribution centred at a different value.
//
//   ./arise --version
//   dotnet fsi scripts/fig4b.fsx [--stride 2] [--samples 50]     (stride 2 Å: ≈48,000 boxes, the paper reports 43,679)
#load "Common.fsx"

open System
open System.IO
open Arise.Structure
open Arise.Model
open Arise.Spm
open Arise.Cluster
open Common

let stride = float (ScriptArgs.get "--stride" "2")
let samples = int (ScriptArgs.get "--samples" "50")
let recognizer = ScriptArgs.recognizer ()
let sample = ScriptArgs.fePtNanoparticle ()

let out = sprintf "fig4b-out/stride%g-T%d" stride samples

printfn "FePt nanoparticle: %d atoms (box 12 Å, stride %g Å, T = %d; resumable in %s)" (Structure.count sample) stride samples out

let map =
    recognizer
        .MapAsync(
            sample,
            box = 12.0,
            stride = stride,
            mode = "bulk",
            samples = samples,
            folder = out,
            progress = ScriptArgs.progressEvery 0.05
        )
        .Result

let r, grid = map.Result, map.Result.Grid
map.Save out |> ignore
let l10 = Array.IndexOf(recognizer.Classes, "L10_CuAu")
let classified = r.Argmax |> Array.filter (fun a -> a >= 0) |> Array.length

let boxes =
    [| for b in 0 .. r.Argmax.Length - 1 do
           if r.Argmax.[b] = l10 then
               b |]

printfn "SPM in %.0f s: %d classified boxes, %d L1₀ (paper: 5,359 of 43,679 boxes at stride 1)" map.Seconds classified boxes.Length

let width = r.Hidden.[0].Length / r.Argmax.Length

let points =
    boxes
    |> Array.map (fun b -> Array.init width (fun q -> float r.Hidden.[0].[b * width + q]))

let exploreSettings: Exploration.ExploreSettings =
    { Hdbscan =
        { Hdbscan.defaults with
            MinClusterSize = 10 }
      Threshold = 0.1
      Umap = Some { Umap.defaults with Neighbours = 50 }
      Normalise = false }

let e = Exploration.run exploreSettings points ignore
printfn "clusters: ours %d, paper 6; outliers %d" e.Clusters (e.SoftLabels |> Array.filter ((=) -1) |> Array.length)
// Δd per box from the atoms inside it
let cells = CellList.build sample
let buffer = NeighbourBuffer(256)

let fe, pt =
    Elements.tryNumber "Fe" |> Option.get, Elements.tryNumber "Pt" |> Option.get

let delta =
    boxes
    |> Array.map (fun b ->
        let idx, pos = SpmGrid.atomsInBox cells grid r.Centres.[b] buffer
        let sub = Structure.cluster pos (idx |> Array.map (fun i -> sample.Numbers.[i]))

        match
            NearestNeighbour.dnnBetween DnnMethod.AriseHistogram (Some fe) (Some fe) sub,
            NearestNeighbour.dnnBetween DnnMethod.AriseHistogram (Some pt) (Some pt) sub
        with
        | Ok dFe, Ok dPt -> dFe - dPt
        | _ -> nan)

let bins = [| -0.6 .. 0.1..0.6 |]

printfn
    "Δd = d_FeFe − d_PtPt per cluster (Å): median, quartiles, and a histogram over %g..%g Å in 0.1 Å bins"
    bins.[0]
    bins.[bins.Length - 1]

for c in -1 .. e.Clusters - 1 do
    let ds =
        [| for i in 0 .. boxes.Length - 1 do
               if e.SoftLabels.[i] = c && not (Double.IsNaN delta.[i]) then
                   delta.[i] |]
        |> Array.sort

    if ds.Length > 0 then
        let q p =
            ds.[min (ds.Length - 1) (int (p * float ds.Length))]

        let hist =
            bins
            |> Array.map (fun lo -> ds |> Array.filter (fun d -> d >= lo - 0.05 && d < lo + 0.05) |> Array.length)

        let bar =
            hist
            |> Array.map (fun h -> " ▁▂▃▄▅▆▇█".[min 8 (h * 8 / max 1 (Array.max hist))])
            |> String

        printfn
            "  %-9s %5d boxes  median %+.3f  [%+.3f, %+.3f]  %s"
            (if c < 0 then "outliers" else sprintf "cluster %d" (c + 1))
            ds.Length
            (q 0.5)
            (q 0.25)
            (q 0.75)
            bar

let csv = Path.Combine(out, "fig4b.csv")

File.WriteAllLines(
    csv,
    Array.append
        [| "box,cluster,membership,umap_x,umap_y,delta_d" |]
        (boxes
         |> Array.mapi (fun i b ->
             sprintf "%d,%d,%.6f,%.6f,%.6f,%.6f" b e.SoftLabels.[i] e.SoftMembership.[i] e.Embedding.[i].[0] e.Embedding.[i].[1] delta.[i]))
)

printfn "wrote %s" csv
