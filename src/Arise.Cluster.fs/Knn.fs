/// k-nearest-neighbour graphs for UMAP and HDBSCAN: exact, by blocked single-precision matrix products for the
/// Euclidean metric (‖x‖² + ‖y‖² − 2 x·y, then the chosen neighbours' distances recomputed in double precision),
/// or by brute force for any metric given as a function.
module Arise.Cluster.Knn

open System
open System.Threading.Tasks
open System.Numerics.Tensors
open System.Runtime.Intrinsics

/// k nearest neighbours of each query point, row-major (query × k), nearest first. When the queries are the
/// reference points themselves, column 0 is the point itself at distance 0 (as umap-learn's graphs).
type KnnGraph =
    { K: int
      Indices: int[]
      Distances: float[] }

    member g.Count = if g.K = 0 then 0 else g.Indices.Length / g.K
    /// Index of the j-th neighbour of point i.
    member g.Index(i, j) = g.Indices.[i * g.K + j]
    /// Distance to the j-th neighbour of point i.
    member g.Distance(i, j) = g.Distances.[i * g.K + j]

/// Euclidean distance between two rows (SIMD).
let euclidean (a: float[]) (b: float[]) =
    TensorPrimitives.Distance(ReadOnlySpan a, ReadOnlySpan b)

/// Keeps the k smallest (value, index) pairs seen: a bounded max-heap.
type private Smallest(k: int) =
    let values = Array.zeroCreate<float> k
    let indices = Array.zeroCreate<int> k
    let mutable count = 0
    member _.Count = count
    member _.Worst = if count < k then Double.PositiveInfinity else values.[0]
    member _.Reset() = count <- 0

    member _.Offer(v: float, idx: int) =
        if count < k then
            // sift up
            let mutable c = count
            count <- count + 1
            let mutable go = true

            while go && c > 0 do
                let p = (c - 1) / 2

                if values.[p] < v then
                    values.[c] <- values.[p]
                    indices.[c] <- indices.[p]
                    c <- p
                else
                    go <- false

            values.[c] <- v
            indices.[c] <- idx
        elif v < values.[0] then
            // replace the root and sift down
            let mutable c = 0
            let mutable go = true

            while go do
                let l = 2 * c + 1

                if l >= k then
                    go <- false
                else
                    let r = l + 1
                    let m = if r < k && values.[r] > values.[l] then r else l

                    if values.[m] > v then
                        values.[c] <- values.[m]
                        indices.[c] <- indices.[m]
                        c <- m
                    else
                        go <- false

            values.[c] <- v
            indices.[c] <- idx

    /// The indices kept (any order).
    member _.Indices = Array.sub indices 0 count

let private finishRow (k: int) (candidates: int[]) (distanceTo: int -> float) (self: int) (outIdx: int[]) (outDist: float[]) (row: int) =
    let exact =
        candidates |> Array.map (fun j -> (if j = self then 0.0 else distanceTo j), j)
    // nearest first; ties by index so that results do not depend on the heap's order
    Array.sortInPlaceWith (fun (d1: float, j1: int) (d2, j2) -> let c = compare d1 d2 in if c <> 0 then c else compare j1 j2) exact
    // the point itself first when it is among the candidates (distance 0, as in umap-learn)
    let exact =
        match exact |> Array.tryFindIndex (fun (_, j) -> j = self) with
        | Some p when p > 0 -> Array.append [| exact.[p] |] (Array.append exact.[.. p - 1] exact.[p + 1 ..])
        | _ -> exact

    for c in 0 .. k - 1 do
        if c < exact.Length then
            outDist.[row * k + c] <- fst exact.[c]
            outIdx.[row * k + c] <- snd exact.[c]
        else
            outDist.[row * k + c] <- Double.PositiveInfinity
            outIdx.[row * k + c] <- -1

/// Exact Euclidean k nearest neighbours of each `queries` row among the `reference` rows, computed by blocks of
/// query rows through the SIMD matrix product (no n × n matrix is held). `sameSet` says that the queries are the
/// reference points (then each point is its own first neighbour). Uses up to `threads` threads.
let euclideanBetween (threads: int) (k: int) (sameSet: bool) (queries: float[][]) (reference: float[][]) : KnnGraph =
    let nq, nr = queries.Length, reference.Length

    if k < 1 then
        invalidArg "k" "the number of neighbours must be at least 1"

    if nr = 0 then
        { K = k
          Indices = Array.create (nq * k) -1
          Distances = Array.create (nq * k) Double.PositiveInfinity }
    else
        let d = reference.[0].Length

        for row in Array.append queries reference do
            if row.Length <> d then
                invalidArg "points" (sprintf "rows have different lengths (%d and %d)" d row.Length)

        let flat (rows: float[][]) =
            let a = Array.zeroCreate<float32>(rows.Length * d)

            rows
            |> Array.iteri (fun i r ->
                for c in 0 .. d - 1 do
                    a.[i * d + c] <- float32 r.[c])

            a

        let refFlat = flat reference

        let refNorms =
            Array.init nr (fun j -> let s = ReadOnlySpan(refFlat, j * d, d) in TensorPrimitives.Dot(s, s))

        let outIdx = Array.zeroCreate (nq * k)
        let outDist = Array.zeroCreate (nq * k)
        // query rows per block: larger blocks amortise packing the reference; the block's products stay under 64 MB
        let block = max 128 (min 512 (16_777_216 / max 1 nr))
        let blocks = (nq + block - 1) / block
        // ask the heap for a few spares so that float32 near-ties are settled in double precision
        let keep = min nr (k + 4)
        let width = Vector256<float32>.Count
        // one products buffer per thread, reused block after block (a fresh large array per block costs more than the
        // products' arithmetic: it is zeroed, faulted in and collected each time)
        use buffers =
            new Threading.ThreadLocal<float32[]>(fun () -> Array.zeroCreate<float32>(block * nr))

        let work (b: int) =
            let i0 = b * block
            let rows = min block (nq - i0)
            let qFlat = flat queries.[i0 .. i0 + rows - 1]
            let g = buffers.Value
            Arise.Numerics.Gemm.multiply 1 false true rows nr d qFlat refFlat g false
            let heap = Smallest(keep)

            for r in 0 .. rows - 1 do
                let qs = ReadOnlySpan(qFlat, r * d, d)
                let qn = TensorPrimitives.Dot(qs, qs)
                heap.Reset()
                let o = r * nr
                // v_j = ‖y_j‖² − 2 x·y_j, so that d² = ‖x‖² + v_j; most v_j are above the heap's worst and are skipped
                // eight at a time
                let v = Span(g, o, nr)
                TensorPrimitives.MultiplyAdd(ReadOnlySpan(g, o, nr), -2.0f, ReadOnlySpan refNorms, v)

                let offer j =
                    let d2 = float (qn + g.[o + j])

                    if d2 < heap.Worst then
                        heap.Offer(d2, j)

                let mutable j = 0

                while j < nr && heap.Count < keep do
                    offer j
                    j <- j + 1

                while j + width <= nr do
                    // a little slack so that rounding never hides a candidate; offer re-checks exactly
                    let w = heap.Worst
                    let limit = float32 (w - float qn) + 1e-5f * (abs (float32 w) + 1.0f)

                    let mask =
                        Vector256.LessThan(Vector256.Create(g, o + j), Vector256.Create limit).ExtractMostSignificantBits()

                    if mask <> 0u then
                        for l in 0 .. width - 1 do
                            if (mask >>> l) &&& 1u <> 0u then
                                offer (j + l)

                    j <- j + width

                while j < nr do
                    offer j
                    j <- j + 1

                let i = i0 + r
                let self = if sameSet then i else -1
                // in the same set the point itself is always a neighbour, whatever float32 rounding said
                let cands = heap.Indices

                let cands =
                    if sameSet && not (Array.contains i cands) then
                        Array.append [| i |] cands
                    else
                        cands

                finishRow k cands (fun j -> euclidean queries.[i] reference.[j]) self outIdx outDist i

        if threads > 1 then
            Parallel.For(0, blocks, ParallelOptions(MaxDegreeOfParallelism = threads), (fun b -> work b))
            |> ignore
        else
            for b in 0 .. blocks - 1 do
                work b

        { K = k
          Indices = outIdx
          Distances = outDist }

/// Exact Euclidean k nearest neighbours of every point among the points, itself first.
let euclideanGraph (threads: int) (k: int) (points: float[][]) =
    euclideanBetween threads k true points points

/// Exact k nearest neighbours with any metric (brute force, n × n distance evaluations); `sameSet` as above.
let bruteForceBetween (metric: float[] -> float[] -> float) (k: int) (sameSet: bool) (queries: float[][]) (reference: float[][]) =
    let nq = queries.Length
    let outIdx = Array.zeroCreate (nq * k)
    let outDist = Array.zeroCreate (nq * k)

    Parallel.For(
        0,
        nq,
        fun i ->
            let heap = Smallest(min reference.Length (k + 1))

            let dist =
                Array.init reference.Length (fun j ->
                    if sameSet && j = i then
                        0.0
                    else
                        metric queries.[i] reference.[j])

            for j in 0 .. reference.Length - 1 do
                if dist.[j] < heap.Worst then
                    heap.Offer(dist.[j], j)

            finishRow k heap.Indices (fun j -> dist.[j]) (if sameSet then i else -1) outIdx outDist i
    )
    |> ignore

    { K = k
      Indices = outIdx
      Distances = outDist }

/// k nearest neighbours from a precomputed distance matrix (rows = points), itself first.
let fromDistanceMatrix (k: int) (distances: float[][]) =
    let n = distances.Length
    let outIdx = Array.zeroCreate (n * k)
    let outDist = Array.zeroCreate (n * k)

    for i in 0 .. n - 1 do
        if distances.[i].Length <> n then
            invalidArg "distances" (sprintf "row %d has %d entries, expected %d" i distances.[i].Length n)

        let heap = Smallest(min n (k + 1))

        for j in 0 .. n - 1 do
            let v = if i = j then 0.0 else distances.[i].[j]

            if v < heap.Worst then
                heap.Offer(v, j)

        finishRow k heap.Indices (fun j -> if i = j then 0.0 else distances.[i].[j]) i outIdx outDist i

    { K = k
      Indices = outIdx
      Distances = outDist }
