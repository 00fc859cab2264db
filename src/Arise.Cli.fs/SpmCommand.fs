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
let private report (settings: SpmSettings) (out: string) (r: SpmResult) (maps: string list) draw (seconds: float, timing: SpmTiming) clock =
    let clock: Diagnostics.Stopwatch = clock
    let written = clock.Elapsed.TotalSeconds
    let pngs: Picture.PngExport = draw maps
    let nonEmpty = r.Argmax |> Array.filter (fun a -> a >= 0)

    printfn
        "done in %.1f s (boxes %.1f s, descriptors %.1f s, network %.1f s), then the outputs in %.1f s and the PNG pictures in \
         %.1f s; %d of %d boxes classified"
        seconds
        timing.Extraction
        timing.Descriptors
        timing.Network
        written
        (clock.Elapsed.TotalSeconds - written)
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

/// A grid, or the exit code and message: 2 for settings that give no grid, or a grid larger than the memory allows.
let private checkGrid (created: Result<SpmGrid * GridWarning list, GridError>) =
    let memory = float (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)

    match created with
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
    | Ok(grid, warnings) -> Ok(grid, warnings)

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
        checkGrid (SpmGrid.create settings sample)
        |> Result.bind (fun (grid, warnings) ->
            for w in warnings do
                eprintfn "warning: %s" (w.Describe(sprintf "--%s"))

            Outputs.prepareFolder out
            |> Result.map (fun () -> sample, grid)
            |> Result.mapError (fun e -> 2, "--out " + e))


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
let rec private announce (model: Model) (settings: SpmSettings) (samples: int) (file: string) (sample: Structure) (grid: SpmGrid) chunkDir =
    announceRun settings samples file (Structure.count sample) grid chunkDir (Spm.fingerprint model samples 1 settings grid sample)

/// announce for a sample of `count` atoms, the run's fingerprint `stamp`.
and private announceRun (settings: SpmSettings) (samples: int) (file: string) (count: int) (grid: SpmGrid) chunkDir stamp =
    let nx, ny, nz = grid.Shape

    printfn
        "%s: %d atoms; %A mode, box %g, stride %g: %d × %d × %d = %d boxes, T = %d"
        file
        count
        settings.Mode
        settings.Box
        settings.Stride
        nx
        ny
        nz
        grid.Count
        samples

    let found = Spm.storedChunks chunkDir stamp

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

    // an open sample's atoms labelled from the boxes when atoms.xyz is written (SpmOutput.writeAtoms), each atom's boxes
    // from its position on every core: no sums of atoms × classes; a periodic sample's summed through the scan, whose
    // cell list finds them (labelling afterwards would build it again and go box by box on one core)
    let run = if Structure.isPeriodic sample then Spm.run else Spm.runMaps

    Outputs.withProgress "boxes" (float grid.Count) (fun task ->
        run
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

/// How a run writes its maps and draws their PNG pictures: every one of them (one process), or its share of them
/// (one of several).
type private Pictures =
    {
        /// Writes the maps of a result; every map's file, written here or by another process.
        Write: SpmResult -> string list
        /// The PNG pictures of the maps: those drawn here and by the other processes.
        Draw: string list -> Picture.PngExport
    }

/// Every map and picture, in this process.
let private allPictures (out: string) (samples: int) =
    { Write = SpmMaps.writeMaps out samples
      Draw = Outputs.pngs }

/// Writes the results (boxes.csv, atoms.xyz, the maps, spm.npz, summary.json) and reports; exit code 1 when they
/// cannot be written (the chunks are kept).
let rec private finish (settings: SpmSettings) (samples: int) (out: string) sample (r: SpmResult) (seconds: float, timing) =
    let writeAtoms path = SpmOutput.writeAtoms path sample r
    let writeNpz path = SpmFile.write path r
    finishWith settings samples out writeAtoms writeNpz (allPictures out samples) r (seconds, timing)

/// finish, atoms.xyz written by `writeAtoms path` and spm.npz by `writeNpz path` (last: when another process writes
/// it, this waits for it), the maps and their pictures by `pictures`.
and private finishWith settings samples (out: string) writeAtoms writeNpz (pictures: Pictures) r (seconds: float, timing) =
    let clock = Diagnostics.Stopwatch.StartNew()

    let written =
        Outputs.tryWrite out (fun () ->
            SpmOutput.writeCsv (Path.Combine(out, "boxes.csv")) r
            writeAtoms (Path.Combine(out, "atoms.xyz"))
            let maps = pictures.Write r
            writeNpz (Path.Combine(out, "spm.npz"))
            maps)

    match written with
    | Error e ->
        eprintfn "error: %s; the classified boxes are kept in %s (run again to write the results)" e (Path.Combine(out, "chunks"))
        1
    | Ok maps ->
        writeSummary (Path.Combine(out, "summary.json")) settings samples r (seconds, timing)
        report settings out r maps pictures.Draw (seconds, timing) clock
        0

/// The mutual information in shells of `width` Å around the sample's centroid: shells.csv, shells.html and a table.
let private writeShells (out: string) (samples: int) (settings: SpmSettings) (centre: Vec3) (r: SpmResult) (width: float) =

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
    let start, count = Arise.Numerics.Mpi.block (Spm.chunkCount grid) size rank
    fun (c: int) -> c >= start && c < start + count

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

/// The folder of a run over several processes, claimed by the first before the others start: the lock and the
/// settings. Error (exit code, message) when another run holds it.
let private lockRun (model: Model) (settings: SpmSettings) samples (file: string) (out: string) =
    match RunLock.Acquire out with
    | Error pid ->
        Error(2, sprintf "--out %s is in use by another arise run (process %d); wait for it to end or choose another --out" out pid)
    | Ok lock ->
        match claimFolder model settings samples file out with
        | Error e ->
            (lock :> IDisposable).Dispose()
            Error(2, e)
        | Ok() -> Ok lock

/// The chunk store of the run `stamp` (a fingerprint) in `out`, claimed by the first process before the others start:
/// another run's chunks deleted.
let private claimChunks (out: string) (stamp: string) =
    Arise.Numerics.RunStore.claim (Path.Combine(out, "chunks")) "run.sha256" stamp (Arise.Numerics.RunStore.Foreign.Replace "chunk_*.npz")
    |> ignore

/// lockRun, then claimChunks.
let private claimRun (model: Model) (settings: SpmSettings) samples (file: string) (out: string) (stamp: string) =
    lockRun model settings samples file out
    |> Result.map (fun lock ->
        claimChunks out stamp
        lock)

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

    let claimed =
        claimRun model settings samples file out (Spm.fingerprint model samples 1 settings grid sample)

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
            | 0, Some width -> writeShells out samples settings (Structure.centroid sample) r width
            | code, _ -> code

/// The x (Å) of the centres of the plane of boxes that holds box `box` (a flat index: x slowest).
let private planeX (grid: SpmGrid) (box: int64) =
    let nx, ny, nz = grid.Shape

    grid.Origin.X
    + float (min (int64 (nx - 1)) (box / int64 (ny * nz))) * grid.Step.X

/// Where the shares of the atoms begin along x (Å): process k labels the atoms from cuts.[k] up to cuts.[k + 1] (−∞
/// and +∞ at the ends), the lower face of the first box of its block of chunks.
let private cuts (grid: SpmGrid) (size: int) =
    let chunks = Spm.chunkCount grid

    Array.init (size + 1) (fun k ->
        // the first chunk of process k's block (ownedBy); none past the last process
        let first =
            if k < size then
                fst (Arise.Numerics.Mpi.block chunks size k)
            else
                chunks

        if k = 0 then
            Double.NegativeInfinity
        elif first >= chunks then
            Double.PositiveInfinity
        else
            planeX grid (int64 first * int64 Spm.chunkSize) - 0.5 * grid.Edge.X)

/// A process lends the last 1/lentPart of its block of chunks: another process that finishes first may take them
/// (Spm.ChunkSharing), so one slowed by its core or its neighbours on the node hands part of its block over. On by
/// default; ARISE_SPM_SHARING=0 turns it off (docs/benchmarks.md: in balanced runs it cost 1–17 s, within this
/// machine's spread; in the uneven ones it saved 12 and 25 s).
let private lentPart = 5

/// The chunks process `rank` of `size` shares with the others (unless ARISE_SPM_SHARING=0, and not for a periodic
/// sample): the end of its block, and the end of the next process's, claimed as files in `claims`.
/// Also returns the chunks it claims as it goes: of its own lent ones, and of another's.
let private sharingOf (grid: SpmGrid) (periodic: bool) (claims: string) (size: int) (rank: int) =
    let lentBy k =
        let start, count = Arise.Numerics.Mpi.block (Spm.chunkCount grid) size k
        [| start + count - count / lentPart .. start + count - 1 |]

    let lent = lentBy rank
    let claimed = [| 0; 0 |]

    let claim c =
        Directory.CreateDirectory claims |> ignore
        let path = Path.Combine(claims, sprintf "chunk_%d" c)

        let mine =
            try
                File.Open(path, FileMode.CreateNew).Dispose()
                true
            with :? IOException when File.Exists path ->
                false

        let k = if Array.contains c lent then 0 else 1
        claimed.[k] <- claimed.[k] + (if mine then 1 else 0)
        mine

    if
        size < 2
        || periodic
        || Environment.GetEnvironmentVariable "ARISE_SPM_SHARING" = "0"
    then
        Spm.noSharing, claimed
    else
        { Lent = lent
          Borrowed = Array.rev (lentBy ((rank + 1) % size))
          Claim = claim },
        claimed

/// Where the processes of a run claim the chunks they share (made by the first claim): the first process deletes a
/// stopped run's before the others start, and this run's once all are done.
let private claimsOf (out: string) = Path.Combine(out, "chunks", "claims")

/// The x-range (Å) of the boxes of some chunks (a contiguous run of them), none when there are none.
let private spanOf (grid: SpmGrid) (chunks: int[]) =
    if chunks.Length = 0 then
        Double.PositiveInfinity, Double.NegativeInfinity
    else
        planeX grid (int64 (Array.min chunks) * int64 Spm.chunkSize) - 0.5 * grid.Edge.X,
        planeX grid (int64 (Array.max chunks + 1) * int64 Spm.chunkSize - 1L)
        + 0.5 * grid.Edge.X

/// What every process of a run knows of the sample before it reads its part (sharedGrid): the count and bounds (Å) of
/// its atoms, and its cell and periodicity (Frame: a structure of no atom; an atom-probe file's is an open cluster).
type private Extent =
    { Count: int
      Lo: Vec3
      Hi: Vec3
      Frame: Structure }

/// This process's part of the sample: its share of the atoms (from cuts.[k] to cuts.[k + 1]) and the atoms of its
/// boxes, which reach one box edge past cuts.[k + 1], and of the boxes of the chunks it may borrow (`sharing`).
let private readShare world readOptions file (grid: SpmGrid) (whole: Extent) (sharing: ChunkSharing) =
    let world: Arise.Numerics.Mpi.World = world
    let at = cuts grid world.Size
    let margin = 1e-6 * (whole.Hi.X - whole.Lo.X + 1.0)
    let lo, hi = at.[world.Rank] - margin, at.[world.Rank + 1] + grid.Edge.X + margin
    let borrowedLo, borrowedHi = spanOf grid sharing.Borrowed

    // of a periodic sample, also the atoms whose images lie in those boxes
    let keep =
        match whole.Frame.Cell with
        | Some cell when Structure.isPeriodic whole.Frame ->
            // the boxes' region and the atoms' (every atom is in some process's share), widened by the margin, cut to
            // this process's (the first and the last reach without end)
            let nx, ny, nz = grid.Shape
            let h = 0.5 * grid.Edge

            let far =
                grid.Origin
                + Vec3.make (float (nx - 1) * grid.Step.X) (float (ny - 1) * grid.Step.Y) (float (nz - 1) * grid.Step.Z)

            let m = Vec3.make margin margin margin

            let first = Vec3.lower (grid.Origin - h - m) (whole.Lo - m)
            let last = Vec3.upper (far + h + m) (whole.Hi + m)
            let lo, hi = max lo first.X, min hi last.X

            // a process without chunks (more processes than chunks) holds no atom
            if lo <= hi then
                Cell.imagesWithin cell whole.Frame.Pbc (Vec3.make lo first.Y first.Z) (Vec3.make hi last.Y last.Z)
            else
                fun _ -> false
        | _ ->
            fun p ->
                p.X >= lo && p.X <= hi
                || p.X >= borrowedLo - margin && p.X <= borrowedHi + margin

    StructureIO.readPart readOptions file keep
    |> Result.map (fun part ->
        let share =
            [| for a in 0 .. part.Indices.Length - 1 do
                   let x = part.Part.Positions.[a].X

                   if x >= at.[world.Rank] && x < at.[world.Rank + 1] then
                       a |]

        part, share)

/// A line printed by one process of several, in one write (printfn's pieces would interleave with the others').
let private say format =
    Printf.kprintf (fun (line: string) -> Console.Out.Write(line + "\n")) format

/// As say, on the error stream.
let private sayError format =
    Printf.kprintf (fun (line: string) -> Console.Error.Write(line + "\n")) format

/// The labels of this process's share of the atoms (indices into its part) from the boxes of the finished run, as its
/// lines of atoms.xyz (in memory, for placeShare).
let private labelShare (model: Model) (r: SpmResult) (part: StructureIO.SamplePart) (share: int[]) =
    let labels = Spm.atomLabels r part.Part share

    let labelled =
        SpmOutput.labelledBy (Structure.select share part.Part) model.Metadata.Classes labels

    SpmOutput.atomLines labelled (share |> Array.map (fun a -> part.Indices.[a]))

/// Where the processes place atoms.xyz before the first renames it.
let private placing = "atoms.xyz.placing"

/// Once every process has its lines of atoms.xyz, its stretch of the file placed in out/atoms.xyz.placing
/// (SpmOutput.placeAtoms: the lines exchanged over MPI); whether every process placed its own (a meeting point).
let private placeShare (world: Arise.Numerics.Mpi.World) (model: Model) (out: string) (whole: StructureIO.SamplePart) lines =
    let clock = Diagnostics.Stopwatch.StartNew()

    let template =
        SpmOutput.labelled (Structure.select [||] whole.Part) model.Metadata.Classes [||] [||] [||]

    let placed =
        try
            SpmOutput.placeAtoms world (Path.Combine(out, placing)) template whole.Count lines
            say "process %d: its lines of atoms.xyz placed in %.1f s" world.Rank clock.Elapsed.TotalSeconds
            true
        with e ->
            // any failure is reported and met on: a process that crashed would leave the others waiting
            sayError "process %d: atoms.xyz: %s" world.Rank e.Message
            false

    (world.SumAll [| (if placed then 0.0 else 1.0) |]).[0] = 0.0

/// This process's chunks computed from its part (Spm.runPartOf): the part, its share and the chunks it took (Error
/// when it was interrupted) and its times.
let private scanShare world (model: Model) settings samples grid stamp chunkDir sharing progress cancel part (share: int[]) =
    let world: Arise.Numerics.Mpi.World = world
    let cancel: Threading.CancellationToken = cancel
    let part: StructureIO.SamplePart = part

    say
        "process %d holds %d of the %d atoms (%s), labels %d"
        world.Rank
        part.Indices.Length
        part.Count
        (if part.Streamed then "streamed" else "read whole, then cut")
        share.Length

    let owned = ownedBy grid world.Rank world.Size

    let t, held =
        Spm.runPartOf (Models.pipeline model) samples 1 settings grid part.Part stamp chunkDir owned sharing progress cancel

    (if cancel.IsCancellationRequested then
         Error "interrupted"
     else
         Ok(part, share, ref held)),
    [| t.Extraction; t.Descriptors; t.Network |]

/// Once every process is done: every box it did not take read back, then the labels of this process's share and its
/// lines of atoms.xyz; the boxes and the lines (any failure kept, never thrown: the others wait for this process at
/// the next meeting) and when the boxes were read (`clock`, s).
let private readAndLabel (model: Model) grid chunkDir stamp part (clock: Diagnostics.Stopwatch) =
    let boxes =
        try
            part
            |> Result.bind (fun (part, share, held: SpmChunk[] ref) ->
                let assembled = Spm.assembleWith model grid chunkDir stamp held.Value
                // the chunks are in the grid's arrays now: returned to the system with the garbage, not held on
                held.Value <- [||]
                assembled |> Result.map (fun r -> (part, share), r))
        with e ->
            Error(sprintf "the boxes read back: %s" e.Message)

    let assembled = clock.Elapsed.TotalSeconds

    let lines =
        try
            boxes |> Result.map (fun ((part, share), r) -> r, labelShare model r part share)
        with e ->
            Error(sprintf "its share of atoms.xyz: %s" e.Message)

    lines, assembled

/// This process's part of the sample as read (readParts): the part, its share of the atoms to label, the chunks it
/// shares with the others (sharingOf: the sharing and its claims counted) and the seconds its reading took.
type private Read =
    { Part: StructureIO.SamplePart
      Share: int[]
      Sharing: ChunkSharing * int[]
      Seconds: float }

/// Every process's part read (readShare) before any computes (a meeting point): Some of this process's in every
/// process, or None in every process when any could not read its part, or found the sample other than the first pass
/// did (changed since: its count or bounds); each such process says why.
let private readParts (world: Arise.Numerics.Mpi.World) readOptions file (grid: SpmGrid) (extent: Extent) (out: string) =
    let clock = Diagnostics.Stopwatch.StartNew()

    let sharing =
        sharingOf grid (Structure.isPeriodic extent.Frame) (claimsOf out) world.Size world.Rank

    let read =
        try
            match readShare world readOptions file grid extent (fst sharing) with
            | Error e -> Error(Inputs.describe e)
            | Ok(part, _) when part.Count <> extent.Count || part.Lo <> extent.Lo || part.Hi <> extent.Hi ->
                Error(
                    sprintf
                        "%s: %d atoms within (%g, %g, %g) … (%g, %g, %g) Å, not the %d of the first pass: has it changed \
                         since? Run again"
                        file
                        part.Count
                        part.Lo.X
                        part.Lo.Y
                        part.Lo.Z
                        part.Hi.X
                        part.Hi.Y
                        part.Hi.Z
                        extent.Count
                )
            | Ok(part, share) ->
                Ok
                    { Part = part
                      Share = share
                      Sharing = sharing
                      Seconds = clock.Elapsed.TotalSeconds }
        with e ->
            Error(sprintf "%s: %s" file e.Message)

    match read with
    | Error e -> sayError "process %d: error: %s" world.Rank e
    | Ok _ -> ()

    if (world.SumAll [| (if Result.isOk read then 0.0 else 1.0) |]).[0] = 0.0 then
        Result.toOption read
    else
        None

/// This process's work: its block of chunks from its part of the sample, then, once every process is done, the boxes
/// read back and the labels of its share of the atoms, its stretch of atoms.xyz. Returns the times summed over the
/// processes and the boxes (None when this process or another failed: a meeting point).
let private computeShare world (model: Model) settings samples grid whole stamp (out: string) (read: Read) progress =
    let chunkDir = Path.Combine(out, "chunks")
    let world: Arise.Numerics.Mpi.World = world

    use cts =
        Outputs.cancelOnCtrlC (sprintf "process %d: stopping after the current chunk; finished chunks are kept in %s" world.Rank out)

    let clock = Diagnostics.Stopwatch.StartNew()
    let sharing, claimed = read.Sharing

    let part, times =
        scanShare world model settings samples grid stamp chunkDir sharing progress cts.Token read.Part read.Share

    let computed = clock.Elapsed.TotalSeconds
    // every chunk is done when the processes meet here: the labels of the atoms need their neighbours' boxes
    let summed = world.SumAll times
    let met = clock.Elapsed.TotalSeconds

    if world.Rank = 0 && Directory.Exists(claimsOf out) then
        Directory.Delete(claimsOf out, true)

    let lines, assembled = readAndLabel model grid chunkDir stamp part clock
    let labelled = clock.Elapsed.TotalSeconds
    let failed = world.SumAll [| (if Result.isError lines then 1.0 else 0.0) |]

    say
        "process %d: part read in %.1f s, boxes done in %.1f s (%d of its chunks taken by another, %d of another's taken), waited %.1f s, \
         the others' boxes read back in %.1f s, its atoms labelled and their lines formatted in %.1f s, waited %.1f s (garbage \
         collection so far: %.1f s in %d collections, %d full)"
        world.Rank
        read.Seconds
        computed
        (sharing.Lent.Length - claimed.[0])
        claimed.[1]
        (met - computed)
        (assembled - met)
        (labelled - assembled)
        (clock.Elapsed.TotalSeconds - labelled)
        (GC.GetTotalPauseDuration().TotalSeconds)
        (GC.CollectionCount 0)
        (GC.CollectionCount 2)

    match lines with
    | Error e ->
        sayError "process %d: %s" world.Rank e
        summed, None
    | Ok(r, lines) ->
        // every process places its lines, or none (when one failed)
        summed,
        (if failed.[0] = 0.0 && placeShare world model out whole lines then
             Some r
         else
             None)

/// Process `rank` of `size` writes map k (SpmMaps.writeMapsOf) and draws its picture when k mod size = rank.
let private mapOwner (size: int) (rank: int) (k: int) = k % size = rank

/// The maps of process `rank` of `size` among all (SpmMaps.writeMapsOf's list).
let private ownMaps (size: int) (rank: int) (maps: string list) =
    maps |> List.indexed |> List.filter (fst >> mapOwner size rank) |> List.map snd

/// A process's PNG pictures as text for the first process: a line a picture written ("w\t…") or a problem ("p\t…"),
/// or one line ("e\t…") when its maps could not be written.
let private exportBytes (export: Result<Picture.PngExport, string>) =
    let line (tag: string) (text: string) =
        tag + "\t" + text.Replace('\n', ' ').Replace('\r', ' ')

    match export with
    | Ok e -> (e.Written |> List.map (line "w")) @ (e.Problems |> List.map (line "p"))
    | Error e -> [ line "e" e ]
    |> String.concat "\n"
    |> Text.Encoding.UTF8.GetBytes

/// exportBytes read back, for process `rank`: its pictures, and its problems (an error among them).
let private exportOf (rank: int) (bytes: byte[]) : Picture.PngExport =
    let lines =
        (Text.Encoding.UTF8.GetString bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun l -> l.Substring(0, 1), l.Substring(min l.Length 2))
        |> List.ofArray

    { Written = lines |> List.filter (fst >> (=) "w") |> List.map snd
      Problems =
        lines
        |> List.choose (fun (tag, text) ->
            match tag with
            | "p" -> Some text
            | "e" -> Some(sprintf "process %d wrote none of its maps: %s" rank text)
            | _ -> None) }

/// Every process's pictures, in the first (a meeting point: every process calls it once, after its maps and after
/// npzMet): each other process's `export` in turn; an empty list elsewhere.
let private gatherPictures (world: Arise.Numerics.Mpi.World) (export: Result<Picture.PngExport, string>) =
    Arise.Numerics.Mpi.gatherToFirst world (exportBytes export)
    |> List.mapi (fun k bytes -> exportOf (k + 1) bytes)

/// When several processes share the outputs, the last writes spm.npz (writeNpzShare) while the first writes boxes.csv,
/// renames atoms.xyz into place and writes its maps.
let private writesNpz (world: Arise.Numerics.Mpi.World) =
    world.Size > 1 && world.Rank = world.Size - 1

/// spm.npz written in the process that writes it (writesNpz; nothing elsewhere): why it could not be, if it could
/// not ("" when it was, or is not this process's to write), also said on the error stream.
let private writeNpzShare (world: Arise.Numerics.Mpi.World) (out: string) (r: SpmResult) =
    if writesNpz world then
        try
            SpmFile.write (Path.Combine(out, "spm.npz")) r
            ""
        with e ->
            let why = sprintf "process %d: %s" world.Rank (Outputs.reason e)
            sayError "%s could not write spm.npz: %s" out why
            why
    else
        ""

/// Every process's `failure` (writeNpzShare) met: in the first, the one that is not "", if any (a meeting point: every
/// process calls it once, after its maps are written and before their pictures are drawn and gathered).
let private npzMet (world: Arise.Numerics.Mpi.World) (failure: string) =
    Arise.Numerics.Mpi.gatherToFirst world (Text.Encoding.UTF8.GetBytes failure)
    |> List.map Text.Encoding.UTF8.GetString
    |> List.tryFind (String.IsNullOrEmpty >> not)

/// The first process's maps and pictures when several share them: its own maps written, then its pictures drawn and
/// every other process's gathered (`others`, forced once), in the order of the maps.
let private firstPictures (world: Arise.Numerics.Mpi.World) (out: string) (samples: int) (others: Lazy<Picture.PngExport list>) =
    let mine = mapOwner world.Size 0

    { Write = SpmMaps.writeMapsOf mine out samples
      Draw =
        fun maps ->
            let own = ownMaps world.Size 0 maps |> Outputs.pngs

            let all = own :: others.Force()

            let order (png: string) =
                maps
                |> List.tryFindIndex ((=) (Path.ChangeExtension(png, ".html")))
                |> Option.defaultValue Int32.MaxValue

            { Written = all |> List.collect (fun e -> e.Written) |> List.sortBy order
              Problems = all |> List.collect (fun e -> e.Problems) |> List.distinct } }

/// Another process's share of the outputs, once every share is done: spm.npz when it writes it (writeNpzShare), its
/// maps of the boxes `r` written, whether spm.npz was met on (npzMet), then the maps' pictures drawn and given to the
/// first (gatherPictures).
let private drawShare (world: Arise.Numerics.Mpi.World) (out: string) (samples: int) (r: SpmResult) =
    // its part of the sample is garbage now (as in the first process, before the outputs)
    GC.Collect(2, GCCollectionMode.Forced, true, true)
    let failure = writeNpzShare world out r

    let maps =
        try
            SpmMaps.writeMapsOf (mapOwner world.Size world.Rank) out samples r
            |> ownMaps world.Size world.Rank
            |> Ok
        with e ->
            Error e.Message

    npzMet world failure |> ignore

    let export =
        try
            maps |> Result.map Picture.writePngs
        with e ->
            Error e.Message

    match export with
    | Error e -> sayError "process %d: its maps: %s" world.Rank e
    | Ok _ -> ()

    gatherPictures world export |> ignore

/// The first process, after every share is done: atoms.xyz renamed into place, the outputs of the boxes `r` written
/// and reported.
let private writeShared settings samples out (whole: StructureIO.SamplePart) shells writeNpz pictures r (seconds, timing) =
    // atoms.xyz: placed by the processes (placeShare)
    let placed path =
        File.Move(Path.Combine(out, placing), path, true)

    let code =
        finishWith settings samples out placed writeNpz pictures r (seconds, timing)

    match code, shells with
    | 0, Some width -> writeShells out samples settings whole.Centroid r width
    | code, _ -> code

/// Claims the folder in the first process (Error: exit code and message), then tells the others whether to go on
/// (Error(0, "") in the others when the first could not claim it).
let private claimShared (world: Arise.Numerics.Mpi.World) (model: Model) settings samples file (out: string) =
    let claimed =
        if world.Rank > 0 then
            Ok None
        else
            match Outputs.prepareFolder out with
            | Error e -> Error(2, "--out " + e)
            | Ok() ->
                File.Delete(Path.Combine(out, placing))

                lockRun model settings samples file out
                |> Result.map (fun lock ->
                    // the claims of a run that stopped before its end: its chunks on disk are what counts
                    if Directory.Exists(claimsOf out) then
                        Directory.Delete(claimsOf out, true)

                    Some lock)

    let go = world.Broadcast([| (if Result.isOk claimed then 1uy else 0uy) |], 0)

    if go.Length = 1 && go.[0] = 1uy then claimed
    elif world.Rank > 0 then Error(0, "")
    else claimed

/// The first process once every share is done: its part returned to the system, then the outputs written, its share of
/// the maps and pictures among them (the others', gathered whatever happens here: they wait for it).
let private finishFirst world settings samples (out: string) whole shells (r: SpmResult) (seconds, timing) =
    let world: Arise.Numerics.Mpi.World = world
    // this process's part of the sample and its lines of atoms.xyz are garbage now: returned to the system before the
    // outputs are written
    GC.Collect(2, GCCollectionMode.Forced, true, true)
    // spm.npz from another process (writeNpzShare), met on after this one's maps, and before the pictures are gathered
    let npz = lazy (npzMet world "")

    let others =
        lazy
            (npz.Force() |> ignore
             gatherPictures world (Ok { Written = []; Problems = [] }))

    let writeNpz (_: string) =
        match npz.Force() with
        | Some e -> raise (IOException(sprintf "spm.npz: %s" e))
        | None -> ()

    let pictures = firstPictures world out samples others

    try
        writeShared settings samples out whole shells writeNpz pictures r (seconds, timing)
    finally
        others.Force() |> ignore

/// The run once every process has read its part: the first claims the chunk store and announces the run before the
/// others start (their lines would interleave with its own), then each computes its block; the first writes the outputs,
/// the last spm.npz.
let private runShared world (model: Model) settings samples file out shells grid (pending: Read option ref) clock =
    let world: Arise.Numerics.Mpi.World = world
    let clock: Diagnostics.Stopwatch = clock

    // what the part's read gathered of the whole sample (its count, bounds, centroid, digest)
    let whole =
        { pending.Value.Value.Part with
            Part = Structure.select [||] pending.Value.Value.Part.Part
            Indices = [||] }

    let stamp = Spm.fingerprintOf model samples 1 settings grid whole.Count whole.Digest

    // the part handed over to computeShare, and no longer held here: garbage once its atoms are labelled
    let work progress =
        let read = pending.Value.Value
        pending.Value <- None
        computeShare world model settings samples grid whole stamp out read progress

    if world.Rank > 0 then
        world.Barrier()

        match work (fun _ _ -> ()) with
        | _, Some r -> drawShare world out samples r
        | _, None -> ()

        0
    else
        let chunkDir = Path.Combine(out, "chunks")
        claimChunks out stamp
        announceRun settings samples file whole.Count grid chunkDir stamp |> ignore

        printfn
            "%d MPI processes (%s): each reads its part of the sample and computes a block of the %d chunks"
            world.Size
            world.Abi
            (Spm.chunkCount grid)

        world.Barrier()

        match
            Outputs.withProgress "boxes (this process's block)" (float grid.Count) (fun task -> work (fun d _ -> task.Value <- float d))
        with
        | _, None ->
            eprintfn "interrupted or failed: the finished chunks are in %s/chunks (run again to resume)" out
            1
        | summed, Some r ->
            let timing =
                { Extraction = summed.[0]
                  Descriptors = summed.[1]
                  Network = summed.[2] }

            finishFirst world settings samples out whole shells r (clock.Elapsed.TotalSeconds, timing)

/// Runs `spm` over several MPI processes, each holding only its part of the sample (StructureIO.readPart: .pos and
/// .epos streamed, other files read whole and cut): its block of chunks, then the labels of its share of the atoms;
/// the first and the last together write what one process writes, byte for byte.
let private shared world (model: Model) settings samples readOptions file (out: string) shells (extent: Extent) grid =
    let world: Arise.Numerics.Mpi.World = world

    match claimShared world model settings samples file out with
    | Error(0, _) -> 0
    | Error(code, e) ->
        eprintfn "error: %s" e
        code
    | Ok lock ->
        use _ =
            lock
            |> Option.map (fun l -> l :> IDisposable)
            |> Option.defaultValue
                { new IDisposable with
                    member _.Dispose() = () }

        let clock = Diagnostics.Stopwatch.StartNew()

        // the part is held where computeShare can let it go once its atoms are labelled, not here until the end
        match readParts world readOptions file grid extent out |> Option.map (Some >> ref) with
        | None -> if world.Rank = 0 then 1 else 0
        | Some pending -> runShared world model settings samples file out shells grid pending clock

/// The count and bounds of the atoms of a sample read in pieces, one a process (StructureIO.extentOfPiece), gathered
/// in every process: Ok of the whole sample's, or Error with the first piece's error (the same in every process; a
/// meeting point).
let private gatherExtent (world: Arise.Numerics.Mpi.World) (piece: Result<StructureIO.Extent, string>) =
    // a piece as bytes: 1, then its count and corners (bits kept), or 0, then its error
    let bytes =
        match piece with
        | Ok e ->
            Array.append
                [| 1uy |]
                ([| float e.Count; e.Lo.X; e.Lo.Y; e.Lo.Z; e.Hi.X; e.Hi.Y; e.Hi.Z |]
                 |> Array.collect BitConverter.GetBytes)
        | Error e -> Array.append [| 0uy |] (Text.Encoding.UTF8.GetBytes e)

    let pieces =
        Array.init world.Size (fun k ->
            let b = world.Broadcast((if k = world.Rank then bytes else [||]), k)

            if b.Length = 57 && b.[0] = 1uy then
                let v = Array.init 7 (fun i -> BitConverter.ToDouble(b, 1 + 8 * i))
                Ok(int64 v.[0], Vec3.make v.[1] v.[2] v.[3], Vec3.make v.[4] v.[5] v.[6])
            else
                Error(Text.Encoding.UTF8.GetString(b, 1, max 0 (b.Length - 1))))

    // the first piece's error, if any: every process names the same
    let errors =
        pieces
        |> Array.choose (function
            | Error e -> Some e
            | Ok _ -> None)

    if errors.Length > 0 then
        Error errors.[0]
    else
        let held =
            pieces
            |> Array.choose (function
                | Ok(n, lo, hi) when n > 0L -> Some(n, lo, hi)
                | _ -> None)

        Ok(
            held |> Array.sumBy (fun (n, _, _) -> n),
            held
            |> Array.map (fun (_, lo, _) -> lo)
            |> Array.fold Vec3.lower (Vec3.make infinity infinity infinity),
            held
            |> Array.map (fun (_, _, hi) -> hi)
            |> Array.fold Vec3.upper (Vec3.make -infinity -infinity -infinity)
        )

/// The sample's count and bounds before the processes read their parts: an atom-probe file read in pieces, one a
/// process (gatherExtent); any other file read whole by every process, keeping no atom. None when the sample is an
/// image (read whole by every process, as before), a directory, a file that cannot be read, or an atom-probe file
/// without a ranged ion (the single process's reading then says why, as one process does); Some Error for an
/// atom-probe file whose pieces hold an error (the first piece's).
let private extentOf (world: Arise.Numerics.Mpi.World) (readOptions: StructureIO.ReadOptions) (file: string) =
    // any failure is this process's piece's error: every process must reach gatherExtent's exchange
    let piece =
        try
            StructureIO.extentOfPiece readOptions file world.Rank world.Size
            |> Option.map (Result.mapError Inputs.describe)
        with e ->
            Some(Error(sprintf "%s: %s" file e.Message))

    match piece with
    | Some piece ->
        match gatherExtent world piece with
        | Error e -> Some(Error(1, e))
        | Ok(0L, _, _) -> None
        | Ok(n, _, _) when n > int64 Int32.MaxValue ->
            Some(Error(1, sprintf "%s: more than %d atoms: a sample holds at most that many (cut the file into parts)" file Int32.MaxValue))
        | Ok(n, lo, hi) ->
            Some(
                Ok
                    { Count = int n
                      Lo = lo
                      Hi = hi
                      Frame = Structure.cluster [||] [||] }
            )
    | None ->
        match StructureIO.readPart readOptions file (fun _ -> false) with
        | Ok whole ->
            Some(
                Ok
                    { Count = whole.Count
                      Lo = whole.Lo
                      Hi = whole.Hi
                      Frame = whole.Part }
            )
        | Error _ -> None

/// The sample's extent (extentOf) for a run over several processes, and its grid; None when it is an image, a
/// directory, or cannot be read. Every sample read splits: along open axes nothing wraps, the cell list wraps the
/// periodic ones from the cell alone (a periodic sample always has one), and a box that sees an atom twice takes its
/// images in the order of their lattice offsets.
let private sharedGrid settings (world: Arise.Numerics.Mpi.World) (readOptions: StructureIO.ReadOptions) (file: string) =
    if
        not (File.Exists file)
        || Arise.Imaging.ImageIO.isImagePath file && readOptions.Format.IsNone
    then
        None
    else
        extentOf world readOptions file
        |> Option.map (
            Result.bind (fun extent ->
                checkGrid (SpmGrid.createFromBounds settings extent.Lo extent.Hi extent.Count)
                |> Result.map (fun grid -> extent, grid))
        )

/// Runs `spm` in one process: the folder claimed, the scan with a progress bar, the outputs.
let private single (model: Model) (settings: SpmSettings) samples (file: string) sample (grid: SpmGrid) (out: string) shells =
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
                Outputs.cancelOnCtrlC (sprintf "stopping after the current chunk; finished chunks are kept in %s (run again to resume)" out)

            let clock = Diagnostics.Stopwatch.StartNew()

            let r, timing =
                scan (Models.pipeline model) settings samples sample grid chunkDir reused cts.Token

            if cts.IsCancellationRequested then
                eprintfn "interrupted: the finished chunks are in %s/chunks" out
                1
            else
                match finish settings samples out sample r (clock.Elapsed.TotalSeconds, timing), shells with
                | 0, Some width -> writeShells out samples settings (Structure.centroid sample) r width
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
    match
        world
        |> Option.filter (fun w -> w.Size > 1)
        |> Option.bind (fun w -> sharedGrid settings w readOptions file |> Option.map (fun g -> w, g))
    with
    | Some(w, Error(code, e)) ->
        if w.Rank = 0 then
            eprintfn "error: %s" e

        if w.Rank = 0 then code else 0
    | Some(w, Ok(extent, (grid, warnings))) ->
        if w.Rank = 0 then
            for warning in warnings do
                eprintfn "warning: %s" (warning.Describe(sprintf "--%s"))

        shared w model settings samples readOptions file out shells extent grid
    | None ->

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
        | Ok(sample, grid), _ -> single model settings samples file sample grid out shells
