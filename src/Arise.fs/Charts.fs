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

    static member Image(image: Imaging.Image) : GenericChart = Charts.ImageWith(image, None)

    static member Image(image: Imaging.Image, atoms: Structure.Structure) : GenericChart = Charts.ImageWith(image, Some atoms)

    static member private ImageWith(image: Imaging.Image, atoms: Structure.Structure option) : GenericChart =
        let block = max 1 ((max image.Width image.Height + 1023) / 1024)
        let w, h = (image.Width + block - 1) / block, (image.Height + block - 1) / block
        let scale = defaultArg image.PixelSize 1.0
        let unit = if image.PixelSize.IsSome then "Å" else "px"

        let z =
            [ for by in 0 .. h - 1 ->
                  [ for bx in 0 .. w - 1 ->
                        let values =
                            [| for y in by * block .. min (image.Height - 1) (by * block + block - 1) do
                                   for x in bx * block .. min (image.Width - 1) (bx * block + block - 1) ->
                                       image.Pixels.[y * image.Width + x] |]

                        Array.average values ] ]

        let centre k =
            (float (k * block) + 0.5 * float (block - 1)) * scale

        let picture =
            Chart.Heatmap(
                zData = z,
                X = [ for k in 0 .. w - 1 -> centre k ],
                Y = [ for k in 0 .. h - 1 -> centre k ],
                ColorBar = ColorBar.init (Title = Title.init "intensity"),
                ColorScale = StyleParam.Colorscale.Greys,
                ReverseScale = true,
                Name = "image"
            )

        let marks =
            match atoms with
            | None -> []
            | Some s ->
                // positions in Å when the atoms say a pixel size, else in px; shown in the picture's unit
                let atomsInAngstrom =
                    s.Info
                    |> List.exists (fun (k, v) ->
                        k = "pixel_size"
                        && fst (Double.TryParse(v, Globalization.CultureInfo.InvariantCulture)))

                let factor =
                    match atomsInAngstrom, image.PixelSize with
                    | true, None -> 1.0 / (s.Info |> List.find (fun (k, _) -> k = "pixel_size") |> snd |> float)
                    | false, Some p -> p
                    | _ -> 1.0

                Structure.Structure.species s
                |> Array.mapi (fun k z ->
                    let members =
                        [| for i in 0 .. s.Numbers.Length - 1 do
                               if s.Numbers.[i] = z then
                                   yield i |]

                    Chart.Point(
                        x = (members |> Array.map (fun i -> s.Positions.[i].X * factor)),
                        y = (members |> Array.map (fun i -> s.Positions.[i].Y * factor)),
                        Name = sprintf "%s (%d)" (Structure.Elements.symbol z) members.Length
                    )
                    |> Chart.withMarkerStyle (Size = 5, Color = Categories.colour k))
                |> List.ofArray

        Chart.combine (picture :: marks)
        |> Chart.withTitle (
            sprintf
                "%s<br>%d × %d px%s"
                image.Source
                image.Width
                image.Height
                (image.PixelSize |> Option.map (sprintf ", %g Å/px") |> Option.defaultValue "")
        )
        |> Chart.withXAxisStyle (sprintf "x (%s)" unit)
        |> Chart.withYAxisStyle (sprintf "y (%s)" unit)
        |> Chart.withYAxis (LinearAxis.init (AutoRange = StyleParam.AutoRange.Reversed, ScaleAnchor = StyleParam.ScaleAnchor.X 1))

    static member Shells(map: SpmMap, [<Optional; DefaultParameterValue(2.0)>] width: float) : GenericChart =
        let title =
            sprintf "Uncertainty from the core out: shells of %g Å<br>box %g Å, stride %g Å, T = %d" width map.Box map.Stride map.Samples

        SpmMaps.shellChart title (map.Shells width)

    /// Writes a chart as HTML with plotly.js embedded (opens offline).
    static member Save(chart: GenericChart, path: string) = Picture.saveHtml path chart
