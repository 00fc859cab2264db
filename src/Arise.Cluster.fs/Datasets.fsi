/// Seeded synthetic data sets for checking and benchmarking the clustering and embedding code against peers
/// (the same rows are written to disk for the Python and R libraries by scripts/cluster-fixtures.fsx).
module Arise.Cluster.Datasets

/// `count` points in `centres` isotropic Gaussian blobs in `dim` dimensions (centres uniform in [−10, 10]^dim,
/// standard deviation uniform in [stdMin, stdMax] per blob), plus `noise` uniform points over the blobs' bounding
/// box labelled −1. Returns (points, labels).
val blobs:
    seed: int -> count: int -> dim: int -> centres: int -> stdMin: float -> stdMax: float -> noise: int -> float array array * int array

/// Two interleaved moons (100 points each, Gaussian noise 0.05), three blobs (50 each, σ 0.1) and 50 uniform
/// background points: 450 points in 2D, labels 0–4 and −1 for the background (the hdbscan library's test set, rebuilt).
val moonsAndBlobs: seed: int -> float array array * int array

/// A digits-like set: 10 classes of 64 non-negative "pixel" values in 0–16, each class a 4-dimensional Gaussian
/// latent cloud pushed through one fixed random two-layer map (tanh, then ReLU) and rounded to integers, so that
/// classes are curved, unequal and touch. 180 points per class by default. Returns (points, labels).
val digitsLike: seed: int -> perClass: int -> float array array * int array

/// Writes a labelled data set as CSV for the peers (R dbscan, umap-learn): one row per point, the label first, then
/// the coordinates (round-trip precision, invariant culture); no header.
val writeCsv: path: string -> points: float array array -> labels: int array -> unit
