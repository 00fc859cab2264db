namespace Arise.Model

/// One structure's classification: its prediction, the classes ranked, and the descriptor's d_NN.
type Classification =
    {
        Prediction: Prediction

        /// (class index, probability), most probable first.
        Ranked: (int * float) array
    }

/// Classifying structures with a pipeline (a model made ready): descriptor with the model's settings, then MC dropout.
module Classifier =

    /// Ranks classes by probability.
    val rank: p: Prediction -> (int * float) array

    /// Classifies descriptors (count × Inputs) with T MC-dropout passes.
    val classifyDescriptors:
        threads: int -> seed: int -> samples: int -> p: Pipeline -> x: float32 array -> count: int -> Classification array

    /// Each structure's descriptor with the model's settings (Pipeline.describeMany: on the engine's device when it
    /// computes descriptors), or why there is none (as text). Models with equal descriptor settings can share the
    /// result.
    val describe: p: Pipeline -> structures: Arise.Structure.Structure array -> Result<float32 array, string> array

    /// Classifies structures: each gets its descriptor (or an error), then one batched MC prediction for all (the
    /// dropout masks run on through the batch, so a structure's probabilities depend on its place in it; see
    /// classifyEach).
    val classify:
        threads: int ->
        seed: int ->
        samples: int ->
        p: Pipeline ->
        structures: Arise.Structure.Structure array ->
            Result<Classification, string> array

    /// `classifyEach` on descriptors already computed with the model's settings (`describe`): each descriptor is
    /// classified alone, errors are passed through.
    val classifyEachDescribed:
        threads: int ->
        seed: int ->
        samples: int ->
        p: Pipeline ->
        descriptors: Result<float32 array, string> array ->
            Result<Classification, string> array

    /// Classifies structures one by one (in parallel on `threads` threads): each structure's result depends only on
    /// its descriptor, T and the seed, not on the other structures or their order; the same as `classify` on that
    /// structure alone.
    val classifyEach:
        threads: int ->
        seed: int ->
        samples: int ->
        p: Pipeline ->
        structures: Arise.Structure.Structure array ->
            Result<Classification, string> array
