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
    let private layerChoices = [ "256-512-256"; "512-512-512"; "256-256"; "128-256-128"; "512-1024-512" ]
    let private batchChoices = [ "32"; "64"; "128" ]

    /// The search space: hidden layers, dropout rate, Adam learning rate, batch size.
    let space =
        [ Choice("layers", layerChoices)
          Uniform("dropout", 0.0, 0.1)
          LogUniform("learning_rate", 1e-5, 1e-2)
          Choice("batch", batchChoices) ]

    /// Training options of a point of the space.
    let optionsOf (baseOptions: TrainingOptions) (p: Map<string, float>) =
        { baseOptions with
            Hidden = layerChoices.[int p.["layers"]].Split '-' |> Array.map int
            DropoutRate = p.["dropout"]
            LearningRate = p.["learning_rate"]
            BatchSize = int batchChoices.[int p.["batch"]] }

    /// Runs `evaluations` TPE trials; each trains with `baseOptions` (MaxEpochs, Patience, Seed) at the suggested
    /// point and scores 1 − best validation accuracy. `report` sees each finished candidate.
    let search (settings: TpeSettings) (seed: int) (evaluations: int) (baseOptions: TrainingOptions) (set: TrainingSet)
               (trainRows: int[]) (validRows: int[]) (report: TuningCandidate -> unit) (cancel: CancellationToken) =
        let rng = Random(seed)
        let candidates = ResizeArray<TuningCandidate>()
        let mutable k = 0
        while k < evaluations && not cancel.IsCancellationRequested do
            let point = Tpe.suggest settings rng space (candidates |> Seq.map (fun c -> c.Trial) |> List.ofSeq)
            let options = optionsOf baseOptions point
            let net, info = Engines.current.Train(options, set, trainRows, validRows, ignore, cancel)
            let c = { Trial = { Point = point; Loss = 1.0 - info.ValidationAccuracy }; Options = options; Network = net; Info = info }
            candidates.Add c
            report c
            k <- k + 1
        List.ofSeq candidates

    /// Descriptors (R_C = 4 d_NN, σ = 0.1 d_NN) of defective versions of every class's structures: each finite
    /// supercell (and its periodic version), nanotubes finite only, with `realizations` random realisations of each
    /// (η, δ) level: η fraction removed, δ·d_NN displacements. Rows labelled by class.
    let defectiveSet (lib: PrototypeLibrary) (levels: (float * float) list) (realizations: int) (seed: int) : TrainingSet =
        let calc = Soap.create SoapParameters.arise |> Result.defaultWith failwith
        let options = { AriseDescriptor.defaults with Threads = 1 }
        let classes = lib.Prototypes |> Array.ofList
        let items =
            [| for ci in 0 .. classes.Length - 1 do
                   for _, s in TrainingSet.testStructures classes.[ci] do
                       for (eta, delta) in levels do
                           for r in 0 .. realizations - 1 -> ci, s, eta, delta, r |]
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
        { Classes = classes |> Array.map (fun p -> p.Name)
          MaterialTypes = classes |> Array.map (fun p -> p.MaterialType)
          Dimension = dim
          X = ok |> Array.collect (fun (_, v) -> v |> Array.map float32)
          Y = ok |> Array.map fst
          Cutoff = Array.create ok.Length 4.0
          Sigma = Array.create ok.Length 0.1
          ExtrinsicScale = Array.create ok.Length 1.0
          Version = Array.create ok.Length "defective" }

    /// The paper's selection: among the `top` candidates with the best validation accuracy, the one with the best
    /// accuracy on the defective descriptors (ties: better validation). Returns it with that accuracy.
    let selectRobust (top: int) (defective: TrainingSet) (candidates: TuningCandidate list) =
        candidates
        |> List.sortBy (fun c -> c.Trial.Loss)
        |> List.truncate top
        |> List.map (fun c -> c, Training.accuracy 1 c.Network defective [| 0 .. defective.Rows - 1 |])
        |> List.maxBy (fun (c, acc) -> acc, -c.Trial.Loss)
