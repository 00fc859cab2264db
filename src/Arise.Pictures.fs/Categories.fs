module Arise.Pictures.Categories

open System
open Plotly.NET
open Plotly.NET.LayoutObjects

// Tableau's ten, then ten darker and ten lighter companions: thirty colours told apart at a glance
let private palette =
    [| "#1f77b4"
       "#ff7f0e"
       "#2ca02c"
       "#d62728"
       "#9467bd"
       "#8c564b"
       "#e377c2"
       "#bcbd22"
       "#17becf"
       "#393b79"
       "#aec7e8"
       "#ffbb78"
       "#98df8a"
       "#ff9896"
       "#c5b0d5"
       "#c49c94"
       "#f7b6d2"
       "#dbdb8d"
       "#9edae5"
       "#6b6ecf"
       "#637939"
       "#8c6d31"
       "#843c39"
       "#7b4173"
       "#3182bd"
       "#e6550d"
       "#31a354"
       "#756bb1"
       "#a55194"
       "#ce6dbd" |]

let private outlier = "#b0b0b0"
let private others = "#5a5a5a"

let colourHex (k: int) =
    if k = -1 then
        outlier
    elif k < -1 then
        others
    elif k < palette.Length then
        palette.[k]
    else
        // beyond the palette: hues spaced by the golden angle, mid saturation and lightness
        let h = (float (k - palette.Length) * 137.508) % 360.0
        let s, l = 0.55, 0.5
        let c = (1.0 - abs (2.0 * l - 1.0)) * s
        let x = c * (1.0 - abs ((h / 60.0) % 2.0 - 1.0))
        let m = l - c / 2.0

        let r, g, b =
            match int (h / 60.0) with
            | 0 -> c, x, 0.0
            | 1 -> x, c, 0.0
            | 2 -> 0.0, c, x
            | 3 -> 0.0, x, c
            | 4 -> x, 0.0, c
            | _ -> c, 0.0, x

        let byte v = int (Math.Round((v + m) * 255.0))
        sprintf "#%02x%02x%02x" (byte r) (byte g) (byte b)

let colour (k: int) = Color.fromHex (colourHex k)

let scatterChart (title: string) (xTitle: string) (yTitle: string) (points: float[][]) (groups: (string * int * int[]) list) =
    groups
    |> List.map (fun (name, category, members) ->
        Chart.Point(
            x = (members |> Array.map (fun i -> points.[i].[0])),
            y = (members |> Array.map (fun i -> points.[i].[1])),
            Name = name
        )
        |> Chart.withMarkerStyle (Size = 4, Color = colour category))
    |> Chart.combine
    |> Chart.withTitle title
    |> Chart.withXAxisStyle xTitle
    |> Chart.withYAxisStyle yTitle
    |> fun chart ->
        // a few groups: one row below the plot; more: the default column on the right, which holds about 25
        if groups.Length <= 6 then
            chart
            |> Chart.withLegendStyle (Orientation = StyleParam.Orientation.Horizontal, Y = -0.15, YAnchor = StyleParam.YAnchorPosition.Top)
        else
            chart

let clusterMapChart (title: string) (g: Arise.Spm.SpmGrid) (boxes: int[]) (labels: int[]) (clusters: int) =
    // categories −1 … K−1 as n = K + 1 equal bands of a stepped colour scale over [−1.5, K − 0.5]
    let n = clusters + 1
    let band j = float j / float n

    let stops =
        [ for j in 0 .. n - 1 do
              let c = colour (j - 1)
              yield band j, c
              yield band (j + 1), c ]

    let bar =
        ColorBar.init (
            Title = Title.init "cluster",
            TickMode = StyleParam.TickMode.Array,
            TickVals = [ for j in 0 .. n - 1 -> float (j - 1) ],
            TickText = Array.append [| "outlier" |] (Array.init clusters (sprintf "cluster %d"))
        )

    let label = Array.create g.Count nan
    boxes |> Array.iteri (fun i b -> label.[b] <- float labels.[i])

    SpmMaps.heatmapChartWith title bar g (fun b -> label.[b])
    |> GenericChart.mapTrace (fun t ->
        t.SetProperty("colorscale", StyleParam.Colorscale.Custom stops |> StyleParam.Colorscale.convert)
        t.SetProperty("zmin", -1.5)
        t.SetProperty("zmax", float n - 1.5)
        t)

let valueScatterChart (title: string) (xTitle: string) (yTitle: string) (points: float[][]) (values: float[]) (colourBar: string) =
    Chart.Point(x = (points |> Array.map (fun p -> p.[0])), y = (points |> Array.map (fun p -> p.[1])))
    |> Chart.withMarkerStyle (
        Size = 4,
        Colorscale = StyleParam.Colorscale.Viridis,
        ShowScale = true,
        Color = Color.fromColorScaleValues values,
        ColorBar = ColorBar.init (Title = Title.init colourBar)
    )
    |> Chart.withTitle title
    |> Chart.withXAxisStyle xTitle
    |> Chart.withYAxisStyle yTitle

let clusterGroups (labels: int[]) =
    labels
    |> Array.indexed
    |> Array.groupBy snd
    |> Array.sortBy fst
    |> Array.map (fun (l, members) -> (if l < 0 then "outlier" else sprintf "cluster %d" l), l, Array.map fst members)
    |> List.ofArray

let shownClasses = 12

let classGroups (classes: string[]) =
    let groups =
        classes
        |> Array.indexed
        |> Array.groupBy snd
        |> Array.sortBy (fun (name, members) -> -members.Length, name)

    let shown =
        groups
        |> Array.truncate shownClasses
        |> Array.mapi (fun rank (name, members) -> name, rank, Array.map fst members)
        |> List.ofArray

    if groups.Length <= shownClasses then
        shown
    else
        let rest = groups.[shownClasses..]
        let members = rest |> Array.collect (fun (_, m) -> Array.map fst m) |> Array.sort
        shown @ [ sprintf "%d other classes" rest.Length, -2, members ]
