namespace Arise.Model

open System
open Arise.Structure
open Arise.Soap

/// Why a structure has no descriptor.
[<RequireQualifiedAccess>]
type DescribeError =
    /// A finite structure of a single atom: it has no neighbours.
    | SingleAtom
    /// No atom has a neighbour within the cutoff, so the descriptor is zero.
    | NoNeighbours
    /// The descriptor could not be computed (overlapping atoms, a species pair without d_NN, …).
    | Failed of reason: string

    /// A sentence for users.
    member e.Message =
        match e with
        | SingleAtom -> "a single atom has no neighbours: nothing to classify"
        | NoNeighbours -> "the descriptor is zero (no atom has a neighbour within the cutoff): nothing to classify"
        | Failed reason -> reason

/// A model made ready to recognise structures: its descriptor settings checked and turned into options once, the
/// SOAP calculator built once, and the engine that runs the network. Every path from a structure to a prediction
/// (classify, spm, evaluate, tune, the scripts and the library face) goes through one of these.
type Pipeline =
    {
        Model: Model
        /// The descriptor options of the model (SOAP in units of d_NN, d_NN rule, extrinsic scale).
        Options: DescriptorOptions
        /// The SOAP calculator for those options.
        Calculator: SoapCalculator
        /// The engine that runs the network (Monte Carlo dropout passes, hidden layers).
        Engine: IEngine
    }

/// Building a pipeline and its two steps: describe (structure → descriptor) and predict (descriptors → predictions).
module Pipeline =
    /// The descriptor options stored in a model (Error when its settings are unusable).
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

    /// The pipeline of a model on an engine; Error when the model's descriptor settings are unusable.
    let createWith (engine: IEngine) (m: Model) : Result<Pipeline, string> =
        descriptorOptions m
        |> Result.bind (fun o ->
            Soap.create o.Soap
            |> Result.mapError (sprintf "model: %s")
            |> Result.map (fun c ->
                { Model = m
                  Options = o
                  Calculator = c
                  Engine = engine }))

    /// The pipeline of a model on the managed CPU engine; Error when its descriptor settings are unusable.
    let create (m: Model) = createWith Engines.managed m

    /// The pipeline of a model on the managed CPU engine; raises ArgumentException when its descriptor settings
    /// are unusable (a model read by ModelFile has been checked already).
    let ofModel (m: Model) =
        match create m with
        | Ok p -> p
        | Error e -> invalidArg "model" e

    /// Class names, in the network's output order.
    let classes (p: Pipeline) = p.Model.Metadata.Classes

    /// Length of a descriptor (the network's input width).
    let inputs (p: Pipeline) = p.Model.Network.Architecture.Inputs

    /// One structure's descriptor with the model's settings, computed on `threads` threads (the sums are the same
    /// for any thread count), or why there is none.
    /// The descriptor `compute ()` gives s, as the pipeline words its absence: a lone atom (not computed), a failure or
    /// exception, a zero vector.
    let private checked (s: Structure) (compute: unit -> Result<Descriptor, string>) =
        if Structure.count s < 2 && not (Structure.isPeriodic s) then
            Error DescribeError.SingleAtom
        else
            let d =
                try
                    compute () |> Result.mapError DescribeError.Failed
                with ex ->
                    Error(DescribeError.Failed(sprintf "descriptor failed: %s" ex.Message))

            match d with
            | Error e -> Error e
            | Ok d when d.Vector |> Array.forall (fun v -> v = 0.0) -> Error DescribeError.NoNeighbours
            | Ok d -> Ok(d.Vector |> Array.map float32)

    let describeOn (threads: int) (p: Pipeline) (s: Structure) : Result<float32[], DescribeError> =
        checked s (fun () ->
            AriseDescriptor.computeWith
                p.Calculator
                { p.Options with
                    Threads = max 1 threads }
                s)

    /// One structure's descriptor with the model's settings (all cores), or why there is none.
    let describe (p: Pipeline) (s: Structure) = describeOn p.Options.Threads p s

    let describeMany (p: Pipeline) (structures: Structure[]) : Result<float32[], DescribeError>[] =
        match p.Engine with
        | :? IDescriptorEngine as e when structures.Length > 0 ->
            let results =
                try
                    e.DescribeMany(p.Calculator, p.Options, structures)
                with ex ->
                    Error(sprintf "descriptor failed: %s" ex.Message)

            match results with
            | Ok ds -> Array.map2 (fun s d -> checked s (fun () -> d)) structures ds
            | Error e -> structures |> Array.map (fun _ -> Error(DescribeError.Failed e))
        | _ when structures.Length >= p.Options.Threads -> Array.Parallel.map (describeOn 1 p) structures
        | _ -> Array.map (describeOn p.Options.Threads p) structures

    /// Descriptors packed row by row into one float32 array (count × inputs), as `predict` takes them.
    let pack (p: Pipeline) (descriptors: float32[][]) : float32[] =
        let dim = inputs p
        let x = Array.zeroCreate (descriptors.Length * dim)

        descriptors
        |> Array.iteri (fun k d ->
            if d.Length <> dim then
                invalidArg "descriptors" (sprintf "descriptor %d has %d components; the model takes %d" k d.Length dim)

            Array.blit d 0 x (k * dim) dim)

        x

    /// T Monte Carlo dropout passes for each of `count` descriptors (rows of x) on `threads` threads; the dropout
    /// masks follow `seed` and run on through the batch.
    let predict (p: Pipeline) (threads: int) (seed: int) (samples: int) (x: float32[]) (count: int) : Prediction[] =
        if count = 0 then
            [||]
        else
            p.Engine.MonteCarlo(threads, seed, samples, p.Model.Network, x, count)

    /// Hidden-layer pre-activations (dropout off) of `count` descriptors: one array count × width per layer, the
    /// output layer's logits last.
    let hidden (p: Pipeline) (x: float32[]) (count: int) : float32[][] =
        p.Engine.Hidden(p.Model.Network, x, count)

    /// Index of the most probable class (the first on a tie).
    let argmax (probabilities: float[]) =
        let mutable best = 0

        for k in 1 .. probabilities.Length - 1 do
            if probabilities.[k] > probabilities.[best] then
                best <- k

        best
