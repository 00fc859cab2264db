/// Pictures: Plotly charts saved as self-contained HTML (plotly.js embedded, no network), and PNG copies rendered by
/// a locally installed Chromium in headless mode (never downloaded).
module Arise.Pictures.Picture

open System
open System.IO
open System.Diagnostics
open Plotly.NET

/// Plotly.NET's JSON settings told to find reference loops by reference. Its charts are DynamicObjs, whose Equals
/// hashes the whole object, data included; Newtonsoft compares each nested object with those it is inside of, so a
/// chart of 74,088 boxes took 1–2 s to serialise, against a tenth of that by reference (the same text).
let private serialiseByReference () =
    Globals.JSON_CONFIG.EqualityComparer <- Collections.Generic.ReferenceEqualityComparer.Instance

/// Saves a chart as HTML with plotly.js embedded (opens offline).
let saveHtml (path: string) (chart: GenericChart) =
    serialiseByReference ()

    let chart =
        chart
        |> Chart.withDisplayOptions (DisplayOptions.init (PlotlyJSReference = PlotlyJSReference.Full))

    // the page says it is UTF-8: without it, a browser may guess another encoding for the "−" and "Å" of labels
    let html = GenericChart.toEmbeddedHTML chart
    let head = html.IndexOf "<head>"

    let html =
        if head >= 0 then
            html.Insert(head + "<head>".Length, "<meta charset=\"utf-8\">")
        else
            "<meta charset=\"utf-8\">" + html

    Arise.Numerics.AtomicFile.writeText path html

/// The Chromium used for PNG export: $ARISE_CHROMIUM if set, else the first of chromium, chromium-browser,
/// google-chrome, google-chrome-stable found on PATH. None when there is none.
let findChromium () : string option =
    let isFile (p: string) =
        not (String.IsNullOrWhiteSpace p) && File.Exists p

    match Environment.GetEnvironmentVariable "ARISE_CHROMIUM" with
    | "none" -> None
    | p when isFile p -> Some p
    | _ ->
        let dirs =
            (Environment.GetEnvironmentVariable "PATH"
             |> Option.ofObj
             |> Option.defaultValue "")
                .Split(Path.PathSeparator)

        [ "chromium"; "chromium-browser"; "google-chrome"; "google-chrome-stable" ]
        |> List.tryPick (fun name -> dirs |> Array.map (fun d -> Path.Combine(d, name)) |> Array.tryFind isFile)

/// Size of rendered PNGs in pixels (width, height): Plotly.NET's default 600 × 600 layout plus the colour bar.
let pngSize = 660, 600

/// Runs a clean-up step whose failure changes nothing (a temporary file or profile already gone).
let private quietly (cleanUp: unit -> unit) =
    try
        cleanUp ()
    with _ ->
        ()

/// CSS that hides Plotly's toolbar in a rendered picture.
let private toolbarHidden = ".modebar-container{display:none !important}"

/// Chromium's flags for rendering pictures headless: no sandbox (containers), software WebGL for 3D views, no
/// background traffic, no first-run pages, no scroll bars.
let private browserFlags =
    [ "--no-sandbox"
      "--disable-gpu"
      "--enable-unsafe-swiftshader"
      "--disable-dev-shm-usage"
      "--disable-background-networking"
      "--disable-component-update"
      "--disable-sync"
      "--no-first-run"
      "--hide-scrollbars" ]

/// Renders one HTML chart to PNG with headless Chromium (`browser`), `width` × `height` pixels, the Plotly toolbar
/// hidden. Waits up to `timeoutSeconds`. Error: a one-line reason.
let renderPng
    (browser: string)
    (width: int, height: int)
    (timeoutSeconds: float)
    (htmlPath: string)
    (pngPath: string)
    : Result<unit, string> =
    let page =
        Path.Combine(Path.GetTempPath(), sprintf "arise-png-%s.html" (Guid.NewGuid().ToString "N"))

    let profile =
        Path.Combine(Path.GetTempPath(), sprintf "arise-chromium-%s" (Guid.NewGuid().ToString "N"))

    try
        try
            let html = File.ReadAllText htmlPath
            let hideToolbar = "<style>" + toolbarHidden + "</style>"
            let i = html.IndexOf("</head>", StringComparison.OrdinalIgnoreCase)

            File.WriteAllText(
                page,
                (if i >= 0 then
                     html.Insert(i, hideToolbar)
                 else
                     hideToolbar + html)
            )

            let target = Path.GetFullPath pngPath

            if File.Exists target then
                File.Delete target

            let args =
                [ yield "--headless"
                  yield! browserFlags
                  yield sprintf "--user-data-dir=%s" profile
                  yield sprintf "--window-size=%d,%d" width height
                  yield "--virtual-time-budget=10000"
                  yield sprintf "--screenshot=%s" target
                  yield Uri(Path.GetFullPath page).AbsoluteUri ]

            let info =
                ProcessStartInfo(browser, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false)

            for a in args do
                info.ArgumentList.Add a

            use p = Process.Start info
            p.OutputDataReceived.Add ignore
            p.ErrorDataReceived.Add ignore
            p.BeginOutputReadLine()
            p.BeginErrorReadLine()

            let written () =
                File.Exists target && FileInfo(target).Length > 0L

            if not (p.WaitForExit(int (timeoutSeconds * 1000.0))) then
                quietly (fun () -> p.Kill true)
                // a browser that wrote the picture and then lingered has done its work
                if written () then
                    Ok()
                else
                    Error(sprintf "%s: Chromium did not finish within %g s" htmlPath timeoutSeconds)
            elif written () then
                Ok()
            else
                Error(sprintf "%s: Chromium exited with code %d and wrote no PNG" htmlPath p.ExitCode)
        with e ->
            Error(sprintf "%s: %s" htmlPath e.Message)
    finally
        quietly (fun () -> File.Delete page)

        quietly (fun () -> Directory.Delete(profile, true))

/// The first line of a message, for one-line reasons.
let private firstLine (text: string) =
    let text = if isNull text then "" else text
    let i = text.IndexOfAny [| '\r'; '\n' |]
    if i >= 0 then text.Substring(0, i) else text

/// Renders one HTML chart (`html`) to `png` in a new page of the running browser `b`, `width` × `height` pixels, the
/// Plotly toolbar hidden, each step waiting up to `ms`; the PNG is written under a temporary name and renamed.
let private renderPage (b: PuppeteerSharp.IBrowser) (width: int, height: int) (ms: int) (html: string, png: string) =
    task {
        let partial = png + ".partial"

        try
            try
                use! page = b.NewPageAsync()
                do! page.SetViewportAsync(PuppeteerSharp.ViewPortOptions(Width = width, Height = height))

                let! _ =
                    page.GoToAsync(Uri(Path.GetFullPath html).AbsoluteUri, PuppeteerSharp.NavigationOptions(Timeout = ms))

                let! _ =
                    page.WaitForSelectorAsync(".main-svg", PuppeteerSharp.WaitForSelectorOptions(Timeout = ms))

                let! _ = page.AddStyleTagAsync(PuppeteerSharp.AddTagOptions(Content = toolbarHidden))
                // two animation frames: plotly's last drawing (and a WebGL scene's) is on screen
                let! _ =
                    page.WaitForFunctionAsync("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")

                do! page.ScreenshotAsync(partial, PuppeteerSharp.ScreenshotOptions(Type = PuppeteerSharp.ScreenshotType.Png))

                File.Move(partial, png, true)
                return Ok()
            with e ->
                return Error(sprintf "%s: %s" html (firstLine e.Message))
        finally
            quietly (fun () -> File.Delete partial)
    }

/// Renders `jobs` (HTML chart, PNG path) with one headless Chromium driven over the DevTools protocol (PuppeteerSharp,
/// `ExecutablePath` = the local browser: nothing is downloaded), `parallel` pages at a time; each PNG is written under a
/// temporary name and renamed. None when the browser cannot be driven that way (then the caller starts one browser a
/// picture); otherwise one result per job.
let private renderWithOneBrowser
    (browser: string)
    (width: int, height: int)
    (timeoutSeconds: float)
    (parallel: int)
    (progress: unit -> unit)
    (jobs: (string * string)[])
    : Result<unit, string>[] option =
    let profile =
        Path.Combine(Path.GetTempPath(), sprintf "arise-chromium-%s" (Guid.NewGuid().ToString "N"))

    let ms = int (timeoutSeconds * 1000.0)

    try
        let launched =
            try
                let options =
                    PuppeteerSharp.LaunchOptions(
                        Headless = true,
                        ExecutablePath = browser,
                        UserDataDir = profile,
                        Timeout = 30000,
                        Args = Array.ofList browserFlags
                    )

                Some(PuppeteerSharp.Puppeteer.LaunchAsync(options).GetAwaiter().GetResult())
            with _ ->
                None

        match launched with
        | None -> None
        | Some b ->
            try
                let render = renderPage b (width, height) ms

                let results = Array.create jobs.Length (Error "not rendered")
                use gate = new Threading.SemaphoreSlim(max 1 parallel)

                let all =
                    jobs
                    |> Array.mapi (fun k job ->
                        task {
                            do! gate.WaitAsync()

                            try
                                let! r = render job
                                results.[k] <- r
                                progress ()
                            finally
                                gate.Release() |> ignore
                        }
                        :> Threading.Tasks.Task)

                Threading.Tasks.Task.WaitAll all
                Some results
            finally
                quietly (fun () -> b.CloseAsync().Wait(10000) |> ignore)

                quietly (fun () -> b.Dispose())
    finally
        quietly (fun () -> Directory.Delete(profile, true))

/// Outcome of a PNG export: the PNGs written, and one line per picture that could not be rendered (or one line saying
/// why none was attempted).
type PngExport =
    { Written: string list
      Problems: string list }

/// Renders a PNG beside each HTML chart (same name, .png), two at a time, when a Chromium is installed: with
/// `oneBrowser`, one browser process for all of them (falling back to one a picture when it cannot be driven over the
/// DevTools protocol), else one browser process a picture.
let internal writePngsWithBrowsers (oneBrowser: bool) (progress: int -> int -> unit) (htmlFiles: string list) : PngExport =
    match findChromium () with
    | None ->
        { Written = []
          Problems = [ "PNG skipped: no Chromium found (install Debian's chromium, or set ARISE_CHROMIUM)" ] }
    | Some browser ->
        let pages =
            htmlFiles
            |> List.filter (fun f -> f.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
            |> List.toArray

        let finished = ref 0
        let jobs = pages |> Array.map (fun html -> html, Path.ChangeExtension(html, ".png"))

        let tick () =
            progress (Threading.Interlocked.Increment finished) pages.Length
        // two pictures at a time on two cores, more on more
        let parallel = max 2 (Environment.ProcessorCount / 2)

        let results =
            match
                (if jobs.Length = 0 || not oneBrowser then
                     None
                 else
                     renderWithOneBrowser browser pngSize 60.0 parallel tick jobs)
            with
            | Some results -> Array.zip (Array.map snd jobs) results
            | None ->
                // a browser that cannot be driven over the DevTools protocol: one browser process a picture
                let results = Array.zeroCreate pages.Length
                let options = Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = parallel)

                Threading.Tasks.Parallel.For(
                    0,
                    pages.Length,
                    options,
                    fun k ->
                        let html, png = jobs.[k]
                        let r = renderPng browser pngSize 60.0 html png
                        tick ()
                        results.[k] <- (png, r)
                )
                |> ignore

                results

        { Written =
            [ for png, r in results do
                  if Result.isOk r then
                      png ]
          Problems =
            [ for _, r in results do
                  match r with
                  | Error e -> e
                  | Ok() -> () ] }

let writePngsWith (progress: int -> int -> unit) (htmlFiles: string list) =
    writePngsWithBrowsers true progress htmlFiles

let writePngs (htmlFiles: string list) = writePngsWith (fun _ _ -> ()) htmlFiles

/// Width and height of a PNG file read from its header; None when the file is not a PNG.
let pngDimensions (path: string) : (int * int) option =
    let b = File.ReadAllBytes path
    let signature = [| 137uy; 80uy; 78uy; 71uy; 13uy; 10uy; 26uy; 10uy |]

    if b.Length < 24 || b.[0..7] <> signature then
        None
    else
        let be i =
            (int b.[i] <<< 24)
            ||| (int b.[i + 1] <<< 16)
            ||| (int b.[i + 2] <<< 8)
            ||| int b.[i + 3]

        Some(be 16, be 20)
