namespace Arise.Model

/// The Monte Carlo dropout prediction for one input.
type Prediction =
    {

        /// Mean class probabilities over the T stochastic passes (paper Eq. 4).
        Probabilities: float array

        /// Mutual information between prediction and weights (Eq. 5), in nats: H[mean p] − mean H[p_t].
        MutualInformation: float

        /// Predictive entropy H[mean p], in nats.
        Entropy: float
    }

/// Monte Carlo dropout (Gal & Ghahramani): T forward passes with dropout on, batched.
module Prediction =

    /// Shannon entropy −Σ p ln p (nats) of a probability vector (terms with p = 0 contribute 0).
    val entropy: p: float array -> float

    /// Mean probabilities, mutual information and entropy from T sampled probability vectors.
    val summarise: samples: float array array -> Prediction

    /// Predicts `count` inputs (rows of x, count × Inputs) with T = `samples` dropout passes each, in chunks of
    /// about 4,096 rows; chunks run in parallel on up to `threads` threads. Seeded: the dropout masks are
    /// Dropout.passKey/hash of (seed, input, pass, element), so the same seed gives the same result on any thread
    /// count, batching or engine.
    val monteCarlo: threads: int -> seed: int -> samples: int -> net: Network -> x: float32 array -> count: int -> Prediction array

    /// Class probabilities with dropout off (one deterministic pass), count × classes.
    val deterministic: threads: int -> net: Network -> x: float32 array -> count: int -> float32 array

    /// Pre-activation outputs of every dense layer (dropout off) for `count` inputs: one array (count × width) per
    /// layer, for the clustering and embedding of hidden representations.
    val hidden: net: Network -> x: float32 array -> count: int -> float32 array array
