module Arise.Tests.UmapTests

open System
open System.IO
open System.Text.Json
open Expecto
open Arise.Cluster
open Arise.Tests.Common

let private umapLearn =
    lazy (JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "umap-learn.json"))).RootElement)

let private floats (e: JsonElement) =
    [| for x in e.EnumerateArray() -> x.GetDouble() |]

let private ints (e: JsonElement) =
    [| for x in e.EnumerateArray() -> x.GetInt32() |]

let private prop (name: string) (e: JsonElement) = e.GetProperty name

let private meanOf (name: string) (runs: JsonElement) =
    [| for r in runs.EnumerateArray() -> r.GetProperty(name).GetDouble() |]
    |> Array.average

/// The data set the fixtures were computed on.
let private digits = lazy (Datasets.digitsLike 7 180)

/// umap-learn's exact kNN of the first 300 digits-like rows, as our graph type.
let private referenceKnn (g: JsonElement) =
    let k = g |> prop "k" |> fun e -> e.GetInt32()

    let idx =
        [| for row in (prop "knn_indices" g).EnumerateArray() do
               yield! ints row |]

    let dist =
        [| for row in (prop "knn_dists" g).EnumerateArray() do
               yield! floats row |]

    { Knn.K = k
      Knn.Indices = idx
      Knn.Distances = dist }

let private maxAbsDiff (a: float[]) (b: float[]) =
    Array.map2 (fun x y -> abs (x - y)) a b |> Array.max

[<Tests>]
let tests =
    testList
        "umap"
        [ test "a and b fitted from min_dist and spread match umap-learn's find_ab_params to 1e-4" {
              for row in (prop "ab" umapLearn.Value).EnumerateArray() do
                  let md, sp =
                      row.GetProperty("min_dist").GetDouble(), row.GetProperty("spread").GetDouble()

                  let a, b = UmapGraph.fitAB sp md

                  Expect.floatClose
                      { absolute = 1e-4; relative = 1e-4 }
                      a
                      (row.GetProperty("a").GetDouble())
                      (sprintf "a at min_dist %g spread %g" md sp)

                  Expect.floatClose
                      { absolute = 1e-4; relative = 1e-4 }
                      b
                      (row.GetProperty("b").GetDouble())
                      (sprintf "b at min_dist %g spread %g" md sp)
          }

          test "exact kNN, smooth-kNN sigma and rho, and fuzzy-union weights match umap-learn to 1e-4" {
              let g = prop "graph" umapLearn.Value
              let n = (prop "n" g).GetInt32()
              let reference = referenceKnn g
              let ours = Knn.euclideanGraph 2 reference.K (fst digits.Value |> Array.truncate n)
              Expect.isLessThan (maxAbsDiff ours.Distances reference.Distances) 1e-4 "kNN distances"

              let sameIdx =
                  Array.map2 (fun a b -> a = b) ours.Indices reference.Indices
                  |> Array.filter id
                  |> Array.length

              Expect.isGreaterThanOrEqual (float sameIdx / float ours.Indices.Length) 0.995 "kNN indices (ties may swap)"

              let sigmas, rhos =
                  UmapGraph.smoothKnnDistances reference (float reference.K) 1.0 1.0

              Expect.isLessThan (maxAbsDiff sigmas (floats (prop "sigmas" g))) 1e-4 "sigma"
              Expect.isLessThan (maxAbsDiff rhos (floats (prop "rhos" g))) 1e-4 "rho"
              let graph, _ = UmapGraph.fuzzySimplicialSet reference reference.K 1.0 1.0
              let expected = Collections.Generic.Dictionary<struct (int * int), float>()

              let rows, cols, vals =
                  ints (prop "rows" g), ints (prop "cols" g), floats (prop "vals" g)

              for e in 0 .. rows.Length - 1 do
                  expected.[struct (rows.[e], cols.[e])] <- vals.[e]

              Expect.equal graph.Edges expected.Count "same number of edges"

              for e in 0 .. graph.Edges - 1 do
                  match expected.TryGetValue(struct (graph.Head.[e], graph.Tail.[e])) with
                  | true, v -> Expect.floatClose { absolute = 1e-4; relative = 0.0 } graph.Weight.[e] v "edge weight"
                  | _ -> failtestf "edge (%d, %d) is not in umap-learn's graph" graph.Head.[e] graph.Tail.[e]
          }

          // the pixel values are integers, so many original distances tie; scikit-learn's unstable argsort orders
          // ties differently from ours, which moves the value in the sixth decimal
          test "our trustworthiness equals scikit-learn's on umap-learn's own embedding (to 1e-5)" {
              let emb =
                  [| for row in (prop "embedding_seed0" umapLearn.Value).EnumerateArray() -> floats row |]

              let sklearn =
                  (prop "fit" umapLearn.Value).EnumerateArray()
                  |> Seq.head
                  |> fun r -> r.GetProperty("trust15").GetDouble()

              Expect.floatClose { absolute = 1e-5; relative = 0.0 } (Quality.trustworthiness 15 (fst digits.Value) emb) sklearn "trust@15"
          }

          test "embedding quality within 0.01 (trust@15) and 0.02 (kNN preservation@15) of umap-learn's mean over 5 seeds" {
              let x = fst digits.Value
              let runs = prop "fit" umapLearn.Value
              let refTrust, refPres = meanOf "trust15" runs, meanOf "knn_pres15" runs

              let ours =
                  [| for seed in 0..2 -> Umap.fit { Umap.defaults with Seed = Some seed } x |]

              let trust =
                  ours |> Array.averageBy (fun m -> Quality.trustworthiness 15 x m.Embedding)

              let pres =
                  ours |> Array.averageBy (fun m -> Quality.knnPreservation 15 x m.Embedding)

              printfn
                  "UMAP digits-like: trust@15 ours %.4f umap-learn %.4f; kNN-pres@15 ours %.4f umap-learn %.4f"
                  trust
                  refTrust
                  pres
                  refPres

              Expect.isGreaterThanOrEqual trust (refTrust - 0.01) "trustworthiness"
              Expect.isGreaterThanOrEqual pres (refPres - 0.02) "kNN preservation"
          }

          test "the same seed gives the identical embedding; embeddings are finite and in a bounded box" {
              let x = fst digits.Value |> Array.truncate 600

              let s =
                  { Umap.defaults with
                      Seed = Some 11
                      Epochs = Some 100 }

              let a = Umap.fit s x
              let b = Umap.fit s x
              Expect.equal a.Embedding b.Embedding "identical"
              Expect.isTrue (a.Embedding |> Array.forall (Array.forall Double.IsFinite)) "finite"
              let c = Umap.fit { s with Seed = Some 12 } x
              Expect.notEqual a.Embedding c.Embedding "another seed differs"
          }

          test "transform of held-out points keeps trustworthiness within 0.02 of umap-learn's" {
              let x = fst digits.Value

              let train =
                  [| for i in 0 .. x.Length - 1 do
                         if i % 5 <> 0 then
                             x.[i] |]

              let held =
                  [| for i in 0 .. x.Length - 1 do
                         if i % 5 = 0 then
                             x.[i] |]

              let model = Umap.fit Umap.defaults train
              let before = model.Embedding |> Array.map Array.copy
              let e = Umap.transform model held
              let reference = meanOf "trust15" (prop "transform" umapLearn.Value)
              let trust = Quality.trustworthiness 15 held e
              printfn "UMAP transform: held-out trust@15 ours %.4f umap-learn %.4f" trust reference
              Expect.isGreaterThanOrEqual trust (reference - 0.02) "held-out trustworthiness"
              Expect.equal model.Embedding before "transform leaves the training embedding unchanged"
          }

          test "a disconnected graph (far-apart blobs) is laid out with every point finite and blobs apart" {
              let x, labels = Datasets.blobs 5 400 10 4 0.3 0.3 0

              let shifted =
                  Array.map2 (fun (p: float[]) l -> p |> Array.map (fun v -> v + 1000.0 * float l)) x labels

              let m = Umap.fit { Umap.defaults with Epochs = Some 100 } shifted
              Expect.isGreaterThan (fst (Umap.connectedComponents m.Graph)) 1 "graph is disconnected"
              Expect.isTrue (m.Embedding |> Array.forall (Array.forall Double.IsFinite)) "finite"
              // every point's nearest embedded neighbour has its label
              let knn = Knn.euclideanGraph 1 2 m.Embedding

              let agree =
                  [| for i in 0 .. x.Length - 1 -> labels.[knn.Index(i, 1)] = labels.[i] |]
                  |> Array.filter id
                  |> Array.length

              Expect.equal agree x.Length "blobs stay apart"
          }

          test "bad input is refused with a message naming the parameter" {
              let x = fst digits.Value |> Array.truncate 50
              Expect.throwsT<ArgumentException> (fun () -> Umap.fit { Umap.defaults with Neighbours = 1 } x |> ignore) "n_neighbors"
              let ragged = Array.append x [| [| 1.0 |] |]
              Expect.throwsT<ArgumentException> (fun () -> Umap.fit Umap.defaults ragged |> ignore) "ragged rows"
              let nan = Array.append x [| Array.create 64 Double.NaN |]
              Expect.throwsT<ArgumentException> (fun () -> Umap.fit Umap.defaults nan |> ignore) "NaN"
          } ]

/// R dbscan's frozen labels (R writes 0 for noise; ours is −1).
let private rLabels (name: string) =
    File.ReadAllLines(Path.Combine(fixtures, name))
    |> Array.map (fun l -> int l - 1)

let private sameNoise (a: int[]) (b: int[]) =
    float (
        Array.map2 (fun x y -> (x = -1) = (y = -1)) a b
        |> Array.filter id
        |> Array.length
    )
    / float a.Length

[<Tests>]
let hdbscanPeerTests =
    testList
        "hdbscan vs R dbscan"
        [ for name, data, m in
              [ "moons", lazy (Datasets.moonsAndBlobs 3), 10
                "digits", lazy (Datasets.digitsLike 7 180), 11 ] do
              test (sprintf "%s: ARI and noise decisions agree with R dbscan::hdbscan(minPts = %d)" name m) {
                  let x, truth = data.Value

                  let r =
                      Hdbscan.run
                          { Hdbscan.defaults with
                              MinClusterSize = m
                              MinSamples = Some(m - 1) }
                          x

                  let reference = rLabels (sprintf "r-hdbscan-%s-%d.csv" name m)

                  let ariOurs, ariR =
                      Quality.adjustedRandIndex r.Labels truth, Quality.adjustedRandIndex reference truth

                  let between = Quality.adjustedRandIndex r.Labels reference

                  printfn
                      "HDBSCAN %s: ARI vs truth ours %.4f R %.4f; ARI ours vs R %.4f; same noise %.4f"
                      name
                      ariOurs
                      ariR
                      between
                      (sameNoise r.Labels reference)

                  Expect.isLessThanOrEqual (abs (ariOurs - ariR)) 0.02 "ARI vs truth within 0.02 of R's"
                  Expect.isGreaterThanOrEqual between 0.98 "ARI vs R's labels"
                  Expect.isGreaterThanOrEqual (sameNoise r.Labels reference) 0.99 "same noise decision"
              }
          test "a precomputed distance matrix and a metric function give the same labels as the Euclidean path" {
              let x, _ = Datasets.moonsAndBlobs 3

              let settings =
                  { Hdbscan.defaults with
                      MinClusterSize = 10
                      MinSamples = Some 9 }

              let r = Hdbscan.run settings x
              let d = x |> Array.map (fun a -> x |> Array.map (fun b -> Knn.euclidean a b))
              Expect.equal (Hdbscan.runPrecomputed settings d).Labels r.Labels "precomputed"
              Expect.equal (Hdbscan.runWith Knn.euclidean settings x).Labels r.Labels "metric function"
          }
          test "cluster_selection_epsilon merges clusters born below it and never splits one" {
              // two pairs of nearby blobs: four clusters at ε = 0, the two pairs at an ε above the pairs' gap
              let rng = Random(8)

              let gauss () =
                  sqrt (-2.0 * log (1.0 - rng.NextDouble()))
                  * cos (2.0 * Math.PI * rng.NextDouble())

              let centres = [| [| 0.0; 0.0 |]; [| 3.0; 0.0 |]; [| 40.0; 0.0 |]; [| 43.0; 0.0 |] |]

              let x =
                  Array.init 400 (fun i -> centres.[i % 4] |> Array.map (fun c -> c + 0.3 * gauss ()))

              let settings =
                  { Hdbscan.defaults with
                      MinClusterSize = 20 }

              let four = Hdbscan.run settings x

              let two =
                  Hdbscan.run
                      { settings with
                          SelectionEpsilon = 10.0 }
                      x

              Expect.equal four.SelectedClusters.Length 4 "four blobs"
              Expect.equal two.SelectedClusters.Length 2 "two pairs"

              for i in 0 .. x.Length - 1 do
                  for j in 0 .. x.Length - 1 do
                      if four.Labels.[i] >= 0 && four.Labels.[i] = four.Labels.[j] then
                          Expect.equal two.Labels.[i] two.Labels.[j] "merging never splits a cluster"
          }
          test "well-separated blobs: ARI 1 against the truth" {
              let x, truth = Datasets.blobs 9 600 8 5 0.5 1.0 0

              let r =
                  Hdbscan.run
                      { Hdbscan.defaults with
                          MinClusterSize = 20 }
                      x

              Expect.equal (Quality.adjustedRandIndex r.Labels truth) 1.0 "ARI"
          }
          test "permuted input gives the same partition, and every cluster has at least min_cluster_size points" {
              let x, _ = Datasets.moonsAndBlobs 3

              let settings =
                  { Hdbscan.defaults with
                      MinClusterSize = 10
                      MinSamples = Some 9 }

              let r = Hdbscan.run settings x
              let perm = Array.init x.Length id |> Array.sortBy (fun i -> (i * 7919) % x.Length)
              let rp = Hdbscan.run settings (perm |> Array.map (fun i -> x.[i]))
              let back = Array.zeroCreate x.Length
              perm |> Array.iteri (fun pos i -> back.[i] <- rp.Labels.[pos])
              Expect.equal (Quality.adjustedRandIndex r.Labels back) 1.0 "same partition"
              Expect.equal (sameNoise r.Labels back) 1.0 "same noise"

              for c in r.Labels |> Array.filter ((<>) -1) |> Array.countBy id do
                  Expect.isGreaterThanOrEqual (snd c) 10 "cluster size"
          } ]
