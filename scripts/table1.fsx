// Reproduces the paper's Table 1 / S2 / S3 protocol: accuracy of the embedded model on defective structures.
// For every class, each of its three supercells both periodic and finite (nanotubes: the finite tube only), i.e.
// 588 structures, × N random realisations per defect level; R_C = 4 d_NN, sigma = 0.1 d_NN, extrinsic scale 1.
// Prints our accuracy beside the paper's ARISE row and writes table1.csv. Resumable: finished (column, structure,
// realisation) results are appended to table1.log.csv and skipped on the next run; each column's descriptors are
// cached in table1.descriptors/ so that another model or T is evaluated without recomputing them. The paper used
// T = 1000 MC samples for Table 1; --samples 100 (the default) is 10× faster and moves near-ties by a structure or two.
// Ends with the calibration of classify's uncertainty levels: how often the top class was wrong at each level.
//
//   ./arise --version                       # builds the libraries once
//   dotnet fsi scripts/table1.fsx [--realizations 10] [--samples 100] [--columns pristine,d2,e20,c30-10]
//                                 [--prototypes ../shared/data/prototypes] [--model models/arise-108.model] [--out table1.csv]
//                                 [--cache table1.descriptors]
//   mpirun -n N dotnet fsi scripts/table1.fsx …   # each process a contiguous block of the columns, logged to
//                                                 # table1.log.csv.rank-K; the first prints and writes the table
#load "Common.fsx"

open System
open Arise.Numerics
open System.IO
open System.Globalization
open Arise.Structure
open Arise.Model

open Common

let arg = ScriptArgs.get
let root = ScriptArgs.root
let realizations = int (arg "--realizations" "10")
let samples = int (arg "--samples" "100")
let prototypesDir = arg "--prototypes" (Path.Combine(ScriptArgs.data, "prototypes"))
let outPath = arg "--out" "table1.csv"

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath outPath))
|> ignore

let logPath = Path.ChangeExtension(outPath, ".log.csv")

/// Columns: name, η (fraction removed), δ (fraction of d_NN), the paper's ARISE accuracy (%).
let allColumns =
    [ "pristine", 0.0, 0.0, 100.00
      "d0.1", 0.0, 0.001, 100.00
      "d0.6", 0.0, 0.006, 100.00
      "d1", 0.0, 0.01, 100.00
      "d2", 0.0, 0.02, 99.86
      "d4", 0.0, 0.04, 99.29
      "d7", 0.0, 0.07, 97.82
      "d10", 0.0, 0.10, 94.56
      "e1", 0.01, 0.0, 100.00
      "e5", 0.05, 0.0, 100.00
      "e10", 0.10, 0.0, 100.00
      "e20", 0.20, 0.0, 99.85
      "e25", 0.25, 0.0, 99.86
      "e30", 0.30, 0.0, 99.76
      "c1-0.1", 0.01, 0.001, 100.00
      "c5-0.6", 0.05, 0.006, 100.00
      "c10-1", 0.10, 0.01, 100.00
      "c15-2", 0.15, 0.02, 99.88
      "c20-4", 0.20, 0.04, 99.29
      "c25-7", 0.25, 0.07, 97.31
      "c30-10", 0.30, 0.10, 92.50 ]

let columns =
    match arg "--columns" "" with
    | "" -> allColumns
    | names ->
        let wanted = names.Split ',' |> Set.ofArray
        allColumns |> List.filter (fun (n, _, _, _) -> wanted.Contains n)

if not (Directory.Exists prototypesDir) then
    eprintfn "prototype folder not found: %s (give --prototypes DIR)" prototypesDir
    exit 2

let model = ScriptArgs.model ()
let lib = Prototypes.load prototypesDir

let classIndex =
    model.Metadata.Classes
    |> Array.indexed
    |> Array.map (fun (i, c) -> c, i)
    |> Map.ofArray

/// The 588 test structures: each supercell periodic and finite; nanotubes finite only.
let structures =
    [| for p in lib.Prototypes do
           for version, s in TrainingSet.testStructures p -> p, version, s |]

printfn "%d test structures, %d realisations, T = %d MC samples, %d columns" structures.Length realizations samples columns.Length

// resume: (column, structure index, realisation) → correct? Only results of the same model and T are reused: the
// log's first line names them; a log of another run is moved aside (.old) and the run starts afresh.
let runStamp =
    sprintf "# model weights sha256 %s, T = %d" (Network.weightsHash model.Network) samples

let done' = Collections.Generic.Dictionary<string, bool>()
// the mutual information of each classified structure, for the calibration of the uncertainty levels (logs written
// before it was recorded have four fields)
let mutualInformation = Collections.Generic.Dictionary<string, float>()

// under mpirun or srun, each process takes a contiguous block of the columns and logs to LOG.rank-N (the first to LOG)
let world =
    match Arise.Numerics.Mpi.tryJoin () with
    | Ok w -> w |> Option.filter (fun w -> w.Size > 1)
    | Error e ->
        eprintfn "error: %s" e
        exit 2

let rank = world |> Option.map (fun w -> w.Rank) |> Option.defaultValue 0
let size = world |> Option.map (fun w -> w.Size) |> Option.defaultValue 1

let myLog =
    if rank = 0 then
        logPath
    else
        sprintf "%s.rank-%d" logPath rank

/// Reads the results of the logs of this model and T (this process's and the others').
let readLogs () =
    let dir = Path.GetDirectoryName(Path.GetFullPath logPath)
    let name = Path.GetFileName logPath

    for path in Directory.GetFiles(dir, name + "*") do
        if
            path = Path.GetFullPath logPath
            || Path.GetFileName(path).StartsWith(name + ".rank-")
        then
            let lines = File.ReadAllLines path

            if lines.Length > 0 && lines.[0] = runStamp then
                for line in lines do
                    let f = line.Split ','
                    let key = String.Join(",", f |> Array.truncate 3)

                    if f.Length = 4 || f.Length = 5 then
                        done'.[key] <- (f.[3] = "1")

                    if f.Length = 5 then
                        mutualInformation.[key] <- Double.Parse(f.[4], CultureInfo.InvariantCulture)

if File.Exists myLog then
    let lines = File.ReadAllLines myLog

    if lines.Length = 0 || lines.[0] <> runStamp then
        printfn "%s holds results of another model or T: moved to %s.old, starting afresh" myLog myLog
        File.Move(myLog, myLog + ".old", true)

readLogs ()
let log = new StreamWriter(myLog, true)

if log.BaseStream.Length = 0L then
    log.WriteLine runStamp

/// A per-column seed offset that is the same in every run (string.GetHashCode is randomised per process).
let columnSeed (name: string) =
    name |> Seq.fold (fun h c -> (h * 31 + int c) % 1000) 0

let dnnOf =
    structures
    |> Array.map (fun (_, _, s) -> NearestNeighbour.dnn DnnMethod.AriseHistogram s |> Result.defaultValue 1.0)

// Descriptors of each column's defective structures are cached in DIR/<column>.npz (rows: structure-major, then
// realisation; an empty error string where the descriptor exists), so that another model, or another T, is evaluated
// without recomputing them. A cache of other descriptor settings or realisations is recomputed.
let cacheDir = arg "--cache" (Path.ChangeExtension(outPath, ".descriptors"))
Directory.CreateDirectory cacheDir |> ignore

let pipeline =
    match Pipeline.create model with
    | Ok p -> p
    | Error e ->
        eprintfn "the model's descriptor settings are unusable: %s" e
        exit 2

let dim = model.Network.Architecture.Inputs

let cacheStamp =
    sprintf
        "%A; realisations %d; %d structures of %s; seeds v1; defects v%d; d_NN r%d"
        model.Metadata.Descriptor
        realizations
        structures.Length
        (Path.GetFullPath prototypesDir)
        Defects.protocolVersion
        DnnRule.revision

/// The defective copies of one column (η, δ), their descriptors (rows × dim; zero rows where `errors` is not empty).
let columnDescriptors (name: string) (eta: float) (delta: float) (reps: int) : float32[] * string[] =
    let path = Path.Combine(cacheDir, name + ".npz")
    let n = structures.Length * reps

    let cached =
        if File.Exists path then
            match Npy.readNpz path with
            | Ok m when
                m.ContainsKey "stamp"
                && Npy.asStrings m.["stamp"] = [| cacheStamp |]
                && (Npy.asStrings m.["error"]).Length = n
                ->
                Some(Npy.asFloat32 m.["x"], Npy.asStrings m.["error"])
            | _ -> None
        else
            None

    match cached with
    | Some c -> c
    | None ->
        let x = Array.zeroCreate (n * dim)
        let errors = Array.create n ""
        let sw = Diagnostics.Stopwatch.StartNew()
        let finished = ref 0

        Threading.Tasks.Parallel.For(
            0,
            n,
            (fun row ->
                let k, r = row / reps, row % reps
                let _, _, s = structures.[k]
                let seed = 1_000_003 * (k + 1) + 7919 * r + columnSeed name

                match Pipeline.describeOn 1 pipeline (Defects.tableLevel seed eta delta dnnOf.[k] s) with
                | Ok d -> Array.blit d 0 x (row * dim) dim
                | Error e -> errors.[row] <- e.Message

                let f = Threading.Interlocked.Increment finished

                if f % 2000 = 0 && not Console.IsErrorRedirected then
                    eprintf "\r  %s: descriptors %d / %d (%.0f s)" name f n sw.Elapsed.TotalSeconds)
        )
        |> ignore

        if not Console.IsErrorRedirected then
            eprintf "\r%s\r" (String(' ', 60))

        Npy.writeNpz
            path
            [ "x", Npy.float32Matrix n dim x
              "error", Npy.stringVector errors
              "stamp", Npy.stringVector [| cacheStamp |] ]

        x, errors

let clock = Diagnostics.Stopwatch.StartNew()

/// Classifies what is missing of one column (descriptors cached), logging each result.
let compute (name: string, eta: float, delta: float, _: float) =
    let reps = if eta = 0.0 && delta = 0.0 then 1 else realizations
    let key k r = sprintf "%s,%d,%d" name k r

    let todo =
        [| for k in 0 .. structures.Length - 1 do
               for r in 0 .. reps - 1 do
                   if not (done'.ContainsKey(key k r)) then
                       k * reps + r |]

    if todo.Length > 0 then
        let x, errors = columnDescriptors name eta delta reps
        // MC dropout in chunks of 2,048 descriptors (seed 1 per chunk), each chunk logged as it finishes
        let described, failed = todo |> Array.partition (fun row -> errors.[row] = "")

        for chunk in Array.chunkBySize 2048 described do
            let xs = Array.zeroCreate (chunk.Length * dim)
            chunk |> Array.iteri (fun i row -> Array.blit x (row * dim) xs (i * dim) dim)

            let preds =
                Classifier.classifyDescriptors Environment.ProcessorCount 1 samples pipeline xs chunk.Length

            Array.zip chunk preds
            |> Array.iter (fun (row, c) ->
                let k, r = row / reps, row % reps
                let p, _, _ = structures.[k]

                let ok =
                    match classIndex.TryFind p.Name with
                    | Some ci -> fst c.Ranked.[0] = ci
                    | None -> false

                done'.[key k r] <- ok
                let mi = c.Prediction.MutualInformation
                mutualInformation.[key k r] <- mi

                log.WriteLine(sprintf "%s,%d,%d,%d,%s" name k r (if ok then 1 else 0) (mi.ToString("R", CultureInfo.InvariantCulture))))

            log.Flush()
        // a structure without a descriptor (every atom removed, say) counts as wrong
        for row in failed do
            let k, r = row / reps, row % reps
            done'.[key k r] <- false
            log.WriteLine(sprintf "%s,%d,%d,0" name k r)

        log.Flush()

/// One column's accuracy from the results (printed).
let summarise (name: string, eta: float, delta: float, paper: float) =
    let reps = if eta = 0.0 && delta = 0.0 then 1 else realizations

    let mine =
        [ for k in 0 .. structures.Length - 1 do
              for r in 0 .. reps - 1 -> done'.[sprintf "%s,%d,%d" name k r] ]

    let acc = 100.0 * float (mine |> List.filter id |> List.length) / float mine.Length
    printfn "%-8s n = %5d  ours %6.2f %%   paper (ARISE) %6.2f %%   [%.0f s]" name mine.Length acc paper clock.Elapsed.TotalSeconds
    name, mine.Length, acc, paper

let results =
    match world with
    | None ->
        [ for c in columns do
              compute c
              yield summarise c ]
    | Some w ->
        let start, count = Arise.Numerics.Mpi.block columns.Length size rank

        if rank = 0 then
            printfn "%d MPI processes (%s): each computes a block of the %d columns" size w.Abi columns.Length

        for c in columns |> List.skip start |> List.truncate count do
            compute c

        log.Flush()
        w.Barrier()

        if rank > 0 then
            log.Dispose()
            w.Dispose()
            exit 0

        readLogs ()
        [ for c in columns -> summarise c ]

log.Dispose()
world |> Option.iter (fun w -> w.Dispose())
let inv = CultureInfo.InvariantCulture

File.WriteAllLines(
    outPath,
    [ yield "column,structures,accuracy_percent,paper_arise_percent"
      for (name, n, acc, paper) in results -> String.Join(",", name, string n, acc.ToString("0.00", inv), paper.ToString("0.00", inv)) ]
)

printfn ""
printfn "%-10s %s" "" (String.Join(" ", results |> List.map (fun (n, _, _, _) -> sprintf "%7s" n)))
printfn "%-10s %s" "ours" (String.Join(" ", results |> List.map (fun (_, _, a, _) -> sprintf "%7.2f" a)))
printfn "%-10s %s" "paper" (String.Join(" ", results |> List.map (fun (_, _, _, p) -> sprintf "%7.2f" p)))
printfn "wrote %s" outPath

// how often the top class was wrong at each uncertainty level (classify's levels of the mutual information)
let keys =
    [ for (name, n, _, _) in results do
          for k in 0 .. structures.Length - 1 do
              for r in 0 .. n / structures.Length - 1 -> sprintf "%s,%d,%d" name k r ]

let withMi = keys |> List.filter mutualInformation.ContainsKey
printfn ""
printfn "uncertainty level  mutual information  structures   wrong  error rate"

for level, n, wrong in Uncertainty.calibration [ for key in withMi -> mutualInformation.[key], done'.[key] ] do
    printfn
        "%-17s  %-18s  %10d  %6d  %8.2f %%"
        (Uncertainty.name level)
        (Uncertainty.range level)
        n
        wrong
        (100.0 * float wrong / float (max 1 n))

if withMi.Length < keys.Length then
    printfn
        "(%d results without a recorded mutual information, from an older log or without a descriptor, are left out)"
        (keys.Length - withMi.Length)
