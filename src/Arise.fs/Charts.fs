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

        SpmMaps.heatmapChart (sprintf "%s<br>box %g Å, stride %g Å, T = %d" title map.Box map.Stride map.Samples) label r.Grid values

    /// The UMAP embedding of a cluster map, coloured by cluster (`colour` "cluster", default; outliers grey), by
    /// predicted class ("class") or by mutual information ("mi").
    static member Embedding(clusters: ClusterMap, [<Optional; DefaultParameterValue("cluster")>] colour: string) =
        let e = clusters.Embedding

        if e.Length = 0 then
            raise (AriseException(null, Nullable(), "this cluster map has no embedding (explored with umap = false)"))

        match (if isNull colour then "cluster" else colour) with
        | "class" ->
            Categories.scatterChart
                "UMAP of the hidden layer, by predicted class"
                "UMAP 1"
                "UMAP 2"
                e
                (Categories.classGroups clusters.PredictedClasses)
        | "mi" ->
            Categories.valueScatterChart
                "UMAP of the hidden layer, by mutual information (nats)"
                "UMAP 1"
                "UMAP 2"
                e
                clusters.MutualInformation
                "mutual information (nats)"
        | _ ->
            Categories.scatterChart "UMAP of the hidden layer, by cluster" "UMAP 1" "UMAP 2" e (Categories.clusterGroups clusters.Clusters)

    /// The crystal map coloured by cluster (central slice for bulk), in the colours of Embedding: grey for outliers,
    /// blank for boxes not explored.
    static member ClusterMap(map: SpmMap, clusters: ClusterMap) : GenericChart =
        Categories.clusterMapChart
            (sprintf "Crystal map by cluster (grey: outliers; blank: not explored)<br>box %g Å, stride %g Å" map.Box map.Stride)
            map.Result.Grid
            clusters.Boxes
            clusters.Clusters
            clusters.Count

    /// Writes a chart as HTML with plotly.js embedded (opens offline).
    static member Save(chart: GenericChart, path: string) = Picture.saveHtml path chart
