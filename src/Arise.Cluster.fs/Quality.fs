/// Quality measures for clusterings and embeddings: adjusted Rand index, trustworthiness (as scikit-learn's
/// sklearn.manifold.trustworthiness) and k-nearest-neighbour preservation.
module Arise.Cluster.Quality

open System
open System.Threading.Tasks

/// Adjusted Rand index between two labelings (every label, −1 included, is a group of its own).
let adjustedRandIndex (a: int[]) (b: int[]) =
    if a.Length <> b.Length then
        invalidArg "b" "labelings have different lengths"

    let n = a.Length
    let choose2 (x: int64) = float (x * (x - 1L)) / 2.0
    let pairs = Array.zip a b |> Array.countBy id
    let sumIJ = pairs |> Array.sumBy (fun (_, c) -> choose2 (int64 c))
    let sumA = a |> Array.countBy id |> Array.sumBy (fun (_, c) -> choose2 (int64 c))
    let sumB = b |> Array.countBy id |> Array.sumBy (fun (_, c) -> choose2 (int64 c))
    let total = choose2 (int64 n)
    let expected = sumA * sumB / total
    let maxIndex = (sumA + sumB) / 2.0

    if maxIndex = expected then
        1.0
    else
        (sumIJ - expected) / (maxIndex - expected)

/// Neighbours (excluding the point itself) of every point, nearest first.
let private neighbourLists (k: int) (points: float[][]) =
    let g = Knn.euclideanGraph Environment.ProcessorCount (k + 1) points

    Array.init points.Length (fun i ->
        [| for j in 0 .. g.K - 1 do
               let x = g.Index(i, j) in

               if x <> i && x >= 0 then
                   x |]
        |> Array.truncate k)

/// Trustworthiness of an embedding at k (scikit-learn's definition): 1 − 2/(n·k·(2n − 3k − 1)) Σ_i Σ_{j ∈ U_i}
/// (r(i, j) − k), where U_i are the embedding's k nearest neighbours of i that are not among its k nearest in the
/// original space and r(i, j) is j's rank by original distance.
let trustworthiness (k: int) (original: float[][]) (embedded: float[][]) =
    let n = original.Length

    if embedded.Length <> n then
        invalidArg "embedded" "different number of points"

    if k >= n / 2 then
        invalidArg "k" "k must be below n / 2"

    let embNeighbours = neighbourLists k embedded
    let origNeighbours = neighbourLists k original
    let penalty = Array.zeroCreate n

    Parallel.For(
        0,
        n,
        fun i ->
            let origSet = Collections.Generic.HashSet(origNeighbours.[i])

            let outsiders =
                embNeighbours.[i] |> Array.filter (fun j -> not (origSet.Contains j))

            if outsiders.Length > 0 then
                // rank = 1 + number of points strictly closer (ties broken by index, as a stable argsort)
                let dist =
                    Array.init n (fun j ->
                        if j = i then
                            -1.0
                        else
                            Knn.euclidean original.[i] original.[j])

                let mutable s = 0.0

                for j in outsiders do
                    let dj = dist.[j]
                    let mutable rank = 0

                    for m in 0 .. n - 1 do
                        if m <> i && (dist.[m] < dj || (dist.[m] = dj && m < j)) then
                            rank <- rank + 1

                    s <- s + float (rank + 1 - k)

                penalty.[i] <- s
    )
    |> ignore

    1.0
    - 2.0 / (float n * float k * (2.0 * float n - 3.0 * float k - 1.0))
      * Array.sum penalty

/// Trustworthiness of embedded held-out points: their k nearest among `reference` in the original space against
/// their k nearest among the reference embedding (the measure used for `transform`).
let heldOutTrustworthiness
    (k: int)
    (reference: float[][])
    (referenceEmbedded: float[][])
    (queries: float[][])
    (queriesEmbedded: float[][])
    =
    let n = reference.Length

    let origG =
        Knn.euclideanBetween Environment.ProcessorCount k false queries reference

    let embG =
        Knn.euclideanBetween Environment.ProcessorCount k false queriesEmbedded referenceEmbedded

    let mutable total = 0.0

    let penalties =
        Array.Parallel.init queries.Length (fun i ->
            let origSet =
                Collections.Generic.HashSet([| for c in 0 .. k - 1 -> origG.Index(i, c) |])

            let dist = Array.init n (fun j -> Knn.euclidean queries.[i] reference.[j])
            let mutable s = 0.0

            for c in 0 .. k - 1 do
                let j = embG.Index(i, c)

                if not (origSet.Contains j) then
                    let dj = dist.[j]
                    let mutable rank = 0

                    for m in 0 .. n - 1 do
                        if dist.[m] < dj || (dist.[m] = dj && m < j) then
                            rank <- rank + 1

                    s <- s + float (rank + 1 - k)

            s)

    total <- Array.sum penalties
    let q = float queries.Length
    1.0 - 2.0 / (q * float k * (2.0 * float n - 3.0 * float k - 1.0)) * total

/// Mean fraction of each point's k nearest neighbours in the original space that are also among its k nearest in
/// the embedding.
let knnPreservation (k: int) (original: float[][]) (embedded: float[][]) =
    let a = neighbourLists k original
    let b = neighbourLists k embedded

    Array.map2 (fun (x: int[]) (y: int[]) -> float (Array.length (Array.filter (fun v -> Array.contains v y) x)) / float k) a b
    |> Array.average
