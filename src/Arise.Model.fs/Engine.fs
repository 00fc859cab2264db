namespace Arise.Model

open System.Threading

/// The computation behind training and Monte Carlo prediction. Callers go through this interface, so that another
/// engine (a GPU one, say) can be added without touching them.
type IEngine =
    /// A short name for logs.
    abstract Name: string
    /// T dropout passes for each of `count` inputs (rows of x).
    abstract MonteCarlo: threads: int * seed: int * samples: int * network: Network * x: float32[] * count: int -> Prediction[]

    /// Hidden-layer pre-activations (dropout off) of `count` inputs: one array count × width per layer, the logits last.
    abstract Hidden: network: Network * x: float32[] * count: int -> float32[][]

    /// Trains a network (see Training.trainSelecting).
    abstract Train:
        options: TrainingOptions *
        set: TrainingSet *
        trainRows: int[] *
        validRows: int[] *
        selection: CheckpointSelection option *
        report: (EpochReport -> unit) *
        cancel: CancellationToken ->
            Network * TrainingInfo

/// An engine that computes descriptors too, on its device (the GPU engine): Pipeline.describeMany uses it.
type IDescriptorEngine =
    /// The ARISE descriptors of many structures, each as AriseDescriptor.computeWith gives it (within float rounding);
    /// Error for the whole batch when the device cannot be used.
    abstract DescribeMany:
        calc: Arise.Soap.SoapCalculator * options: Arise.Soap.DescriptorOptions * structures: Arise.Structure.Structure[] ->
            Result<Result<Arise.Soap.Descriptor, string>[], string>

/// The available engines.
module Engines =
    /// Our managed engine: SIMD GEMM micro-kernel, backpropagation and Adam in F#.
    let managed =
        { new IEngine with
            member _.Name = "managed (AVX2/FMA GEMM)"

            member _.MonteCarlo(threads, seed, samples, network, x, count) =
                Prediction.monteCarlo threads seed samples network x count

            member _.Hidden(network, x, count) = Prediction.hidden network x count

            member _.Train(options, set, trainRows, validRows, selection, report, cancel) =
                Training.trainSelecting options set trainRows validRows selection report cancel }

    let trainingSet (engine: IEngine) lib cacheDir threads progress cancel =
        match engine with
        | :? IDescriptorEngine as device ->
            TrainingSet.generateOn
                (fun (calc, options, structures) -> device.DescribeMany(calc, options, structures))
                lib
                cacheDir
                progress
                cancel
        | _ -> TrainingSet.generate lib cacheDir threads progress cancel
