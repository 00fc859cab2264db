namespace Arise.Cluster

open System
open System.Numerics.Tensors
open System.Threading.Tasks
open MathNet.Numerics.LinearAlgebra

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
        Metric: (float[] -> float[] -> float) option
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
      Embedding: float[][]
      Training: float[][]
      Graph: UmapGraph.SparseGraph }

/// Tausworthe generator of umap-learn (utils.tau_rand_int), one shared state as in umap-learn 0.5.3.
type internal Tau(seed: int) =
    let rng = Random(seed)
    let mutable s0 = uint32 (rng.Next()) ||| 2u
    let mutable s1 = uint32 (rng.Next()) ||| 8u
    let mutable s2 = uint32 (rng.Next()) ||| 16u

    member _.Next() =
        s0 <- ((s0 &&& 4294967294u) <<< 12) ^^^ (((s0 <<< 13) ^^^ s0) >>> 19)
        s1 <- ((s1 &&& 4294967288u) <<< 4) ^^^ (((s1 <<< 2) ^^^ s1) >>> 25)
        s2 <- ((s2 &&& 4294967280u) <<< 17) ^^^ (((s2 <<< 3) ^^^ s2) >>> 11)
        s0 ^^^ s1 ^^^ s2

/// UMAP (McInnes, Healy & Melville), following umap-learn 0.5.3's fit and transform (notes cluster.md §2).
module Umap =
    /// umap-learn's defaults (n_neighbors 15, 2 components, min_dist 0.1, spread 1, spectral init).
    let defaults =
        { Neighbours = 15
          Components = 2
          MinDist = 0.1
          Spread = 1.0
          Epochs = None
          LearningRate = 1.0
          NegativeSampleRate = 5
          RepulsionStrength = 1.0
          LocalConnectivity = 1.0
          SetOpMixRatio = 1.0
          Init = UmapInit.Spectral
          Metric = None
          Seed = Some 42
          TransformSeed = 42 }

    let private threads () = Environment.ProcessorCount

    /// umap-learn's default number of epochs: 500 up to 10,000 points, 200 above.
    let defaultEpochs (n: int) = if n <= 10_000 then 500 else 200

    /// The epochs a fit of `n` points runs.
    let epochs (settings: UmapSettings) (n: int) =
        settings.Epochs |> Option.defaultValue (defaultEpochs n)

    /// The exact kNN graph (itself first) of `points` under the settings' metric.
    let neighbours (settings: UmapSettings) (points: float[][]) =
        let k = min settings.Neighbours points.Length

        match settings.Metric with
        | None -> Knn.euclideanGraph (threads ()) k points
        | Some m -> Knn.bruteForceBetween m k true points points

    // ---------------------------------------------------------------- spectral initialisation

    /// Largest eigenpairs of a symmetric operator by Lanczos with full re-orthogonalisation, with `deflate`
    /// (unit vectors) projected out: (eigenvalues descending, eigenvectors).
    let private lanczos (n: int) (matvec: float[] -> float[] -> unit) (deflate: float[][]) (count: int) (rng: Random) =
        let steps = min (n - deflate.Length) (max (4 * count + 20) 100)

        let dot (x: float[]) (y: float[]) =
            TensorPrimitives.Dot(ReadOnlySpan x, ReadOnlySpan y)
        // w ← w − (u·w) u
        let removeComponent (u: float[]) (w: float[]) =
            TensorPrimitives.MultiplyAdd(ReadOnlySpan u, -(dot u w), ReadOnlySpan w, Span w)

        let project (v: float[]) =
            for u in deflate do
                removeComponent u v

        let normalise (v: float[]) =
            let s = sqrt (dot v v)

            if s > 0.0 then
                TensorPrimitives.Divide(ReadOnlySpan v, s, Span v)

            s

        let basis = ResizeArray<float[]>()
        let alpha = ResizeArray<float>()
        let beta = ResizeArray<float>()
        let v0 = Array.init n (fun _ -> rng.NextDouble() - 0.5)
        project v0
        normalise v0 |> ignore
        basis.Add v0
        let w = Array.zeroCreate n
        let mutable stop = false

        while not stop && basis.Count <= steps do
            let v = basis.[basis.Count - 1]
            matvec v w
            alpha.Add(dot v w)
            // full re-orthogonalisation (twice) against the basis and the deflated vectors
            for _ in 1..2 do
                project w

                for u in basis do
                    removeComponent u w

            let next = Array.copy w
            let b = normalise next

            if b < 1e-10 || basis.Count = steps then
                stop <- true
            else
                beta.Add b
                basis.Add next

        let m = alpha.Count
        let t = Matrix<float>.Build.Dense(m, m)

        for i in 0 .. m - 1 do
            t.[i, i] <- alpha.[i]

            if i + 1 < m then
                t.[i, i + 1] <- beta.[i]
                t.[i + 1, i] <- beta.[i]

        let evd = t.Evd(Symmetricity.Symmetric)

        let order =
            [| 0 .. m - 1 |] |> Array.sortByDescending (fun i -> evd.EigenValues.[i].Real)

        let take = min count m
        let values = Array.init take (fun c -> evd.EigenValues.[order.[c]].Real)

        let vectors =
            Array.init take (fun c ->
                let y = evd.EigenVectors.Column(order.[c])
                let x = Array.zeroCreate n

                for j in 0 .. m - 1 do
                    let yj = y.[j]
                    let bj = basis.[j]

                    for i in 0 .. n - 1 do
                        x.[i] <- x.[i] + yj * bj.[i]

                x)

        values, vectors

    /// Connected components of a graph: (count, label per vertex).
    let connectedComponents (graph: UmapGraph.SparseGraph) =
        let parent = Array.init graph.Rows id

        let rec find x =
            if parent.[x] = x then
                x
            else
                (let r = find parent.[x] in
                 parent.[x] <- r
                 r)

        for e in 0 .. graph.Edges - 1 do
            let a, b = find graph.Head.[e], find graph.Tail.[e]

            if a <> b then
                parent.[max a b] <- min a b

        let roots = Collections.Generic.Dictionary<int, int>()

        let labels =
            Array.init graph.Rows (fun i ->
                let r = find i

                match roots.TryGetValue r with
                | true, l -> l
                | _ ->
                    roots.[r] <- roots.Count
                    roots.Count - 1)

        roots.Count, labels

    /// Spectral layout of one connected graph: eigenvectors 2..dim+1 of the normalised Laplacian I − D^−½WD^−½.
    let private spectralConnected (graph: UmapGraph.SparseGraph) (dim: int) (rng: Random) =
        let n = graph.Rows
        let degree = Array.zeroCreate n

        for e in 0 .. graph.Edges - 1 do
            degree.[graph.Head.[e]] <- degree.[graph.Head.[e]] + graph.Weight.[e]

        let invSqrt = degree |> Array.map (fun d -> if d > 0.0 then 1.0 / sqrt d else 0.0)

        let matvec (x: float[]) (y: float[]) =
            Array.Clear y

            for e in 0 .. graph.Edges - 1 do
                let i, j = graph.Head.[e], graph.Tail.[e]
                y.[i] <- y.[i] + invSqrt.[i] * graph.Weight.[e] * invSqrt.[j] * x.[j]
        // the trivial eigenvector D^½·1 (eigenvalue 1 of D^−½WD^−½) is known: deflate it
        let trivial = degree |> Array.map sqrt
        let s = sqrt (Array.sumBy (fun x -> x * x) trivial)
        let trivial = trivial |> Array.map (fun x -> x / s)
        let _, vectors = lanczos n matvec [| trivial |] dim rng
        Array.init n (fun i -> Array.init dim (fun c -> if c < vectors.Length then vectors.[c].[i] else 0.0))

    /// Initial layout as umap-learn's spectral_layout, with the multi-component layout for disconnected graphs.
    let spectralLayout (graph: UmapGraph.SparseGraph) (points: float[][]) (dim: int) (rng: Random) : float[][] =
        let nComp, labels = connectedComponents graph

        if nComp = 1 then
            spectralConnected graph dim rng
        else
            let members =
                Array.init nComp (fun c ->
                    [| for i in 0 .. labels.Length - 1 do
                           if labels.[i] = c then
                               i |])

            let d = points.[0].Length

            let centroids =
                members
                |> Array.map (fun m -> Array.init d (fun c -> m |> Array.averageBy (fun i -> points.[i].[c])))

            let meta =
                if nComp <= 2 * dim then
                    Array.init nComp (fun c ->
                        Array.init dim (fun q ->
                            if c < dim then
                                (if q = c then 1.0 else 0.0)
                            else
                                (if q = c - dim then -1.0 else 0.0)))
                else
                    // spectral embedding of the centroids' Gaussian affinities (scale: the median distance)
                    let dist =
                        Array.init nComp (fun a -> Array.init nComp (fun b -> Knn.euclidean centroids.[a] centroids.[b]))

                    let med =
                        dist
                        |> Array.collect id
                        |> Array.filter (fun x -> x > 0.0)
                        |> Array.sort
                        |> fun a -> a.[a.Length / 2]

                    let entries =
                        [| for a in 0 .. nComp - 1 do
                               for b in 0 .. nComp - 1 do
                                   if a <> b then
                                       a, b, exp (-(dist.[a].[b] / med) ** 2.0) |]

                    let g =
                        UmapGraph.ofTriples
                            nComp
                            nComp
                            (entries |> Array.map (fun (a, _, _) -> a))
                            (entries |> Array.map (fun (_, b, _) -> b))
                            (entries |> Array.map (fun (_, _, w) -> w))

                    let e = spectralConnected g dim rng
                    let mx = e |> Array.collect id |> Array.map abs |> Array.max
                    e |> Array.map (Array.map (fun x -> if mx > 0.0 then x / mx else x))

            let result = Array.init labels.Length (fun _ -> Array.zeroCreate dim)

            for c in 0 .. nComp - 1 do
                let others =
                    [| for o in 0 .. nComp - 1 do
                           if o <> c then
                               Knn.euclidean meta.[c] meta.[o] |]

                let range = if others.Length = 0 then 1.0 else Array.min others / 2.0
                let m = members.[c]

                if m.Length < 2 * dim || m.Length <= dim + 1 then
                    for i in m do
                        for q in 0 .. dim - 1 do
                            result.[i].[q] <- meta.[c].[q] + (rng.NextDouble() * 2.0 - 1.0) * range
                else
                    let index = Collections.Generic.Dictionary<int, int>()
                    m |> Array.iteri (fun local i -> index.[i] <- local)

                    let sel =
                        [| for e in 0 .. graph.Edges - 1 do
                               if labels.[graph.Head.[e]] = c then
                                   e |]

                    let sub =
                        UmapGraph.ofTriples
                            m.Length
                            m.Length
                            (sel |> Array.map (fun e -> index.[graph.Head.[e]]))
                            (sel |> Array.map (fun e -> index.[graph.Tail.[e]]))
                            (sel |> Array.map (fun e -> graph.Weight.[e]))

                    let e = spectralConnected sub dim rng
                    let mx = e |> Array.collect id |> Array.map abs |> Array.max
                    let expansion = if mx > 0.0 then range / mx else 1.0

                    m
                    |> Array.iteri (fun local i ->
                        for q in 0 .. dim - 1 do
                            result.[i].[q] <- e.[local].[q] * expansion + meta.[c].[q])

            result

    let private gaussian (rng: Random) =
        sqrt (-2.0 * log (1.0 - rng.NextDouble()))
        * cos (2.0 * Math.PI * rng.NextDouble())

    /// The initial embedding: spectral (scaled to max |x| = 10, plus N(0, 1e−4) noise) or uniform(−10, 10), then
    /// every dimension rescaled to [0, 10] (umap-learn 0.5.3).
    let initialEmbedding (settings: UmapSettings) (graph: UmapGraph.SparseGraph) (points: float[][]) (rng: Random) =
        let n, dim = graph.Rows, settings.Components

        let init =
            match settings.Init with
            | UmapInit.Random -> Array.init n (fun _ -> Array.init dim (fun _ -> rng.NextDouble() * 20.0 - 10.0))
            | UmapInit.Spectral ->
                let e = spectralLayout graph points dim rng

                let mx =
                    e |> Array.fold (fun m row -> Array.fold (fun m2 x -> max m2 (abs x)) m row) 0.0

                if mx = 0.0 || Double.IsNaN mx then
                    Array.init n (fun _ -> Array.init dim (fun _ -> rng.NextDouble() * 20.0 - 10.0))
                else
                    e |> Array.map (Array.map (fun x -> x * 10.0 / mx + 1e-4 * gaussian rng))

        for q in 0 .. dim - 1 do
            let lo = init |> Array.minBy (fun r -> r.[q]) |> fun r -> r.[q]
            let hi = init |> Array.maxBy (fun r -> r.[q]) |> fun r -> r.[q]
            let span = if hi > lo then hi - lo else 1.0

            for r in init do
                r.[q] <- 10.0 * (r.[q] - lo) / span

        init

    // ---------------------------------------------------------------- stochastic gradient descent

    let inline private clip (v: float32) =
        if v > 4.0f then 4.0f
        elif v < -4.0f then -4.0f
        else v

    /// One epoch of the SGD over edges e0..e1−1 (umap-learn's _optimize_layout_euclidean_single_epoch), on
    /// row-major flat single-precision coordinates (points × dim), as umap-learn's float32 embedding.
    let private epochKernel
        (head: float32[])
        (tail: float32[])
        (same: bool)
        (dim: int)
        (edgeHead: int[])
        (edgeTail: int[])
        (epochsPerSample: float[])
        (epochsPerNegative: float[])
        (nextSample: float[])
        (nextNegative: float[])
        (a: float32)
        (b: float32)
        (gamma: float32)
        (moveOther: bool)
        (rng: Tau)
        (e0: int)
        (e1: int)
        (epoch: int)
        (alpha: float32)
        =
        let n = float epoch
        let nTail = uint32 (tail.Length / dim)
        let push = Array.zeroCreate<float32> dim

        for e in e0 .. e1 - 1 do
            if nextSample.[e] <= n then
                let ci = edgeHead.[e] * dim
                let oi = edgeTail.[e] * dim
                let mutable d2 = 0.0f

                for q in 0 .. dim - 1 do
                    let t = head.[ci + q] - tail.[oi + q]
                    d2 <- d2 + t * t

                let coeff =
                    if d2 > 0.0f then
                        let pb = MathF.Pow(d2, b)
                        -2.0f * a * b * (pb / d2) / (a * pb + 1.0f)
                    else
                        0.0f

                for q in 0 .. dim - 1 do
                    let g = clip (coeff * (head.[ci + q] - tail.[oi + q]))
                    head.[ci + q] <- head.[ci + q] + g * alpha

                    if moveOther then
                        tail.[oi + q] <- tail.[oi + q] - g * alpha

                nextSample.[e] <- nextSample.[e] + epochsPerSample.[e]
                let nNeg = int ((n - nextNegative.[e]) / epochsPerNegative.[e])
                // pushes of the negative samples from one head position, added together afterwards
                Array.Clear push

                for _p in 1..nNeg do
                    let k = int (rng.Next() % nTail)
                    let ki = k * dim
                    let mutable d2 = 0.0f

                    for q in 0 .. dim - 1 do
                        let t = head.[ci + q] - tail.[ki + q]
                        d2 <- d2 + t * t

                    if d2 > 0.0f then
                        let coeff = 2.0f * gamma * b / ((0.001f + d2) * (a * MathF.Pow(d2, b) + 1.0f))

                        for q in 0 .. dim - 1 do
                            let g =
                                if coeff > 0.0f then
                                    clip (coeff * (head.[ci + q] - tail.[ki + q]))
                                else
                                    4.0f

                            push.[q] <- push.[q] + g * alpha
                    elif same && edgeHead.[e] = k then
                        ()
                    else
                        for q in 0 .. dim - 1 do
                            push.[q] <- push.[q] + 4.0f * alpha

                for q in 0 .. dim - 1 do
                    head.[ci + q] <- head.[ci + q] + push.[q]

                nextNegative.[e] <- nextNegative.[e] + float nNeg * epochsPerNegative.[e]

    /// The same epoch for two components, unrolled (the common case).
    let private epochKernel2
        (head: float32[])
        (tail: float32[])
        (same: bool)
        (edgeHead: int[])
        (edgeTail: int[])
        (epochsPerSample: float[])
        (epochsPerNegative: float[])
        (nextSample: float[])
        (nextNegative: float[])
        (a: float32)
        (b: float32)
        (gamma: float32)
        (moveOther: bool)
        (rng: Tau)
        (e0: int)
        (e1: int)
        (epoch: int)
        (alpha: float32)
        =
        let n = float epoch
        let nTail = uint32 (tail.Length / 2)
        let attract = -2.0f * a * b
        let repel = 2.0f * gamma * b

        for e in e0 .. e1 - 1 do
            if nextSample.[e] <= n then
                let h = edgeHead.[e]
                let ci = h * 2
                let oi = edgeTail.[e] * 2
                let mutable hx = head.[ci]
                let mutable hy = head.[ci + 1]
                let tx = tail.[oi]
                let ty = tail.[oi + 1]
                let dx = hx - tx
                let dy = hy - ty
                let d2 = dx * dx + dy * dy

                if d2 > 0.0f then
                    let pb = MathF.Pow(d2, b)
                    let coeff = attract * (pb / d2) / (a * pb + 1.0f)
                    let gx = clip (coeff * dx) * alpha
                    let gy = clip (coeff * dy) * alpha
                    hx <- hx + gx
                    hy <- hy + gy

                    if moveOther then
                        tail.[oi] <- tx - gx
                        tail.[oi + 1] <- ty - gy

                nextSample.[e] <- nextSample.[e] + epochsPerSample.[e]
                let nNeg = int ((n - nextNegative.[e]) / epochsPerNegative.[e])
                // the negative samples' pushes are all computed from the head's position after the attraction and
                // then added together, so that they do not wait on each other
                let mutable sx = 0.0f
                let mutable sy = 0.0f

                for _p in 1..nNeg do
                    let k = int (rng.Next() % nTail)
                    let ki = k * 2
                    // the head may be among the tail points (same array): use its current position
                    let kx = if same && k = h then hx else tail.[ki]
                    let ky = if same && k = h then hy else tail.[ki + 1]
                    let dx = hx - kx
                    let dy = hy - ky
                    let d2 = dx * dx + dy * dy

                    if d2 > 0.0f then
                        let coeff = repel / ((0.001f + d2) * (a * MathF.Pow(d2, b) + 1.0f))

                        if coeff > 0.0f then
                            sx <- sx + clip (coeff * dx) * alpha
                            sy <- sy + clip (coeff * dy) * alpha
                        else
                            sx <- sx + 4.0f * alpha
                            sy <- sy + 4.0f * alpha
                    elif same && h = k then
                        ()
                    else
                        sx <- sx + 4.0f * alpha
                        sy <- sy + 4.0f * alpha

                hx <- hx + sx
                hy <- hy + sy
                head.[ci] <- hx
                head.[ci + 1] <- hy
                nextNegative.[e] <- nextNegative.[e] + float nNeg * epochsPerNegative.[e]

    /// umap-learn's optimize_layout_euclidean: `n_epochs` epochs over the edges (head → tail), each edge sampled
    /// every w_max/w epochs, attraction moving both ends when `moveOther`, `negativeRate` repulsive samples per
    /// positive one drawn uniformly from the tail points; α decays linearly from `alpha0`. Modifies `head`.
    let optimiseLayout
        (head: float[][])
        (tail: float[][])
        (graph: UmapGraph.SparseGraph)
        (epochs: int)
        (a: float)
        (b: float)
        (gamma: float)
        (alpha0: float)
        (negativeRate: int)
        (moveOther: bool)
        (seed: int option)
        (progress: int -> unit)
        =
        let edges = graph.Edges
        let wmax = if edges = 0 then 1.0 else Array.max graph.Weight
        let epochsPerSample = graph.Weight |> Array.map (fun w -> wmax / w)

        let epochsPerNegative =
            epochsPerSample |> Array.map (fun e -> e / float negativeRate)

        let nextSample = Array.copy epochsPerSample
        let nextNegative = Array.copy epochsPerNegative
        let dim = if head.Length > 0 then head.[0].Length else 1
        let same = obj.ReferenceEquals(head, tail)

        let flatHead =
            Array.init (head.Length * dim) (fun i -> float32 head.[i / dim].[i % dim])

        let flatTail =
            if same then
                flatHead
            else
                Array.init (tail.Length * dim) (fun i -> float32 tail.[i / dim].[i % dim])

        let a32, b32, gamma32 = float32 a, float32 b, float32 gamma

        let runRange (rng: Tau) (e0: int) (e1: int) (epoch: int) (alpha: float) =
            if dim = 2 then
                epochKernel2
                    flatHead
                    flatTail
                    same
                    graph.Head
                    graph.Tail
                    epochsPerSample
                    epochsPerNegative
                    nextSample
                    nextNegative
                    a32
                    b32
                    gamma32
                    moveOther
                    rng
                    e0
                    e1
                    epoch
                    (float32 alpha)
            else
                epochKernel
                    flatHead
                    flatTail
                    same
                    dim
                    graph.Head
                    graph.Tail
                    epochsPerSample
                    epochsPerNegative
                    nextSample
                    nextNegative
                    a32
                    b32
                    gamma32
                    moveOther
                    rng
                    e0
                    e1
                    epoch
                    (float32 alpha)

        match seed with
        | Some s ->
            let rng = Tau(s)

            for epoch in 0 .. epochs - 1 do
                let alpha = alpha0 * (1.0 - float epoch / float epochs)
                runRange rng 0 edges epoch alpha
                progress (epoch + 1)
        | None ->
            let workers = max 1 (Environment.ProcessorCount)
            let rngs = Array.init workers (fun _ -> Tau(Random.Shared.Next()))
            let chunk = (edges + workers - 1) / workers

            for epoch in 0 .. epochs - 1 do
                let alpha = alpha0 * (1.0 - float epoch / float epochs)

                Parallel.For(0, workers, fun w -> runRange rngs.[w] (w * chunk) (min edges ((w + 1) * chunk)) epoch alpha)
                |> ignore

                progress (epoch + 1)

        for i in 0 .. head.Length - 1 do
            for q in 0 .. dim - 1 do
                head.[i].[q] <- float flatHead.[i * dim + q]

        if moveOther && not same then
            for i in 0 .. tail.Length - 1 do
                for q in 0 .. dim - 1 do
                    tail.[i].[q] <- float flatTail.[i * dim + q]

    /// Drops edges lighter than w_max / epochs (umap-learn's pruning before the SGD).
    let private prune (graph: UmapGraph.SparseGraph) (epochs: int) =
        if graph.Edges = 0 then
            graph
        else
            let cut = Array.max graph.Weight / float epochs

            let keep =
                [| for e in 0 .. graph.Edges - 1 do
                       if graph.Weight.[e] >= cut then
                           e |]

            { graph with
                Head = keep |> Array.map (fun e -> graph.Head.[e])
                Tail = keep |> Array.map (fun e -> graph.Tail.[e])
                Weight = keep |> Array.map (fun e -> graph.Weight.[e]) }

    let private validate (settings: UmapSettings) (points: float[][]) =
        if settings.Neighbours < 2 then
            invalidArg "Neighbours" "n_neighbors must be at least 2"

        if settings.Components < 1 then
            invalidArg "Components" "n_components must be at least 1"

        if points.Length < 2 then
            invalidArg "points" "UMAP needs at least 2 points"

        let d = points.[0].Length

        points
        |> Array.iteri (fun i p ->
            if p.Length <> d then
                invalidArg "points" (sprintf "row %d has %d values, row 0 has %d" i p.Length d)

            if p |> Array.exists (fun x -> Double.IsNaN x || Double.IsInfinity x) then
                invalidArg "points" (sprintf "row %d has a NaN or infinite value" i))

    /// Fits UMAP to the rows of `points` from a kNN graph already computed (itself first in each row);
    /// `progress` is called with the epochs done.
    let fitGraph (settings: UmapSettings) (points: float[][]) (knn: Knn.KnnGraph) (progress: int -> unit) =
        validate settings points
        let a, b = UmapGraph.fitAB settings.Spread settings.MinDist

        let graph, _ =
            UmapGraph.fuzzySimplicialSet knn knn.K settings.LocalConnectivity settings.SetOpMixRatio

        let n = points.Length
        let epochs = epochs settings n
        let pruned = prune graph (if epochs > 10 then epochs else defaultEpochs n)
        let rng = Random(defaultArg settings.Seed (Random.Shared.Next()))
        let embedding = initialEmbedding settings pruned points rng

        optimiseLayout
            embedding
            embedding
            pruned
            epochs
            a
            b
            settings.RepulsionStrength
            settings.LearningRate
            settings.NegativeSampleRate
            true
            settings.Seed
            progress
        // points with no edges at all have no position (as umap-learn)
        let degree = Array.zeroCreate n

        for e in 0 .. pruned.Edges - 1 do
            degree.[pruned.Head.[e]] <- degree.[pruned.Head.[e]] + 1

        for i in 0 .. n - 1 do
            if degree.[i] = 0 then
                embedding.[i] <- Array.create settings.Components Double.NaN

        { Settings = settings
          A = a
          B = b
          Embedding = embedding
          Training = points
          Graph = graph }

    /// Fits UMAP to the rows of `points` (kNN graph, fuzzy union, initialisation, SGD).
    let fitWith (settings: UmapSettings) (points: float[][]) (progress: int -> unit) =
        validate settings points
        fitGraph settings points (neighbours settings points) progress

    /// Fits UMAP and returns the model.
    let fit (settings: UmapSettings) (points: float[][]) = fitWith settings points ignore

    /// Embeds new points into a fitted model's space (umap-learn's transform): their k nearest training points,
    /// the bipartite membership graph (local connectivity − 1), the membership-weighted mean as the start, then the
    /// SGD with the training embedding frozen (100 epochs up to 10,000 points, 30 above; α = learning rate / 4).
    let transform (model: UmapModel) (points: float[][]) : float[][] =
        let settings = model.Settings
        let d = model.Training.[0].Length

        points
        |> Array.iteri (fun i p ->
            if p.Length <> d then
                invalidArg "points" (sprintf "row %d has %d values, the model expects %d" i p.Length d))

        if points.Length = 0 then
            [||]
        else
            let k = min settings.Neighbours model.Training.Length

            let knn =
                match settings.Metric with
                | None -> Knn.euclideanBetween (threads ()) k false points model.Training
                | Some m -> Knn.bruteForceBetween m k false points model.Training

            let graph =
                UmapGraph.bipartite knn model.Training.Length k settings.LocalConnectivity

            let n = points.Length
            let dim = settings.Components
            // start: membership-weighted mean of the neighbours' positions (an exact match copies its position)
            let sums = Array.zeroCreate n

            for e in 0 .. graph.Edges - 1 do
                sums.[graph.Head.[e]] <- sums.[graph.Head.[e]] + graph.Weight.[e]

            let start = Array.init n (fun _ -> Array.zeroCreate dim)

            for e in 0 .. graph.Edges - 1 do
                let i = graph.Head.[e]
                let w = graph.Weight.[e] / sums.[i]
                let t = model.Embedding.[graph.Tail.[e]]

                for q in 0 .. dim - 1 do
                    start.[i].[q] <- start.[i].[q] + w * t.[q]

            for i in 0 .. n - 1 do
                if sums.[i] = 0.0 then
                    start.[i] <- Array.create dim Double.NaN

            let epochs =
                match settings.Epochs with
                | Some e -> e / 3
                | None -> if n <= 10_000 then 100 else 30

            let pruned = prune graph (max 1 epochs)
            let frozen = model.Embedding |> Array.map Array.copy

            let seed =
                match settings.Seed with
                | Some _ -> Some settings.TransformSeed
                | None -> None

            optimiseLayout
                start
                frozen
                pruned
                epochs
                model.A
                model.B
                settings.RepulsionStrength
                (settings.LearningRate / 4.0)
                settings.NegativeSampleRate
                false
                seed
                ignore

            start
