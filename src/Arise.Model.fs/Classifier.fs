namespace Arise.Model

open System
open Arise.Structure
open Arise.Soap

/// One structure's classification: its prediction, the classes ranked, and the descriptor's d_NN.
type Classification =
    { Prediction: Prediction
      /// (class index, probability), most probable first.
      Ranked: (int * float)[] }

/// Classifying structures with a trained model: descriptor with the model's settings, then MC dropout.
module Classifier =
    /// Descriptor options matching the model's training settings.
    let descriptorOptions (m: Model) : Result<DescriptorOptions, string> =
        let d = m.Metadata.Descriptor
        DnnRule.parse d.Dnn
        |> Result.mapError (sprintf "model: %s")
        |> Result.map (fun dnn ->
            { Soap =
                { Cutoff = d.Cutoff
                  AtomSigma = d.Sigma
                  NMax = d.NMax
                  LMax = d.LMax
                  TransitionWidth = d.TransitionWidth
                  CentralWeight = d.CentralWeight }
              Dnn = dnn
              ExtrinsicScale = d.ExtrinsicScale
              Threads = Environment.ProcessorCount })

    /// Ranks classes by probability.
    let rank (p: Prediction) = p.Probabilities |> Array.indexed |> Array.sortByDescending snd

    /// Classifies descriptors (count × Inputs) with T MC-dropout passes.
    let classifyDescriptors (threads: int) (seed: int) (samples: int) (m: Model) (x: float32[]) (count: int) =
        Engines.current.MonteCarlo(threads, seed, samples, m.Network, x, count)
        |> Array.map (fun p -> { Prediction = p; Ranked = rank p })

    /// The model's descriptor of one structure (Inputs numbers), or why there is none: a lone atom, a failed
    /// descriptor, or one that is zero because no atom has a neighbour within the cutoff.
    let describeWith (calc: SoapCalculator) (options: DescriptorOptions) (s: Structure) : Result<float32[], string> =
        if Structure.count s < 2 && not (Structure.isPeriodic s) then Error "a single atom has no neighbours: nothing to classify"
        else
            let d =
                try AriseDescriptor.computeWith calc options s
                with ex -> Error(sprintf "descriptor failed: %s" ex.Message)
            match d with
            | Error e -> Error e
            | Ok d when d.Vector |> Array.forall (fun v -> v = 0.0) ->
                Error "the descriptor is zero (no atom has a neighbour within the cutoff): nothing to classify"
            | Ok d -> Ok(d.Vector |> Array.map float32)

    /// The descriptor options and SOAP calculator of a model (Error when its settings are unusable).
    let calculator (m: Model) : Result<DescriptorOptions * SoapCalculator, string> =
        descriptorOptions m |> Result.bind (fun o -> Soap.create o.Soap |> Result.map (fun c -> o, c))

    /// Each structure's descriptor with the model's settings, or why there is none. Models with equal descriptor
    /// settings can share the result.
    let describe (m: Model) (structures: Structure[]) : Result<float32[], string>[] =
        match calculator m with
        | Error e -> structures |> Array.map (fun _ -> Error e)
        | Ok(options, calc) -> structures |> Array.map (describeWith calc options)

    /// Classifies structures: each gets its descriptor (or an error), then one batched MC prediction for all (the
    /// dropout masks run on through the batch, so a structure's probabilities depend on its place in it; see
    /// classifyEach).
    let classify (threads: int) (seed: int) (samples: int) (m: Model) (structures: Structure[]) : Result<Classification, string>[] =
        let descriptors = describe m structures
        let ok = descriptors |> Array.indexed |> Array.choose (fun (i, d) -> match d with Ok d -> Some(i, d) | Error _ -> None)
        let dim = m.Network.Architecture.Inputs
        let x = Array.zeroCreate (ok.Length * dim)
        ok |> Array.iteri (fun k (_, d) -> Array.blit d 0 x (k * dim) dim)
        let preds = if ok.Length > 0 then classifyDescriptors threads seed samples m x ok.Length else [||]
        let byIndex = Array.zip (ok |> Array.map fst) preds |> Map.ofArray
        descriptors |> Array.mapi (fun i d ->
            match d with
            | Error e -> Error e
            | Ok _ -> Ok byIndex.[i])

    /// `classifyEach` on descriptors already computed with the model's settings (`describe`): each descriptor is
    /// classified alone, errors are passed through.
    let classifyEachDescribed (threads: int) (seed: int) (samples: int) (m: Model) (descriptors: Result<float32[], string>[]) =
        let results = Array.zeroCreate descriptors.Length
        let options = Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = max 1 threads)
        Threading.Tasks.Parallel.For(0, descriptors.Length, options, fun i ->
            results.[i] <- descriptors.[i] |> Result.map (fun d -> (classifyDescriptors 1 seed samples m d 1).[0]))
        |> ignore
        results

    /// Classifies structures one by one (in parallel on `threads` threads): each structure's result depends only on
    /// its descriptor, T and the seed, not on the other structures or their order; the same as `classify` on that
    /// structure alone.
    let classifyEach (threads: int) (seed: int) (samples: int) (m: Model) (structures: Structure[]) : Result<Classification, string>[] =
        classifyEachDescribed threads seed samples m (describe m structures)
