namespace Arise.Model

/// The computation behind training and Monte Carlo prediction. Callers go through this interface, so that another
/// engine (a GPU one, say) can be added without touching them.
type IEngine =

    /// T dropout passes for each of `count` inputs (rows of x).
    abstract MonteCarlo: threads: int * seed: int * samples: int * network: Network * x: float32 array * count: int -> Prediction array

    /// Hidden-layer pre-activations (dropout off) of `count` inputs: one array count × width per layer, the logits last.
    abstract Hidden: network: Network * x: float32 array * count: int -> float32 array array

    /// Trains a network (see Training.trainSelecting).
    abstract Train:
        options: TrainingOptions *
        set: TrainingSet *
        trainRows: int array *
        validRows: int array *
        selection: CheckpointSelection option *
        report: (EpochReport -> unit) *
        cancel: System.Threading.CancellationToken ->
            Network * TrainingInfo

    /// A short name for logs.
    abstract Name: string

/// An engine that computes descriptors too, on its device (the GPU engine): Pipeline.describeMany uses it.
type IDescriptorEngine =
    /// The ARISE descriptors of many structures, each as AriseDescriptor.computeWith gives it (within float rounding);
    /// Error for the whole batch when the device cannot be used.
    abstract DescribeMany:
        calc: Arise.Soap.SoapCalculator * options: Arise.Soap.DescriptorOptions * structures: Arise.Structure.Structure array ->
            Result<Result<Arise.Soap.Descriptor, string> array, string>

/// The available engines.
module Engines =

    /// Our managed engine: SIMD GEMM micro-kernel, backpropagation and Adam in F#.
    val managed: IEngine

    /// The pristine training set's descriptors (TrainingSet.generate) on the engine's device when it computes
    /// descriptors (IDescriptorEngine: the GPU engine; TrainingSet.generateOn), else on `threads` cores.
    val trainingSet:
        engine: IEngine ->
        lib: Arise.Structure.PrototypeLibrary ->
        cacheDir: string ->
        threads: int ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            TrainingSet * string list
