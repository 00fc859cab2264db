/// Soft clustering for HDBSCAN: membership vectors of every training point (the hdbscan library's
/// all_points_membership_vectors, notes cluster.md §1.7) and the paper's assignment rule.
module Arise.Cluster.SoftClustering

/// Membership vectors (points × selected clusters, each row summing to the probability of being in any cluster):
/// distance to the clusters' exemplars × outlier-based (GLOSH-like) membership, scaled by the probability of being
/// in some cluster. No clusters: an empty matrix (rows of length 0).
val membershipVectors:
    distance: (float array -> float array -> float) -> points: float array array -> r: Arise.Cluster.HdbscanResult -> float array array

/// The paper's rule: each point goes to its most probable cluster, or to noise (−1) when every membership is below
/// `threshold` (paper: 0.1).
val assign: threshold: float -> memberships: float array array -> int array
