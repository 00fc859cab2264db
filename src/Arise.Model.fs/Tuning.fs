namespace Arise.Model

open System
open System.Threading
open Arise.Numerics
open Arise.Structure
open Arise.Soap

/// One tried setting: its TPE trial (loss = 1 − validation accuracy), the trained network and how it trained.
type TuningCandidate =
    { Trial: Trial
      Options: TrainingOptions
      Network: Network
      Info: TrainingInfo }

/// Hyperparameter search with TPE, and the paper's model selection for robustness on defective structures.
module Tuning =
    let private layerChoices = [ "2"; "3"; "4"; "5" ]
    let private neuronChoices = [ "256"; "512" ]
    let private batchChoices = [ "64"; "128" ]

    /// The paper's search space (S1.4): hidden layers {2, 3, 4, 5}, neurons per layer {256, 512}, batch {64, 128},
    /// learning rate uniform(1e-4, 1e-2), dropout rate uniform(0.01, 0.05).
    let space =
        [ Choice("layers", layerChoices)
          Choice("neurons", neuronChoices)
          Choice("batch", batchChoices)
          Uniform("learning_rate", 1e-4, 1e-2)
          Uniform("dropout", 0.01, 0.05) ]

    /// Training options of a point of the space.
    let optionsOf (baseOptions: TrainingOptions) (p: Map<string, float>) =
        { baseOptions with
            Hidden = Array.create (int layerChoices.[int p.["layers"]]) (int neuronChoices.[int p.["neurons"]])
            DropoutRate = p.["dropout"]
            LearningRate = p.["learning_rate"]
            BatchSize = int batchChoices.[int p.["batch"]] }

    /// Runs TPE until `evaluations` trials exist: each trains with `baseOptions` (MaxEpochs, Seed) at the suggested
    /// point and scores 1 − best validation accuracy; a diverged training (non-finite loss) is a failed trial. With a
    /// `folder`, the history (trials.csv) and every trial's model (trial-N.model) are saved there as they finish and
    /// a second run resumes. `workers` trials train at once (pending points ignored). `onEpoch trial` sees each epoch,
    /// `report trial result candidate` each finished trial.
    let searchOn
        (engine: IEngine)
        (settings: TpeSettings)
        (seed: int)
        (evaluations: int)
        (workers: int)
        (baseOptions: TrainingOptions)
        (set: TrainingSet)
        (trainRows: int[])
        (validRows: int[])
        (folder: string option)
        (onEpoch: int -> EpochReport -> unit)
        (report: int -> Trial -> TuningCandidate option -> unit)
        (cancel: CancellationToken)
        : Result<TuningCandidate list, string> =
        // a history belongs to one training set: its hash is kept beside it and checked on resume
        let hash = Training.dataHash set

        let stale =
            folder
            |> Option.bind (fun f ->
                match RunStore.claim f "training-set.sha256" hash RunStore.Foreign.Refuse with
                | Ok _ -> None
                | Error other ->
                    Some(sprintf "%s holds trials of another training set (hash %s); delete it or choose another folder" f other))

        match stale with
        | Some e -> Error e
        | None ->
            let modelPath k =
                folder |> Option.map (fun f -> IO.Path.Combine(f, sprintf "trial-%d.model" k))

            let fresh = Collections.Concurrent.ConcurrentDictionary<int, TuningCandidate>()

            let objective (index: int) (point: Map<string, float>) =
                let options = optionsOf baseOptions point

                let net, info =
                    engine.Train(options, set, trainRows, validRows, None, onEpoch index, cancel)

                if
                    not (Double.IsFinite info.ValidationAccuracy)
                    || info.ValidationAccuracy <= 0.0 && info.TrainingAccuracy <= 0.0
                then
                    Error "training diverged (no finite accuracy)"
                else
                    let c =
                        { Trial = Trial.Ok(point, 1.0 - info.ValidationAccuracy)
                          Options = options
                          Network = net
                          Info = info }

                    modelPath index
                    |> Option.iter (fun path ->
                        ModelFile.save
                            path
                            { Network = net
                              Metadata = Training.metadata set options info })

                    fresh.[index] <- c
                    Ok(1.0 - info.ValidationAccuracy)

            let history = folder |> Option.map (fun f -> IO.Path.Combine(f, "trials.csv"))

            TpeSearch.run
                settings
                seed
                space
                evaluations
                workers
                history
                objective
                (fun index trial ->
                    report
                        index
                        trial
                        (match fresh.TryGetValue index with
                         | true, c -> Some c
                         | _ -> None))
                cancel
            |> Result.map (fun trials ->
                // every successful trial with its network: this run's from memory, earlier runs' from their model files
                trials
                |> List.mapi (fun i t -> i + 1, t)
                |> List.choose (fun (k, t) ->
                    if t.Error.IsSome then
                        None
                    else
                        match fresh.TryGetValue k with
                        | true, c -> Some c
                        | _ ->
                            match modelPath k |> Option.map ModelFile.load with
                            | Some(Ok m) ->
                                Some
                                    { Trial = t
                                      Options = optionsOf baseOptions t.Point
                                      Network = m.Network
                                      Info = m.Metadata.Training }
                            | _ -> None))

    /// Descriptors (R_C = 4 d_NN, σ = 0.1 d_NN) of defective versions of the test structures of the library's
    /// classes that are in `classes` (a model's class order), `realizations` random realisations of each (η, δ) of
    /// `levels`; rows labelled by their index in `classes` (TrainingSet.defectiveSet, seeded from `seed`).
    let defectiveSetWith
        (progress: int -> int -> unit)
        (classes: string[])
        (lib: PrototypeLibrary)
        (levels: (float * float) list)
        (realizations: int)
        (seed: int)
        : TrainingSet =
        let levels = Array.ofList levels

        let seedOf structure level r =
            seed + 7919 * ((structure * levels.Length + level) * realizations + r) + r

        TrainingSet.defectiveSet classes lib levels realizations seedOf Environment.ProcessorCount progress CancellationToken.None
        |> fst

    /// search on the managed engine.
    let search settings seed evaluations workers baseOptions set trainRows validRows folder onEpoch report cancel =
        searchOn Engines.managed settings seed evaluations workers baseOptions set trainRows validRows folder onEpoch report cancel

    let defectiveSet classes lib levels realizations seed =
        defectiveSetWith (fun _ _ -> ()) classes lib levels realizations seed

    /// The ranking of the `top` candidates: (candidate, accuracy on the defective descriptors), most robust first.
    let rankRobust (top: int) (defective: TrainingSet) (candidates: TuningCandidate list) =
        candidates
        |> List.sortBy (fun c -> c.Trial.Loss)
        |> List.truncate top
        |> List.map (fun c -> c, Training.accuracy 1 c.Network defective [| 0 .. defective.Rows - 1 |])
        |> List.sortByDescending (fun (c, acc) -> acc, -c.Trial.Loss)

    /// The paper's selection: among the `top` candidates with the best validation accuracy, the one with the best
    /// accuracy on the defective descriptors (ties: better validation). Returns it with that accuracy.
    let selectRobust (top: int) (defective: TrainingSet) (candidates: TuningCandidate list) =
        rankRobust top defective candidates |> List.head
