namespace Arise.Cluster

/// How clusters are chosen from the condensed tree.
[<RequireQualifiedAccess>]
type ClusterSelection =

    /// Excess of mass (the default).
    | Eom

    /// The leaves of the cluster tree.
    | Leaf

/// HDBSCAN settings (defaults as the hdbscan library: min_cluster_size 5, min_samples = min_cluster_size, EOM).
type HdbscanSettings =
    {
        MinClusterSize: int

        /// Neighbours (excluding the point itself) for the core distance; None = MinClusterSize.
        MinSamples: int option
        Selection: ClusterSelection
        AllowSingleCluster: bool

        /// Distances are divided by alpha before the mutual-reachability max.
        Alpha: float

        /// cluster_selection_epsilon: selected clusters born below this distance are merged up to the first
        /// ancestor born above it (0 = off).
        SelectionEpsilon: float
    }

/// One row of the condensed tree: `Child` (a point id < n, or a cluster id ≥ n) leaves `Parent` at λ = 1/distance.
type CondensedRow =
    { Parent: int
      Child: int
      Lambda: float
      ChildSize: int }

/// The result of HDBSCAN.
type HdbscanResult =
    {

        /// Cluster label per point, −1 for noise.
        Labels: int array

        /// Strength of each point's membership of its cluster (0 for noise).
        Probabilities: float array

        /// GLOSH outlier score per point.
        OutlierScores: float array

        /// The condensed tree (for plots); cluster ids start at n (the root).
        CondensedTree: CondensedRow array

        /// Condensed-tree id of each label's cluster.
        SelectedClusters: int array

        /// Stability of each selected cluster.
        Stabilities: float array
    }

/// HDBSCAN (Campello, Moulavi & Sander; McInnes & Healy's hdbscan library semantics, notes cluster.md §1),
/// on dense data with a distance function, Prim's minimum spanning tree on mutual-reachability distances.
module Hdbscan =

    /// The library's defaults.
    val defaults: HdbscanSettings

    /// Euclidean distance between rows.
    val euclidean: a: float array -> b: float array -> float

    /// Core distance of each point: the distance to its `k`-th nearest other point (brute force, any metric).
    val internal coreDistances: distance: (float array -> float array -> float) -> k: int -> points: float array array -> float array

    /// Euclidean core distances through the blocked exact kNN search.
    val internal euclideanCoreDistances: k: int -> points: float array array -> float array

    /// Minimum spanning tree of the mutual-reachability graph by Prim's algorithm, any metric: (a, b, weight) rows.
    val internal minimumSpanningTree:
        distance: (float array -> float array -> float) ->
        alpha: float ->
        core: float array ->
        points: float array array ->
            (int * int * float) array

    /// Euclidean minimum spanning tree of the mutual-reachability graph, distances in SIMD single precision.
    val internal euclideanMinimumSpanningTree: alpha: float -> core: float array -> points: float array array -> (int * int * float) array

    /// Single-linkage tree from MST edges: rows (left, right, distance, size); node n + r is row r.
    val internal singleLinkage: n: int -> edges: (int * int * float) array -> (int * int * float * int) array

    /// The condensed tree of a single-linkage tree for a minimum cluster size.
    val internal condense: n: int -> linkage: (int * int * float * int) array -> minClusterSize: int -> CondensedRow array

    /// HDBSCAN from the core distances and the minimum spanning tree of the mutual-reachability graph.
    val fromSpanningTree: settings: HdbscanSettings -> n: int -> mst: (int * int * float) array -> HdbscanResult

    /// Runs HDBSCAN on the rows of `points` with any distance function (brute force).
    val runWith: distance: (float array -> float array -> float) -> settings: HdbscanSettings -> points: float array array -> HdbscanResult

    /// Runs HDBSCAN with Euclidean distances: blocked SIMD kNN for the core distances, single-precision SIMD
    /// distances in Prim's tree.
    val run: settings: HdbscanSettings -> points: float array array -> HdbscanResult

    /// Runs HDBSCAN on a precomputed symmetric distance matrix (rows = points).
    val runPrecomputed: settings: HdbscanSettings -> distances: float array array -> HdbscanResult
