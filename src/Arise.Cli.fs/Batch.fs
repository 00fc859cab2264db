/// Batches that survive a crash. A batch verb (info, classify, descriptor, identify) over several files runs in a
/// worker process that the first process supervises. When the worker dies where the runtime cannot recover (out of
/// memory, a stack overflow, a fatal runtime error, the system's out-of-memory killer), the file it was working on
/// gets an error naming the exit and a new worker goes on with the files after it, writing into the same output (one
/// JSON array, one CSV header). Results already written are kept. ARISE_SUPERVISE=0 runs the batch in one process.
module Arise.Cli.Batch

open System
open System.IO
open System.Diagnostics

/// Environment variables from the supervisor to its worker.
[<Literal>]
let private LogVar = "ARISE_WORKER_LOG"

[<Literal>]
let private FilesVar = "ARISE_WORKER_FILES"

[<Literal>]
let private ObjectsVar = "ARISE_WORKER_OBJECTS"

[<Literal>]
let private HeaderVar = "ARISE_WORKER_HEADER"

[<Literal>]
let private CrashedVar = "ARISE_WORKER_CRASHED"

let private variable (name: string) =
    Environment.GetEnvironmentVariable name |> Option.ofObj

/// The worker's progress log (set by the supervisor): a line per event, so that the supervisor knows, after a
/// crash, which files were finished and which one was being worked on.
let private log = variable LogVar

/// Whether this process is a worker of a supervised batch.
let isWorker = log.IsSome

let private mark (line: string) =
    match log with
    | Some path -> File.AppendAllText(path, line + "\n")
    | None -> ()

/// The worker starts work on its next input (reading it and whatever follows until the next input): a crash now
/// is this input's.
let working () = mark "w"

/// The worker works on all inputs read since the last written ones (`files`) together (classify's batches): a crash
/// now is one of theirs. For the supervisor's tests, ARISE_TEST_ABORT_ON=NAME aborts a worker here, as the runtime
/// does when it runs out of memory, when a file of that name is among them.
let together (files: string seq) =
    mark "t"

    match variable "ARISE_TEST_ABORT_ON" with
    | Some name when isWorker && files |> Seq.exists (fun f -> Path.GetFileName f = name) ->
        Environment.FailFast(sprintf "ARISE_TEST_ABORT_ON=%s: the worker aborts (a test of the batch supervisor)" name)
    | _ -> ()

/// The results of the next `n` inputs have been written to the output.
let written (n: int) =
    if n > 0 then
        mark (sprintf "d %d" n)

/// JSON objects written by earlier workers of the batch (the next one is not the array's first).
/// Under MPI: the later processes' blocks of a batch come after the first one's, whose JSON array they go on.
let mutable private continuesArray = false

/// Under MPI: a later process writes no CSV header.
let mutable private headerWritten = false

/// The first process under MPI closes the JSON array after the others' blocks.
let mutable private closesLater = false

/// JSON objects written, and whether as one array, in this process.
let mutable private objectsHere = 0
let mutable private arrayHere = false

let objectsBefore () =
    match variable ObjectsVar |> Option.map Int32.TryParse with
    | Some(true, n) -> n
    | _ when continuesArray -> 1
    | _ -> 0

/// A JSON object has been written.
let objectWritten () =
    objectsHere <- objectsHere + 1
    mark "o"

/// A sink writes one JSON array; its closing bracket is the supervisor's to write.
let arrayOpened () =
    arrayHere <- true
    mark "a"

/// Whether a sink closes its JSON array itself (not in a supervised worker, nor in a batch split over MPI processes).
let closesArray () =
    not (isWorker || closesLater || continuesArray)

/// Whether the CSV header is still to be written (an earlier worker of the batch may have written it); true
/// records that it is written now.
let headerDue () =
    if variable HeaderVar = Some "1" || headerWritten then
        false
    else
        mark "h"
        true

/// Where JSON bytes go: standard output, or the capture of a later MPI process's block.
let mutable private capture: MemoryStream option = None

/// The stream a verb's raw output bytes are written to (flush Console.Out first).
let standardOutput () : Stream =
    match capture with
    | Some ms -> ms
    | None -> Console.OpenStandardOutput()

/// The inputs a worker works on (the supervisor's list), or `files` outside a supervised batch.
let inputs (files: string list) =
    match variable FilesVar with
    | Some path when isWorker ->
        File.ReadAllText(path).Split('\000', StringSplitOptions.RemoveEmptyEntries)
        |> List.ofArray
    | _ -> files

/// Why a previous worker ended while working on the worker's input at `index` (from 0), or None: the worker reports
/// it as that input's error instead of working on it again.
let crashOf (index: int) : string option =
    match variable CrashedVar with
    | Some text when isWorker ->
        match text.Split('\n', 2) with
        | [| k; reason |] when k = string index -> Some reason
        | _ -> None
    | _ -> None

/// How a batch's exit code follows from its files: 1 when any failed (info, descriptor) or when all failed
/// (classify, identify).
type ExitRule =
    | FailsWhenAny
    | FailsWhenAll

/// What one worker did, read from its log.
type private Progress =
    { Begun: int
      Written: int
      Together: bool
      Objects: int
      Header: bool
      Array: bool }

let private progressOf (path: string) =
    let lines = if File.Exists path then File.ReadAllLines path else [||]

    lines
    |> Array.fold
        (fun p (line: string) ->
            match line with
            | "w" ->
                { p with
                    Begun = p.Begun + 1
                    Together = false }
            | "t" -> { p with Together = true }
            | "o" -> { p with Objects = p.Objects + 1 }
            | "h" -> { p with Header = true }
            | "a" -> { p with Array = true }
            | _ when line.StartsWith "d " ->
                match Int32.TryParse(line.Substring 2) with
                | true, n -> { p with Written = p.Written + n }
                | _ -> p
            | _ -> p)
        { Begun = 0
          Written = 0
          Together = false
          Objects = 0
          Header = false
          Array = false }

/// What an exit code of a dead worker means.
let private exitReason (code: int) =
    match code with
    | 134 -> "aborted (exit 134: out of memory, a stack overflow or another fatal runtime error)"
    | 137 -> "killed (exit 137, SIGKILL: the system's out-of-memory killer or a kill)"
    | 139 -> "crashed (exit 139, segmentation fault)"
    | c -> sprintf "ended with exit %d" c

/// Exit codes of a worker that ended on its own: 0, 1 (files failed), 2 (bad settings); 130 and 143 are an
/// interruption (Ctrl-C, SIGTERM), passed on; anything else is a crash.
let private isCrash (code: int) =
    not (code = 0 || code = 1 || code = 2 || code = 130 || code = 143)

/// The command line that started this process (`dotnet arise.dll …` or the `arise` program).
let private selfCommand () =
    let args = Environment.GetCommandLineArgs()
    let exe = Environment.ProcessPath

    if Path.GetFileNameWithoutExtension exe = "dotnet" then
        exe, List.ofArray args
    else
        exe, List.ofArray args.[1..]

/// Runs one worker over `entries`; its exit code and progress.
let private runWorker (entries: string list) (crash: (int * string) option) (objects: int) (header: bool) =
    let logPath =
        Path.Combine(Path.GetTempPath(), sprintf "arise-worker-%s.log" (Guid.NewGuid().ToString "N"))

    let listPath = Path.ChangeExtension(logPath, ".files")

    try
        File.WriteAllText(listPath, String.Join("\000", entries))
        File.WriteAllText(logPath, "")
        let exe, args = selfCommand ()
        let info = ProcessStartInfo(exe, UseShellExecute = false)

        for a in args do
            info.ArgumentList.Add a

        info.Environment.[LogVar] <- logPath
        info.Environment.[FilesVar] <- listPath
        info.Environment.[ObjectsVar] <- string objects
        info.Environment.[HeaderVar] <- (if header then "1" else "0")

        match crash with
        | Some(k, reason) -> info.Environment.[CrashedVar] <- sprintf "%d\n%s" k reason
        | None -> info.Environment.Remove CrashedVar |> ignore

        use p = Process.Start info
        p.WaitForExit()
        p.ExitCode, progressOf logPath
    finally
        for f in [ logPath; listPath ] do
            try
                File.Delete f
            with _ ->
                ()

/// Where a supervised batch stands.
type private State =
    {
        /// The entries still to be done, in order.
        mutable Queue: string list
        /// The queue's entry that crashed a worker (its index) and why: the next worker reports it instead of reading it.
        mutable CrashAt: (int * string) option
        /// How many of the next entries run one at a time.
        mutable Alone: int
        mutable Objects: int
        mutable Header: bool
        mutable Array: bool
        mutable AnyOk: bool
        mutable AnyFailed: bool
        /// The batch's exit code when it stops before the end.
        mutable Stop: int option
    }

/// The first `n` entries of the queue are done.
let private advance (s: State) (n: int) =
    s.Queue <- List.skip n s.Queue
    s.Alone <- max 0 (s.Alone - n)
    s.CrashAt <- s.CrashAt |> Option.bind (fun (k, r) -> if k >= n then Some(k - n, r) else None)

/// After a worker crashed with `code` having made progress `p`: the entries it finished are done; the crash is the
/// last one's it began (reported by the next worker), or, when it worked on several together, each of those is run
/// alone next.
let private afterCrash (s: State) (code: int) (p: Progress) =
    let suspects = p.Begun - p.Written
    let culprit = suspects - 1

    if p.Begun = 0 || suspects <= 0 then
        // a worker that dies before its first input (or after writing all it began) cannot be helped by another
        eprintfn
            "error: the worker process %s before %s; %d files not done"
            (exitReason code)
            s.Queue.[p.Written]
            (s.Queue.Length - p.Written)

        s.Stop <- Some 1
    else
        s.AnyFailed <- true
        advance s p.Written

        if s.CrashAt |> Option.exists (fun (k, _) -> k = culprit) then
            eprintfn "error: the worker process %s again on %s; %d files not done" (exitReason code) s.Queue.[culprit] s.Queue.Length
            s.Stop <- Some 1
        elif p.Together && suspects > 1 then
            eprintfn
                "note: the worker process %s while working on %d files together; they are run one at a time to find the one"
                (exitReason code)
                suspects

            s.Alone <- max s.Alone suspects
        else
            // the next worker works again on those begun before it, reports it and goes on with the files after it
            eprintfn
                "warning: the worker process %s while working on %s; the other files go on in a new process"
                (exitReason code)
                s.Queue.[culprit]

            s.CrashAt <- Some(culprit, sprintf "the process %s while working on this file" (exitReason code))

/// Supervises a batch over `entries` (files; folders the supervisor could not list stay entries): workers go on
/// after crashes until every entry has a result.
let private supervise (rule: ExitRule) (entries: string list) =
    let s =
        { Queue = entries
          CrashAt = None
          Alone = 0
          Objects = 0
          Header = false
          Array = false
          AnyOk = false
          AnyFailed = false
          Stop = None }

    while not s.Queue.IsEmpty && s.Stop.IsNone do
        let batch = if s.Alone > 0 then [ s.Queue.Head ] else s.Queue

        let code, p =
            runWorker batch (s.CrashAt |> Option.filter (fun (k, _) -> k < batch.Length)) s.Objects s.Header

        s.Objects <- s.Objects + p.Objects
        s.Header <- s.Header || p.Header
        s.Array <- s.Array || p.Array
        s.AnyOk <- s.AnyOk || code = 0
        s.AnyFailed <- s.AnyFailed || code = 1

        if isCrash code then
            afterCrash s code p
        else
            if code = 2 || code = 130 || code = 143 then
                s.Stop <- Some code

            advance s batch.Length

    // the one JSON array the workers wrote into is closed here
    if s.Array then
        Console.Out.Write(if s.Objects = 0 then "[]\n" else "\n]\n")
        Console.Out.Flush()

    match s.Stop, rule with
    | Some code, _ -> code
    | None, FailsWhenAny -> if s.AnyFailed then 1 else 0
    | None, FailsWhenAll -> if s.AnyOk then 0 else 1

/// Runs a batch verb's `body` over `entries`: in this process when it is a worker, under MPI, for a single entry or
/// with ARISE_SUPERVISE=0; otherwise in supervised workers.
/// The MPI processes of this run, when a launcher started several (set by Program).
let mutable world: Arise.Numerics.Mpi.World option = None

/// Whether the supervisor's files (the worker's log and file list) can be written to the temporary folder.
let private canSupervise () =
    try
        let probe =
            Path.Combine(Path.GetTempPath(), sprintf "arise-worker-%s.probe" (Guid.NewGuid().ToString "N"))

        File.WriteAllText(probe, "")
        File.Delete probe
        true
    with _ ->
        false

/// Runs `body` with its standard output (Console.Out, tables, raw JSON bytes) captured; returns the exit code and
/// the bytes.
let private captured (body: unit -> int) =
    let ms = new MemoryStream()
    let original = Console.Out
    let writer = new StreamWriter(ms, Text.UTF8Encoding(false), AutoFlush = true)
    let console = Spectre.Console.AnsiConsole.Console
    let profile = console.Profile

    let settings =
        Spectre.Console.AnsiConsoleSettings(
            Out = Spectre.Console.AnsiConsoleOutput(writer),
            Ansi =
                (if profile.Capabilities.Ansi then
                     Spectre.Console.AnsiSupport.Yes
                 else
                     Spectre.Console.AnsiSupport.No),
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors
        )

    let inner = Spectre.Console.AnsiConsole.Create settings
    inner.Profile.Width <- profile.Width
    Console.SetOut writer
    Spectre.Console.AnsiConsole.Console <- inner
    capture <- Some ms

    try
        let code = body ()
        writer.Flush()
        code, ms.ToArray()
    finally
        capture <- None
        Console.SetOut original
        Spectre.Console.AnsiConsole.Console <- console

/// A batch split over the MPI processes: each takes its block of the entries; the first prints its results as they
/// come, then the others' blocks in rank order (sent by broadcast), so the output is one process's. Every process
/// returns the batch's exit code.
let private overProcesses (w: Arise.Numerics.Mpi.World) (rule: ExitRule) (entries: string list) (body: string list -> int) =
    let start, count = Arise.Numerics.Mpi.block entries.Length w.Size w.Rank
    let mine = entries |> List.skip start |> List.truncate count

    if w.Rank = 0 then
        eprintfn
            "note: %d files over %d MPI processes (%s): blocks of %s"
            entries.Length
            w.Size
            w.Abi
            (String.Join(", ", [ for r in 0 .. w.Size - 1 -> string (snd (Arise.Numerics.Mpi.block entries.Length w.Size r)) ]))

    let code, bytes =
        if w.Rank = 0 then
            closesLater <- true
            body mine, [||]
        elif mine.IsEmpty then
            -1, [||]
        else
            continuesArray <- true
            headerWritten <- true
            captured (fun () -> body mine)

    for received in Arise.Numerics.Mpi.gatherToFirst w bytes do
        if received.Length > 0 then
            Console.Out.Flush()
            let out = Console.OpenStandardOutput()
            out.Write(received, 0, received.Length)
            out.Flush()

    if w.Rank = 0 && arrayHere then
        Console.Out.Write(if objectsHere = 0 then "[]\n" else "\n]\n")
        Console.Out.Flush()

    // [processes that returned 0, 1, 2 or another code]
    let counts =
        w.SumAll
            [| (if code = 0 then 1.0 else 0.0)
               (if code = 1 then 1.0 else 0.0)
               (if code >= 2 then 1.0 else 0.0) |]

    if counts.[2] > 0.0 then
        2
    else
        match rule with
        | FailsWhenAny -> if counts.[1] > 0.0 then 1 else 0
        | FailsWhenAll -> if counts.[0] > 0.0 then 0 else 1

let run (rule: ExitRule) (entries: string list) (body: string list -> int) : int =
    match world with
    | _ when isWorker -> body (inputs entries)
    | Some w when not entries.IsEmpty -> overProcesses w rule entries body
    | Some w -> if w.Rank = 0 then body entries else 0
    | None when entries.Length < 2 || variable "ARISE_SUPERVISE" = Some "0" -> body entries
    | None when not (canSupervise ()) ->
        eprintfn "note: no temporary folder to supervise the batch from (%s); it runs in one process" (Path.GetTempPath())
        body entries
    | None -> supervise rule entries
