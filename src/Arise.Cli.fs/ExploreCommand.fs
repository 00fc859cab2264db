/// `arise explore DIR/spm.npz`: HDBSCAN with soft clustering and UMAP of one hidden layer's activations of the SPM
/// boxes (paper Fig. 2d–g, Fig. 4b); clusters.csv, pictures and a table of cluster sizes.
module Arise.Cli.ExploreCommand

open System
open Arise.Numerics
open System.IO
open Spectre.Console
open Plotly.NET
open Arise.Model
open Arise.Cluster

let private inv = Globalization.CultureInfo.InvariantCulture

/// Scatter of the embedding, one trace per group (name, indices), or coloured by a continuous value.
let private scatterGroups (path: string) (title: string) (embedding: float[][]) (groups: (string * int[]) list) =
    groups
    |> List.map (fun (name, idx) ->
        Chart.Point(x = (idx |> Array.map (fun i -> embedding.[i].[0])), y = (idx |> Array.map (fun i -> embedding.[i].[1])), Name = name)
        |> Chart.withMarkerStyle (Size = 4))
    |> Chart.combine
    |> Chart.withTitle title
    |> Chart.withXAxisStyle "UMAP 1"
    |> Chart.withYAxisStyle "UMAP 2"
    |> Arise.Pictures.Picture.saveHtml path

let private fail (message: string) =
    eprintfn "error: %s" message
    2

let private groupsOf (labels: int[]) (name: int -> string) =
    labels
    |> Array.indexed
    |> Array.groupBy snd
    |> Array.sortBy fst
    |> Array.map (fun (l, xs) -> name l, xs |> Array.map fst)
    |> List.ofArray

/// Runs `explore`. `layer` is 1-based (1 = first hidden layer).
let run (file: string) (layer: int) (filterClass: string option) (settings: Exploration.ExploreSettings) (outDir: string option) =
    // an SPM folder stands for its spm.npz
    let file =
        if Directory.Exists file then
            Path.Combine(file, "spm.npz")
        else
            file

    let dir = defaultArg outDir (Path.GetDirectoryName(Path.GetFullPath file))

    match Arise.Spm.SpmFile.read file, Outputs.prepareFolder dir with
    | Error e, _ -> fail e
    | _, Error e -> fail (sprintf "%s%s" (if outDir.IsSome then "--out " else "") e)
    | Ok data, Ok() ->
        let layers = data.Hidden.Length

        if layer > layers then
            fail (sprintf "%s has no hidden layer %d (it has layers 1 to %d)" file layer layers)
        else
            let n, width = data.Count, data.Width layer
            let values = data.Hidden.[layer - 1]
            let argmax = data.Labels |> Array.map Arise.Spm.BoxLabel.toArgmax
            let classes = data.Classes
            let mi = data.MutualInformation

            let wanted =
                match filterClass with
                | None -> Ok None
                | Some c ->
                    // the exact class name, or a unique class whose name starts with it and "_" (L10 → L10_CuAu)
                    let prefixed =
                        classes
                        |> Array.indexed
                        |> Array.filter (fun (_, x) -> x.StartsWith(c + "_", StringComparison.OrdinalIgnoreCase))

                    match
                        classes
                        |> Array.tryFindIndex (fun x -> String.Equals(x, c, StringComparison.OrdinalIgnoreCase)),
                        prefixed
                    with
                    | Some i, _ -> Ok(Some i)
                    | None, [| (i, _) |] -> Ok(Some i)
                    | None, [||] -> Error(sprintf "--filter-class %s: no such class in %s" c file)
                    | None, many -> Error(sprintf "--filter-class %s is ambiguous: %s" c (many |> Array.map snd |> String.concat ", "))

            match wanted with
            | Error e -> fail e
            | Ok wanted ->
                let boxes =
                    [| for b in 0 .. n - 1 do
                           if argmax.[b] >= 0 && (wanted.IsNone || wanted = Some argmax.[b]) then
                               b |]

                if boxes.Length < 3 then
                    fail (
                        sprintf
                            "%s: only %d boxes to explore (classified%s)"
                            file
                            boxes.Length
                            (match filterClass with
                             | Some c -> " as " + c
                             | None -> "")
                    )
                else
                    let points =
                        boxes
                        |> Array.map (fun b -> Array.init width (fun k -> float values.[b * width + k]))

                    match points |> Array.tryFindIndex (Array.exists (fun v -> not (Double.IsFinite v))) with
                    | Some i -> fail (sprintf "%s: the activations of box %d are not finite (a damaged spm.npz?)" file boxes.[i])
                    | None ->
                        // 0: from the number of boxes (Arise.Defaults.minClusterSize); UMAP's neighbours likewise
                        let chosen = settings.Hdbscan.MinClusterSize

                        let mcs =
                            min
                                (if chosen = 0 then
                                     Arise.Defaults.minClusterSize boxes.Length
                                 else
                                     chosen)
                                (max 2 (boxes.Length / 2))

                        let settings =
                            { settings with
                                Hdbscan =
                                    { settings.Hdbscan with
                                        MinClusterSize = mcs }
                                Umap =
                                    settings.Umap
                                    |> Option.map (fun u ->
                                        if u.Neighbours = 0 then
                                            { u with Neighbours = max 2 mcs }
                                        else
                                            u) }

                        printfn
                            "%s: %d boxes%s, hidden layer %d (%d values); HDBSCAN min_cluster_size %d%s"
                            file
                            boxes.Length
                            (match filterClass with
                             | Some c -> " classified " + c
                             | None -> " classified")
                            layer
                            width
                            mcs
                            (match settings.Umap with
                             | Some u -> sprintf "; UMAP n_neighbors %d" (min u.Neighbours (boxes.Length - 1))
                             | None -> "")

                        let epochs =
                            match settings.Umap with
                            | Some u -> Umap.epochs u boxes.Length
                            | None -> 0

                        let result =
                            if epochs = 0 then
                                Exploration.run settings points ignore
                            else
                                Outputs.withProgress "HDBSCAN, kNN graph, UMAP epochs" (float epochs) (fun task ->
                                    Exploration.run settings points (fun e -> task.Value <- float e))

                        let csv = Path.Combine(dir, "clusters.csv")
                        let hasUmap = result.Embedding.Length = boxes.Length

                        do
                            use w = new StreamWriter(csv)
                            w.WriteLine "box,cluster,membership,umap_x,umap_y,hdbscan_label,hdbscan_probability,outlier_score"

                            boxes
                            |> Array.iteri (fun i b ->
                                let ux, uy =
                                    if hasUmap then
                                        result.Embedding.[i].[0].ToString("R", inv),
                                        (if result.Embedding.[i].Length > 1 then
                                             result.Embedding.[i].[1].ToString("R", inv)
                                         else
                                             "")
                                    else
                                        "", ""

                                w.WriteLine(
                                    String.Join(
                                        ",",
                                        string b,
                                        string result.SoftLabels.[i],
                                        result.SoftMembership.[i].ToString("0.######", inv),
                                        ux,
                                        uy,
                                        string result.Labels.[i],
                                        result.Probabilities.[i].ToString("0.######", inv),
                                        result.OutlierScores.[i].ToString("0.######", inv)
                                    )
                                ))
                        // table of cluster sizes and their main predicted class
                        let table =
                            Table().AddColumns("cluster", "boxes", "share", "hard (HDBSCAN)", "main class", "mean MI")

                        for label, members in groupsOf result.SoftLabels string do
                            let main =
                                members
                                |> Array.countBy (fun i -> classes.[argmax.[boxes.[i]]])
                                |> Array.maxBy snd

                            let hard =
                                members |> Array.filter (fun i -> result.Labels.[i] = int label) |> Array.length

                            table.AddRow(
                                (if label = "-1" then "outlier" else label),
                                string members.Length,
                                sprintf "%.1f %%" (100.0 * float members.Length / float boxes.Length),
                                string hard,
                                sprintf "%s (%.0f %%)" (fst main) (100.0 * float (snd main) / float members.Length),
                                sprintf "%.3f" (members |> Array.averageBy (fun i -> mi.[boxes.[i]]))
                            )
                            |> ignore

                        AnsiConsole.Write table

                        printfn
                            "%d clusters (soft clustering, threshold %.2f); %d outliers"
                            result.Clusters
                            settings.Threshold
                            (result.SoftLabels |> Array.filter ((=) -1) |> Array.length)

                        if result.Clusters = 0 then
                            eprintfn
                                "hint: no cluster of %d boxes or more was found among %d boxes; try a smaller --min-cluster-size \
                                 (and --neighbors), e.g. %d"
                                mcs
                                boxes.Length
                                (max 2 (mcs / 4))

                        let written = ResizeArray [ csv ]

                        if hasUmap && width > 0 then
                            let clusterName l =
                                if l = -1 then "outlier" else sprintf "cluster %d" l

                            let p1 = Path.Combine(dir, "explore_umap_cluster.html")

                            scatterGroups
                                p1
                                "UMAP of the network's representations, by cluster"
                                result.Embedding
                                (groupsOf result.SoftLabels clusterName)

                            let p2 = Path.Combine(dir, "explore_umap_class.html")
                            let classLabels = boxes |> Array.map (fun b -> argmax.[b])
                            scatterGroups p2 "UMAP, by predicted class" result.Embedding (groupsOf classLabels (fun c -> classes.[c]))
                            let p3 = Path.Combine(dir, "explore_umap_mutual_information.html")

                            Chart.Point(
                                x = (result.Embedding |> Array.map (fun e -> e.[0])),
                                y = (result.Embedding |> Array.map (fun e -> e.[1]))
                            )
                            |> Chart.withMarkerStyle (
                                Size = 4,
                                Colorscale = StyleParam.Colorscale.Viridis,
                                ShowScale = true,
                                Color = Color.fromColorScaleValues (boxes |> Array.map (fun b -> mi.[b]))
                            )
                            |> Chart.withTitle "UMAP, by mutual information (nats)"
                            |> Arise.Pictures.Picture.saveHtml p3

                            written.AddRange [ p1; p2; p3 ]
                        // crystal map coloured by cluster (central slice of the grid; blank = box not explored)
                        let nx, ny, nz = data.Grid.Shape

                        if ([ nx; ny; nz ] |> List.filter (fun d -> d > 1)).Length >= 2 then
                            let label = Array.create n Double.NaN
                            boxes |> Array.iteri (fun i bx -> label.[bx] <- float result.SoftLabels.[i])
                            let p = Path.Combine(dir, "explore_map_cluster.html")

                            Arise.Pictures.SpmMaps.heatmap
                                p
                                "Crystal map by cluster (−1 = outlier; blank = not explored)"
                                data.Grid
                                (fun b -> label.[b])

                            written.Add p

                        let pngs = Arise.Pictures.Picture.writePngs (List.ofSeq written)

                        for p in Seq.append written pngs.Written do
                            printfn "wrote %s" p

                        for problem in pngs.Problems do
                            eprintfn "note: %s" problem

                        0
