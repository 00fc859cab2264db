namespace Arise.Model

open System

/// One dimension of a hyperparameter search space.
type Dimension =
    /// One of several options; the value is the option's index.
    | Choice of name: string * options: string list
    /// Uniform in [low, high].
    | Uniform of name: string * low: float * high: float
    /// Log-uniform in [low, high] (low > 0).
    | LogUniform of name: string * low: float * high: float
    /// Uniform in [low, high], rounded to a multiple of q.
    | QUniform of name: string * low: float * high: float * q: float
    /// An integer in [low, high].
    | IntRange of name: string * low: int * high: int

    member d.Name =
        match d with
        | Choice(n, _) | Uniform(n, _, _) | LogUniform(n, _, _) | QUniform(n, _, _, _) | IntRange(n, _, _) -> n

/// A finished trial: the point tried and its loss.
type Trial = { Point: Map<string, float>; Loss: float }

/// Settings of the Tree-structured Parzen Estimator (hyperopt's defaults).
type TpeSettings =
    { /// Random trials before the model is used.
      Startup: int
      /// Quantile of the losses that counts as "good".
      Gamma: float
      /// Candidates drawn from l(x) per suggestion.
      Candidates: int
      /// Weight of the prior component in each Parzen estimator.
      PriorWeight: float }

/// Tree-structured Parzen Estimator (Bergstra et al. 2011, as in hyperopt's tpe.suggest): each dimension gets a
/// Parzen estimator of the good trials, l(x), and of the others, g(x); the candidate from l maximising l/g is tried.
module Tpe =
    /// hyperopt's defaults: 20 start-up trials, γ = 0.25, 24 candidates, prior weight 1.
    let defaults = { Startup = 20; Gamma = 0.25; Candidates = 24; PriorWeight = 1.0 }

    let private normalCdf (x: float) = 0.5 * (1.0 + MathNet.Numerics.SpecialFunctions.Erf(x / sqrt 2.0))

    /// Gaussian sample by Box–Muller.
    let private gauss (rng: Random) =
        let u1 = 1.0 - rng.NextDouble()
        let u2 = rng.NextDouble()
        sqrt (-2.0 * log u1) * cos (2.0 * Math.PI * u2)

    /// A draw from the prior of a dimension.
    let private prior (rng: Random) (d: Dimension) =
        match d with
        | Choice(_, options) -> float (rng.Next options.Length)
        | Uniform(_, lo, hi) -> lo + rng.NextDouble() * (hi - lo)
        | LogUniform(_, lo, hi) -> exp (log lo + rng.NextDouble() * (log hi - log lo))
        | QUniform(_, lo, hi, q) -> Math.Round((lo + rng.NextDouble() * (hi - lo)) / q) * q
        | IntRange(_, lo, hi) -> float (lo + rng.Next(hi - lo + 1))

    /// An adaptive Parzen estimator on [lo, hi]: observations plus the prior (centre, width hi − lo), each a
    /// Gaussian whose width is the larger gap to its neighbours, clipped as hyperopt does.
    type private Parzen = { Mus: float[]; Sigmas: float[]; Weights: float[]; Lo: float; Hi: float }

    let private parzen (priorWeight: float) (lo: float) (hi: float) (observations: float[]) =
        let priorMu = 0.5 * (lo + hi)
        let priorSigma = hi - lo
        let mus = Array.append observations [| priorMu |] |> Array.sort
        let n = mus.Length
        let sigmas =
            Array.init n (fun i ->
                let left = if i > 0 then mus.[i] - mus.[i - 1] else mus.[i] - lo
                let right = if i < n - 1 then mus.[i + 1] - mus.[i] else hi - mus.[i]
                max left right)
        let minSigma = priorSigma / min 100.0 (1.0 + float n)
        let sigmas = sigmas |> Array.map (fun s -> max minSigma (min priorSigma s))
        let priorIndex = Array.findIndex ((=) priorMu) mus
        sigmas.[priorIndex] <- priorSigma
        let weights = Array.init n (fun i -> if i = priorIndex then priorWeight else 1.0)
        let total = Array.sum weights
        { Mus = mus; Sigmas = sigmas; Weights = weights |> Array.map (fun w -> w / total); Lo = lo; Hi = hi }

    /// Log density of the truncated-Gaussian mixture at x.
    let private logDensity (p: Parzen) (x: float) =
        let mutable d = 0.0
        for i in 0 .. p.Mus.Length - 1 do
            let s = p.Sigmas.[i]
            let mass = normalCdf ((p.Hi - p.Mus.[i]) / s) - normalCdf ((p.Lo - p.Mus.[i]) / s)
            let z = (x - p.Mus.[i]) / s
            d <- d + p.Weights.[i] * exp (-0.5 * z * z) / (s * sqrt (2.0 * Math.PI) * max mass 1e-12)
        log (max d 1e-300)

    /// A draw from the mixture (truncated to [lo, hi] by rejection).
    let private sample (rng: Random) (p: Parzen) =
        let u = rng.NextDouble()
        let mutable acc = 0.0
        let mutable k = 0
        while k < p.Weights.Length - 1 && acc + p.Weights.[k] < u do
            acc <- acc + p.Weights.[k]
            k <- k + 1
        let mutable x = nan
        let mutable tries = 0
        while Double.IsNaN x do
            let y = p.Mus.[k] + p.Sigmas.[k] * gauss rng
            tries <- tries + 1
            if (y >= p.Lo && y <= p.Hi) || tries > 100 then x <- max p.Lo (min p.Hi y)
        x

    /// Suggests the next point from the finished trials (random while fewer than Startup).
    let suggest (settings: TpeSettings) (rng: Random) (space: Dimension list) (trials: Trial list) : Map<string, float> =
        if trials.Length < settings.Startup then space |> List.map (fun d -> d.Name, prior rng d) |> Map.ofList
        else
            let sorted = trials |> List.sortBy (fun t -> t.Loss) |> Array.ofList
            let nBelow = min (int (ceil (settings.Gamma * sqrt (float sorted.Length)))) 25 |> max 1
            let below, above = sorted.[.. nBelow - 1], sorted.[nBelow ..]
            space
            |> List.map (fun d ->
                let values (ts: Trial[]) = ts |> Array.map (fun t -> t.Point.[d.Name])
                match d with
                | Choice(name, options) ->
                    // categorical: counts plus the prior's pseudo-counts
                    let dist (ts: Trial[]) =
                        let counts = Array.create options.Length (settings.PriorWeight / float options.Length)
                        for v in values ts do
                            counts.[int v] <- counts.[int v] + 1.0
                        let total = Array.sum counts
                        counts |> Array.map (fun c -> c / total)
                    let l, g = dist below, dist above
                    let draw () =
                        let u = rng.NextDouble()
                        let mutable acc, k = 0.0, 0
                        while k < l.Length - 1 && acc + l.[k] < u do
                            acc <- acc + l.[k]
                            k <- k + 1
                        k
                    let best = Array.init settings.Candidates (fun _ -> draw ()) |> Array.maxBy (fun k -> log l.[k] - log g.[k])
                    name, float best
                | _ ->
                    // continuous dimensions in their natural space (log space for log-uniform)
                    let lo, hi, toSpace, ofSpace, round =
                        match d with
                        | Uniform(_, lo, hi) -> lo, hi, id, id, id
                        | LogUniform(_, lo, hi) -> log lo, log hi, log, exp, id
                        | QUniform(_, lo, hi, q) -> lo, hi, id, id, (fun x -> Math.Round(x / q) * q)
                        | IntRange(_, lo, hi) -> float lo - 0.5, float hi + 0.5, id, id, (fun x -> max (float lo) (min (float hi) (Math.Round x)))
                        | Choice _ -> failwith "unreachable"
                    let l = parzen settings.PriorWeight lo hi (values below |> Array.map toSpace)
                    let g = parzen settings.PriorWeight lo hi (values above |> Array.map toSpace)
                    let candidates = Array.init settings.Candidates (fun _ -> sample rng l)
                    let best = candidates |> Array.maxBy (fun x -> logDensity l x - logDensity g x)
                    d.Name, round (ofSpace best))
            |> Map.ofList

    /// Minimises `objective` over `space` with `evaluations` trials; seeded. Returns the trials in order.
    let minimize (settings: TpeSettings) (seed: int) (space: Dimension list) (evaluations: int) (objective: Map<string, float> -> float) =
        let rng = Random(seed)
        let mutable trials = []
        for _ in 1 .. evaluations do
            let point = suggest settings rng space trials
            trials <- trials @ [ { Point = point; Loss = objective point } ]
        trials
