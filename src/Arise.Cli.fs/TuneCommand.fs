/// `arise tune`: TPE hyperparameter search, then the most robust of the best candidates on defective structures.
module Arise.Cli.TuneCommand

open System
open System.Threading
open Arise.Structure
open Arise.Model

/// Runs `tune`.
let run (prototypes: string) (out: string) (trials: int) (epochs: int) (top: int) (seed: int) =
    match TrainCommand.loadLibrary prototypes with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok lib ->
        use cts = new CancellationTokenSource()
        Console.CancelKeyPress.Add(fun e ->
            if not cts.IsCancellationRequested then
                e.Cancel <- true
                eprintfn "\nstopping after the current trial; the candidates so far are used"
                cts.Cancel())
        let set, _ = TrainCommand.trainingSet lib (out + ".cache") cts.Token
        let trainRows, validRows = TrainingSet.split seed 0.8 set.Y
        let baseOptions = { Training.ariseOptions with MaxEpochs = epochs; Seed = seed }
        printfn "TPE search: %d trials of up to %d epochs on %d descriptors (%d start-up trials at random)" trials epochs set.Rows Tpe.defaults.Startup
        let candidates =
            Tuning.search Tpe.defaults seed trials baseOptions set trainRows validRows
                (fun c ->
                    printfn "trial: layers %s, dropout %.4f, learning rate %.2e, batch %d → validation %.4f (epoch %d)"
                        (c.Options.Hidden |> Array.map string |> String.concat "-") c.Options.DropoutRate c.Options.LearningRate c.Options.BatchSize
                        c.Info.ValidationAccuracy c.Info.BestEpoch)
                cts.Token
        if candidates.IsEmpty then
            eprintfn "no trial finished"
            1
        else
            // the paper's robustness set: ≤ 5 % missing atoms or < 1 % displacements
            printfn "defective structures for the selection (η 1 %%, 5 %%; δ 0.1 %%, 0.6 %%; one realisation each)..."
            let defective = Tuning.defectiveSet lib [ 0.01, 0.0; 0.05, 0.0; 0.0, 0.001; 0.0, 0.006 ] 1 seed
            let chosen, acc = Tuning.selectRobust top defective candidates
            printfn "selected: layers %s, dropout %.4f, learning rate %.2e, batch %d: validation %.4f, defective %.4f (%d structures)"
                (chosen.Options.Hidden |> Array.map string |> String.concat "-") chosen.Options.DropoutRate chosen.Options.LearningRate
                chosen.Options.BatchSize chosen.Info.ValidationAccuracy acc defective.Rows
            ModelFile.save out { Network = chosen.Network; Metadata = Training.metadata set chosen.Options chosen.Info }
            printfn "saved %s" out
            0
