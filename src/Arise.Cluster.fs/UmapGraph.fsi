/// The pieces of UMAP that have exact reference values in umap-learn (notes cluster.md §2.2): the a/b curve fit,
/// smooth kNN distances (ρ, σ), the membership strengths and their fuzzy union, as a sparse symmetric graph.
module Arise.Cluster.UmapGraph

/// A sparse matrix in coordinate form (row, column, weight), rows sorted, no duplicates.
type SparseGraph =
    { Rows: int
      Columns: int
      Head: int array
      Tail: int array
      Weight: float array }

    /// Number of stored edges.
    member Edges: int

/// Fits a and b of 1 / (1 + a·x^(2b)) to the target curve (1 below min_dist, exp(−(x − min_dist)/spread) beyond) on
/// 300 points in [0, 3·spread] by Levenberg–Marquardt least squares, as umap-learn's find_ab_params.
val fitAB: spread: float -> minDist: float -> float * float

/// Smooth kNN distances of umap-learn's smooth_knn_dist: per point ρ (distance to the local_connectivity-th
/// non-zero neighbour, interpolated) and σ (binary search, 64 steps, so that Σ_{j≥1} exp(−max(0, d_j − ρ)/σ) =
/// log2(k)·bandwidth; column 0 skipped), σ floored at 1e-3 × the mean distance. Returns (sigmas, rhos).
val smoothKnnDistances:
    graph: Arise.Cluster.Knn.KnnGraph -> k: float -> localConnectivity: float -> bandwidth: float -> float array * float array

/// Membership strengths w_ij = exp(−max(0, d_ij − ρ_i)/σ_i) (1 when d ≤ ρ or σ = 0) of each point's kNN edges,
/// as (row, column, weight) triples; the self edge is 0 unless `bipartite` (queries against a different set).
val membershipStrengths:
    graph: Arise.Cluster.Knn.KnnGraph ->
    sigmas: float array ->
    rhos: float array ->
    bipartite: bool ->
        int32 array * int array * float array

/// Builds a graph from (row, column, weight) triples: rows in order, columns sorted within a row, duplicates summed,
/// zeros and negative columns dropped.
val ofTriples: nRows: int -> nCols: int -> rows: int array -> cols: int array -> vals: float array -> SparseGraph

/// The fuzzy simplicial set of umap-learn: local memberships A, then mix·(A + Aᵀ − A∘Aᵀ) + (1 − mix)·(A∘Aᵀ)
/// (mix = set_op_mix_ratio; 1 = fuzzy union). Returns the symmetric graph and (sigmas, rhos).
val fuzzySimplicialSet:
    graph: Arise.Cluster.Knn.KnnGraph -> k: int -> localConnectivity: float -> mix: float -> SparseGraph * (float array * float array)

/// The bipartite graph of new points against the training points for `transform` (no symmetrisation).
val bipartite: graph: Arise.Cluster.Knn.KnnGraph -> nTrain: int -> k: int -> localConnectivity: float -> SparseGraph
