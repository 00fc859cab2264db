// Paper S2.2 (Fig. S1): the Bain path. One-atom body-centred tetragonal cells with conventional edges a and c in
// [3.0, 6.0] Å (steps of 0.05 Å: 61 × 61 = 3,721 structures, built here) are classified by the embedded model; c/a = 1
// is bcc and c/a = √2 is fcc, everything between is neither. Writes maps of the most probable class and of the
// mutual information over (a, c), with the lines c/a = 1 and √2, to bain-out/ (HTML, and PNG where a Chromium is
// installed), and prints the classes along both lines and where the uncertainty peaks between them.
//
//   ./arise --version
//   dotnet fsi scripts/bain.fsx [--step 0.05] [--samples 100]
#load "Common.fsx"

open System
open System.IO
open Plotly.NET
open Arise
open Arise.Structure
open Common

let step = float (ScriptArgs.get "--step" "0.05")
let samples = int (ScriptArgs.get "--samples" "100")
let recognizer = ScriptArgs.recognizer ()
let values = [| for k in 0 .. int (round (3.0 / step)) -> 3.0 + float k * step |]

/// The primitive cell of body-centred tetragonal iron with conventional edges a, a, c (one atom).
let bct (a: float) (c: float) =
    let cell =
        Cell.make
            (Vec3.make (-a / 2.0) (a / 2.0) (c / 2.0))
            (Vec3.make (a / 2.0) (-a / 2.0) (c / 2.0))
            (Vec3.make (a / 2.0) (a / 2.0) (-c / 2.0))

    Structure.periodic cell [| Vec3.zero |] [| 26 |]

let grid =
    [| for c in values do
           for a in values -> a, c |]

let clock = Diagnostics.Stopwatch.StartNew()

let results =
    recognizer.ClassifyMany(grid |> Array.map (fun (a, c) -> bct a c), samples = samples, top = 1)

printfn "%d structures classified with T = %d in %.0f s" grid.Length samples clock.Elapsed.TotalSeconds

let best (r: Recognition) =
    if isNull r.Error then r.Top.[0].Class else "failed"

let n = values.Length
let at (ia: int) (ic: int) = results.[ic * n + ia]
Directory.CreateDirectory "bain-out" |> ignore

// the most probable class: one trace per class, squares on the (a, c) grid
let classes =
    results |> Array.map best |> Array.countBy id |> Array.sortByDescending snd

let line (ratio: float) (name: string) =
    let a = values |> Array.filter (fun a -> ratio * a <= 6.0)
    Chart.Line(x = a, y = (a |> Array.map (fun a -> ratio * a)), Name = name)

let classMap =
    [ for cls, _ in classes ->
          let points =
              grid |> Array.indexed |> Array.filter (fun (k, _) -> best results.[k] = cls)

          Chart.Point(x = (points |> Array.map (snd >> fst)), y = (points |> Array.map (snd >> snd)), Name = cls)
          |> Chart.withMarkerStyle (Size = 6, Symbol = StyleParam.MarkerSymbol.Square)
      yield line 1.0 "c/a = 1 (bcc)"
      yield line (sqrt 2.0) "c/a = √2 (fcc)" ]
    |> Chart.combine
    |> Chart.withTitle (sprintf "Bain path: most probable class (T = %d)" samples)
    |> Chart.withXAxisStyle "a (Å)"
    |> Chart.withYAxisStyle "c (Å)"

let miMap =
    [ Chart.Heatmap(
          zData = [ for ic in 0 .. n - 1 -> [ for ia in 0 .. n - 1 -> (at ia ic).MutualInformation ] ],
          X = values,
          Y = values,
          ColorBar = ColorBar.init (Title = Title.init "mutual information (nats)")
      )
      line 1.0 "c/a = 1 (bcc)"
      line (sqrt 2.0) "c/a = √2 (fcc)" ]
    |> Chart.combine
    |> Chart.withTitle (sprintf "Bain path: mutual information (T = %d)" samples)
    |> Chart.withXAxisStyle "a (Å)"
    |> Chart.withYAxisStyle "c (Å)"

let files =
    [ Path.Combine("bain-out", "bain_class.html")
      Path.Combine("bain-out", "bain_mutual_information.html") ]

Arise.Pictures.Picture.saveHtml files.[0] classMap
Arise.Pictures.Picture.saveHtml files.[1] miMap
let pngs = Arise.Pictures.Picture.writePngs files
printfn "wrote %s (%d PNG)" (String.Join(", ", files)) pngs.Written.Length

for problem in pngs.Problems do
    eprintfn "note: %s" problem

printfn "\nclasses over the grid:"

for cls, k in classes |> Array.truncate 8 do
    printfn "  %-30s %5.1f %%" cls (100.0 * float k / float grid.Length)

/// The structures closest to c/a = `ratio` (one per a), as a, the class and the mutual information.
let along (ratio: float) =
    [ for ia in 0 .. n - 1 do
          let a = values.[ia]
          let c = ratio * a

          if c <= 6.0 + 1e-9 then
              let ic = int (round ((c - 3.0) / step))

              if ic >= 0 && ic < n then
                  let r = at ia ic
                  yield a, values.[ic], best r, r.MutualInformation ]

for ratio, name in [ 1.0, "c/a = 1 (bcc)"; sqrt 2.0, "c/a = √2 (fcc)" ] do
    let points = along ratio

    let counts =
        points |> List.countBy (fun (_, _, cls, _) -> cls) |> List.sortByDescending snd

    printfn
        "\n%s: %d structures; %s; mean mutual information %.3f"
        name
        points.Length
        (String.Join(", ", counts |> List.map (fun (c, k) -> sprintf "%s %d" c k)))
        (points |> List.averageBy (fun (_, _, _, mi) -> mi))

// the uncertainty between the two lines, by c/a
printfn "\nmean mutual information by c/a (between bcc and fcc the model knows neither):"

for lo in [ 0.8; 0.9; 1.0; 1.1; 1.2; 1.3; 1.4; 1.5; 1.6 ] do
    let inBand =
        grid
        |> Array.indexed
        |> Array.filter (fun (_, (a, c)) -> c / a >= lo - 0.05 && c / a < lo + 0.05)
        |> Array.map (fun (k, _) -> results.[k].MutualInformation)

    if inBand.Length > 0 then
        printfn "  c/a %.2f ± 0.05: %4d structures, mean MI %.3f" lo inBand.Length (Array.average inBand)
