/// `arise explore DIR/spm.npz`: HDBSCAN with soft clustering and UMAP of one hidden layer's activations of the SPM
/// boxes (paper Fig. 2d–g, Fig. 4b); clusters.csv, pictures and a table of cluster sizes.
module Arise.Cli.ExploreCommand

open System
open Arise.Numerics
open System.IO
open Spectre.Console
open Plotly.NET
open Arise.Pictures
open Arise.Model
open Arise.Cluster
open Arise.Cli.Outputs

let private inv = Globalization.CultureInfo.InvariantCulture

/// Scatter of the embedding, one trace per group (name, indices), or coloured by a continuous value.
let private scatterGroups (path: string) (title: string) (embedding: float[][]) (groups: (string * int * int[]) list) =
    Categories.scatterChart title "UMAP 1" "UMAP 2" embedding groups
    |> Arise.Pictures.Picture.saveHtml path

let private fail (message: string) =
    eprintfn "error: %s" message
    2

let private groupsOf (labels: int[]) (name: int -> 'a) =
    labels
    |> Array.indexed
    |> Array.groupBy snd
    |> Array.sortBy fst
    |> Array.map (fun (l, xs) -> name l, xs |> Array.map fst)
    |> List.ofArray

/// The class `--filter-class` names: the exact class name, or a unique class whose name starts with it and "_"
/// (L10 → L10_CuAu); None without the option.
let private resolveClass (classes: string[]) (file: string) (filterClass: string option) =
    match filterClass with
    | None -> Ok None
    | Some c ->
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

/// The boxes to explore (classified, as the wanted class when one is given) and their activations in `layer`.
let private explored (data: Arise.Spm.SpmData) (file: string) (layer: int) (filterClass: string option) (wanted: int option) =
    let argmax = data.Labels |> Array.map Arise.Spm.BoxLabel.toArgmax
    let width, values = data.Width layer, data.Hidden.[layer - 1]

    let boxes =
        [| for b in 0 .. data.Count - 1 do
               if argmax.[b] >= 0 && (wanted.IsNone || wanted = Some argmax.[b]) then
                   b |]

    let points =
        boxes
        |> Array.map (fun b -> Array.init width (fun k -> float values.[b * width + k]))

    let what =
        match filterClass with
        | Some c -> " as " + c
        | None -> ""

    result {
        do! Outputs.require (boxes.Length >= 3) (sprintf "%s: only %d boxes to explore (classified%s)" file boxes.Length what)

        match points |> Array.tryFindIndex (Array.exists (fun v -> not (Double.IsFinite v))) with
        | Some i -> return! Error(sprintf "%s: the activations of box %d are not finite (a damaged spm.npz?)" file boxes.[i])
        | None -> return boxes, points
    }

/// The settings with HDBSCAN's minimum cluster size (0: from the number of boxes, Arise.Defaults.minClusterSize) and
/// UMAP's neighbours (0: the same) filled in.
let private sized (settings: Exploration.ExploreSettings) (boxes: int) =
    let chosen = settings.Hdbscan.MinClusterSize

    let mcs =
        min
            (if chosen = 0 then
                 Arise.Defaults.minClusterSize boxes
             else
                 chosen)
            (max 2 (boxes / 2))

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

/// HDBSCAN and UMAP, with a progress bar over the UMAP epochs.
let private explore (settings: Exploration.ExploreSettings) (points: float[][]) =
    match settings.Umap |> Option.map (fun u -> Umap.epochs u points.Length) with
    | None
    | Some 0 -> Exploration.run settings points ignore
    | Some epochs ->
        Outputs.withProgress "HDBSCAN, kNN graph, UMAP epochs" (float epochs) (fun task ->
            Exploration.run settings points (fun e -> task.Value <- float e))

/// clusters.csv: per explored box its soft cluster and membership, UMAP coordinates and HDBSCAN's own labels.
let private writeClusters (csv: string) (boxes: int[]) (result: Exploration.Exploration) =
    let hasUmap = result.Embedding.Length = boxes.Length
    use w = new StreamWriter(csv)
    w.WriteLine "box,cluster,membership,umap_x,umap_y,hdbscan_label,hdbscan_probability,outlier_score"

    boxes
    |> Array.iteri (fun i b ->
        let coordinate k =
            if hasUmap && result.Embedding.[i].Length > k then
                result.Embedding.[i].[k].ToString("R", inv)
            else
                ""

        w.WriteLine(
            String.Join(
                ",",
                string b,
                string result.SoftLabels.[i],
                result.SoftMembership.[i].ToString("0.######", inv),
                coordinate 0,
                coordinate 1,
                string result.Labels.[i],
                result.Probabilities.[i].ToString("0.######", inv),
                result.OutlierScores.[i].ToString("0.######", inv)
            )
        ))

/// One cluster (label −1: the outliers): its boxes, their share, how many HDBSCAN put in it (hard), the main
/// predicted class and its share, and the mean mutual information.
type private ClusterRow =
    { Label: int
      Boxes: int
      Share: float
      Hard: int
      MainClass: string
      MainShare: float
      MeanMutualInformation: float }

let private clusterRows (data: Arise.Spm.SpmData) (boxes: int[]) (result: Exploration.Exploration) =
    let argmax = data.Labels |> Array.map Arise.Spm.BoxLabel.toArgmax

    [ for label, members in groupsOf result.SoftLabels id do
          let main =
              members
              |> Array.countBy (fun i -> data.Classes.[argmax.[boxes.[i]]])
              |> Array.maxBy snd

          { Label = label
            Boxes = members.Length
            Share = float members.Length / float boxes.Length
            Hard = members |> Array.filter (fun i -> result.Labels.[i] = label) |> Array.length
            MainClass = fst main
            MainShare = float (snd main) / float members.Length
            MeanMutualInformation = members |> Array.averageBy (fun i -> data.MutualInformation.[boxes.[i]]) } ]

/// One cluster's fields in a JSON object.
let private writeRow (w: Text.Json.Utf8JsonWriter) (r: ClusterRow) =
    w.WriteNumber("cluster", r.Label)
    w.WriteNumber("boxes", r.Boxes)
    w.WriteNumber("share", r.Share)
    w.WriteNumber("hard", r.Hard)
    w.WriteString("main_class", r.MainClass)
    w.WriteNumber("main_class_share", r.MainShare)
    Json.number w "mean_mutual_information" r.MeanMutualInformation

/// The clusters as a table, JSON objects or CSV rows.
let private writeRows (output: Json.Output) (rows: ClusterRow list) =
    use sink = new Json.Sink(Json.styleOf output)

    let table =
        Table().AddColumns("cluster", "boxes", "share", "hard (HDBSCAN)", "main class", "mean MI")

    if output = Json.AsCsv then
        printfn "cluster,boxes,share,hard,main_class,main_class_share,mean_mutual_information"

    for r in rows do
        match output with
        | Json.AsJson _ -> sink.Write(fun w -> writeRow w r)
        | Json.AsCsv ->
            let f (x: float) = x.ToString("R", inv)

            printfn
                "%d,%d,%s,%d,%s,%s,%s"
                r.Label
                r.Boxes
                (f r.Share)
                r.Hard
                (Json.csvField r.MainClass)
                (f r.MainShare)
                (f r.MeanMutualInformation)
        | Json.AsTable ->
            table.AddRow(
                (if r.Label = -1 then "outlier" else string r.Label),
                string r.Boxes,
                sprintf "%.1f %%" (100.0 * r.Share),
                string r.Hard,
                sprintf "%s (%.0f %%)" r.MainClass (100.0 * r.MainShare),
                sprintf "%.3f" r.MeanMutualInformation
            )
            |> ignore

    if output = Json.AsTable then
        AnsiConsole.Write table

/// explore_summary.json beside clusters.csv (spm writes its own summary.json): the input, the settings used, the
/// clusters found and each cluster's row.
let private writeSummary (path: string) (file: string) (layer: int) (boxes: int) settings result (rows: ClusterRow list) =
    use stream = new MemoryStream()

    (use w =
        new Text.Json.Utf8JsonWriter(stream, Text.Json.JsonWriterOptions(Indented = true))

     w.WriteStartObject()
     w.WriteString("input", Path.GetFullPath file)
     w.WriteNumber("layer", layer)
     w.WriteNumber("boxes", boxes)
     w.WriteNumber("min_cluster_size", (settings: Exploration.ExploreSettings).Hdbscan.MinClusterSize)

     match settings.Umap with
     | Some u -> w.WriteNumber("neighbors", min u.Neighbours (boxes - 1))
     | None -> w.WriteNull("neighbors")

     w.WriteNumber("threshold", settings.Threshold)
     w.WriteNumber("clusters", (result: Exploration.Exploration).Clusters)
     w.WriteNumber("outliers", result.SoftLabels |> Array.filter ((=) -1) |> Array.length)
     w.WriteStartArray("rows")

     for r in rows do
         w.WriteStartObject()
         writeRow w r
         w.WriteEndObject()

     w.WriteEndArray()
     w.WriteEndObject())

    Arise.Numerics.AtomicFile.write path (fun tmp -> File.WriteAllBytes(tmp, stream.ToArray()))

/// What was found, and a hint when nothing was (on standard error when the results go to standard output as data).
let private reportFound (say: string -> unit) (settings: Exploration.ExploreSettings) (boxes: int) (result: Exploration.Exploration) =
    say (
        sprintf
            "%d clusters (soft clustering, threshold %.2f); %d outliers"
            result.Clusters
            settings.Threshold
            (result.SoftLabels |> Array.filter ((=) -1) |> Array.length)
    )

    if result.Clusters = 0 then
        let mcs = settings.Hdbscan.MinClusterSize

        eprintfn
            "hint: no cluster of %d boxes or more was found among %d boxes; try a smaller --min-cluster-size \
             (and --neighbors), e.g. %d"
            mcs
            boxes
            (max 2 (mcs / 4))

/// The UMAP pictures: by cluster, by predicted class, by mutual information. Returns the files written.
let private umapPictures (dir: string) (data: Arise.Spm.SpmData) (boxes: int[]) (result: Exploration.Exploration) =
    let argmax = data.Labels |> Array.map Arise.Spm.BoxLabel.toArgmax

    let p1 = Path.Combine(dir, "explore_umap_cluster.html")
    let title1 = "UMAP of the network's representations, by cluster"
    scatterGroups p1 title1 result.Embedding (Categories.clusterGroups result.SoftLabels)
    let p2 = Path.Combine(dir, "explore_umap_class.html")
    let classNames = boxes |> Array.map (fun b -> data.Classes.[argmax.[b]])
    scatterGroups p2 "UMAP, by predicted class" result.Embedding (Categories.classGroups classNames)
    let p3 = Path.Combine(dir, "explore_umap_mutual_information.html")
    let mi = boxes |> Array.map (fun b -> data.MutualInformation.[b])

    Categories.valueScatterChart "UMAP, by mutual information (nats)" "UMAP 1" "UMAP 2" result.Embedding mi "mutual information (nats)"
    |> Arise.Pictures.Picture.saveHtml p3

    [ p1; p2; p3 ]

/// The crystal map coloured by cluster (central slice of the grid; blank = box not explored), for grids of two or
/// three dimensions. Returns the file written, if any.
let private clusterMap (dir: string) (data: Arise.Spm.SpmData) (boxes: int[]) (result: Exploration.Exploration) =
    let nx, ny, nz = data.Grid.Shape

    if ([ nx; ny; nz ] |> List.filter (fun d -> d > 1)).Length >= 2 then
        let p = Path.Combine(dir, "explore_map_cluster.html")
        let title = "Crystal map by cluster (grey: outliers; blank: not explored)"

        Categories.clusterMapChart title data.Grid boxes result.SoftLabels result.Clusters
        |> Arise.Pictures.Picture.saveHtml p

        [ p ]
    else
        []

/// What is explored, and with which sizes.
let private announce
    say
    (file: string)
    (boxes: int)
    (filterClass: string option)
    (layer: int)
    width
    (settings: Exploration.ExploreSettings)
    =
    Printf.ksprintf
        say
        "%s: %d boxes%s, hidden layer %d (%d values); HDBSCAN min_cluster_size %d%s"
        file
        boxes
        (match filterClass with
         | Some c -> " classified " + c
         | None -> " classified")
        layer
        width
        settings.Hdbscan.MinClusterSize
        (match settings.Umap with
         | Some u -> sprintf "; UMAP n_neighbors %d" (min u.Neighbours (boxes - 1))
         | None -> "")

/// The pictures (UMAP views when there is an embedding, the crystal map by cluster) and their PNGs; lists every file
/// written after `files`.
let private writePictures say (dir: string) data (boxes: int[]) (found: Exploration.Exploration) width (files: string list) =
    let written =
        files
        @ (if found.Embedding.Length = boxes.Length && width > 0 then
               umapPictures dir data boxes found
           else
               [])
        @ clusterMap dir data boxes found

    let pngs = Outputs.pngs written

    for p in written @ pngs.Written do
        say (sprintf "wrote %s" p)

    for problem in pngs.Problems do
        eprintfn "note: %s" problem

/// Runs `explore`. `layer` is 1-based (1 = first hidden layer).
let run
    (output: Json.Output)
    file
    (layer: int)
    (filterClass: string option)
    (settings: Exploration.ExploreSettings)
    (outDir: string option)
    =
    // an SPM folder stands for its spm.npz
    let file =
        if Directory.Exists file then
            Path.Combine(file, "spm.npz")
        else
            file

    let dir = defaultArg outDir (Path.GetDirectoryName(Path.GetFullPath file))

    let outcome =
        result {
            let! data = Arise.Spm.SpmFile.read file

            do!
                Outputs.prepareFolder dir
                |> Result.mapError (sprintf "%s%s" (if outDir.IsSome then "--out " else ""))

            let layers = data.Hidden.Length
            do! Outputs.require (layer <= layers) (sprintf "%s has no hidden layer %d (it has layers 1 to %d)" file layer layers)
            let! wanted = resolveClass data.Classes file filterClass
            let! boxes, points = explored data file layer filterClass wanted
            return data, boxes, points
        }

    match outcome with
    | Error e -> fail e
    | Ok(data, boxes, points) ->
        let settings = sized settings boxes.Length
        let width = data.Width layer

        // with --json or --csv, standard output carries the data only; the messages go to standard error
        let say (line: string) =
            if output = Json.AsTable then
                printfn "%s" line
            else
                eprintfn "%s" line

        announce say file boxes.Length filterClass layer width settings
        let found = explore settings points
        let csv = Path.Combine(dir, "clusters.csv")
        writeClusters csv boxes found
        let rows = clusterRows data boxes found
        writeRows output rows
        reportFound say settings boxes.Length found
        let summary = Path.Combine(dir, "explore_summary.json")
        writeSummary summary file layer boxes.Length settings found rows

        writePictures say dir data boxes found width [ csv; summary ]
        0
