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

/// Runs `tune`. `data`: a training-set file (.npz) to use instead of generating one from the prototypes.
let run (prototypes: string) (data: string option) (out: string) (trials: int) (epochs: int) (top: int) (workers: int) (seed: int) =
    if not (Directory.Exists prototypes) then
        eprintfn
            "error: --prototypes %s: folder not found (the data release's prototypes/ folder; needed for the defective structures of the \
                selection)"
            prototypes

        2
    else
        match TrainCommand.loadLibrary prototypes, Outputs.checkFile out with
        | Error e, _ ->
            eprintfn "error: %s" e
            2
        | _, Error e ->
            eprintfn "error: --out %s" e
            2
        | Ok lib, Ok() ->
            use cts = new CancellationTokenSource()

            Console.CancelKeyPress.Add(fun e ->
                if not cts.IsCancellationRequested then
                    e.Cancel <- true
                    eprintfn "\nstopping after the running trials; finished trials are saved and a rerun resumes"
                    cts.Cancel())

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

                let result =
                    AnsiConsole
                        .Progress()
                        .AutoClear(false)
                        .Columns(TaskDescriptionColumn(), ProgressBarColumn(), PercentageColumn(), ElapsedTimeColumn())
                        .Start(fun ctx ->
                            let tasks = Collections.Concurrent.ConcurrentDictionary<int, ProgressTask>()

                            let taskOf k =
                                tasks.GetOrAdd(k, fun k -> ctx.AddTask(sprintf "trial %d" k, maxValue = float epochs))

                            Tuning.search
                                Tpe.defaults
                                seed
                                trials
                                workers
                                baseOptions
                                set
                                trainRows
                                validRows
                                (Some folder)
                                (fun k r ->
                                    (taskOf k).Value <- float r.Epoch
                                    (taskOf k).Description <- sprintf "trial %d: epoch %d, validation %.4f" k r.Epoch r.ValidationAccuracy)
                                (fun k trial _ ->
                                    let t = taskOf k
                                    t.Value <- t.MaxValue

                                    t.Description <-
                                        match trial.Error with
                                        | Some e -> sprintf "trial %d: failed (%s)" k e
                                        | None -> sprintf "trial %d: validation %.4f" k (1.0 - trial.Loss))
                                cts.Token)

                match result with
                | Error e ->
                    eprintfn "error: %s" e
                    2
                | Ok candidates when candidates.IsEmpty ->
                    eprintfn "no trial finished"
                    1
                | Ok candidates ->
                    let table =
                        Table().AddColumns("rank", "layers×neurons", "batch", "learning rate", "dropout", "validation", "best epoch")

                    candidates
                    |> List.sortBy (fun c -> c.Trial.Loss)
                    |> List.truncate 15
                    |> List.iteri (fun i c ->
                        let layers, batch, lr, dropout = describe c.Options

                        table.AddRow(
                            string (i + 1),
                            layers,
                            string batch,
                            lr.ToString("0.00e-0", Globalization.CultureInfo.InvariantCulture),
                            sprintf "%.4f" dropout,
                            sprintf "%.4f" c.Info.ValidationAccuracy,
                            string c.Info.BestEpoch
                        )
                        |> ignore)

                    AnsiConsole.Write table
                    // the paper's robustness set: ≤ 5 % missing atoms or < 1 % displacements (R_C 4 d_NN, σ 0.1 d_NN, scale 1)
                    printfn
                        "defective structures for the selection (η 1 %%, 5 %%; δ 0.1 %%, 0.6 %%; (η, δ) (1, 0.1) %%, (5, 0.6) %%; one \
                            realisation each)..."

                    let defective =
                        Tuning.defectiveSet set.Classes lib (List.ofArray TrainingSet.selectionLevels) 1 seed

                    let ranking = Tuning.rankRobust top defective candidates

                    let rankTable =
                        Table().AddColumns("robust rank", "layers×neurons", "batch", "learning rate", "dropout", "validation", "defective")

                    ranking
                    |> List.iteri (fun i (c, acc) ->
                        let layers, batch, lr, dropout = describe c.Options

                        rankTable.AddRow(
                            string (i + 1),
                            layers,
                            string batch,
                            lr.ToString("0.00e-0", Globalization.CultureInfo.InvariantCulture),
                            sprintf "%.4f" dropout,
                            sprintf "%.4f" c.Info.ValidationAccuracy,
                            sprintf "%.4f" acc
                        )
                        |> ignore)

                    AnsiConsole.Write rankTable
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
