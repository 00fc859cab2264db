/// HDBSCAN and UMAP against the Debian peers on the same data in one run (issue #6): R dbscan::hdbscan and
/// umap-learn 0.5.3 (warm), blob data with noise in 256 dimensions; time ratios and quality figures side by side.
module Arise.Bench.ClusterBench

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Arise.Cluster

let private inv = Globalization.CultureInfo.InvariantCulture

let private writeCsv = Datasets.writeCsv

/// Runs a peer; returns its standard output, or None (with the reason printed) when it is not installed or fails.
let private runPeer (exe: string) (args: string) =
    try
        let psi =
            ProcessStartInfo(exe, args, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true)

        use p = Process.Start psi
        let out = p.StandardOutput.ReadToEnd()
        let err = p.StandardError.ReadToEnd()
        p.WaitForExit()

        if p.ExitCode = 0 then
            Some out
        else
            printfn "  peer %s failed (exit %d): %s" exe p.ExitCode (err.Trim().Split('\n') |> Array.last)
            None
    with e ->
        printfn "  peer %s not available: %s" exe e.Message
        None

let private peersDir () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then
            None
        else
            let c = Path.Combine(dir.FullName, "scripts", "peers")
            if Directory.Exists c then Some c else up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

/// Blob data as in notes/cluster.md: 95 % of the points in 20 Gaussian blobs (σ uniform in [2, 5]), 5 % uniform noise.
let private data (n: int) =
    Datasets.blobs 20 (n * 95 / 100) 256 20 2.0 5.0 (n - n * 95 / 100)

let private peakMb () =
    float (Process.GetCurrentProcess().PeakWorkingSet64) / 1048576.0

/// Trustworthiness@15, on a fixed subset of 5,000 points above that size (the same subset for every embedding).
let private trust (x: float[][]) (e: float[][]) =
    if x.Length <= 5000 then
        Quality.trustworthiness 15 x e
    else
        let idx =
            Array.init x.Length id
            |> Array.sortBy (fun i -> (int64 i * 2654435761L) % 4294967296L)
            |> Array.truncate 5000

        Quality.trustworthiness 15 (idx |> Array.map (fun i -> x.[i])) (idx |> Array.map (fun i -> e.[i]))

let run (sizes: int list) (neighbours: int list) () =
    let dir = Path.Combine(Path.GetTempPath(), "arise-cluster-bench")
    Directory.CreateDirectory dir |> ignore
    let peers = peersDir ()

    printfn
        "HDBSCAN and UMAP vs Debian peers (R dbscan %s, umap-learn warm), blobs in 256-d with 5 %% noise; %d cores"
        "1.1-11"
        Environment.ProcessorCount

    printfn "| data | method | ours s | peer s | peer/ours | quality ours | quality peer |"
    printfn "|---|---|---|---|---|---|---|"

    for n in sizes do
        let x, truth = data n
        let csv = Path.Combine(dir, sprintf "blobs%d.csv" n)
        writeCsv csv x truth
        // HDBSCAN, min_cluster_size 50 (R minPts 51 ⇔ min_cluster_size 51, min_samples 50)
        let sw = Stopwatch.StartNew()

        let h =
            Hdbscan.run
                { Hdbscan.defaults with
                    MinClusterSize = 51
                    MinSamples = Some 50 }
                x

        let tOurs = sw.Elapsed.TotalSeconds
        let ari = Quality.adjustedRandIndex h.Labels truth
        let rLabels = Path.Combine(dir, sprintf "r%d.csv" n)

        let peer =
            peers
            |> Option.bind (fun p -> runPeer "Rscript" (sprintf "%s %s 51 %s" (Path.Combine(p, "r_hdbscan.R")) csv rLabels))
            |> Option.map (fun out ->
                let t = Regex.Match(out, @"([0-9.]+) s").Groups.[1].Value |> float
                let labels = File.ReadAllLines rLabels |> Array.map (fun l -> int l - 1)
                t, Quality.adjustedRandIndex labels truth, Quality.adjustedRandIndex labels h.Labels)

        match peer with
        | Some(t, ariR, between) ->
            printfn
                "| %d×256 | HDBSCAN mcs 51 | %.1f | %.1f | %.1f× | ARI %.4f (vs R %.4f) | ARI %.4f |"
                n
                tOurs
                t
                (t / tOurs)
                ari
                between
                ariR
        | None -> printfn "| %d×256 | HDBSCAN mcs 51 | %.1f | – | – | ARI %.4f | – |" n tOurs ari

        for k in neighbours do
            let sw = Stopwatch.StartNew()
            let m = Umap.fit { Umap.defaults with Neighbours = k } x
            let tOurs = sw.Elapsed.TotalSeconds
            let trustOurs = trust x m.Embedding
            let embOut = Path.Combine(dir, sprintf "umap%d-%d.csv" n k)

            let peer =
                peers
                |> Option.bind (fun p -> runPeer "/usr/bin/python3" (sprintf "%s %s %d %s" (Path.Combine(p, "umap_bench.py")) csv k embOut))
                |> Option.map (fun out ->
                    let j =
                        Text.Json.JsonDocument.Parse(out.Trim().Split('\n') |> Array.last).RootElement

                    let e =
                        File.ReadAllLines embOut
                        |> Array.map (fun l -> l.Split(',') |> Array.map (fun v -> Double.Parse(v, inv)))

                    j.GetProperty("warm").GetDouble(), j.GetProperty("cold").GetDouble(), trust x e)

            match peer with
            | Some(warm, cold, trustPeer) ->
                printfn
                    "| %d×256 | UMAP k=%d | %.1f | %.1f warm (%.1f cold) | %.2f× | trust@15 %.4f | trust@15 %.4f |"
                    n
                    k
                    tOurs
                    warm
                    cold
                    (warm / tOurs)
                    trustOurs
                    trustPeer
            | None -> printfn "| %d×256 | UMAP k=%d | %.1f | – | – | trust@15 %.4f | – |" n k tOurs trustOurs

        printfn "  (our process's peak working set so far: %.0f MB)" (peakMb ())

/// 45,000 × 256 (activation-sized): HDBSCAN (min_cluster_size 500) and UMAP (n_neighbors 500) complete; time and
/// the process's peak working set after each (no n × n matrix is held: kNN by blocks of 128 rows, Prim on the fly).
let big () =
    let x, truth = data 45_000
    printfn "45,000 × 256 blobs: start peak working set %.0f MB" (peakMb ())
    let sw = Stopwatch.StartNew()

    let h =
        Hdbscan.run
            { Hdbscan.defaults with
                MinClusterSize = 500 }
            x

    printfn
        "HDBSCAN mcs 500: %.1f s, %d clusters, ARI %.4f, peak working set %.0f MB"
        sw.Elapsed.TotalSeconds
        h.SelectedClusters.Length
        (Quality.adjustedRandIndex h.Labels truth)
        (peakMb ())

    sw.Restart()
    let m = Umap.fit { Umap.defaults with Neighbours = 500 } x

    printfn
        "UMAP k=500: %.1f s, %d edges, peak working set %.0f MB (an n × n float matrix would be %.0f MB)"
        sw.Elapsed.TotalSeconds
        m.Graph.Edges
        (peakMb ())
        (45_000.0 * 45_000.0 * 4.0 / 1048576.0)
