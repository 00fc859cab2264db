namespace Arise.Cluster

/// How the embedding starts.
[<RequireQualifiedAccess>]
type UmapInit =

    /// Eigenvectors of the graph's normalised Laplacian (components laid out around a meta-embedding).
    | Spectral

    /// Uniform in [−10, 10].
    | Random

/// UMAP settings; defaults as umap-learn 0.5 (notes cluster.md §2.1).
type UmapSettings =
    {
        Neighbours: int
        Components: int
        MinDist: float
        Spread: float

        /// None: 500 epochs up to 10,000 points, 200 above.
        Epochs: int option
        LearningRate: float
        NegativeSampleRate: int
        RepulsionStrength: float
        LocalConnectivity: float
        SetOpMixRatio: float
        Init: UmapInit

        /// None: Euclidean (blocked SIMD kNN); Some f: any metric, brute-force kNN.
        Metric: (float array -> float array -> float) option

        /// Some seed: single-threaded and reproducible; None: parallel (Hogwild) SGD, different every run.
        Seed: int option

        /// Seed of the negative sampling in `transform` (umap-learn's transform_seed).
        TransformSeed: int
    }

/// A fitted UMAP: the embedding (points × components) and what `transform` needs.
type UmapModel =
    { Settings: UmapSettings
      A: float
      B: float
      Embedding: float array array
      Training: float array array
      Graph: UmapGraph.SparseGraph }

/// Tausworthe generator of umap-learn (utils.tau_rand_int), one shared state as in umap-learn 0.5.3.
type internal Tau =

    new: seed: int -> Tau

    /// The next 32-bit random number.
    member Next: unit -> uint32

/// UMAP (McInnes, Healy & Melville), following umap-learn 0.5.3's fit and transform (notes cluster.md §2).
module Umap =

    /// umap-learn's defaults (n_neighbors 15, 2 components, min_dist 0.1, spread 1, spectral init).
    val defaults: UmapSettings

    /// umap-learn's default number of epochs: 500 up to 10,000 points, 200 above.
    val defaultEpochs: n: int -> int

    /// The epochs a fit of `n` points runs.
    val epochs: settings: UmapSettings -> n: int -> int

    /// The exact kNN graph (itself first) of `points` under the settings' metric.
    val neighbours: settings: UmapSettings -> points: float array array -> Knn.KnnGraph

    /// Connected components of a graph: (count, label per vertex).
    val internal connectedComponents: graph: UmapGraph.SparseGraph -> int * int array

    /// Initial layout as umap-learn's spectral_layout, with the multi-component layout for disconnected graphs.
    val internal spectralLayout:
        graph: UmapGraph.SparseGraph -> points: float array array -> dim: int -> rng: System.Random -> float array array

    /// The initial embedding: spectral (scaled to max |x| = 10, plus N(0, 1e−4) noise) or uniform(−10, 10), then
    /// every dimension rescaled to [0, 10] (umap-learn 0.5.3).
    val internal initialEmbedding:
        settings: UmapSettings -> graph: UmapGraph.SparseGraph -> points: float array array -> rng: System.Random -> float array array

    /// umap-learn's optimize_layout_euclidean: `n_epochs` epochs over the edges (head → tail), each edge sampled
    /// every w_max/w epochs, attraction moving both ends when `moveOther`, `negativeRate` repulsive samples per
    /// positive one drawn uniformly from the tail points; α decays linearly from `alpha0`. Modifies `head`.
    val internal optimiseLayout:
        head: float array array ->
        tail: float array array ->
        graph: UmapGraph.SparseGraph ->
        epochs: int ->
        a: float ->
        b: float ->
        gamma: float ->
        alpha0: float ->
        negativeRate: int ->
        moveOther: bool ->
        seed: int option ->
        progress: (int -> unit) ->
            unit

    /// Fits UMAP to the rows of `points` from a kNN graph already computed (itself first in each row);
    /// `progress` is called with the epochs done.
    val fitGraph: settings: UmapSettings -> points: float array array -> knn: Knn.KnnGraph -> progress: (int -> unit) -> UmapModel

    /// Fits UMAP to the rows of `points` (kNN graph, fuzzy union, initialisation, SGD).
    val fitWith: settings: UmapSettings -> points: float array array -> progress: (int -> unit) -> UmapModel

    /// Fits UMAP and returns the model.
    val fit: settings: UmapSettings -> points: float array array -> UmapModel

    /// Embeds new points into a fitted model's space (umap-learn's transform): their k nearest training points,
    /// the bipartite membership graph (local connectivity − 1), the membership-weighted mean as the start, then the
    /// SGD with the training embedding frozen (100 epochs up to 10,000 points, 30 above; α = learning rate / 4).
    val transform: model: UmapModel -> points: float array array -> float array array
