/// Pictures of SPM results: Plotly heatmaps of a per-box value over the grid, 3D isosurfaces for bulk grids, and the
/// set of maps a run writes.
module Arise.Pictures.SpmMaps

open System
open System.IO
open Arise.Structure
open Arise.Spm
open Plotly.NET

/// The two scanned axes shown in maps (slab: the in-plane axes; bulk: x and y at the central z slice).
let private mapAxes (g: SpmGrid) =
    let nx, ny, nz = g.Shape
    let dims = [| nx; ny; nz |]
    let scanned = [| 0..2 |] |> Array.filter (fun k -> dims.[k] > 1)

    match scanned with
    | [| a; b |] -> a, b
    | [| a; b; _ |] -> a, b
    | [| a |] -> a, (if a = 2 then 1 else 2)
    | _ -> 0, 1

/// A 2D map of a per-box value (box index → value) over the grid's scanned axes, central slice of the third, as a
/// Plotly heatmap; axes in the sample's length unit (Å), the colour bar titled `colourBar`, and for a 3D grid the
/// slice shown in the title.
let heatmapChartWith (title: string) (colourBar: ColorBar) (g: SpmGrid) (value: int -> float) =
    let nx, ny, nz = g.Shape
    let dims = [| nx; ny; nz |]
    let a, b = mapAxes g
    let c = 3 - a - b
    let fixedIndex = dims.[c] / 2

    let at (ia: int) (ib: int) =
        let idx = Array.zeroCreate 3
        idx.[a] <- ia
        idx.[b] <- ib
        idx.[c] <- fixedIndex
        SpmGrid.index g idx.[0] idx.[1] idx.[2]

    let coord k i =
        (Vec3.toArray g.Origin).[k] + float i * (Vec3.toArray g.Step).[k]

    let z =
        [ for ib in 0 .. dims.[b] - 1 -> [ for ia in 0 .. dims.[a] - 1 -> value (at ia ib) ] ]

    let xs = [ for ia in 0 .. dims.[a] - 1 -> coord a ia ]
    let ys = [ for ib in 0 .. dims.[b] - 1 -> coord b ib ]

    let slice =
        if dims.[c] > 1 then
            sprintf "; slice %c = %.1f Å (%d of %d)" "xyz".[c] (coord c fixedIndex) (fixedIndex + 1) dims.[c]
        else
            ""

    Chart.Heatmap(zData = z, X = xs, Y = ys, ColorBar = colourBar)
    |> Chart.withTitle (title + slice)
    |> Chart.withXAxisStyle (sprintf "%c (Å)" "xyz".[a])
    |> Chart.withYAxisStyle (sprintf "%c (Å)" "xyz".[b])

/// heatmapChartWith with a colour bar titled `colourBar`.
let heatmapChart (title: string) (colourBar: string) (g: SpmGrid) (value: int -> float) =
    heatmapChartWith title (ColorBar.init (Title = Title.init colourBar)) g value

/// heatmapChart written as HTML with plotly.js embedded.
let heatmap (path: string) (title: string) (colourBar: string) (g: SpmGrid) (value: int -> float) =
    heatmapChart title colourBar g value |> Picture.saveHtml path

/// A 3D view (isosurfaces) of a per-box value over a bulk grid, as HTML with plotly.js embedded.
let private volume (path: string) (title: string) (colourBar: string) (r: SpmResult) (value: int -> float) =
    let n = r.Centres.Length
    let xs = r.Centres |> Array.map (fun p -> p.X)
    let ys = r.Centres |> Array.map (fun p -> p.Y)
    let zs = r.Centres |> Array.map (fun p -> p.Z)

    let vs =
        Array.init n (fun f -> let v = value f in if Double.IsNaN v then 0.0 else v)

    let hi = if vs.Length = 0 then 1.0 else Array.max vs

    let axis (name: string) =
        LayoutObjects.LinearAxis.init (Title = Title.init (sprintf "%s (Å)" name))

    // the camera a little further out than plotly's default, so that no tick label is cut at the edges
    let scene =
        LayoutObjects.Scene.init (
            XAxis = axis "x",
            YAxis = axis "y",
            ZAxis = axis "z",
            Camera = LayoutObjects.Camera.init (Eye = LayoutObjects.CameraEye.init (1.6, 1.6, 1.1))
        )

    Chart.IsoSurface(
        x = xs,
        y = ys,
        z = zs,
        value = vs,
        IsoMin = 0.5 * hi,
        IsoMax = hi,
        Opacity = 0.5,
        ColorBar = ColorBar.init (Title = Title.init colourBar)
    )
    |> Chart.withScene scene
    |> Chart.withTitle title
    |> Picture.saveHtml path

/// The maps writeMaps writes, in its order: each file with the function that writes it.
let private mapsOf (dir: string) (samples: int) (r: SpmResult) : (string * (unit -> unit)) list =
    let c = r.Classes.Length
    let nonEmpty = r.Argmax |> Array.filter (fun a -> a >= 0)

    let frequent =
        nonEmpty
        |> Array.countBy id
        |> Array.sortByDescending snd
        |> Array.filter (fun (_, k) -> float k >= 0.02 * float nonEmpty.Length)
        |> Array.truncate 6
        |> Array.map fst

    let settings =
        sprintf
            "box %.4g Å, stride %.4g Å, T = %d"
            // the box along the scanned axes (the spanning axis of a slab or rod is as long as the sample)
            (Array.zip (Vec3.toArray r.Grid.Edge) (Vec3.toArray r.Grid.Step)
             |> Array.filter (fun (_, step) -> step > 0.0)
             |> Array.map fst
             |> Array.tryHead
             |> Option.defaultValue (Vec3.toArray r.Grid.Edge |> Array.max))
            (Vec3.toArray r.Grid.Step |> Array.max)
            samples

    [ let miPath = Path.Combine(dir, "map_mutual_information.html")

      miPath,
      (fun () ->
          heatmap miPath (sprintf "Mutual information<br>%s" settings) "mutual information (nats)" r.Grid (fun f ->
              r.MutualInformation.[f]))

      for cls in frequent do
          let safe =
              String(
                  r.Classes.[cls]
                  |> Seq.map (fun ch -> if Char.IsLetterOrDigit ch then ch else '_')
                  |> Array.ofSeq
              )

          let p = Path.Combine(dir, sprintf "map_probability_%s.html" safe)

          let title =
              sprintf "Probability of %s (%s)<br>%s" r.Classes.[cls] r.MaterialTypes.[cls] settings

          p, (fun () -> heatmap p title "probability" r.Grid (fun f -> float r.Probabilities.[f * c + cls]))
      // bulk grids: 3D isosurfaces of the mutual information and of the most frequent class's probability
      let nx, ny, nz = r.Grid.Shape

      if nx > 1 && ny > 1 && nz > 1 then
          let miVol = Path.Combine(dir, "volume_mutual_information.html")

          miVol,
          (fun () ->
              volume miVol (sprintf "Mutual information, isosurfaces<br>%s" settings) "mutual information (nats)" r (fun f ->
                  r.MutualInformation.[f]))

          match Array.tryHead frequent with
          | Some cls ->
              let v = Path.Combine(dir, "volume_probability_top_class.html")

              v,
              (fun () ->
                  volume v (sprintf "Probability of %s, isosurfaces<br>%s" r.Classes.[cls] settings) "probability" r (fun f ->
                      float r.Probabilities.[f * c + cls]))
          | None -> () ]

/// writeMaps shared by several processes: the k-th map is written only where `mine k` holds; every map's file.
let writeMapsOf (mine: int -> bool) (dir: string) (samples: int) (r: SpmResult) =
    Directory.CreateDirectory dir |> ignore
    let maps = mapsOf dir samples r

    // the maps are independent: written at once, on all cores (a failure reported as itself)
    try
        maps
        |> List.indexed
        |> List.filter (fst >> mine)
        |> Array.ofList
        |> Array.Parallel.iter (fun (_, (_, write)) -> write ())
    with :? AggregateException as e when e.InnerExceptions.Count > 0 ->
        Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions.[0]).Throw()

    List.map fst maps

/// Maps: mutual information, and the probability of each class that is the argmax of at least 2 % of the non-empty
/// boxes (at most six), into `dir` (created when missing). Returns the files written.
let writeMaps (dir: string) (samples: int) (r: SpmResult) =
    writeMapsOf (fun _ -> true) dir samples r

let shellChart (title: string) (shells: Shells.Shell array) =
    let filled = shells |> Array.filter (fun s -> s.Boxes > 0)
    let mid (s: Shells.Shell) = 0.5 * (s.Inner + s.Outer)

    Chart.Line(
        x = (filled |> Array.map mid),
        y = (filled |> Array.map (fun s -> s.MeanMutualInformation)),
        ShowMarkers = true,
        Name = "mean ± s.d.",
        MultiText =
            (filled
             |> Array.map (fun s -> sprintf "%d boxes, mostly %s (%.0f %%)" s.Boxes s.MainClass (100.0 * s.MainShare)))
    )
    |> Chart.withYErrorStyle (Array = (filled |> Array.map (fun s -> s.StdMutualInformation)))
    |> Chart.withTitle title
    |> Chart.withXAxisStyle "distance of the box centre from the particle's centre (Å)"
    |> Chart.withYAxisStyle "mutual information (nats)"
