/// Checking output places before long work, so that a bad --out fails at once with its reason instead of after the
/// computation (or with a stack trace).
module Arise.Cli.Outputs

open System
open System.IO
open Spectre.Console

/// Early returns: `let! x = check` stops at the first Error (argument checks, and the steps of a command).
type ResultBuilder() =
    member _.Bind(r: Result<'T, string>, f: 'T -> Result<'U, string>) = Result.bind f r
    member _.Return(x: 'T) : Result<'T, string> = Ok x
    member _.ReturnFrom(r: Result<'T, string>) = r
    member _.Zero() : Result<unit, string> = Ok()

let result = ResultBuilder()

/// Ok () when `condition` holds, else the message.
let require (condition: bool) (message: string) =
    if condition then Ok() else Error message

/// The reason a file-system operation failed, without the exception's type.
let reason (ex: exn) =
    match ex with
    | :? UnauthorizedAccessException -> "permission denied"
    | :? DirectoryNotFoundException -> "its folder does not exist"
    | _ -> ex.Message

/// Why the folder `dir` cannot be written (it is created, with its parents, when missing), or None when it can.
let private folderProblem (dir: string) : string option =
    // the nearest existing part of the path must be a folder
    let rec nearestExisting (path: string) =
        if isNull path || Directory.Exists path || File.Exists path then
            path
        else
            nearestExisting (Path.GetDirectoryName path)

    try
        let existing = nearestExisting (Path.GetFullPath dir)

        if not (isNull existing) && File.Exists existing then
            Some(sprintf "%s is a file, not a folder" existing)
        else
            Directory.CreateDirectory dir |> ignore
            let probe = Path.Combine(dir, sprintf ".arise-write-test-%d" Environment.ProcessId)
            File.WriteAllText(probe, "")
            File.Delete probe
            None
    with ex ->
        Some(sprintf "the folder %s cannot be written (%s)" dir (reason ex))

/// Creates the folder `dir` (and its parents) and checks that a file can be written in it.
let prepareFolder (dir: string) : Result<unit, string> =
    match folderProblem dir with
    | None -> Ok()
    | Some problem -> Error(sprintf "cannot write to %s: %s" dir problem)

/// Checks that the file `path` can be written: its folder exists (it is created if missing) and `path` is not a
/// folder. An existing file is left as it is.
let checkFile (path: string) : Result<unit, string> =
    if Directory.Exists path then
        Error(sprintf "cannot write %s: it is a folder" path)
    else
        match folderProblem (Path.GetDirectoryName(Path.GetFullPath path)) with
        | None -> Ok()
        | Some problem -> Error(sprintf "cannot write %s: %s" path problem)

/// Runs `write`, turning a file-system failure into Error "cannot write PATH: reason".
let tryWrite (path: string) (write: unit -> 'T) : Result<'T, string> =
    try
        Ok(write ())
    with
    | :? IOException
    | :? UnauthorizedAccessException as ex -> Error(sprintf "cannot write %s: %s" path (reason ex))

/// Runs `body` with one progress bar on standard error (description, maximum) that shows the percentage, the time elapsed and the time
/// left; returns what `body` returns.
let withProgress (description: string) (maximum: float) (body: ProgressTask -> 'T) : 'T =
    // on standard error: standard output carries the results (--json, --csv), which a bar must not interleave
    let console =
        AnsiConsole.Create(AnsiConsoleSettings(Out = AnsiConsoleOutput(Console.Error)))

    console
        .Progress()
        .Columns(TaskDescriptionColumn(), ProgressBarColumn(), PercentageColumn(), ElapsedTimeColumn(), RemainingTimeColumn())
        .Start(fun ctx -> body (ctx.AddTask(description, maxValue = maximum)))

/// PNG pictures beside the HTML charts, with a progress bar (pictures done, time left) when a Chromium renders them
/// (a few seconds a picture).
let pngs (htmlFiles: string list) =
    let pages = htmlFiles |> List.filter (fun f -> f.EndsWith ".html")

    match Arise.Pictures.Picture.findChromium () with
    | Some _ when not pages.IsEmpty ->
        withProgress "PNG pictures" (float pages.Length) (fun task ->
            Arise.Pictures.Picture.writePngsWith (fun d _ -> task.Value <- float d) pages)
    | _ -> Arise.Pictures.Picture.writePngs pages

/// A cancellation source cancelled on the first Ctrl-C, which then says `message` on standard error (what stops and
/// what is kept); the run stops cleanly at its next check. A second Ctrl-C aborts.
let cancelOnCtrlC (message: string) =
    let cts = new Threading.CancellationTokenSource()

    Console.CancelKeyPress.Add(fun e ->
        if not cts.IsCancellationRequested then
            e.Cancel <- true
            eprintfn "\n%s" message
            cts.Cancel())

    cts
