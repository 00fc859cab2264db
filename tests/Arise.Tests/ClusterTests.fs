module Arise.Tests.ClusterTests

open System
open Expecto
open Arise.Cluster

/// Three Gaussian blobs (σ = 0.3) around well-separated centres in 5 dimensions, plus uniform background noise.
let private blobs (seed: int) =
    let rng = Random(seed)

    let gauss () =
        sqrt (-2.0 * log (1.0 - rng.NextDouble()))
        * cos (2.0 * Math.PI * rng.NextDouble())

    let centres =
        [| Array.create 5 0.0
           Array.create 5 6.0
           Array.init 5 (fun k -> if k % 2 = 0 then 6.0 else -6.0) |]

    let points =
        [| for c in 0..2 do
               for _ in 1..60 -> c, centres.[c] |> Array.map (fun x -> x + 0.3 * gauss ()) |]

    let noise =
        [| for _ in 1..8 -> -1, Array.init 5 (fun _ -> rng.NextDouble() * 40.0 - 20.0) |]

    Array.append points noise

[<Tests>]
let tests =
    testList
        "hdbscan"
        [ test "three blobs give three clusters that match the truth, and far points are noise or outliers" {
              let data = blobs 1
              let truth = data |> Array.map fst
              let points = data |> Array.map snd

              let r =
                  Hdbscan.run
                      { Hdbscan.defaults with
                          MinClusterSize = 10 }
                      points

              Expect.equal r.SelectedClusters.Length 3 "three clusters"
              // every true blob maps to one label
              for c in 0..2 do
                  let labels =
                      [| for i in 0 .. truth.Length - 1 do
                             if truth.[i] = c then
                                 r.Labels.[i] |]
                      |> Array.distinct

                  Expect.equal labels.Length 1 (sprintf "blob %d has one label: %A" c labels)
                  Expect.notEqual labels.[0] -1 "and it is a cluster"

              let noiseLabels =
                  [| for i in 0 .. truth.Length - 1 do
                         if truth.[i] = -1 then
                             r.Labels.[i] |]

              Expect.isTrue (noiseLabels |> Array.forall ((=) -1)) "background points are noise"

              for i in 0 .. points.Length - 1 do
                  Expect.isTrue (r.Probabilities.[i] >= 0.0 && r.Probabilities.[i] <= 1.0) "probability in [0, 1]"

              let meanScore sel =
                  [| for i in 0 .. truth.Length - 1 do
                         if sel truth.[i] then
                             r.OutlierScores.[i] |]
                  |> Array.average

              Expect.isGreaterThan (meanScore ((=) -1)) (meanScore ((<>) -1)) "GLOSH scores are higher for the background"
          }

          test "membership vectors agree with the labels and the paper's rule assigns clustered points" {
              let points = blobs 2 |> Array.map snd

              let r =
                  Hdbscan.run
                      { Hdbscan.defaults with
                          MinClusterSize = 10 }
                      points

              let m = SoftClustering.membershipVectors Hdbscan.euclidean points r
              let mutable agree, clustered = 0, 0

              for i in 0 .. points.Length - 1 do
                  Expect.isLessThanOrEqual (Array.sum m.[i]) (1.0 + 1e-9) "rows sum to at most 1"

                  if r.Labels.[i] >= 0 then
                      clustered <- clustered + 1
                      let best = Array.findIndex ((=) (Array.max m.[i])) m.[i]

                      if best = r.Labels.[i] then
                          agree <- agree + 1

              Expect.isGreaterThanOrEqual (float agree / float clustered) 0.95 "argmax agrees with labels"
              let assigned = SoftClustering.assign 0.1 m

              let recovered =
                  [| for i in 0 .. points.Length - 1 do
                         if r.Labels.[i] >= 0 then
                             assigned.[i] = r.Labels.[i] |]

              Expect.isGreaterThanOrEqual (float (recovered |> Array.filter id |> Array.length) / float recovered.Length) 0.95 "rule"
          }

          test "identical points (clusters born at infinite λ) get finite memberships and are assigned, not a crash" {
              // two groups of exactly repeated points, as SPM boxes of one perfect crystal give
              let points =
                  Array.init 18 (fun i -> if i < 9 then [| 0.0; 0.0 |] else [| 5.0; 5.0 |])

              let r =
                  Hdbscan.run
                      { Hdbscan.defaults with
                          MinClusterSize = 2 }
                      points

              let m = SoftClustering.membershipVectors Hdbscan.euclidean points r

              for row in m do
                  Expect.isTrue (row |> Array.forall (fun v -> not (Double.IsNaN v))) "no NaN membership"

              let assigned = SoftClustering.assign 0.1 m
              Expect.equal assigned.Length points.Length "one label per point"

              if r.SelectedClusters.Length = 2 then
                  Expect.notEqual assigned.[0] assigned.[17] "the two groups are told apart"

              Expect.equal (SoftClustering.assign 0.1 [| [| nan; 0.5 |]; [| nan; nan |] |]) [| 1; -1 |] "NaN never wins"
          }

          test "leaf selection and a single cluster: one blob is one cluster only when allowed" {
              let rng = Random(4)
              let points = Array.init 80 (fun _ -> Array.init 3 (fun _ -> rng.NextDouble()))

              let r =
                  Hdbscan.run
                      { Hdbscan.defaults with
                          MinClusterSize = 40
                          AllowSingleCluster = true }
                      points

              Expect.isLessThanOrEqual r.SelectedClusters.Length 1 "at most one cluster"

              let leaf =
                  Hdbscan.run
                      { Hdbscan.defaults with
                          Selection = ClusterSelection.Leaf
                          MinClusterSize = 10 }
                      (blobs 3 |> Array.map snd)

              Expect.isGreaterThanOrEqual leaf.SelectedClusters.Length 3 "leaves at least as fine as the blobs"
          } ]
