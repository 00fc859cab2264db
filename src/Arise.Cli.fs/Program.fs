/// The `arise` command line: parses the verb and hands it to Verbs; I/O errors that escape a verb end with exit 2.
module Arise.Cli.Program

open System
open Argu
open Spectre.Console
open Arise.Cli.Arguments

/// Argu's usage errors exit with 2 (as bad option values do), help with 0.
type private UsageExiter() =
    interface IExiter with
        member _.Name = "arise"

        member _.Exit(message, code) =
            if code = ErrorCode.HelpText then
                printfn "%s" message
                exit 0
            else
                eprintfn "%s" message
                exit 2

/// `--` ends the options: the arguments after it are file names, also those that start with '-' (handed on as
/// ./NAME, the same file, so that they are not read as options).
let endOfOptions (argv: string[]) =
    match Array.tryFindIndex ((=) "--") argv with
    | None -> argv
    | Some i -> Array.append argv.[.. i - 1] (argv.[i + 1 ..] |> Array.map (fun a -> if a.StartsWith "-" then "./" + a else a))

/// Runs the verb; I/O errors that escape it end with exit 1.
let private run (results: ParseResults<Verb>) (world: Arise.Numerics.Mpi.World option) =
    try
        if results.Contains Version then
            printfn "arise %s" (Reflection.Assembly.GetExecutingAssembly().GetName().Version.ToString(3))
            0
        else
            match results.GetSubCommand() with
            | Version -> 0
            | Info args -> Verbs.info args
            | Identify args -> Verbs.identify args
            | Explore args -> Verbs.explore args
            | Benchmark args -> Verbs.benchmark args
            | Tune args -> Verbs.tune args
            | Spm args -> Verbs.spm world args
            | Classify args -> Verbs.classify args
            | Train args -> Verbs.train args
            | Evaluate args -> Verbs.evaluate args
            | Descriptor args -> Verbs.descriptor args
            | Atoms args -> Verbs.atoms args
            | Align args -> Verbs.align args
    with
    | :? ArguParseException as e ->
        eprintfn "%s" e.Message
        2
    | :? IO.IOException
    | :? UnauthorizedAccessException as e ->
        // a file or folder that could not be read or written during the work (a full disk, a closed output, no
        // permission): the run failed, as when it cannot write its results (1); what was finished is kept
        eprintfn "error: %s" (Outputs.reason e)
        1

/// What the process sets before any verb: a terminal without control codes under MPI, and huge pages for its heap.
let private prepareProcess () =
    // Open MPI gives its processes a terminal for their output: without this, .NET would write terminal control
    // codes into it (and so into --json output)
    if Arise.Numerics.Mpi.launchedSize () > 1 then
        Environment.SetEnvironmentVariable("TERM", "dumb")

    // the managed heap in 2 MB pages where the system gives them on request: a large sample's arrays (4 GB of per-atom
    // sums at 10⁷ atoms) are first touched in 512 times fewer page faults (ARISE_HUGE_PAGES=0: off)
    Arise.Numerics.HugePages.adviseHeap () |> ignore

[<EntryPoint>]
let main argv =
    prepareProcess ()

    // A table written to a file or a pipe would be wrapped at Spectre's default of 80 columns, splitting file and
    // class names over several lines; there, use $COLUMNS or 200 so that each row stays on one line.
    if Console.IsOutputRedirected then
        AnsiConsole.Profile.Width <-
            match Int32.TryParse(Environment.GetEnvironmentVariable "COLUMNS") with
            | true, w when w >= 40 -> w
            | _ -> 200

    let parser =
        ArgumentParser.Create<Verb>(programName = "arise", errorHandler = UsageExiter())

    let results = parser.ParseCommandLine(endOfOptions argv, raiseOnUsage = true)

    // under an MPI launcher (mpirun, srun): spm splits its chunks over the processes; the other verbs run in the
    // first process only
    match Arise.Numerics.Mpi.tryJoin () with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok world ->
        use _ =
            match world with
            | Some w -> w :> IDisposable
            | None ->
                { new IDisposable with
                    member _.Dispose() = () }

        // spm and the batch verbs split their work over the processes; the others run in the first
        let splits =
            not (results.Contains Version)
            && (results.GetSubCommand()
                |> function
                    | Spm _
                    | Train _
                    | Info _
                    | Classify _
                    | Descriptor _
                    | Identify _ -> true
                    | Benchmark b -> not (b.Contains BenchmarkArgs.Speed)
                    | _ -> false)

        Batch.world <- world

        match world with
        | Some w when w.Rank > 0 && not splits -> 0
        | _ ->
            if world.IsSome && not splits then
                eprintfn
                    "note: spm, train, info, classify, descriptor, identify and benchmark split their work over MPI processes; this \
                     verb runs in the first"

            run results world
