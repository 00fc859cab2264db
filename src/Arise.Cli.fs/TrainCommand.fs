/// `arise train` and `arise evaluate`: train a model on a prototype library, and measure it on pristine structures.
module Arise.Cli.TrainCommand

open System
open System.IO
open System.Threading
open Spectre.Console
open Arise.Structure
open Arise.Soap
open Arise.Model

/// A model to add classes to (`train --from`) and where its own classes' training data comes from: a prototype
/// library (described into the cache like the new classes) or a saved training set (OUT.training-set.npz of its run).
type Extension =
    { Model: Model
      Name: string
      Known: KnownData
      KnownPath: string }

/// Loads a prototype library, reporting unreadable classes; Error when nothing loads.
let loadLibrary (dir: string) =
    let lib = Prototypes.load dir

    for e in lib.Errors do
        eprintfn "warning: %s (class skipped)" (Inputs.describe e)

    if lib.Prototypes.IsEmpty then
        Error(sprintf "%s: no prototype classes found (expected DIR/<material type>/<class>/<file>)" dir)
    else
        Ok lib

/// Generates (or resumes) the training set of a library, with a progress bar.
let trainingSet (lib: PrototypeLibrary) (cacheDir: string) (cancel: CancellationToken) =
    let expected = TrainingSet.expectedRows lib

    let set, errors =
        Outputs.withProgress (sprintf "descriptors (%d structures × 99 settings)" (expected / 99)) (float (expected / 99)) (fun task ->
            Engines.trainingSet Models.engine lib cacheDir Environment.ProcessorCount (fun d _ -> task.Value <- float d) cancel)

    for e in errors do
        eprintfn "warning: %s" e

    set, expected

/// The file that caches a run's checkpoint-selection structures (named `name`, e.g. "table1"):
/// MODEL.selection-NAME-R-RULE-rV-dV.npz, RULE the d_NN rule, V the rule's revision and the defect protocol's version.
let private selectionPath (model: string) (name: string) (realisations: int) =
    sprintf "%s.selection-%s-%d-%s-r%d-d%d.npz" model name realisations TrainingSet.dnnRuleName DnnRule.revision Defects.protocolVersion

/// The library's test structures at `levels`, defective, labelled by the set's classes (all of them unless the library
/// holds only some), read from `path` or made with a progress bar and saved there.
let private defectiveOf (lib: PrototypeLibrary) (set: TrainingSet) path (levels: (float * float)[]) realisations cancel =
    let expected =
        realisations
        * levels.Length
        * (lib.Prototypes |> List.sumBy (fun p -> (TrainingSet.testStructures p).Length))

    let cached =
        if File.Exists path then
            match TrainingSet.load path with
            | Ok t when t.Rows = expected && t.Classes = set.Classes -> Some t
            | _ -> None
        else
            None

    match cached with
    | Some t ->
        printfn "selection structures: %d read from %s" t.Rows path
        t
    | None ->
        let n = expected / (realisations * levels.Length)

        let what =
            sprintf "selection descriptors (%d structures × %d defective copies)" n (expected / n)

        let t, errors =
            Outputs.withProgress what (float n) (fun task ->
                TrainingSet.defectiveSet
                    set.Classes
                    lib
                    levels
                    realisations
                    TrainingSet.selectionSeed
                    Environment.ProcessorCount
                    (fun d _ -> task.Value <- float d)
                    cancel)

        for e in errors do
            eprintfn "warning: selection structure skipped: %s" e

        if errors.IsEmpty then
            TrainingSet.save path t

        t

/// The checkpoint-selection structures at `levels` (cached, see selectionPath), after `earlier` ones of other classes
/// (those of a model being extended) when given.
let selectionSet
    (lib: PrototypeLibrary)
    (set: TrainingSet)
    (out: string)
    (name: string, levels: (float * float)[])
    (realisations: int)
    (score: DefectScore)
    (earlier: TrainingSet option)
    (cancel: CancellationToken)
    =
    let defective =
        defectiveOf lib set (selectionPath out name realisations) levels realisations cancel

    let defective =
        match earlier with
        | Some e ->
            TrainingSet.select set.Classes [ e; defective ]
            |> Result.defaultWith (fun e -> failwithf "the selection structures: %s" e)
        | None -> defective

    { Defective = defective
      Level = TrainingSet.selectionLevelOfRows levels.Length realisations defective.Rows
      Score = score
      PristineRows = TrainingSet.predictionSettingRows set }

/// What the kept epoch is chosen on, and whether epochs are judged on averaged weights.
let private announceSelection (selection: CheckpointSelection option) (options: TrainingOptions) =
    match selection with
    | Some s ->
        let how =
            match s.Score with
            | Pooled -> "pooled accuracy"
            | PerLevel -> "per-level error rates"

        printfn
            "the kept epoch is chosen on validation accuracy, %d pristine and %d defective structures (%s; Training.selectionScore)"
            s.PristineRows.Length
            s.Defective.Rows
            how
    | None -> ()

    if options.AveragingEpochs > 0.0 then
        printfn "epochs are judged and kept on a moving average of the weights over about %g epochs" options.AveragingEpochs

/// One line per epoch: loss, accuracies (and the selection's), time, and whether it is the best so far.
let private printEpoch (r: EpochReport) =
    let sel =
        match r.Selection with
        | Some(p, d) -> sprintf "  pristine %.4f  defective %.4f" p d
        | None -> ""

    printfn
        "epoch %3d  loss %.4f  train %.4f  validation %.4f%s  %.1f s%s"
        r.Epoch
        r.Loss
        r.TrainingAccuracy
        r.ValidationAccuracy
        sel
        r.Seconds
        (if r.IsBest then "  (best)" else "")

/// Under MPI, every process describes its contiguous block of the library's classes into the shared descriptor
/// cache (the first one claims it before the others start); the first process then reads the whole set from the cache
/// and trains. Returns whether this process goes on (the first) or is done.
let private describeOverProcesses (lib: PrototypeLibrary) (cache: string) (cancel: CancellationToken) =
    match Batch.world with
    | Some w when w.Size > 1 ->
        if w.Rank = 0 then
            // an empty library: claims the cache for this descriptor recipe, computes nothing
            TrainingSet.generate { lib with Prototypes = [] } cache 1 (fun _ _ -> ()) cancel
            |> ignore

            printfn "%d MPI processes (%s): each describes a block of the %d classes" w.Size w.Abi lib.Prototypes.Length

        w.Barrier()
        let start, count = Arise.Numerics.Mpi.block lib.Prototypes.Length w.Size w.Rank

        let mine =
            { lib with
                Prototypes = lib.Prototypes |> List.skip start |> List.truncate count }

        if w.Rank > 0 && count > 0 then
            Engines.trainingSet Models.engine mine cache Environment.ProcessorCount (fun _ _ -> ()) cancel
            |> snd
            |> List.iter (eprintfn "warning: %s")

        if w.Rank = 0 && count > 0 then
            trainingSet mine cache cancel |> ignore

        w.Barrier()
        w.Rank = 0
    | _ -> true

/// The training set of the library (cached beside `out`), after the model's own rows when a model is extended from a
/// saved set of its classes (`train --from`), also saved as OUT.training-set.npz.
let private prepareSet (lib: PrototypeLibrary) (ext: (Extension * Addition) option) (out: string) (cancel: CancellationToken) =
    let cache = out + ".cache"
    let described, expected = trainingSet lib cache cancel

    let set =
        match ext with
        | Some(e, addition) -> Training.additionSet e.Model addition described
        | None -> described

    let expected = expected + set.Rows - described.Rows
    printfn "training set: %d descriptors (%d expected) for %d classes; cached in %s" set.Rows expected set.Classes.Length cache
    let npz = out + ".training-set.npz"
    TrainingSet.save npz set
    printfn "saved %s (numpy.load-able: x, y, cutoff, sigma, extrinsic_scale, version, classes, material_types)" npz
    set

/// The model's data for `train --from FROM`: --known PATH (a library folder or a .training-set.npz); else
/// FROM.training-set.npz when it exists; else the data release's library for the embedded model; else --prototypes.
let extension (model: Model) (from: string) (known: string option) (prototypes: string) =
    let beside = from + ".training-set.npz"

    let path =
        match known with
        | Some k -> Ok k
        | None when File.Exists beside -> Ok beside
        | None when from = "embedded" -> Arise.DataRelease.prototypes ()
        | None -> Ok prototypes

    let read (p: string) =
        if Directory.Exists p then
            loadLibrary p |> Result.map KnownLibrary
        elif File.Exists p then
            TrainingSet.load p
            |> Result.map KnownSet
            |> Result.mapError (fun e -> sprintf "--known %s: %s" p e)
        else
            Error(sprintf "--known %s: no such folder or training-set file" p)

    path
    |> Result.bind (fun p ->
        read p
        |> Result.map (fun k ->
            { Model = model
              Name = from
              Known = k
              KnownPath = p }))

/// When the model's classes come from a saved set, the selection structures of its own run (MODEL.selection-….npz,
/// saved by `train` beside it), so that its classes are judged on defects too; None otherwise (with a note).
let private earlierSelection (ext: Extension option) (name: string) (realisations: int) =
    match ext with
    | Some({ Known = KnownSet _ } as e) ->
        let path = selectionPath e.Name name realisations

        match (if File.Exists path then TrainingSet.load path else Error "") with
        | Ok t when e.Model.Metadata.Classes |> Array.forall (fun c -> Array.contains c t.Classes) ->
            printfn "selection structures of %s's classes: %d read from %s" e.Name t.Rows path
            Some t
        | _ ->
            printfn "note: %s not found or not of its classes: the kept epoch is judged on the new classes' defective structures only" path
            None
    | _ -> None

/// The options that start from the extended model: its hidden sizes, its weights with new output columns.
let private startFrom (addition: (Extension * Addition) option) (options: TrainingOptions) =
    match addition with
    | None -> options
    | Some(e, a) ->
        printfn
            "adding %d classes to the %d of %s (its weights, a wider output layer; its classes' data from %s)"
            a.Added.Length
            e.Model.Metadata.Classes.Length
            e.Name
            e.KnownPath

        Training.startFrom e.Model a.Added.Length options

/// Trains on the prepared set and saves the model.
let private fit (options: TrainingOptions) (set: TrainingSet) (selection: CheckpointSelection option) (out: string) cancel =
    let trainRows, validRows = TrainingSet.split options.Seed 0.8 set.Y

    printfn
        "training on %d, validating on %d (stratified 80/20, seed %d); Ctrl-C stops and keeps the best model"
        trainRows.Length
        validRows.Length
        options.Seed

    announceSelection selection options

    let net, info =
        Models.engine.Train(options, set, trainRows, validRows, selection, printEpoch, cancel)

    let meta = Training.metadata set options info
    ModelFile.save out { Network = net; Metadata = meta }

    printfn
        "saved %s: best validation accuracy %.4f at epoch %d of %d (%.0f s)"
        out
        info.ValidationAccuracy
        info.BestEpoch
        info.Epochs
        info.WallSeconds

/// Runs `train`; with `selection` (a name and defect levels), the kept epoch is chosen on pristine and defective
/// structures too, the defective ones counted as `score` says; with `ext`, the library's new classes are added to
/// that model, starting from its weights.
let run
    (prototypes: string)
    (out: string)
    (options: TrainingOptions)
    (selection: (string * (float * float)[]) option)
    (selectionRealisations: int)
    (score: DefectScore)
    (ext: Extension option)
    =
    let planned =
        loadLibrary prototypes
        |> Result.bind (fun lib ->
            match ext with
            | None -> Ok(lib, None)
            | Some e ->
                Training.planAddition e.Model e.Name e.Known e.KnownPath lib
                |> Result.map (fun a -> a.Library, Some(e, a)))

    match planned, Outputs.checkFile out with
    | Error e, _ ->
        eprintfn "error: %s" e
        2
    | _, Error e ->
        eprintfn "error: --out %s" e
        2
    | Ok(lib, addition), Ok() ->
        use cts =
            Outputs.cancelOnCtrlC "stopping after the current step; results so far are kept (Ctrl-C again to abort)"

        if not (describeOverProcesses lib (out + ".cache") cts.Token) then
            0
        else
            let set = prepareSet lib addition out cts.Token

            if cts.IsCancellationRequested then
                eprintfn "cancelled before training; run again to continue the descriptors"
                1
            else
                let selection =
                    selection
                    |> Option.map (fun levels ->
                        let earlier = earlierSelection ext (fst levels) selectionRealisations
                        selectionSet lib set out levels selectionRealisations score earlier cts.Token)

                fit (startFrom addition options) set selection out cts.Token
                0

/// The pristine test structures of a library at the model's settings: periodic cells and finite supercells.
let pristine (lib: PrototypeLibrary) =
    [| for p in lib.Prototypes do
           for version, s in TrainingSet.structures p -> p, version, s |]

/// Accuracy per material type (type, structures, correct): a table, JSON objects or CSV rows.
let private writeAccuracy (output: Json.Output) (groups: (string * int * int) list) =
    let accuracy n k = 100.0 * float k / float n
    use sink = new Json.Sink(Json.styleOf output)
    let table = Table().AddColumns("material type", "structures", "correct", "accuracy")

    if output = Json.AsCsv then
        printfn "type,structures,correct,accuracy"

    for t, n, k in groups do
        match output with
        | Json.AsJson _ ->
            sink.Write(fun w ->
                w.WriteString("type", t)
                w.WriteNumber("structures", n)
                w.WriteNumber("correct", k)
                w.WriteNumber("accuracy", accuracy n k))
        | Json.AsCsv ->
            printfn "%s,%d,%d,%s" (Json.csvField t) n k ((accuracy n k).ToString("R", Globalization.CultureInfo.InvariantCulture))
        | Json.AsTable -> table.AddRow(t, string n, string k, sprintf "%.2f %%" (accuracy n k)) |> ignore

    if output = Json.AsTable then
        AnsiConsole.Write table

/// Runs `evaluate`: accuracy on every pristine structure of the library, per material type.
let evaluate (output: Json.Output) (model: Model) (prototypes: string) (samples: int) =
    match loadLibrary prototypes with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok lib ->
        let items = pristine lib

        let known =
            model.Metadata.Classes
            |> Array.indexed
            |> Array.map (fun (i, c) -> c, i)
            |> Map.ofArray

        let preds =
            Classifier.classify Environment.ProcessorCount 1 samples (Models.pipeline model) (items |> Array.map (fun (_, _, s) -> s))

        let rows =
            Array.zip items preds
            |> Array.map (fun ((p, version, _), r) ->
                let ok =
                    match r, known.TryFind p.Name with
                    | Ok c, Some ci -> fst c.Ranked.[0] = ci
                    | _ -> false

                if not ok then
                    let got =
                        match r with
                        | Ok c -> model.Metadata.Classes.[fst c.Ranked.[0]]
                        | Error e -> "error: " + e

                    eprintfn "miss: %s (%s) → %s" p.Name version got

                p.MaterialType, ok)

        let correct = rows |> Array.filter snd |> Array.length

        let groups =
            [ for t, xs in rows |> Array.groupBy fst -> t, xs.Length, xs |> Array.filter snd |> Array.length ]
            @ [ "all", rows.Length, correct ]

        writeAccuracy output groups
        if correct = rows.Length then 0 else 1
