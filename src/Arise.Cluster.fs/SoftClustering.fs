/// Soft clustering for HDBSCAN: membership vectors of every training point (the hdbscan library's
/// all_points_membership_vectors, notes cluster.md §1.7) and the paper's assignment rule.
module Arise.Cluster.SoftClustering

open System

/// Membership vectors (points × selected clusters, each row summing to the probability of being in any cluster):
/// distance to the clusters' exemplars × outlier-based (GLOSH-like) membership, scaled by the probability of being
/// in some cluster. No clusters: an empty matrix (rows of length 0).
let membershipVectors (distance: float[] -> float[] -> float) (points: float[][]) (r: HdbscanResult) : float[][] =
    let n = points.Length
    let m = r.SelectedClusters.Length

    if m = 0 then
        Array.init n (fun _ -> [||])
    else
        let tree = r.CondensedTree
        let maxId = tree |> Array.fold (fun a row -> max a (max row.Parent row.Child)) n
        let parentOf = Array.create (maxId + 1) -1
        let birth = Array.zeroCreate (maxId + 1)
        let directMax = Array.zeroCreate (maxId + 1)
        let pointParent = Array.create n n
        let pointLambda = Array.zeroCreate n
        let clusterChildren = Array.init (maxId + 1) (fun _ -> ResizeArray<int>())

        for row in tree do
            if row.Child >= n then
                parentOf.[row.Child] <- row.Parent
                birth.[row.Child] <- row.Lambda
                clusterChildren.[row.Parent].Add row.Child
            else
                pointParent.[row.Child] <- row.Parent
                pointLambda.[row.Child] <- row.Lambda

            directMax.[row.Parent] <- max directMax.[row.Parent] row.Lambda
        // exemplars: in every leaf below each selected cluster, the points that leave at the leaf's largest λ
        let exemplars =
            r.SelectedClusters
            |> Array.map (fun c ->
                let leaves = ResizeArray<int>()
                let stack = Collections.Generic.Stack [ c ]

                while stack.Count > 0 do
                    let x = stack.Pop()

                    if clusterChildren.[x].Count = 0 then
                        leaves.Add x
                    else
                        for y in clusterChildren.[x] do
                            stack.Push y

                let leafSet = Collections.Generic.HashSet(leaves)

                [| for row in tree do
                       if
                           row.Child < n
                           && leafSet.Contains row.Parent
                           && row.Lambda = directMax.[row.Parent]
                       then
                           yield points.[row.Child] |])

        let mergeHeight (pointCluster: int) (lambdaP: float) (cluster: int) =
            let mutable left = pointCluster
            let mutable right = cluster
            let mutable tookLeft, tookRight = false, false
            let mutable last = -1

            while left <> right do
                if left > right then
                    tookLeft <- true
                    last <- left
                    left <- parentOf.[left]
                else
                    tookRight <- true
                    last <- right
                    right <- parentOf.[right]

            if tookLeft && tookRight then birth.[last] else lambdaP
        // identical points merge at λ = ∞: ∞/∞ counts as the same level (ratio 1)
        let ratio (a: float) (b: float) =
            let q = a / b in if Double.IsNaN q then 1.0 else q

        Array.init n (fun p ->
            // distance part
            let inv =
                exemplars
                |> Array.map (fun ex ->
                    let d =
                        ex
                        |> Array.fold (fun a e -> min a (distance points.[p] e)) Double.PositiveInfinity

                    if d = 0.0 then Double.MaxValue / float m else 1.0 / d)

            let invSum = Array.sum inv
            let dist = inv |> Array.map (fun v -> v / invSum)
            // outlier part
            let pc = pointParent.[p]
            let lp = pointLambda.[p]
            let lmax = directMax.[pc] + 1e-8
            let heights = r.SelectedClusters |> Array.map (fun c -> mergeHeight pc lp c)
            let scores = heights |> Array.map (fun h -> exp (-(ratio lmax h)))
            let top = Array.max scores
            let e = scores |> Array.map (fun s -> exp (s - top))
            let eSum = Array.sum e
            let outlier = e |> Array.map (fun v -> v / eSum)
            // probability of being in some cluster
            let hBest = Array.max heights
            let cBest = r.SelectedClusters.[Array.findIndex ((=) hBest) heights]
            let pAny = ratio hBest (max directMax.[cBest] lp)
            let v = Array.map2 (*) dist outlier
            let vSum = Array.sum v
            v |> Array.map (fun x -> (if vSum > 0.0 then x / vSum else 0.0) * pAny))

/// The paper's rule: each point goes to its most probable cluster, or to noise (−1) when every membership is below
/// `threshold` (paper: 0.1).
let assign (threshold: float) (memberships: float[][]) =
    memberships
    |> Array.map (fun v ->
        if v.Length = 0 then
            -1
        else
            // first maximum; NaN never wins
            let mutable best = -1

            for k in 0 .. v.Length - 1 do
                if not (Double.IsNaN v.[k]) && (best < 0 || v.[k] > v.[best]) then
                    best <- k

            if best < 0 || v.[best] < threshold then -1 else best)
