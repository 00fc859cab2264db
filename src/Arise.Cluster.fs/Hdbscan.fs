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
        Stabilities: float[]
    }

/// HDBSCAN (Campello, Moulavi & Sander; McInnes & Healy's hdbscan library semantics, notes cluster.md §1),
/// on dense data with a distance function, Prim's minimum spanning tree on mutual-reachability distances.
module Hdbscan =
    /// The library's defaults.
    let defaults =
        { MinClusterSize = 5
          MinSamples = None
          Selection = ClusterSelection.Eom
          AllowSingleCluster = false
          Alpha = 1.0
          SelectionEpsilon = 0.0 }

    /// Euclidean distance between rows.
    let euclidean (a: float[]) (b: float[]) = Knn.euclidean a b

    /// Core distance of each point: the distance to its `k`-th nearest other point (brute force, any metric).
    let coreDistances (distance: float[] -> float[] -> float) (k: int) (points: float[][]) =
        let g =
            Knn.bruteForceBetween distance (min points.Length (k + 1)) true points points

        Array.init points.Length (fun i -> g.Distance(i, g.K - 1))

    /// Euclidean core distances through the blocked exact kNN search.
    let euclideanCoreDistances (k: int) (points: float[][]) =
        let g =
            Knn.euclideanGraph Environment.ProcessorCount (min points.Length (k + 1)) points

        Array.init points.Length (fun i -> g.Distance(i, g.K - 1))

    /// Prim's algorithm on the complete mutual-reachability graph, max(core_a, core_b, d(a, b)/alpha), with the raw
    /// distance from the newest tree vertex computed on the fly (n²/2 evaluations, O(n) memory): (a, b, weight) rows.
    let private prim (n: int) (rawDistance: int -> int -> float) (alpha: float) (core: float[]) =
        let best = Array.create n Double.PositiveInfinity
        let from = Array.zeroCreate n
        let edges = Array.zeroCreate (max 0 (n - 1))
        // vertices not yet in the tree, compacted by swap-removal
        let remaining = Array.init (n - 1) (fun i -> i + 1)
        let mutable count = n - 1
        let mutable current = 0
        let workers = if n > 2000 then Environment.ProcessorCount else 1
        let localBest = Array.zeroCreate workers

        for e in 0 .. n - 2 do
            let c = current
            let chunk = (count + workers - 1) / workers

            let scan w =
                let lo, hi = w * chunk, min count ((w + 1) * chunk)
                let mutable arg = -1
                let mutable v = Double.PositiveInfinity

                for p in lo .. hi - 1 do
                    let j = remaining.[p]
                    let d = max (max core.[c] core.[j]) (rawDistance c j / alpha)

                    if d < best.[j] then
                        best.[j] <- d
                        from.[j] <- c

                    if best.[j] < v || arg < 0 then
                        v <- best.[j]
                        arg <- p

                localBest.[w] <- arg

            if workers > 1 then
                Parallel.For(0, workers, scan) |> ignore
            else
                scan 0

            let mutable pos = -1

            for w in 0 .. workers - 1 do
                let p = localBest.[w]

                if
                    p >= 0
                    && (pos < 0
                        || best.[remaining.[p]] < best.[remaining.[pos]]
                        || (best.[remaining.[p]] = best.[remaining.[pos]] && remaining.[p] < remaining.[pos]))
                then
                    pos <- p

            let next = remaining.[pos]
            edges.[e] <- (from.[next], next, best.[next])
            remaining.[pos] <- remaining.[count - 1]
            count <- count - 1
            current <- next

        edges

    /// Minimum spanning tree of the mutual-reachability graph by Prim's algorithm, any metric: (a, b, weight) rows.
    let minimumSpanningTree (distance: float[] -> float[] -> float) (alpha: float) (core: float[]) (points: float[][]) =
        prim points.Length (fun a b -> distance points.[a] points.[b]) alpha core

    /// Euclidean minimum spanning tree of the mutual-reachability graph, distances in SIMD single precision.
    let euclideanMinimumSpanningTree (alpha: float) (core: float[]) (points: float[][]) =
        let d = if points.Length = 0 then 0 else points.[0].Length
        let flat = Array.zeroCreate<float32>(points.Length * d)

        points
        |> Array.iteri (fun i p ->
            for q in 0 .. d - 1 do
                flat.[i * d + q] <- float32 p.[q])

        prim
            points.Length
            (fun a b -> float (Numerics.Tensors.TensorPrimitives.Distance(ReadOnlySpan(flat, a * d, d), ReadOnlySpan(flat, b * d, d))))
            alpha
            core

    /// Single-linkage tree from MST edges: rows (left, right, distance, size); node n + r is row r.
    let singleLinkage (n: int) (edges: (int * int * float)[]) =
        let sorted = edges |> Array.sortBy (fun (_, _, w) -> w)
        let parent = Array.init (2 * n - 1) id
        let size = Array.init (2 * n - 1) (fun i -> if i < n then 1 else 0)

        let rec find x =
            if parent.[x] = x then
                x
            else
                (let r = find parent.[x] in
                 parent.[x] <- r
                 r)

        sorted
        |> Array.mapi (fun r (a, b, w) ->
            let ra, rb = find a, find b
            let node = n + r
            parent.[ra] <- node
            parent.[rb] <- node
            size.[node] <- size.[ra] + size.[rb]
            ra, rb, w, size.[node])

    /// The condensed tree of a single-linkage tree for a minimum cluster size.
    let condense (n: int) (linkage: (int * int * float * int)[]) (minClusterSize: int) =
        let rows = ResizeArray<CondensedRow>()

        if n < 2 then
            rows.ToArray()
        else
            let root = 2 * n - 2

            let sizeOf node =
                if node < n then
                    1
                else
                    (let _, _, _, s = linkage.[node - n] in s)

            let children node =
                let l, r, _, _ = linkage.[node - n] in l, r

            let leaves node =
                let stack = Collections.Generic.Stack [ node ]

                [ while stack.Count > 0 do
                      let x = stack.Pop()

                      if x < n then
                          yield x
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

                    let fallOut child =
                        for pt in leaves child do
                            rows.Add
                                { Parent = p
                                  Child = pt
                                  Lambda = lambda
                                  ChildSize = 1 }

                    if lc >= minClusterSize && rc >= minClusterSize then
                        relabel.[l] <- next

                        rows.Add
                            { Parent = p
                              Child = next
                              Lambda = lambda
                              ChildSize = lc }

                        next <- next + 1
                        relabel.[r] <- next

                        rows.Add
                            { Parent = p
                              Child = next
                              Lambda = lambda
                              ChildSize = rc }

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

    /// min_samples as used: the setting (default min_cluster_size), clipped to [1, n − 1].
    let private minSamples (settings: HdbscanSettings) (n: int) =
        settings.MinSamples
        |> Option.defaultValue settings.MinClusterSize
        |> min (n - 1)
        |> max 1

    let private empty n =
        { Labels = Array.create n -1
          Probabilities = Array.zeroCreate n
          OutlierScores = Array.zeroCreate n
          CondensedTree = [||]
          SelectedClusters = [||]
          Stabilities = [||] }

    let private check (settings: HdbscanSettings) =
        if settings.MinClusterSize < 2 then
            invalidArg "MinClusterSize" "min_cluster_size must be ≥ 2"

        if settings.MinSamples |> Option.exists (fun m -> m < 1) then
            invalidArg "MinSamples" "min_samples must be ≥ 1"

        if not (settings.Alpha > 0.0) then
            invalidArg "Alpha" "alpha must be positive"

        if settings.SelectionEpsilon < 0.0 then
            invalidArg "SelectionEpsilon" "cluster_selection_epsilon must be ≥ 0"

    /// HDBSCAN from the core distances and the minimum spanning tree of the mutual-reachability graph.
    let fromSpanningTree (settings: HdbscanSettings) (n: int) (mst: (int * int * float)[]) : HdbscanResult =
        let linkage = singleLinkage n mst
        let tree = condense n linkage settings.MinClusterSize
        // cluster bookkeeping
        let maxId =
            if tree.Length = 0 then
                n
            else
                (tree |> Array.map (fun r -> max r.Parent r.Child) |> Array.max)

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

        let clusters = [| n..maxId |] |> Array.filter (fun c -> c = n || parentOf.[c] >= 0)
        let stability = Array.zeroCreate (maxId + 1)

        for r in tree do
            let l =
                if Double.IsPositiveInfinity r.Lambda then
                    birth.[r.Parent]
                else
                    r.Lambda

            stability.[r.Parent] <- stability.[r.Parent] + (l - birth.[r.Parent]) * float r.ChildSize

        let clusterChildren = Array.init (maxId + 1) (fun _ -> ResizeArray<int>())

        for c in clusters do
            if c <> n then
                clusterChildren.[parentOf.[c]].Add c

        let selected = Array.zeroCreate (maxId + 1)

        match settings.Selection with
        | ClusterSelection.Eom ->
            for c in clusters do
                selected.[c] <- true

            let order =
                clusters
                |> Array.sortDescending
                |> Array.filter (fun c -> c <> n || settings.AllowSingleCluster)

            if not settings.AllowSingleCluster then
                selected.[n] <- false

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

                        for y in clusterChildren.[x] do
                            stack.Push y
        | ClusterSelection.Leaf ->
            let leaves =
                clusters |> Array.filter (fun c -> c <> n && clusterChildren.[c].Count = 0)

            if leaves.Length = 0 then
                (if settings.AllowSingleCluster then
                     selected.[n] <- true)
            else
                for c in leaves do
                    selected.[c] <- true

        if settings.SelectionEpsilon > 0.0 then
            // the hdbscan library's epsilon_search: merge clusters born below ε into their first ancestor above it
            let eps = settings.SelectionEpsilon

            let epsOf c =
                if birth.[c] > 0.0 then
                    1.0 / birth.[c]
                else
                    Double.PositiveInfinity

            let rec upwards c =
                let p = parentOf.[c]

                if p = n then (if settings.AllowSingleCluster then n else c)
                elif epsOf p > eps then p
                else upwards p

            let processed = Collections.Generic.HashSet<int>()
            let result = Collections.Generic.HashSet<int>()

            for c in clusters |> Array.filter (fun c -> selected.[c]) |> Array.sort do
                if c <> n && epsOf c < eps then
                    if not (processed.Contains c) then
                        let e = upwards c
                        result.Add e |> ignore
                        let stack = Collections.Generic.Stack(clusterChildren.[e])

                        while stack.Count > 0 do
                            let x = stack.Pop()
                            processed.Add x |> ignore

                            for y in clusterChildren.[x] do
                                stack.Push y
                else
                    result.Add c |> ignore

            for c in clusters do
                selected.[c] <- result.Contains c

        let chosen = clusters |> Array.filter (fun c -> selected.[c]) |> Array.sort
        let labelOf = Collections.Generic.Dictionary<int, int>()
        chosen |> Array.iteri (fun i c -> labelOf.[c] <- i)

        let rootChildMax =
            tree
            |> Array.filter (fun r -> r.Parent = n)
            |> Array.fold (fun m r -> max m r.Lambda) 0.0

        let labels =
            Array.init n (fun p ->
                let mutable c = pointParent.[p]

                while c <> n && not selected.[c] do
                    c <- parentOf.[c]

                if c = n then
                    if selected.[n] && pointLambda.[p] >= rootChildMax then
                        labelOf.[n]
                    else
                        -1
                else
                    labelOf.[c])
        // membership strength: λ_p against the largest λ among the cluster's direct children
        let probabilities =
            Array.init n (fun p ->
                if labels.[p] < 0 then
                    0.0
                else
                    let c = chosen.[labels.[p]]
                    let lmax = directMax.[c]
                    let lp = pointLambda.[p]

                    if lmax = 0.0 || Double.IsPositiveInfinity lp then
                        1.0
                    else
                        min lp lmax / lmax)
        // GLOSH: λ_max over the subtree of the node the point fell out of (propagated upwards)
        let subtreeMax = Array.copy directMax

        for c in clusters |> Array.sortDescending do
            if c <> n then
                subtreeMax.[parentOf.[c]] <- max subtreeMax.[parentOf.[c]] subtreeMax.[c]

        let outlier =
            Array.init n (fun p ->
                let lmax = subtreeMax.[pointParent.[p]]
                let lp = pointLambda.[p]

                if lmax = 0.0 || Double.IsPositiveInfinity lmax || Double.IsPositiveInfinity lp then
                    0.0
                else
                    (lmax - lp) / lmax)

        { Labels = labels
          Probabilities = probabilities
          OutlierScores = outlier
          CondensedTree = tree
          SelectedClusters = chosen
          Stabilities = chosen |> Array.map (fun c -> stability.[c]) }

    /// Runs HDBSCAN on the rows of `points` with any distance function (brute force).
    let runWith (distance: float[] -> float[] -> float) (settings: HdbscanSettings) (points: float[][]) : HdbscanResult =
        check settings
        let n = points.Length

        if n < 2 then
            empty n
        else
            let core = coreDistances distance (minSamples settings n) points
            fromSpanningTree settings n (minimumSpanningTree distance settings.Alpha core points)

    /// Runs HDBSCAN with Euclidean distances: blocked SIMD kNN for the core distances, single-precision SIMD
    /// distances in Prim's tree.
    let run (settings: HdbscanSettings) (points: float[][]) =
        check settings
        let n = points.Length

        if n < 2 then
            empty n
        else
            let d = points.[0].Length

            points
            |> Array.iteri (fun i p ->
                if p.Length <> d then
                    invalidArg "points" (sprintf "row %d has %d values, row 0 has %d" i p.Length d))

            let core = euclideanCoreDistances (minSamples settings n) points
            fromSpanningTree settings n (euclideanMinimumSpanningTree settings.Alpha core points)

    /// Runs HDBSCAN on a precomputed symmetric distance matrix (rows = points).
    let runPrecomputed (settings: HdbscanSettings) (distances: float[][]) =
        check settings
        let n = distances.Length

        if n < 2 then
            empty n
        else
            let g = Knn.fromDistanceMatrix (min n (minSamples settings n + 1)) distances
            let core = Array.init n (fun i -> g.Distance(i, g.K - 1))
            fromSpanningTree settings n (prim n (fun a b -> distances.[a].[b]) settings.Alpha core)
