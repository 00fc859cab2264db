/// The paper's exploratory analysis of the network's internal representations (Fig. 2d–g, Fig. 4b): HDBSCAN with
/// soft clustering and a UMAP embedding of one hidden layer's activations.
module Arise.Cluster.Exploration

/// What to run.
type ExploreSettings =
    {
        Hdbscan: HdbscanSettings
        /// Soft clustering: a point is noise when all its memberships are below this (paper: 0.1).
        Threshold: float
        /// None: no embedding.
        Umap: UmapSettings option
        /// Scale each activation vector to unit length first (Euclidean then ranks pairs as the cosine distance does).
        Normalise: bool
    }

/// Per point: hard label, HDBSCAN probability, GLOSH score, soft label and its membership, embedding (or empty).
type Exploration =
    { Labels: int[]
      Probabilities: float[]
      OutlierScores: float[]
      SoftLabels: int[]
      SoftMembership: float[]
      Embedding: float[][]
      Clusters: int }

/// Runs HDBSCAN (+ membership vectors and the threshold rule) and, if asked, UMAP on the rows of `points`;
/// `progress` receives UMAP's epochs done.
let run (settings: ExploreSettings) (points: float[][]) (progress: int -> unit) =
    let x =
        if settings.Normalise then
            points
            |> Array.map (fun row ->
                let norm = sqrt (Array.sumBy (fun v -> v * v) row)

                if norm > 0.0 then
                    row |> Array.map (fun v -> v / norm)
                else
                    row)
        else
            points

    let r = Hdbscan.run settings.Hdbscan x
    let m = SoftClustering.membershipVectors Hdbscan.euclidean x r
    let soft = SoftClustering.assign settings.Threshold m

    let embedding =
        match settings.Umap with
        | Some u when x.Length > 2 ->
            let k = min u.Neighbours (x.Length - 1)
            (Umap.fitWith { u with Neighbours = k } x progress).Embedding
        | _ -> [||]

    { Labels = r.Labels
      Probabilities = r.Probabilities
      OutlierScores = r.OutlierScores
      SoftLabels = soft
      SoftMembership = m |> Array.map (fun row -> if row.Length = 0 then 0.0 else Array.max row)
      Embedding = embedding
      Clusters = r.SelectedClusters.Length }
