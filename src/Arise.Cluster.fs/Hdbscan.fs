namespace Arise.Cluster

open System
open System.Threading.Tasks

/// How clusters are chosen from the condensed tree.
[<RequireQualifiedAccess>]
type ClusterSelection =
    /// Excess of mass (the default).
    | Eom
    /// The leaves of the cluster tree.
    | Leaf

/// HDBSCAN settings (defaults as the hdbscan library: min_cluster_size 5, min_samples = min_cluster_size, EOM).
type HdbscanSettings =
    { MinClusterSize: int
      /// Neighbours (excluding the point itself) for the core distance; None = MinClusterSize.
      MinSamples: int option
      Selection: ClusterSelection
      AllowSingleCluster: bool
      /// Distances are divided by alpha before the mutual-reachability max.
      Alpha: float }

/// One row of the condensed tree: `Child` (a point id < n, or a cluster id ≥ n) leaves `Parent` at λ = 1/distance.
type CondensedRow = { Parent: int; Child: int; Lambda: float; ChildSize: int }

/// The result of HDBSCAN.
type HdbscanResult =
    { /// Cluster label per point, −1 for noise.
      Labels: int[]
      /// Strength of each point's membership of its cluster (0 for noise).
      Probabilities: float[]
      /// GLOSH outlier score per point.
      OutlierScores: float[]
      /// The condensed tree (for plots); cluster ids start at n (the root).
      CondensedTree: CondensedRow[]
      /// Condensed-tree id of each label's cluster.
      SelectedClusters: int[]
      /// Stability of each selected cluster.
      Stabilities: float[] }

/// HDBSCAN (Campello, Moulavi & Sander; McInnes & Healy's hdbscan library semantics, notes cluster.md §1),
/// on dense data with a distance function, Prim's minimum spanning tree on mutual-reachability distances.
module Hdbscan =
    /// The library's defaults.
    let defaults =
        { MinClusterSize = 5
          MinSamples = None
          Selection = ClusterSelection.Eom
          AllowSingleCluster = false
          Alpha = 1.0 }

    /// Euclidean distance between rows.
    let euclidean (a: float[]) (b: float[]) =
        let mutable s = 0.0
        for k in 0 .. a.Length - 1 do
            let d = a.[k] - b.[k]
            s <- s + d * d
        sqrt s

    /// Core distance of each point: the distance to its `k`-th nearest other point.
    let coreDistances (distance: float[] -> float[] -> float) (k: int) (points: float[][]) =
        let n = points.Length
        let core = Array.zeroCreate n
        Parallel.For(0, n, fun i ->
            let d = Array.init n (fun j -> if j = i then Double.PositiveInfinity else distance points.[i] points.[j])
            Array.sortInPlace d
            core.[i] <- d.[min (n - 2) (k - 1)]) |> ignore
        core

    /// Minimum spanning tree of the mutual-reachability graph by Prim's algorithm: (a, b, weight) rows.
    let minimumSpanningTree (distance: float[] -> float[] -> float) (alpha: float) (core: float[]) (points: float[][]) =
        let n = points.Length
        let inTree = Array.zeroCreate n
        let best = Array.create n Double.PositiveInfinity
        let from = Array.zeroCreate n
        let edges = Array.zeroCreate (max 0 (n - 1))
        let mutable current = 0
        inTree.[0] <- true
        for e in 0 .. n - 2 do
            let c = current
            Parallel.For(0, n, fun j ->
                if not inTree.[j] then
                    let d = max (max core.[c] core.[j]) (distance points.[c] points.[j] / alpha)
                    if d < best.[j] then
                        best.[j] <- d
                        from.[j] <- c) |> ignore
            let mutable next = -1
            for j in 0 .. n - 1 do
                if not inTree.[j] && (next < 0 || best.[j] < best.[next]) then next <- j
            edges.[e] <- (from.[next], next, best.[next])
            inTree.[next] <- true
            current <- next
        edges

    /// Single-linkage tree from MST edges: rows (left, right, distance, size); node n + r is row r.
    let singleLinkage (n: int) (edges: (int * int * float)[]) =
        let sorted = edges |> Array.sortBy (fun (_, _, w) -> w)
        let parent = Array.init (2 * n - 1) id
        let size = Array.init (2 * n - 1) (fun i -> if i < n then 1 else 0)
        let rec find x = if parent.[x] = x then x else (let r = find parent.[x] in parent.[x] <- r; r)
        sorted |> Array.mapi (fun r (a, b, w) ->
            let ra, rb = find a, find b
            let node = n + r
            parent.[ra] <- node
            parent.[rb] <- node
            size.[node] <- size.[ra] + size.[rb]
            ra, rb, w, size.[node])

    /// The condensed tree of a single-linkage tree for a minimum cluster size.
    let condense (n: int) (linkage: (int * int * float * int)[]) (minClusterSize: int) =
        let rows = ResizeArray<CondensedRow>()
        if n < 2 then rows.ToArray()
        else
            let root = 2 * n - 2
            let sizeOf node = if node < n then 1 else (let _, _, _, s = linkage.[node - n] in s)
            let children node = let l, r, _, _ = linkage.[node - n] in l, r
            let leaves node =
                let stack = Collections.Generic.Stack [ node ]
                [ while stack.Count > 0 do
                      let x = stack.Pop()
                      if x < n then yield x
                      else
                          let l, r = children x
                          stack.Push r
                          stack.Push l ]
            let relabel = Array.zeroCreate (2 * n - 1)
            relabel.[root] <- n
            let mutable next = n + 1
            let queue = Collections.Generic.Queue [ root ]
            while queue.Count > 0 do
                let node = queue.Dequeue()
                if node >= n then
                    let l, r, d, _ = linkage.[node - n]
                    let lambda = if d > 0.0 then 1.0 / d else Double.PositiveInfinity
                    let lc, rc = sizeOf l, sizeOf r
                    let p = relabel.[node]
                    let fallOut child = for pt in leaves child do rows.Add { Parent = p; Child = pt; Lambda = lambda; ChildSize = 1 }
                    if lc >= minClusterSize && rc >= minClusterSize then
                        relabel.[l] <- next
                        rows.Add { Parent = p; Child = next; Lambda = lambda; ChildSize = lc }
                        next <- next + 1
                        relabel.[r] <- next
                        rows.Add { Parent = p; Child = next; Lambda = lambda; ChildSize = rc }
                        next <- next + 1
                        queue.Enqueue l
                        queue.Enqueue r
                    elif lc < minClusterSize && rc < minClusterSize then
                        fallOut l
                        fallOut r
                    elif lc < minClusterSize then
                        relabel.[r] <- p
                        fallOut l
                        queue.Enqueue r
                    else
                        relabel.[l] <- p
                        fallOut r
                        queue.Enqueue l
            rows.ToArray()

    /// Runs HDBSCAN on the rows of `points` with a distance function.
    let runWith (distance: float[] -> float[] -> float) (settings: HdbscanSettings) (points: float[][]) : HdbscanResult =
        let n = points.Length
        if settings.MinClusterSize < 2 then invalidArg "settings" "min_cluster_size must be ≥ 2"
        if n < 2 then
            { Labels = Array.create n -1; Probabilities = Array.zeroCreate n; OutlierScores = Array.zeroCreate n
              CondensedTree = [||]; SelectedClusters = [||]; Stabilities = [||] }
        else
        let k = settings.MinSamples |> Option.defaultValue settings.MinClusterSize |> min (n - 1) |> max 1
        let core = coreDistances distance k points
        let mst = minimumSpanningTree distance settings.Alpha core points
        let linkage = singleLinkage n mst
        let tree = condense n linkage settings.MinClusterSize
        // cluster bookkeeping
        let maxId = if tree.Length = 0 then n else (tree |> Array.map (fun r -> max r.Parent r.Child) |> Array.max)
        let birth = Array.zeroCreate (maxId + 1)
        let parentOf = Array.create (maxId + 1) -1
        let pointLambda = Array.zeroCreate n
        let pointParent = Array.create n n
        let directMax = Array.zeroCreate (maxId + 1)
        for r in tree do
            if r.ChildSize > 1 || r.Child >= n then
                birth.[r.Child] <- r.Lambda
                parentOf.[r.Child] <- r.Parent
            else
                pointLambda.[r.Child] <- r.Lambda
                pointParent.[r.Child] <- r.Parent
            directMax.[r.Parent] <- max directMax.[r.Parent] r.Lambda
        let clusters = [| n .. maxId |] |> Array.filter (fun c -> c = n || parentOf.[c] >= 0)
        let stability = Array.zeroCreate (maxId + 1)
        for r in tree do
            let l = if Double.IsPositiveInfinity r.Lambda then birth.[r.Parent] else r.Lambda
            stability.[r.Parent] <- stability.[r.Parent] + (l - birth.[r.Parent]) * float r.ChildSize
        let clusterChildren = Array.init (maxId + 1) (fun _ -> ResizeArray<int>())
        for c in clusters do
            if c <> n then clusterChildren.[parentOf.[c]].Add c
        let selected = Array.zeroCreate (maxId + 1)
        match settings.Selection with
        | ClusterSelection.Eom ->
            for c in clusters do selected.[c] <- true
            let order = clusters |> Array.sortDescending |> Array.filter (fun c -> c <> n || settings.AllowSingleCluster)
            if not settings.AllowSingleCluster then selected.[n] <- false
            for c in order do
                let sub = clusterChildren.[c] |> Seq.sumBy (fun ch -> stability.[ch])
                if sub > stability.[c] && clusterChildren.[c].Count > 0 then
                    selected.[c] <- false
                    stability.[c] <- sub
                else
                    let stack = Collections.Generic.Stack(clusterChildren.[c])
                    while stack.Count > 0 do
                        let x = stack.Pop()
                        selected.[x] <- false
                        for y in clusterChildren.[x] do stack.Push y
        | ClusterSelection.Leaf ->
            let leaves = clusters |> Array.filter (fun c -> c <> n && clusterChildren.[c].Count = 0)
            if leaves.Length = 0 then (if settings.AllowSingleCluster then selected.[n] <- true)
            else for c in leaves do selected.[c] <- true
        let chosen = clusters |> Array.filter (fun c -> selected.[c]) |> Array.sort
        let labelOf = Collections.Generic.Dictionary<int, int>()
        chosen |> Array.iteri (fun i c -> labelOf.[c] <- i)
        let rootChildMax = tree |> Array.filter (fun r -> r.Parent = n) |> Array.fold (fun m r -> max m r.Lambda) 0.0
        let labels =
            Array.init n (fun p ->
                let mutable c = pointParent.[p]
                while c <> n && not selected.[c] do
                    c <- parentOf.[c]
                if c = n then
                    if selected.[n] && pointLambda.[p] >= rootChildMax then labelOf.[n] else -1
                else labelOf.[c])
        // membership strength: λ_p against the largest λ among the cluster's direct children
        let probabilities =
            Array.init n (fun p ->
                if labels.[p] < 0 then 0.0
                else
                    let c = chosen.[labels.[p]]
                    let lmax = directMax.[c]
                    let lp = pointLambda.[p]
                    if lmax = 0.0 || Double.IsPositiveInfinity lp then 1.0 else min lp lmax / lmax)
        // GLOSH: λ_max over the subtree of the node the point fell out of (propagated upwards)
        let subtreeMax = Array.copy directMax
        for c in clusters |> Array.sortDescending do
            if c <> n then subtreeMax.[parentOf.[c]] <- max subtreeMax.[parentOf.[c]] subtreeMax.[c]
        let outlier =
            Array.init n (fun p ->
                let lmax = subtreeMax.[pointParent.[p]]
                let lp = pointLambda.[p]
                if lmax = 0.0 || Double.IsPositiveInfinity lmax || Double.IsPositiveInfinity lp then 0.0 else (lmax - lp) / lmax)
        { Labels = labels
          Probabilities = probabilities
          OutlierScores = outlier
          CondensedTree = tree
          SelectedClusters = chosen
          Stabilities = chosen |> Array.map (fun c -> stability.[c]) }

    /// Runs HDBSCAN with Euclidean distances.
    let run (settings: HdbscanSettings) (points: float[][]) = runWith euclidean settings points
