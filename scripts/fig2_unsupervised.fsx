// Paper Fig. 2d–g: unsupervised analysis of the network's representations of the four-grain polycrystal's SPM
// boxes, with the paper's settings by default: HDBSCAN's own (hard) labels with min_cluster_size 500, UMAP with
// n_neighbors 500, of the second hidden layer (the data release's `dense_1`: its layers count from dense_0; Fig. S9
// uses the second too). `--labels soft` takes soft clustering (threshold 0.1, the paper's Fig. 4 rule) instead,
// `--layer 1` the first hidden layer. Prints the number of clusters beside the paper's (4) and where the outliers lie: the share of
// outliers on grain boundaries or the sample edge (a box within 2 strides of a change of predicted class, of an
// empty box or of the grid edge; the data release has no grain ids), beside the share of all boxes there.
// Uses fig2-out/four_grains_elemental_solid/spm.npz from scripts/fig2.fsx when present, else runs SPM itself.
//
//   ./arise --version
//   dotnet fsi scripts/fig2_unsupervised.fsx [--samples 100] [--layer 2] [--labels hard|soft] [--neighbors 500]
//                                            [--min-cluster-size 500]
#load "Common.fsx"

open System
open Arise.Numerics
open System.IO
open Arise.Structure
open Arise.Model
open Arise.Spm
open Arise.Cluster
open Common

let samples = int (ScriptArgs.get "--samples" "100")
let layer = int (ScriptArgs.get "--layer" "2")
let soft = ScriptArgs.get "--labels" "hard" = "soft"
let k = int (ScriptArgs.get "--neighbors" "500")
let mcs = int (ScriptArgs.get "--min-cluster-size" "500")
let name = "four_grains_elemental_solid"
let out = Path.Combine("fig2-out", name)
let npz = Path.Combine(out, "spm.npz")

if not (File.Exists npz) then
    let sample = ScriptArgs.dataStructure [ "polycrystal"; name + ".xyz" ]
    printfn "running SPM (box 16 Å, stride 1 Å, T = %d) on %s ..." samples name

    (ScriptArgs.recognizer ()).Map(sample, box = 16.0, stride = 1.0, samples = samples, folder = out).Save out
    |> ignore

let data = SpmFile.read npz |> Result.defaultWith failwith
let nx, ny, _ = data.Grid.Shape
let argmax = data.Labels |> Array.map BoxLabel.toArgmax
let width = data.Width layer
let values = data.Hidden.[layer - 1]

let boxes =
    [| for b in 0 .. argmax.Length - 1 do
           if argmax.[b] >= 0 then
               b |]

let points =
    boxes
    |> Array.map (fun b -> Array.init width (fun q -> float values.[b * width + q]))

let settings: Exploration.ExploreSettings =
    { Hdbscan =
        { Hdbscan.defaults with
            MinClusterSize = mcs }
      Threshold = 0.1
      Umap = Some { Umap.defaults with Neighbours = k }
      Normalise = false }

let clock = Diagnostics.Stopwatch.StartNew()
let e = Exploration.run settings points ignore
printfn "%d classified boxes, hidden layer %d (%d values): HDBSCAN + UMAP in %.1f s" boxes.Length layer width clock.Elapsed.TotalSeconds
/// The label of each explored box: HDBSCAN's own (the paper's Fig. 2), or the soft clustering's (its Fig. 4).
let labels = if soft then e.SoftLabels else e.Labels

printfn "clusters: ours %d, paper 4 (%s labels, min_cluster_size %d, layer %d)" e.Clusters (if soft then "soft" else "hard") mcs layer
// boundary proxy: within 2 strides of a class change, an empty box or the grid edge
let at i j =
    if i < 0 || i >= nx || j < 0 || j >= ny then
        -2
    else
        argmax.[i * ny + j]

let onBoundary (b: int) =
    let i, j = b / ny, b % ny
    let a = at i j

    [ for di in -2 .. 2 do
          for dj in -2 .. 2 -> at (i + di) (j + dj) ]
    |> List.exists ((<>) a)

let outliers =
    [| for i in 0 .. boxes.Length - 1 do
           if labels.[i] = -1 then
               boxes.[i] |]

let share (xs: int[]) =
    100.0 * float (xs |> Array.filter onBoundary |> Array.length)
    / float (max 1 xs.Length)

printfn
    "outliers: %d of %d boxes (%.1f %%); %.1f %% of them on grain boundaries or the edge, against %.1f %% of all boxes"
    outliers.Length
    boxes.Length
    (100.0 * float outliers.Length / float boxes.Length)
    (share outliers)
    (share boxes)

printfn "  paper: 4 clusters, the outliers \"coincide with grain-boundary and outer-border regions\" (no share published)"

for c in 0 .. e.Clusters - 1 do
    let members =
        [| for i in 0 .. boxes.Length - 1 do
               if labels.[i] = c then
                   boxes.[i] |]

    let main = members |> Array.countBy (fun b -> argmax.[b]) |> Array.maxBy snd
    let classes = data.Classes

    printfn
        "  cluster %d: %5d boxes, %5.1f %% %s, %.1f %% on boundaries"
        c
        members.Length
        (100.0 * float (snd main) / float members.Length)
        classes.[fst main]
        (share members)

let csv = Path.Combine(out, "fig2_unsupervised.csv")

File.WriteAllLines(
    csv,
    Array.append
        [| "box,cluster,membership,umap_x,umap_y" |]
        (boxes
         |> Array.mapi (fun i b ->
             let u = e.Embedding.[i]
             sprintf "%d,%d,%.6f,%.6f,%.6f" b labels.[i] e.SoftMembership.[i] u.[0] u.[1]))
)

printfn "wrote %s (for pictures: ./arise explore %s --layer %d)" csv npz layer
