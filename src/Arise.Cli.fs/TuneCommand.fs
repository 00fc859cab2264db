/// `arise tune`: TPE hyperparameter search over the paper's space, then the most robust of the best candidates on
/// defective structures (the paper's model selection).
module Arise.Cli.TuneCommand

open System
open System.IO
open System.Threading
open Spectre.Console
open Arise.Structure
open Arise.Model

let private describe (o: TrainingOptions) =
    sprintf "%d×%d" o.Hidden.Length (if o.Hidden.Length > 0 then o.Hidden.[0] else 0), o.BatchSize, o.LearningRate, o.DropoutRate

let private inv = Globalization.CultureInfo.InvariantCulture

/// The TPE search with one progress bar per trial (epoch and validation accuracy as it trains).
let private search (settings: int * int * int * int) baseOptions (set: TrainingSet) trainRows validRows folder cancel =
    let seed, trials, workers, epochs = settings

    AnsiConsole
        .Progress()
        .AutoClear(false)
        .Columns(TaskDescriptionColumn(), ProgressBarColumn(), PercentageColumn(), ElapsedTimeColumn())
        .Start(fun ctx ->
            let tasks = Collections.Concurrent.ConcurrentDictionary<int, ProgressTask>()

            let taskOf k =
                tasks.GetOrAdd(k, fun k -> ctx.AddTask(sprintf "trial %d" k, maxValue = float epochs))

            let onEpoch k (r: EpochReport) =
                (taskOf k).Value <- float r.Epoch
                (taskOf k).Description <- sprintf "trial %d: epoch %d, validation %.4f" k r.Epoch r.ValidationAccuracy

            let onTrial k (trial: Trial) _ =
                let t = taskOf k
                t.Value <- t.MaxValue

                t.Description <-
                    match trial.Error with
                    | Some e -> sprintf "trial %d: failed (%s)" k e
                    | None -> sprintf "trial %d: validation %.4f" k (1.0 - trial.Loss)

            Tuning.searchOn
                Models.engine
                Tpe.defaults
                seed
                trials
                workers
                baseOptions
                set
                trainRows
                validRows
                (Some folder)
                onEpoch
                onTrial
                cancel)

/// A table of candidates: rank, architecture, batch, learning rate, dropout, validation accuracy and `last` (its
/// header and each candidate's value).
let private candidateTable (first: string) (last: string) (rows: (TuningCandidate * string) list) =
    let table =
        Table().AddColumns(first, "layers×neurons", "batch", "learning rate", "dropout", "validation", last)

    rows
    |> List.iteri (fun i (c, value) ->
        let layers, batch, lr, dropout = describe c.Options

        table.AddRow(
            string (i + 1),
            layers,
            string batch,
            lr.ToString("0.00e-0", inv),
            sprintf "%.4f" dropout,
            sprintf "%.4f" c.Info.ValidationAccuracy,
            value
        )
        |> ignore)

    AnsiConsole.Write table

/// The paper's model selection: the most robust of the `top` best candidates on defective structures; saved to `out`.
let private select (lib: PrototypeLibrary) (set: TrainingSet) (out: string) (top: int) (seed: int) (candidates: TuningCandidate list) =
    candidates
    |> List.sortBy (fun c -> c.Trial.Loss)
    |> List.truncate 15
    |> List.map (fun c -> c, string c.Info.BestEpoch)
    |> candidateTable "rank" "best epoch"
    // the paper's robustness set: ≤ 5 % missing atoms or < 1 % displacements (R_C 4 d_NN, σ 0.1 d_NN, scale 1)
    printfn
        "defective structures for the selection (η 1 %%, 5 %%; δ 0.1 %%, 0.6 %%; (η, δ) (1, 0.1) %%, (5, 0.6) %%; one \
            realisation each)..."

    let defective =
        let levels = List.ofArray TrainingSet.selectionLevels

        Outputs.withProgress "defective structures for the selection" 1.0 (fun task ->
            Tuning.defectiveSetWith
                (fun d total ->
                    task.MaxValue <- float total
                    task.Value <- float d)
                set.Classes
                lib
                levels
                1
                seed)

    let ranking = Tuning.rankRobust top defective candidates

    ranking
    |> List.map (fun (c, acc) -> c, sprintf "%.4f" acc)
    |> candidateTable "robust rank" "defective"

    let chosen, acc = ranking.Head

    printfn
        "selected the most robust of the top %d: validation %.4f, defective %.4f (%d structures)"
        (min top candidates.Length)
        chosen.Info.ValidationAccuracy
        acc
        defective.Rows

    ModelFile.save
        out
        { Network = chosen.Network
          Metadata = Training.metadata set chosen.Options chosen.Info }

    printfn "saved %s" out
    0

/// The search about to run.
let private announce (trials: int) (workers: int) (epochs: int) (set: TrainingSet) (folder: string) =
    printfn
        "TPE search: %d trials (%d start-up at random, %d at a time) of up to %d epochs on %d descriptors, %d classes; \
            history and trial models in %s"
        trials
        Tpe.defaults.Startup
        workers
        epochs
        set.Rows
        set.Classes.Length
        folder

/// Runs `tune`. `data`: a training-set file (.npz) to use instead of generating one from the prototypes.
let run (prototypes: string) (data: string option) (out: string) (trials: int) (epochs: int) (top: int) (workers: int) (seed: int) =
    let checks =
        Outputs.result {
            do!
                Outputs.require
                    (Directory.Exists prototypes)
                    (sprintf
                        "--prototypes %s: folder not found (the data release's prototypes/ folder; needed for the defective \
                         structures of the selection)"
                        prototypes)

            let! lib = TrainCommand.loadLibrary prototypes
            do! Outputs.checkFile out |> Result.mapError ((+) "--out ")
            return lib
        }

    match checks with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok lib ->
        use cts =
            Outputs.cancelOnCtrlC "stopping after the running trials; finished trials are saved and a rerun resumes"

        let set =
            match data with
            | Some file ->
                TrainingSet.load file
                |> Result.mapError (fun e -> sprintf "--data %s: %s" file e)
            | None -> Ok(fst (TrainCommand.trainingSet lib (out + ".cache") cts.Token))

        match set with
        | Error e ->
            eprintfn "error: %s" e
            2
        | Ok set ->
            let trainRows, validRows = TrainingSet.split seed 0.8 set.Y

            let baseOptions =
                { Training.ariseOptions with
                    MaxEpochs = epochs
                    Seed = seed }

            let folder = out + ".trials"
            announce trials workers epochs set folder

            match search (seed, trials, workers, epochs) baseOptions set trainRows validRows folder cts.Token with
            | Error e ->
                eprintfn "error: %s" e
                2
            | Ok candidates when candidates.IsEmpty ->
                eprintfn "no trial finished"
                1
            | Ok candidates -> select lib set out top seed candidates
