/// `arise spm FILE --out DIR`: strided pattern matching with maps, per-box table and per-atom labels.
module Arise.Cli.SpmCommand

open System
open System.IO
open System.Threading
open Spectre.Console
open Arise.Structure
open Arise.Model
open Arise.Spm
open Arise.Pictures

/// Memory a run needs per box, measured (RSS at 20,000–100,000 boxes): the box's probabilities, mutual information
/// and hidden-layer activations (about 4.5 KB), their copies while spm.npz is written, and the chunk buffers.
let bytesPerBox = 32L * 1024L

/// The "classes" array of summary.json: each class by its share of the classified boxes, with their mean mutual
/// information.
let private writeClasses (w: Text.Json.Utf8JsonWriter) (r: SpmResult) (classified: int[]) =
    w.WriteStartArray("classes")

    for k, members in
        classified
        |> Array.groupBy (fun f -> r.Argmax.[f])
        |> Array.sortByDescending (fun (_, m) -> m.Length) do
        w.WriteStartObject()
        w.WriteString("class", r.Classes.[k])
        w.WriteString("type", r.MaterialTypes.[k])
        w.WriteNumber("boxes", members.Length)
        w.WriteNumber("share", float members.Length / float (max 1 classified.Length))
        Json.number w "mean_mutual_information" (members |> Array.averageBy (fun f -> r.MutualInformation.[f]))
        w.WriteEndObject()

    w.WriteEndArray()

/// summary.json: what the printed summary says, for scripts: boxes (all, classified, empty, failed), times (s), the
/// classes by share of the classified boxes with their mean mutual information, and the share at each uncertainty level.
let private writeSummary (path: string) (settings: SpmSettings) (samples: int) (r: SpmResult) (seconds: float, timing: SpmTiming) =
    let labels = r.Argmax |> Array.map BoxLabel.ofArgmax

    let classified =
        [| for f in 0 .. labels.Length - 1 do
               if r.Argmax.[f] >= 0 then
                   f |]

    let count l =
        labels |> Array.filter ((=) l) |> Array.length

    let share k =
        float k / float (max 1 classified.Length)

    use stream = new MemoryStream()

    (use w =
        new Text.Json.Utf8JsonWriter(
            stream,
            Text.Json.JsonWriterOptions(Indented = true, Encoder = Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
        )

     w.WriteStartObject()
     w.WriteString("mode", (sprintf "%A" settings.Mode).ToLowerInvariant())
     w.WriteNumber("box", settings.Box)
     w.WriteNumber("stride", settings.Stride)
     w.WriteNumber("samples", samples)
     w.WriteNumber("boxes", labels.Length)
     w.WriteNumber("classified", classified.Length)
     w.WriteNumber("empty", count BoxLabel.Empty)
     w.WriteNumber("failed", count BoxLabel.Failed)
     w.WriteStartObject("seconds")
     w.WriteNumber("total", seconds)
     w.WriteNumber("boxes", timing.Extraction)
     w.WriteNumber("descriptors", timing.Descriptors)
     w.WriteNumber("network", timing.Network)
     w.WriteEndObject()
     writeClasses w r classified
     w.WriteStartObject("uncertainty")

     for l in Uncertainty.levels do
         let k =
             classified
             |> Array.filter (fun f -> Uncertainty.level r.MutualInformation.[f] = l)
             |> Array.length

         w.WriteNumber(Uncertainty.name l, share k)

     w.WriteEndObject()
     w.WriteEndObject())

    Arise.Numerics.AtomicFile.write path (fun tmp -> File.WriteAllBytes(tmp, stream.ToArray()))

/// The most frequent classes (names padded so that the shares line up) and the share at each uncertainty level, of
/// the classified boxes `nonEmpty` (their argmax).
let private printShares (r: SpmResult) (nonEmpty: int[]) =
    let frequent =
        nonEmpty |> Array.countBy id |> Array.sortByDescending snd |> Array.truncate 6
    // the names padded to the longest shown, so that the shares line up
    let name cls =
        Prototypes.displayName r.Classes.[cls] r.MaterialTypes.[cls]

    let width = frequent |> Array.map (fst >> name >> String.length) |> Array.fold max 0

    for cls, k in frequent do
        printfn "  %s %5.1f %% of the classified boxes" ((name cls).PadRight width) (100.0 * float k / float nonEmpty.Length)

    if nonEmpty.Length > 0 then
        let counts =
            [| for f in 0 .. r.Argmax.Length - 1 do
                   if r.Argmax.[f] >= 0 then
                       Uncertainty.level r.MutualInformation.[f] |]
            |> Array.countBy id
            |> dict

        let share l =
            match counts.TryGetValue l with
            | true, k -> 100.0 * float k / float nonEmpty.Length
            | _ -> 0.0

        printfn
            "  uncertainty: %s (high and very high: grain boundaries, defects, phases the model does not know)"
            (Uncertainty.levels
             |> Array.map (fun l -> sprintf "%s %.1f %%" (Uncertainty.name l) (share l))
             |> String.concat ", ")

/// Prints the end of a finished run: the times, boxes that failed or none classified, the most frequent classes,
/// the share of the classified boxes at each uncertainty level, and the files written (PNG pictures made here).
let private report (settings: SpmSettings) (out: string) (r: SpmResult) (maps: string list) (seconds: float, timing: SpmTiming) =
    let pngs = Outputs.pngs maps
    let nonEmpty = r.Argmax |> Array.filter (fun a -> a >= 0)

    printfn
        "done in %.1f s (boxes %.1f s, descriptors %.1f s, network %.1f s); %d of %d boxes classified"
        seconds
        timing.Extraction
        timing.Descriptors
        timing.Network
        nonEmpty.Length
        r.Argmax.Length

    let failed =
        r.Argmax
        |> Array.filter (fun a -> BoxLabel.ofArgmax a = BoxLabel.Failed)
        |> Array.length

    if failed > 0 then
        eprintfn
            "warning: %d boxes with %d atoms or more have no descriptor (class \"failed\" in boxes.csv): overlapping atoms, or \
                coordinates not in Å?"
            failed
            settings.MinAtoms

    if nonEmpty.Length = 0 && failed = 0 then
        eprintfn "warning: no box had %d atoms or more: try a larger --box or a smaller --min-atoms" settings.MinAtoms

    printShares r nonEmpty

    printfn
        "wrote %s: spm.npz, boxes.csv, atoms.xyz, summary.json, %s"
        out
        (maps @ pngs.Written |> List.map Path.GetFileName |> String.concat ", ")

    for problem in pngs.Problems do
        eprintfn "note: %s" problem

/// The sample and its grid, or the exit code and message: 1 when the file cannot be read, 2 for settings that give
/// no grid, a grid larger than the memory allows, or an --out that cannot be written. Prints the grid's warnings.
let private prepare
    (settings: SpmSettings)
    (readOptions: StructureIO.ReadOptions)
    (images: Inputs.ImageSettings)
    (file: string)
    (out: string)
    =
    match
        Inputs.readManyWith images readOptions [ file ]
        |> Seq.head
        |> snd
        |> Result.map (Inputs.firstFrame file)
    with
    | Error e -> Error(1, Inputs.describe e)
    | Ok sample ->
        let memory = float (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)

        match SpmGrid.create settings sample with
        | Error e -> Error(2, e.Describe(sprintf "--%s"))
        | Ok(grid, _) when float grid.Count * float bytesPerBox > 0.8 * memory ->
            Error(
                2,
                sprintf
                    "%d boxes need about %.1f GB of memory (about %d KB a box), more than 80 %% of this machine's %.1f GB; use a \
                     larger --stride"
                    grid.Count
                    (float grid.Count * float bytesPerBox / 1e9)
                    (bytesPerBox / 1024L)
                    (memory / 1e9)
            )
        | Ok(grid, warnings) ->
            for w in warnings do
                eprintfn "warning: %s" (w.Describe(sprintf "--%s"))

            Outputs.prepareFolder out
            |> Result.map (fun () -> sample, grid)
            |> Result.mapError (fun e -> 2, "--out " + e)

/// A run folder belongs to one input and one set of settings (settings.txt, with the engine: chunks of two engines,
/// equal within 1e-6 but not to the bit, are not mixed): Error when it holds another's.
let private claimFolder (model: Model) (settings: SpmSettings) (samples: int) (file: string) (out: string) =
    let key =
        sprintf
            "file=%s\nmode=%A\nbox=%g\nstride=%g\nmin_atoms=%d\nsamples=%d\nmodel=%s\nengine=%s\nd_nn_revision=%d\n%s"
            (Path.GetFullPath file)
            settings.Mode
            settings.Box
            settings.Stride
            settings.MinAtoms
            samples
            model.Metadata.Training.DataHash
            Models.engine.Name
            DnnRule.revision
            (if settings.Layout = GridLayout.Reference then
                 "grid=reference\n"
             else
                 "")

    Arise.Numerics.RunStore.claim out "settings.txt" key Arise.Numerics.RunStore.Foreign.Refuse
    |> Result.map ignore
    |> Result.mapError (fun _ ->
        sprintf "%s holds a run with other settings (see %s); choose another --out or delete it" out (Path.Combine(out, "settings.txt")))

/// The run's one-line description, and where a rerun resumes from (chunks of this run already computed). Returns the
/// boxes of those chunks (at most).
let private announce (model: Model) (settings: SpmSettings) (samples: int) (file: string) (sample: Structure) (grid: SpmGrid) chunkDir =
    let nx, ny, nz = grid.Shape

    printfn
        "%s: %d atoms; %A mode, box %g, stride %g: %d × %d × %d = %d boxes, T = %d"
        file
        (Structure.count sample)
        settings.Mode
        settings.Box
        settings.Stride
        nx
        ny
        nz
        grid.Count
        samples

    let found =
        Spm.storedChunks chunkDir (Spm.fingerprint model samples 1 settings grid sample)

    let total = Spm.chunkCount grid

    if found > 0 then
        printfn
            "resuming: %d of %d chunks of %d boxes were computed by an earlier run in %s (each is checked before \
             use; a damaged one is computed again)"
            (min found total)
            total
            Spm.chunkSize
            chunkDir

    min grid.Count (found * Spm.chunkSize)

/// The scan with a progress bar (boxes done, rate, time left); chunks kept in `chunkDir`. The rate counts the boxes
/// computed in this run, not the `reused` ones read back from an earlier run's chunks (read first, in a few ms).
let private scan
    (pipeline: Pipeline)
    (settings: SpmSettings)
    (samples: int)
    sample
    (grid: SpmGrid)
    chunkDir
    reused
    (cancel: CancellationToken)
    =
    let clock = Diagnostics.Stopwatch.StartNew()

    Outputs.withProgress "boxes" (float grid.Count) (fun task ->
        Spm.run
            pipeline
            samples
            1
            settings
            grid
            sample
            (Some chunkDir)
            (fun d t ->
                task.Value <- float d
                let computed = d - min d reused
                task.Description <- sprintf "boxes %d/%d (%.0f/s)" d t (float computed / clock.Elapsed.TotalSeconds))
            cancel)

/// Writes the results (spm.npz, boxes.csv, atoms.xyz, maps, summary.json) and reports; exit code 1 when they cannot
/// be written (the chunks are kept).
let private finish (settings: SpmSettings) (samples: int) (out: string) sample (r: SpmResult) (seconds: float, timing) =
    let written =
        Outputs.tryWrite out (fun () ->
            SpmFile.write (Path.Combine(out, "spm.npz")) r
            SpmOutput.writeCsv (Path.Combine(out, "boxes.csv")) r
            SpmOutput.writeAtoms (Path.Combine(out, "atoms.xyz")) sample r
            SpmMaps.writeMaps out samples r)

    match written with
    | Error e ->
        eprintfn "error: %s; the classified boxes are kept in %s (run again to write the results)" e (Path.Combine(out, "chunks"))
        1
    | Ok maps ->
        writeSummary (Path.Combine(out, "summary.json")) settings samples r (seconds, timing)
        report settings out r maps (seconds, timing)
        0

/// The mutual information in shells of `width` Å around the sample's centroid: shells.csv, shells.html and a table.
let private writeShells (out: string) (samples: int) (settings: SpmSettings) (sample: Structure) (r: SpmResult) (width: float) =
    let centre = Structure.centroid sample

    let shells = Shells.profile width centre r

    let written =
        Outputs.tryWrite out (fun () ->
            Arise.Numerics.AtomicFile.writeText (Path.Combine(out, "shells.csv")) (Shells.toCsv shells)

            SpmMaps.shellChart
                (sprintf
                    "Uncertainty from the core out: shells of %g Å<br>box %g Å, stride %g Å, T = %d"
                    width
                    settings.Box
                    settings.Stride
                    samples)
                shells
            |> Picture.saveHtml (Path.Combine(out, "shells.html")))

    match written with
    | Error e ->
        eprintfn "error: %s" e
        1
    | Ok() ->
        printfn
            "Mutual information by shell around the centre (%.2f, %.2f, %.2f), %g Å wide (shells.csv, shells.html):"
            centre.X
            centre.Y
            centre.Z
            width

        Shells.table shells |> List.iter (printfn "%s")

        0

/// The chunks of rank `rank` of `size`: a contiguous block of the grid's chunks.
let private ownedBy (grid: SpmGrid) (rank: int) (size: int) =
    let chunks = Spm.chunkCount grid
    fun (c: int) -> int (int64 c * int64 size / int64 chunks) = rank

/// This process's block of chunks (Spm.runPart), with its times summed over all processes (a meeting point too).
let private part (world: Arise.Numerics.Mpi.World) (pipeline: Pipeline) settings samples sample grid out progress cancel =
    let t =
        Spm.runPart
            pipeline
            samples
            1
            settings
            grid
            sample
            (Path.Combine(out, "chunks"))
            (ownedBy grid world.Rank world.Size)
            progress
            cancel

    world.SumAll [| t.Extraction; t.Descriptors; t.Network |]

/// One of several MPI processes that are not the first: waits for the first to claim the folder, computes its block
/// of chunks into it, and meets the others at the end. Exit code 0 (the first process reports for the run).
let private worker (world: Arise.Numerics.Mpi.World) (model: Model) (settings: SpmSettings) samples sample grid (out: string) =
    let started = world.Broadcast([||], 0)

    if started.Length = 1 && started.[0] = 1uy then
        use cts =
            Outputs.cancelOnCtrlC (sprintf "process %d: stopping after the current chunk" world.Rank)

        part world (Models.pipeline model) settings samples sample grid out (fun _ _ -> ()) cts.Token
        |> ignore

    0

/// The folder of a run over several processes, claimed by the first before the others start: the lock, the settings
/// and the chunk store. Error (exit code, message) when another run holds it.
let private claimRun (pipeline: Pipeline) (settings: SpmSettings) samples (file: string) sample (grid: SpmGrid) (out: string) =
    match RunLock.Acquire out with
    | Error pid ->
        Error(2, sprintf "--out %s is in use by another arise run (process %d); wait for it to end or choose another --out" out pid)
    | Ok lock ->
        match claimFolder pipeline.Model settings samples file out with
        | Error e ->
            (lock :> IDisposable).Dispose()
            Error(2, e)
        | Ok() ->
            Spm.claim pipeline samples 1 settings grid sample (Path.Combine(out, "chunks"))
            |> ignore

            Ok lock

/// Runs `spm` in the first of several MPI processes: claims the folder, computes its block of chunks with a progress
/// bar, waits for the others, then reads every chunk back and writes the outputs, as one process would (byte for
/// byte: the chunks are the same whichever process computed them).
let private first
    (world: Arise.Numerics.Mpi.World)
    (model: Model)
    (settings: SpmSettings)
    samples
    (file: string)
    sample
    (grid: SpmGrid)
    (out: string)
    (shells: float option)
    =
    let chunkDir = Path.Combine(out, "chunks")
    let pipeline = Models.pipeline model
    let claimed = claimRun pipeline settings samples file sample grid out
    world.Broadcast([| (if Result.isOk claimed then 1uy else 0uy) |], 0) |> ignore

    match claimed with
    | Error(code, e) ->
        eprintfn "error: %s" e
        code
    | Ok lock ->
        use _ = lock
        let reused = announce model settings samples file sample grid chunkDir
        printfn "%d MPI processes (%s): each computes a block of the %d chunks" world.Size world.Abi (Spm.chunkCount grid)

        use cts =
            Outputs.cancelOnCtrlC (sprintf "stopping after the current chunk; finished chunks are kept in %s" out)

        let clock = Diagnostics.Stopwatch.StartNew()

        let summed =
            Outputs.withProgress "boxes (this process's block)" (float grid.Count) (fun task ->
                part world pipeline settings samples sample grid out (fun d _ -> task.Value <- float d) cts.Token)

        if cts.IsCancellationRequested then
            eprintfn "interrupted: the finished chunks are in %s/chunks" out
            1
        else
            let r, _ = scan pipeline settings samples sample grid chunkDir reused cts.Token
            // the time spent in boxes, descriptors and the network, summed over the processes
            let timing =
                { Extraction = summed.[0]
                  Descriptors = summed.[1]
                  Network = summed.[2] }

            match finish settings samples out sample r (clock.Elapsed.TotalSeconds, timing), shells with
            | 0, Some width -> writeShells out samples settings sample r width
            | code, _ -> code

/// Runs `spm`; exit code 0 on success, 1 when the sample cannot be read or the run is interrupted or cannot write its
/// results, 2 for bad settings.
let run
    (model: Model)
    (settings: SpmSettings)
    (samples: int)
    (readOptions: StructureIO.ReadOptions)
    (images: Inputs.ImageSettings)
    (shells: float option)
    (world: Arise.Numerics.Mpi.World option)
    (file: string)
    (out: string)
    =
    match prepare settings readOptions images file out, world with
    | Error(code, e), Some w when w.Rank > 0 ->
        // the first process says why; the others leave quietly
        ignore (code, e)
        0
    | Error(code, e), _ ->
        eprintfn "error: %s" e
        code
    | Ok(sample, grid), Some w when w.Size > 1 && w.Rank > 0 -> worker w model settings samples sample grid out
    | Ok(sample, grid), Some w when w.Size > 1 -> first w model settings samples file sample grid out shells
    | Ok(sample, grid), _ ->
        match RunLock.Acquire out with
        | Error pid ->
            eprintfn "error: --out %s is in use by another arise run (process %d); wait for it to end or choose another --out" out pid
            2
        | Ok lock ->
            use _ = lock

            match claimFolder model settings samples file out with
            | Error e ->
                eprintfn "error: %s" e
                2
            | Ok() ->
                let chunkDir = Path.Combine(out, "chunks")
                let reused = announce model settings samples file sample grid chunkDir

                use cts =
                    Outputs.cancelOnCtrlC (
                        sprintf "stopping after the current chunk; finished chunks are kept in %s (run again to resume)" out
                    )

                let clock = Diagnostics.Stopwatch.StartNew()

                let r, timing =
                    scan (Models.pipeline model) settings samples sample grid chunkDir reused cts.Token

                if cts.IsCancellationRequested then
                    eprintfn "interrupted: the finished chunks are in %s/chunks" out
                    1
                else
                    match finish settings samples out sample r (clock.Elapsed.TotalSeconds, timing), shells with
                    | 0, Some width -> writeShells out samples settings sample r width
                    | code, _ -> code
