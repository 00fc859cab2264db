/// The pieces of UMAP that have exact reference values in umap-learn (notes cluster.md §2.2): the a/b curve fit,
/// smooth kNN distances (ρ, σ), the membership strengths and their fuzzy union, as a sparse symmetric graph.
module Arise.Cluster.UmapGraph

open System

/// A sparse matrix in coordinate form (row, column, weight), rows sorted, no duplicates.
type SparseGraph =
    { Rows: int
      Columns: int
      Head: int[]
      Tail: int[]
      Weight: float[] }

    member g.Edges = g.Head.Length

/// Fits a and b of 1 / (1 + a·x^(2b)) to the target curve (1 below min_dist, exp(−(x − min_dist)/spread) beyond) on
/// 300 points in [0, 3·spread] by Levenberg–Marquardt least squares, as umap-learn's find_ab_params.
let fitAB (spread: float) (minDist: float) =
    if not (spread > 0.0) then
        invalidArg "spread" "spread must be positive"

    if minDist < 0.0 || minDist > spread then
        invalidArg "minDist" "min_dist must lie in [0, spread]"

    let xs = Array.init 300 (fun i -> 3.0 * spread * float i / 299.0)

    let ys =
        xs
        |> Array.map (fun x -> if x < minDist then 1.0 else exp (-(x - minDist) / spread))

    let residuals (a, b) =
        Array.map2 (fun x y -> 1.0 / (1.0 + a * x ** (2.0 * b)) - y) xs ys

    let cost p =
        residuals p |> Array.sumBy (fun r -> r * r)

    let mutable a, b = 1.0, 1.0
    let mutable lambda = 1e-3
    let mutable iter = 0
    let mutable converged = false

    while not converged && iter < 500 do
        iter <- iter + 1
        // Jacobian of the model
        let mutable jaa, jab, jbb, ga, gb = 0.0, 0.0, 0.0, 0.0, 0.0

        for i in 0 .. xs.Length - 1 do
            let x = xs.[i]

            if x > 0.0 then
                let p = x ** (2.0 * b)
                let den = 1.0 + a * p
                let f = 1.0 / den
                let r = f - ys.[i]
                let da = -p / (den * den)
                let db = -a * p * 2.0 * log x / (den * den)
                jaa <- jaa + da * da
                jab <- jab + da * db
                jbb <- jbb + db * db
                ga <- ga + da * r
                gb <- gb + db * r

        let c0 = cost (a, b)
        let mutable accepted = false
        let mutable tries = 0

        while not accepted && tries < 30 do
            tries <- tries + 1
            let m11, m22 = jaa * (1.0 + lambda), jbb * (1.0 + lambda)
            let det = m11 * m22 - jab * jab
            let stepA = -(m22 * ga - jab * gb) / det
            let stepB = -(m11 * gb - jab * ga) / det
            let trial = a + stepA, b + stepB
            let c1 = cost trial

            if c1 < c0 then
                accepted <- true
                a <- fst trial
                b <- snd trial
                lambda <- max 1e-12 (lambda / 10.0)

                if abs (c0 - c1) <= 1e-15 * max 1.0 c0 || (abs stepA < 1e-12 && abs stepB < 1e-12) then
                    converged <- true
            else
                lambda <- lambda * 10.0

        if not accepted then
            converged <- true

    a, b

let private smoothKTolerance = 1e-5
let private minKDistScale = 1e-3

/// Smooth kNN distances of umap-learn's smooth_knn_dist: per point ρ (distance to the local_connectivity-th
/// non-zero neighbour, interpolated) and σ (binary search, 64 steps, so that Σ_{j≥1} exp(−max(0, d_j − ρ)/σ) =
/// log2(k)·bandwidth; column 0 skipped), σ floored at 1e-3 × the mean distance. Returns (sigmas, rhos).
let smoothKnnDistances (graph: Knn.KnnGraph) (k: float) (localConnectivity: float) (bandwidth: float) =
    let n, kk = graph.Count, graph.K
    let target = Math.Log2 k * bandwidth
    let finite (v: float) = not (Double.IsInfinity v)

    let allMean =
        let vals = graph.Distances |> Array.filter finite
        if vals.Length = 0 then 0.0 else Array.average vals

    let rho = Array.zeroCreate n
    let sigma = Array.zeroCreate n

    for i in 0 .. n - 1 do
        let row = Array.sub graph.Distances (i * kk) kk
        let nonZero = row |> Array.filter (fun d -> d > 0.0 && finite d)

        if float nonZero.Length >= localConnectivity then
            let index = int (floor localConnectivity)
            let interpolation = localConnectivity - float index

            if index > 0 then
                rho.[i] <- nonZero.[index - 1]

                if interpolation > smoothKTolerance then
                    rho.[i] <- rho.[i] + interpolation * (nonZero.[index] - nonZero.[index - 1])
            else
                rho.[i] <- interpolation * nonZero.[0]
        elif nonZero.Length > 0 then
            rho.[i] <- Array.max nonZero

        let mutable lo, hi, mid = 0.0, Double.PositiveInfinity, 1.0
        let mutable it = 0
        let mutable stop = false

        while not stop && it < 64 do
            let mutable psum = 0.0

            for j in 1 .. kk - 1 do
                let dj = row.[j]

                if finite dj then
                    let d = dj - rho.[i]
                    psum <- psum + (if d > 0.0 then exp (-(d / mid)) else 1.0)

            if abs (psum - target) < smoothKTolerance then
                stop <- true
            else
                if psum > target then
                    hi <- mid
                    mid <- (lo + hi) / 2.0
                else
                    lo <- mid

                    if Double.IsPositiveInfinity hi then
                        mid <- mid * 2.0
                    else
                        mid <- (lo + hi) / 2.0

                it <- it + 1

        sigma.[i] <- mid
        let rowFinite = row |> Array.filter finite

        let rowMean =
            if rowFinite.Length = 0 then
                0.0
            else
                Array.average rowFinite

        if rho.[i] > 0.0 then
            if sigma.[i] < minKDistScale * rowMean then
                sigma.[i] <- minKDistScale * rowMean
        elif sigma.[i] < minKDistScale * allMean then
            sigma.[i] <- minKDistScale * allMean

    sigma, rho

/// Membership strengths w_ij = exp(−max(0, d_ij − ρ_i)/σ_i) (1 when d ≤ ρ or σ = 0) of each point's kNN edges,
/// as (row, column, weight) triples; the self edge is 0 unless `bipartite` (queries against a different set).
let membershipStrengths (graph: Knn.KnnGraph) (sigmas: float[]) (rhos: float[]) (bipartite: bool) =
    let n, k = graph.Count, graph.K
    let rows = Array.zeroCreate (n * k)
    let cols = Array.zeroCreate (n * k)
    let vals = Array.zeroCreate (n * k)

    for i in 0 .. n - 1 do
        for j in 0 .. k - 1 do
            let idx = graph.Indices.[i * k + j]
            let d = graph.Distances.[i * k + j]
            rows.[i * k + j] <- i
            cols.[i * k + j] <- idx

            vals.[i * k + j] <-
                if idx < 0 then 0.0
                elif idx = i && not bipartite then 0.0
                elif d - rhos.[i] <= 0.0 || sigmas.[i] = 0.0 then 1.0
                else exp (-((d - rhos.[i]) / sigmas.[i]))

    rows, cols, vals

/// Builds a graph from (row, column, weight) triples: rows in order, columns sorted within a row, duplicates summed,
/// zeros and negative columns dropped.
let ofTriples (nRows: int) (nCols: int) (rows: int[]) (cols: int[]) (vals: float[]) =
    let counts = Array.zeroCreate (nRows + 1)

    for e in 0 .. rows.Length - 1 do
        if cols.[e] >= 0 && vals.[e] <> 0.0 then
            counts.[rows.[e] + 1] <- counts.[rows.[e] + 1] + 1

    for r in 0 .. nRows - 1 do
        counts.[r + 1] <- counts.[r + 1] + counts.[r]

    let fill = Array.copy counts
    let c = Array.zeroCreate counts.[nRows]
    let w = Array.zeroCreate counts.[nRows]

    for e in 0 .. rows.Length - 1 do
        if cols.[e] >= 0 && vals.[e] <> 0.0 then
            let r = rows.[e]
            c.[fill.[r]] <- cols.[e]
            w.[fill.[r]] <- vals.[e]
            fill.[r] <- fill.[r] + 1

    let head, tail, weight =
        ResizeArray(c.Length), ResizeArray(c.Length), ResizeArray(c.Length)

    for r in 0 .. nRows - 1 do
        let s0, len = counts.[r], counts.[r + 1] - counts.[r]
        Array.Sort(c, w, s0, len)

        for e in s0 .. s0 + len - 1 do
            if e > s0 && c.[e] = c.[e - 1] then
                weight.[weight.Count - 1] <- weight.[weight.Count - 1] + w.[e]
            else
                head.Add r
                tail.Add c.[e]
                weight.Add w.[e]

    { Rows = nRows
      Columns = nCols
      Head = head.ToArray()
      Tail = tail.ToArray()
      Weight = weight.ToArray() }

/// The fuzzy simplicial set of umap-learn: local memberships A, then mix·(A + Aᵀ − A∘Aᵀ) + (1 − mix)·(A∘Aᵀ)
/// (mix = set_op_mix_ratio; 1 = fuzzy union). Returns the symmetric graph and (sigmas, rhos).
let fuzzySimplicialSet (graph: Knn.KnnGraph) (k: int) (localConnectivity: float) (mix: float) =
    let n = graph.Count
    let sigmas, rhos = smoothKnnDistances graph (float k) localConnectivity 1.0
    let rows, cols, vals = membershipStrengths graph sigmas rhos false
    let a = ofTriples n n rows cols vals
    // row starts of A, for looking up A[j, i] by binary search
    let start = Array.zeroCreate (n + 1)

    for e in 0 .. a.Edges - 1 do
        start.[a.Head.[e] + 1] <- start.[a.Head.[e] + 1] + 1

    for r in 0 .. n - 1 do
        start.[r + 1] <- start.[r + 1] + start.[r]

    let lookup (i: int) (j: int) =
        let p = Array.BinarySearch(a.Tail, start.[i], start.[i + 1] - start.[i], j)
        if p >= 0 then a.Weight.[p] else 0.0

    let outRows, outCols, outVals =
        ResizeArray(2 * a.Edges), ResizeArray(2 * a.Edges), ResizeArray(2 * a.Edges)

    for e in 0 .. a.Edges - 1 do
        let i, j, wv = a.Head.[e], a.Tail.[e], a.Weight.[e]
        let wt = lookup j i
        let v = mix * (wv + wt - wv * wt) + (1.0 - mix) * (wv * wt)
        outRows.Add i
        outCols.Add j
        outVals.Add v
        // the transposed entry, when A has none there
        if wt = 0.0 then
            outRows.Add j
            outCols.Add i
            outVals.Add v

    ofTriples n n (outRows.ToArray()) (outCols.ToArray()) (outVals.ToArray()), (sigmas, rhos)

/// The bipartite graph of new points against the training points for `transform` (no symmetrisation).
let bipartite (graph: Knn.KnnGraph) (nTrain: int) (k: int) (localConnectivity: float) =
    let sigmas, rhos =
        smoothKnnDistances graph (float k) (max 0.0 (localConnectivity - 1.0)) 1.0

    let rows, cols, vals = membershipStrengths graph sigmas rhos true
    ofTriples graph.Count nTrain rows cols vals
