namespace Arise.Model

open System
open System.Threading
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
    let search (settings: TpeSettings) (seed: int) (evaluations: int) (workers: int) (baseOptions: TrainingOptions) (set: TrainingSet)
               (trainRows: int[]) (validRows: int[]) (folder: string option) (onEpoch: int -> EpochReport -> unit)
               (report: int -> Trial -> TuningCandidate option -> unit) (cancel: CancellationToken) : Result<TuningCandidate list, string> =
        // a history belongs to one training set: its hash is kept beside it and checked on resume
        let hash = Training.dataHash set
        let stale =
            folder |> Option.bind (fun f ->
                IO.Directory.CreateDirectory f |> ignore
                let marker = IO.Path.Combine(f, "training-set.sha256")
                if IO.File.Exists marker && IO.File.ReadAllText(marker).Trim() <> hash then
                    Some(sprintf "%s holds trials of another training set (hash %s); delete it or choose another folder" f (IO.File.ReadAllText(marker).Trim()))
                else
                    IO.File.WriteAllText(marker, hash)
                    None)
        match stale with
        | Some e -> Error e
        | None ->
            let modelPath k = folder |> Option.map (fun f -> IO.Path.Combine(f, sprintf "trial-%d.model" k))
            let fresh = Collections.Concurrent.ConcurrentDictionary<int, TuningCandidate>()
            let objective (index: int) (point: Map<string, float>) =
                let options = optionsOf baseOptions point
                let net, info = Engines.current.Train(options, set, trainRows, validRows, onEpoch index, cancel)
                if not (Double.IsFinite info.ValidationAccuracy) || info.ValidationAccuracy <= 0.0 && info.TrainingAccuracy <= 0.0 then
                    Error "training diverged (no finite accuracy)"
                else
                    let c = { Trial = Trial.Ok(point, 1.0 - info.ValidationAccuracy); Options = options; Network = net; Info = info }
                    modelPath index |> Option.iter (fun path -> ModelFile.save path { Network = net; Metadata = Training.metadata set options info })
                    fresh.[index] <- c
                    Ok(1.0 - info.ValidationAccuracy)
            let history = folder |> Option.map (fun f -> IO.Path.Combine(f, "trials.csv"))
            TpeSearch.run settings seed space evaluations workers history objective
                (fun index trial -> report index trial (match fresh.TryGetValue index with | true, c -> Some c | _ -> None)) cancel
            |> Result.map (fun trials ->
                // every successful trial with its network: this run's from memory, earlier runs' from their model files
                trials |> List.mapi (fun i t -> i + 1, t)
                |> List.choose (fun (k, t) ->
                    if t.Error.IsSome then None
                    else
                        match fresh.TryGetValue k with
                        | true, c -> Some c
                        | _ ->
                            match modelPath k |> Option.map ModelFile.load with
                            | Some (Ok m) -> Some { Trial = t; Options = optionsOf baseOptions t.Point; Network = m.Network; Info = m.Metadata.Training }
                            | _ -> None))

    /// The paper's robustness set for model selection: (η, δ) = 1 % and 5 % missing atoms, 0.1 % and 0.6 %
    /// displacements (≤ 5 % missing or < 1 % displaced).
    let robustnessLevels = [ 0.01, 0.0; 0.05, 0.0; 0.0, 0.001; 0.0, 0.006 ]

    /// Descriptors (R_C = 4 d_NN, σ = 0.1 d_NN) of defective versions of the structures of the library's classes
    /// that are in `classes` (a model's class order): each finite supercell (and its periodic version), nanotubes
    /// finite only, with `realizations` random realisations of each (η, δ) level: η fraction removed, δ·d_NN
    /// displacements. Rows are labelled by their index in `classes`.
    let defectiveSet (classes: string[]) (lib: PrototypeLibrary) (levels: (float * float) list) (realizations: int) (seed: int) : TrainingSet =
        let calc = Soap.create SoapParameters.arise |> Result.defaultWith failwith
        let options = { AriseDescriptor.defaults with Threads = 1 }
        let index = classes |> Array.indexed |> Array.map (fun (i, c) -> c, i) |> dict
        let items =
            [| for p in lib.Prototypes do
                   match index.TryGetValue p.Name with
                   | true, ci ->
                       for _, s in TrainingSet.testStructures p do
                           for (eta, delta) in levels do
                               for r in 0 .. realizations - 1 -> ci, s, eta, delta, r
                   | _ -> () |]
        let rows = Array.create items.Length None
        Threading.Tasks.Parallel.For(0, items.Length, (fun k ->
            let ci, s, eta, delta, r = items.[k]
            let dnn = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> Result.defaultValue 1.0
            let sd = seed + 7919 * k + r
            let s1 = if eta > 0.0 then Defects.removeFraction sd eta s else s
            let s2 = if delta > 0.0 then Defects.displaceRelative (sd + 1) delta dnn s1 else s1
            match AriseDescriptor.computeWith calc options s2 with
            | Ok d -> rows.[k] <- Some(ci, d.Vector)
            | Error _ -> ())) |> ignore
        let ok = rows |> Array.choose id
        let dim = SoapParameters.dimension SoapParameters.arise
        { Classes = classes
          MaterialTypes = classes |> Array.map (fun c -> lib.Prototypes |> List.tryFind (fun p -> p.Name = c) |> Option.map (fun p -> p.MaterialType) |> Option.defaultValue "")
          Dimension = dim
          X = ok |> Array.collect (fun (_, v) -> v |> Array.map float32)
          Y = ok |> Array.map fst
          Cutoff = Array.create ok.Length 4.0
          Sigma = Array.create ok.Length 0.1
          ExtrinsicScale = Array.create ok.Length 1.0
          Version = Array.create ok.Length "defective" }

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

