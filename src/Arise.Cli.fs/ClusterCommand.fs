/// `arise cluster DIR/spm.npz`: HDBSCAN with soft clustering on the network's hidden representations of SPM boxes.
module Arise.Cli.ClusterCommand

open System
open System.IO
open Arise.Model
open Arise.Cluster

/// Runs `cluster`: reads hidden layer `layer` of the classified boxes, L2-normalises the rows (Euclidean distance
/// then orders pairs as the cosine distance does), clusters, and writes clusters.csv next to the input.
let run (file: string) (layer: int) (settings: HdbscanSettings) (threshold: float) =
    match Npy.readNpz file with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok arrays ->
        let key = sprintf "hidden_%d" layer
        if not (arrays.ContainsKey key) then
            eprintfn "error: %s has no %s (layers: %s)" file key (arrays.Keys |> Seq.filter (fun k -> k.StartsWith "hidden_") |> String.concat ", ")
            2
        else
            let h = arrays.[key]
            let n, width = match h.Shape with [ a; b ] -> a, b | _ -> 0, 0
            let values = Npy.asFloat32 h
            let argmax = Npy.asInt32 arrays.["argmax"]
            let boxes = [| for b in 0 .. n - 1 do if argmax.[b] >= 0 then b |]
            let points =
                boxes |> Array.map (fun b ->
                    let row = Array.init width (fun k -> float values.[b * width + k])
                    let norm = sqrt (Array.sumBy (fun x -> x * x) row)
                    if norm > 0.0 then row |> Array.map (fun x -> x / norm) else row)
            printfn "%s: %d classified boxes, hidden layer %d (%d values); HDBSCAN min_cluster_size %d" file boxes.Length layer width settings.MinClusterSize
            let r = Hdbscan.run settings points
            let m = SoftClustering.membershipVectors Hdbscan.euclidean points r
            let soft = SoftClustering.assign threshold m
            let out = Path.Combine(Path.GetDirectoryName(Path.GetFullPath file), "clusters.csv")
            use w = new StreamWriter(out)
            w.WriteLine "box,label,probability,outlier_score,soft_label,soft_membership"
            boxes |> Array.iteri (fun i b ->
                let best = if m.[i].Length = 0 then 0.0 else Array.max m.[i]
                w.WriteLine(sprintf "%d,%d,%.6f,%.6f,%d,%.6f" b r.Labels.[i] r.Probabilities.[i] r.OutlierScores.[i] soft.[i] best))
            let count (ls: int[]) = ls |> Array.countBy id |> Array.sortBy fst
            printfn "%d clusters; hard labels %A; soft labels (threshold %.2f) %A" r.SelectedClusters.Length (count r.Labels) threshold (count soft)
            printfn "wrote %s" out
            0
