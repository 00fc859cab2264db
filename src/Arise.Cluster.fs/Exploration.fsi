/// The paper's exploratory analysis of the network's internal representations (Fig. 2d–g, Fig. 4b): HDBSCAN with
/// soft clustering and a UMAP embedding of one hidden layer's activations.
module Arise.Cluster.Exploration

/// What to run.
type ExploreSettings =
    {
        Hdbscan: Arise.Cluster.HdbscanSettings

        /// Soft clustering: a point is noise when all its memberships are below this (paper: 0.1).
        Threshold: float

        /// None: no embedding.
        Umap: Arise.Cluster.UmapSettings option

        /// Scale each activation vector to unit length first (Euclidean then ranks pairs as the cosine distance does).
        Normalise: bool
    }

/// Per point: hard label, HDBSCAN probability, GLOSH score, soft label and its membership, embedding (or empty).
type Exploration =
    { Labels: int array
      Probabilities: float array
      OutlierScores: float array
      SoftLabels: int array
      SoftMembership: float array
      Embedding: float array array
      Clusters: int }

/// Runs HDBSCAN (+ membership vectors and the threshold rule) and, if asked, UMAP on the rows of `points`;
/// `progress` receives UMAP's epochs done.
val run: settings: ExploreSettings -> points: float array array -> progress: (int -> unit) -> Exploration
