/// Quality measures for clusterings and embeddings: adjusted Rand index, trustworthiness (as scikit-learn's
/// sklearn.manifold.trustworthiness) and k-nearest-neighbour preservation.
module Arise.Cluster.Quality

/// Adjusted Rand index between two labelings (every label, −1 included, is a group of its own).
val adjustedRandIndex: a: int array -> b: int array -> float

/// Trustworthiness of an embedding at k (scikit-learn's definition): 1 − 2/(n·k·(2n − 3k − 1)) Σ_i Σ_{j ∈ U_i}
/// (r(i, j) − k), where U_i are the embedding's k nearest neighbours of i that are not among its k nearest in the
/// original space and r(i, j) is j's rank by original distance.
val trustworthiness: k: int -> original: float array array -> embedded: float array array -> float

/// Trustworthiness of embedded held-out points: their k nearest among `reference` in the original space against
/// their k nearest among the reference embedding (the measure used for `transform`).
val heldOutTrustworthiness:
    k: int ->
    reference: float array array ->
    referenceEmbedded: float array array ->
    queries: float array array ->
    queriesEmbedded: float array array ->
        float

/// Mean fraction of each point's k nearest neighbours in the original space that are also among its k nearest in
/// the embedding.
val knnPreservation: k: int -> original: float array array -> embedded: float array array -> float
