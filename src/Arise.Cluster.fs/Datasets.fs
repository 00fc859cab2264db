/// Seeded synthetic data sets for checking and benchmarking the clustering and embedding code against peers
/// (the same rows are written to disk for the Python and R libraries by scripts/cluster-fixtures.fsx).
module Arise.Cluster.Datasets

open System

let private gaussian (rng: Random) =
    sqrt (-2.0 * log (1.0 - rng.NextDouble()))
    * cos (2.0 * Math.PI * rng.NextDouble())

/// `count` points in `centres` isotropic Gaussian blobs in `dim` dimensions (centres uniform in [−10, 10]^dim,
/// standard deviation uniform in [stdMin, stdMax] per blob), plus `noise` uniform points over the blobs' bounding
/// box labelled −1. Returns (points, labels).
let blobs (seed: int) (count: int) (dim: int) (centres: int) (stdMin: float) (stdMax: float) (noise: int) =
    let rng = Random(seed)

    let c =
        Array.init centres (fun _ -> Array.init dim (fun _ -> rng.NextDouble() * 20.0 - 10.0))

    let s = Array.init centres (fun _ -> stdMin + (stdMax - stdMin) * rng.NextDouble())

    let pts =
        Array.init count (fun i -> let b = i % centres in b, Array.init dim (fun q -> c.[b].[q] + s.[b] * gaussian rng))

    let lo =
        Array.init dim (fun q -> pts |> Array.map (fun (_, p) -> p.[q]) |> Array.min)

    let hi =
        Array.init dim (fun q -> pts |> Array.map (fun (_, p) -> p.[q]) |> Array.max)

    let noisePts =
        Array.init noise (fun _ -> -1, Array.init dim (fun q -> lo.[q] + (hi.[q] - lo.[q]) * rng.NextDouble()))

    let all = Array.append pts noisePts
    all |> Array.map snd, all |> Array.map fst

/// Two interleaved moons (100 points each, Gaussian noise 0.05), three blobs (50 each, σ 0.1) and 50 uniform
/// background points: 450 points in 2D, labels 0–4 and −1 for the background (the hdbscan library's test set, rebuilt).
let moonsAndBlobs (seed: int) =
    let rng = Random(seed)

    let moon1 =
        Array.init 100 (fun i -> let t = Math.PI * float i / 99.0 in 0, [| cos t + 0.05 * gaussian rng; sin t + 0.05 * gaussian rng |])

    let moon2 =
        Array.init 100 (fun i ->
            let t = Math.PI * float i / 99.0 in 1, [| 1.0 - cos t + 0.05 * gaussian rng; 0.5 - sin t + 0.05 * gaussian rng |])

    let centres = [| [| -0.75; 2.25 |]; [| 1.0; 2.3 |]; [| 2.5; 2.0 |] |]

    let blobPts =
        Array.init 150 (fun i -> let b = i / 50 in 2 + b, [| centres.[b].[0] + 0.1 * gaussian rng; centres.[b].[1] + 0.1 * gaussian rng |])

    let noise =
        Array.init 50 (fun _ -> -1, [| rng.NextDouble() * 4.5 - 1.5; rng.NextDouble() * 3.5 - 1.0 |])

    let all = Array.concat [ moon1; moon2; blobPts; noise ]
    all |> Array.map snd, all |> Array.map fst

/// A digits-like set: 10 classes of 64 non-negative "pixel" values in 0–16, each class a 4-dimensional Gaussian
/// latent cloud pushed through one fixed random two-layer map (tanh, then ReLU) and rounded to integers, so that
/// classes are curved, unequal and touch. 180 points per class by default. Returns (points, labels).
let digitsLike (seed: int) (perClass: int) =
    let rng = Random(seed)
    let latent, hidden, dim = 4, 24, 64
    let w1 = Array.init hidden (fun _ -> Array.init latent (fun _ -> gaussian rng))
    let b1 = Array.init hidden (fun _ -> 0.5 * gaussian rng)

    let w2 =
        Array.init dim (fun _ -> Array.init hidden (fun _ -> gaussian rng / sqrt (float hidden)))

    let means = Array.init 10 (fun _ -> Array.init latent (fun _ -> 1.2 * gaussian rng))
    let spreads = Array.init 10 (fun _ -> 0.25 + 0.35 * rng.NextDouble())

    let point (c: int) =
        let z = Array.init latent (fun q -> means.[c].[q] + spreads.[c] * gaussian rng)

        let h =
            Array.init hidden (fun j -> tanh (Array.fold2 (fun s w x -> s + w * x) b1.[j] w1.[j] z))

        Array.init dim (fun p ->
            Array.fold2 (fun s w x -> s + w * x) 0.0 w2.[p] h
            |> fun v -> Math.Round(min 16.0 (max 0.0 (8.0 * v + 4.0))))

    let all = Array.init (10 * perClass) (fun i -> let c = i % 10 in c, point c)
    all |> Array.map snd, all |> Array.map fst

let writeCsv (path: string) (points: float[][]) (labels: int[]) =
    let inv = Globalization.CultureInfo.InvariantCulture

    IO.File.WriteAllLines(
        path,
        Array.map2
            (fun (p: float[]) (l: int) -> String.Join(",", Array.append [| string l |] (p |> Array.map (fun v -> v.ToString("R", inv)))))
            points
            labels
    )
