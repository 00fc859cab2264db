namespace Arise.Model

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
    member Message: string

/// A model made ready to recognise structures: its descriptor settings checked and turned into options once, the
/// SOAP calculator built once, and the engine that runs the network. Every path from a structure to a prediction
/// (classify, spm, evaluate, tune, the scripts and the library face) goes through one of these.
type Pipeline =
    {
        Model: Model

        /// The descriptor options of the model (SOAP in units of d_NN, d_NN rule, extrinsic scale).
        Options: Arise.Soap.DescriptorOptions

        /// The SOAP calculator for those options.
        Calculator: Arise.Soap.SoapCalculator

        /// The engine that runs the network (Monte Carlo dropout passes, hidden layers).
        Engine: IEngine
    }

/// Building a pipeline and its two steps: describe (structure → descriptor) and predict (descriptors → predictions).
module Pipeline =

    /// The descriptor options stored in a model (Error when its settings are unusable).
    val descriptorOptions: m: Model -> Result<Arise.Soap.DescriptorOptions, string>

    /// The pipeline of a model on an engine; Error when the model's descriptor settings are unusable.
    val createWith: engine: IEngine -> m: Model -> Result<Pipeline, string>

    /// The pipeline of a model on the managed CPU engine; Error when its descriptor settings are unusable.
    val create: m: Model -> Result<Pipeline, string>

    /// The pipeline of a model on the managed CPU engine; raises ArgumentException when its descriptor settings
    /// are unusable (a model read by ModelFile has been checked already).
    val ofModel: m: Model -> Pipeline

    /// Class names, in the network's output order.
    val classes: p: Pipeline -> string array

    /// Length of a descriptor (the network's input width).
    val inputs: p: Pipeline -> int

    /// One structure's descriptor with the model's settings, computed on `threads` threads (the sums are the same
    /// for any thread count), or why there is none.
    val describeOn: threads: int -> p: Pipeline -> s: Arise.Structure.Structure -> Result<float32 array, DescribeError>

    /// One structure's descriptor with the model's settings (all cores), or why there is none.
    val describe: p: Pipeline -> s: Arise.Structure.Structure -> Result<float32 array, DescribeError>

    /// The descriptors of many structures (SPM boxes, the files of classify and evaluate): on the engine's device when
    /// it computes descriptors (IDescriptorEngine: the GPU engine), else on the cores: as many structures as cores or
    /// more spread over the cores, one each; fewer one after another, on all cores each (the same bits either way).
    val describeMany: p: Pipeline -> structures: Arise.Structure.Structure array -> Result<float32 array, DescribeError> array

    /// Descriptors packed row by row into one float32 array (count × inputs), as `predict` takes them.
    val pack: p: Pipeline -> descriptors: float32 array array -> float32 array

    /// T Monte Carlo dropout passes for each of `count` descriptors (rows of x) on `threads` threads; the dropout
    /// masks follow `seed` and run on through the batch.
    val predict: p: Pipeline -> threads: int -> seed: int -> samples: int -> x: float32 array -> count: int -> Prediction array

    /// Hidden-layer pre-activations (dropout off) of `count` descriptors: one array count × width per layer, the
    /// output layer's logits last.
    val hidden: p: Pipeline -> x: float32 array -> count: int -> float32 array array

    /// Index of the most probable class (the first on a tie).
    val argmax: probabilities: float array -> int
