/// PNG export of SPM maps: one headless Chromium for all pictures (DevTools protocol, PuppeteerSharp) against one
/// browser process a picture (the direct --screenshot call), on the same pages in one run.
module Arise.Bench.PngBench

open System
open System.IO
open System.Diagnostics
open Arise.Structure
open Arise.Spm
open Arise.Pictures

let run () =
    match Picture.findChromium () with
    | None -> printfn "png: no Chromium installed (Debian's chromium); skipped"
    | Some browser ->
        let dir =
            Path.Combine(Path.GetTempPath(), "arise-bench-png-" + Guid.NewGuid().ToString("N"))

        Directory.CreateDirectory dir |> ignore

        try
            // eight maps of a synthetic 40 × 40 grid: what a run of `arise spm` writes
            let s =
                Structure.cluster [| Vec3.make 0.0 0.0 0.0; Vec3.make 40.0 40.0 1.0 |] [| 29; 29 |]

            let settings =
                { SpmGrid.defaults with
                    Box = 1.0
                    Stride = 1.0 }

            match SpmGrid.create settings s with
            | Error e -> printfn "png: no grid (%A)" e
            | Ok(grid, _) ->
                let pages =
                    [ for k in 1..8 ->
                          let path = Path.Combine(dir, sprintf "map_%d.html" k)
                          SpmMaps.heatmap path (sprintf "Map %d" k) "value" grid (fun b -> sin (float (b * k)))
                          path ]

                let time oneBrowser =
                    for p in pages do
                        File.Delete(Path.ChangeExtension(p, ".png"))

                    let w = Stopwatch.StartNew()
                    let r = Picture.writePngsWithBrowsers oneBrowser (fun _ _ -> ()) pages
                    w.Elapsed.TotalSeconds, r.Written.Length, r.Problems

                // the second of two rounds each, so that both find the browser's files in the page cache
                time false |> ignore
                let perProcess, n1, p1 = time false
                time true |> ignore
                let oneBrowser, n2, p2 = time true

                for p in p1 @ p2 do
                    printfn "png: %s" p

                printfn
                    "png (%s, %d cores): %d maps in %.1f s with one browser (%.2f s a picture), %d in %.1f s with a browser \
                     a picture (%.2f s); %.1f× faster"
                    browser
                    Environment.ProcessorCount
                    n2
                    oneBrowser
                    (oneBrowser / float (max 1 n2))
                    n1
                    perProcess
                    (perProcess / float (max 1 n1))
                    (perProcess / oneBrowser)
        finally
            Directory.Delete(dir, true)
