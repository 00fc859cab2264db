namespace Arise.Model

open System
open Arise.Structure

/// One structure's classification: its prediction, the classes ranked, and the descriptor's d_NN.
type Classification =
    {
        Prediction: Prediction
        /// (class index, probability), most probable first.
        Ranked: (int * float)[]
    }

/// Classifying structures with a pipeline (a model made ready): descriptor with the model's settings, then MC dropout.
module Classifier =
    /// Ranks classes by probability.
    let rank (p: Prediction) =
        p.Probabilities |> Array.indexed |> Array.sortByDescending snd

    /// Classifies descriptors (count × Inputs) with T MC-dropout passes.
    let classifyDescriptors (threads: int) (seed: int) (samples: int) (p: Pipeline) (x: float32[]) (count: int) =
        Pipeline.predict p threads seed samples x count
        |> Array.map (fun pr -> { Prediction = pr; Ranked = rank pr })

    /// Each structure's descriptor with the model's settings, or why there is none (as text). Models with equal
    /// descriptor settings can share the result.
    let describe (p: Pipeline) (structures: Structure[]) : Result<float32[], string>[] =
        Pipeline.describeMany p structures
        |> Array.map (Result.mapError (fun (e: DescribeError) -> e.Message))

    /// Classifies structures: each gets its descriptor (or an error), then one batched MC prediction for all (the
    /// dropout masks run on through the batch, so a structure's probabilities depend on its place in it; see
    /// classifyEach).
    let classify (threads: int) (seed: int) (samples: int) (p: Pipeline) (structures: Structure[]) : Result<Classification, string>[] =
        let descriptors = describe p structures

        let ok =
            descriptors
            |> Array.indexed
            |> Array.choose (fun (i, d) ->
                match d with
                | Ok d -> Some(i, d)
                | Error _ -> None)

        let preds =
            classifyDescriptors threads seed samples p (Pipeline.pack p (Array.map snd ok)) ok.Length

        let byIndex = Array.zip (ok |> Array.map fst) preds |> Map.ofArray
        descriptors |> Array.mapi (fun i d -> d |> Result.map (fun _ -> byIndex.[i]))

    /// `classifyEach` on descriptors already computed with the model's settings (`describe`): each descriptor is
    /// classified alone, errors are passed through.
    let classifyEachDescribed (threads: int) (seed: int) (samples: int) (p: Pipeline) (descriptors: Result<float32[], string>[]) =
        let results = Array.zeroCreate descriptors.Length

        let options =
            Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = max 1 threads)

        Threading.Tasks.Parallel.For(
            0,
            descriptors.Length,
            options,
            fun i ->
                results.[i] <-
                    descriptors.[i]
                    |> Result.map (fun d -> (classifyDescriptors 1 seed samples p d 1).[0])
        )
        |> ignore

        results

    /// Classifies structures one by one (in parallel on `threads` threads): each structure's result depends only on
    /// its descriptor, T and the seed, not on the other structures or their order; the same as `classify` on that
    /// structure alone.
    let classifyEach (threads: int) (seed: int) (samples: int) (p: Pipeline) (structures: Structure[]) : Result<Classification, string>[] =
        classifyEachDescribed threads seed samples p (describe p structures)
