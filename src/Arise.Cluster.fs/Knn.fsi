/// k-nearest-neighbour graphs for UMAP and HDBSCAN: exact, by blocked single-precision matrix products for the
/// Euclidean metric (‖x‖² + ‖y‖² − 2 x·y, then the chosen neighbours' distances recomputed in double precision),
/// or by brute force for any metric given as a function.
module Arise.Cluster.Knn

/// k nearest neighbours of each query point, row-major (query × k), nearest first. When the queries are the
/// reference points themselves, column 0 is the point itself at distance 0 (as umap-learn's graphs).
type KnnGraph =
    { K: int
      Indices: int array
      Distances: float array }

    /// Distance to the j-th neighbour of point i.
    member Distance: i: int * j: int -> float

    /// Index of the j-th neighbour of point i.
    member Index: i: int * j: int -> int

    /// Number of points.
    member Count: int

/// Euclidean distance between two rows (SIMD).
val euclidean: a: float array -> b: float array -> float

/// Exact Euclidean k nearest neighbours of each `queries` row among the `reference` rows, computed by blocks of
/// query rows through the SIMD matrix product (no n × n matrix is held). `sameSet` says that the queries are the
/// reference points (then each point is its own first neighbour). Uses up to `threads` threads.
val euclideanBetween: threads: int -> k: int -> sameSet: bool -> queries: float array array -> reference: float array array -> KnnGraph

/// Exact Euclidean k nearest neighbours of every point among the points, itself first.
val euclideanGraph: threads: int -> k: int -> points: float array array -> KnnGraph

/// Exact k nearest neighbours with any metric (brute force, n × n distance evaluations); `sameSet` as above.
val bruteForceBetween:
    metric: (float array -> float array -> float) ->
    k: int ->
    sameSet: bool ->
    queries: float array array ->
    reference: float array array ->
        KnnGraph

/// k nearest neighbours from a precomputed distance matrix (rows = points), itself first.
val fromDistanceMatrix: k: int -> distances: float array array -> KnnGraph
