namespace Arise

open System
open System.Runtime.InteropServices
open Plotly.NET
open Plotly.NET.LayoutObjects
open Arise.Spm
open Arise.Pictures

/// Pictures of recognitions, maps and clusters as Plotly.NET charts: a notebook displays them inline, a script
/// saves them with `Chart.saveHtml` (or `Charts.Save`).
[<AbstractClass; Sealed>]
type Charts =
    /// A palette of 24 distinguishable colours for categories (classes, clusters); outliers are grey.
    static member internal Palette =
        [| "#1f77b4"
           "#ff7f0e"
           "#2ca02c"
           "#d62728"
           "#9467bd"
           "#8c564b"
           "#e377c2"
           "#7f7f7f"
           "#bcbd22"
           "#17becf"
           "#393b79"
           "#637939"
           "#8c6d31"
           "#843c39"
           "#7b4173"
           "#3182bd"
           "#e6550d"
           "#31a354"
           "#756bb1"
           "#636363"
           "#6baed6"
           "#fd8d3c"
           "#74c476"
           "#9e9ac8" |]

    static member internal CategoryColour(k: int) =
        if k < 0 then
            Color.fromHex "#b0b0b0"
        else
            Color.fromHex Charts.Palette.[k % Charts.Palette.Length]

    /// Horizontal bars of the ranked classes' probabilities, titled with the mutual information and its level.
    static member Probabilities(recognition: Recognition) : GenericChart =
        if not recognition.Succeeded then
            raise (AriseException(recognition.Source, Nullable(), recognition.Error))

        let top = Array.rev recognition.Top

        Chart.Bar(
            values = (top |> Array.map (fun c -> c.Probability)),
            Keys = (top |> Array.map (fun c -> sprintf "%s (%s)" c.Class c.MaterialType))
        )
        |> Chart.withTitle (
            sprintf
                "%s: mutual information %.4f nats (%s), T = %d"
                recognition.Source
                recognition.MutualInformation
                recognition.Uncertainty
                recognition.Samples
        )
        |> Chart.withXAxisStyle ("probability", MinMax = (0.0, 1.0))
        |> Chart.withMargin (Margin.init (Left = 260))

    /// A 2D map of an SPM run (central slice for bulk): the mutual information (`quantity` "mi", default), or the
    /// probability of the class named by `quantity`. Axes in Å (the sample's unit), a labelled colour bar.
    static member Map(map: SpmMap, [<Optional; DefaultParameterValue("mi")>] quantity: string) : GenericChart =
        let r = map.Result

        let values, label, title =
            if isNull quantity || quantity = "mi" then
                (fun f -> r.MutualInformation.[f]), "mutual information (nats)", "Mutual information"
            else
                let p = map.ProbabilityOf quantity
                (fun f -> p.[f]), "probability", sprintf "Probability of %s" quantity

        SpmMaps.heatmapChart (sprintf "%s (box %g Å, stride %g Å, T = %d)" title map.Box map.Stride map.Samples) label r.Grid values

    /// The UMAP embedding of a cluster map, coloured by cluster (`colour` "cluster", default; outliers grey), by
    /// predicted class ("class") or by mutual information ("mi").
    static member Embedding(clusters: ClusterMap, [<Optional; DefaultParameterValue("cluster")>] colour: string) =
        let e = clusters.Embedding

        if e.Length = 0 then
            raise (AriseException(null, Nullable(), "this cluster map has no embedding (explored with umap = false)"))

        let xs (idx: int[]) = idx |> Array.map (fun i -> e.[i].[0])
        let ys (idx: int[]) = idx |> Array.map (fun i -> e.[i].[1])

        let byGroups (keys: 'K[]) (name: 'K -> string) (colourOf: 'K -> int -> Color) =
            keys
            |> Array.indexed
            |> Array.groupBy snd
            |> Array.sortBy fst
            |> Array.mapi (fun g (key, members) ->
                let idx = members |> Array.map fst

                Chart.Point(x = xs idx, y = ys idx, Name = name key)
                |> Chart.withMarkerStyle (Size = 4, Color = colourOf key g))
            |> Chart.combine

        let chart =
            match (if isNull colour then "cluster" else colour) with
            | "class" ->
                byGroups clusters.PredictedClasses id (fun _ g -> Charts.CategoryColour g)
                |> Chart.withTitle "UMAP of the hidden layer, by predicted class"
            | "mi" ->
                Chart.Point(x = xs [| 0 .. e.Length - 1 |], y = ys [| 0 .. e.Length - 1 |])
                |> Chart.withMarkerStyle (
                    Size = 4,
                    Colorscale = StyleParam.Colorscale.Viridis,
                    ShowScale = true,
                    Color = Color.fromColorScaleValues clusters.MutualInformation
                )
                |> Chart.withTitle "UMAP of the hidden layer, by mutual information (nats)"
            | _ ->
                byGroups clusters.Clusters (fun l -> if l < 0 then "outlier" else sprintf "cluster %d" l) (fun l _ ->
                    Charts.CategoryColour l)
                |> Chart.withTitle "UMAP of the hidden layer, by cluster"

        chart |> Chart.withXAxisStyle "UMAP 1" |> Chart.withYAxisStyle "UMAP 2"

    /// Writes a chart as HTML with plotly.js embedded (opens offline).
    static member Save(chart: GenericChart, path: string) = Picture.saveHtml path chart
