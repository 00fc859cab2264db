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
        | Choice(n, _)
        | Uniform(n, _, _)
        | LogUniform(n, _, _)
        | QUniform(n, _, _, _)
        | IntRange(n, _, _) -> n

/// A finished trial: the point tried and its loss; a failed trial (e.g. diverged training) has Loss = NaN and
/// its error, and the estimator ignores it.
type Trial =
    { Point: Map<string, float>
      Loss: float
      Error: string option }

    /// A successful trial.
    static member Ok(point, loss) =
        { Point = point
          Loss = loss
          Error = None }

    /// A failed trial.
    static member Failed(point, error) =
        { Point = point
          Loss = nan
          Error = Some error }

/// Settings of the Tree-structured Parzen Estimator (hyperopt's defaults).
type TpeSettings =
    {
        /// Random trials before the model is used.
        Startup: int
        /// Quantile of the losses that counts as "good".
        Gamma: float
        /// Candidates drawn from l(x) per suggestion.
        Candidates: int
        /// Weight of the prior component in each Parzen estimator.
        PriorWeight: float
    }

/// Tree-structured Parzen Estimator (Bergstra et al. 2011, as in hyperopt's tpe.suggest): each dimension gets a
/// Parzen estimator of the good trials, l(x), and of the others, g(x); the candidate from l maximising l/g is tried.
module Tpe =
    /// hyperopt's defaults: 20 start-up trials, γ = 0.25, 24 candidates, prior weight 1.
    let defaults =
        { Startup = 20
          Gamma = 0.25
          Candidates = 24
          PriorWeight = 1.0 }

    let private normalCdf (x: float) =
        0.5 * (1.0 + MathNet.Numerics.SpecialFunctions.Erf(x / sqrt 2.0))

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
    type private Parzen =
        { Mus: float[]
          Sigmas: float[]
          Weights: float[]
          Lo: float
          Hi: float }

    let private parzen (priorWeight: float) (lo: float) (hi: float) (observations: float[]) =
        let priorMu = 0.5 * (lo + hi)
        let priorSigma = hi - lo
        let mus = Array.append observations [| priorMu |] |> Array.sort
        let n = mus.Length

        let sigmas =
            Array.init n (fun i ->
                // as hyperopt: the larger gap to a neighbour; the end points take the gap to their only neighbour
                if n = 1 then hi - lo
                elif i = 0 then mus.[1] - mus.[0]
                elif i = n - 1 then mus.[n - 1] - mus.[n - 2]
                else max (mus.[i] - mus.[i - 1]) (mus.[i + 1] - mus.[i]))

        let minSigma = priorSigma / min 100.0 (1.0 + float n)
        let sigmas = sigmas |> Array.map (fun s -> max minSigma (min priorSigma s))
        let priorIndex = Array.findIndex ((=) priorMu) mus
        sigmas.[priorIndex] <- priorSigma
        let weights = Array.init n (fun i -> if i = priorIndex then priorWeight else 1.0)
        let total = Array.sum weights

        { Mus = mus
          Sigmas = sigmas
          Weights = weights |> Array.map (fun w -> w / total)
          Lo = lo
          Hi = hi }

    /// Log density of the truncated-Gaussian mixture at x.
    let private logDensity (p: Parzen) (x: float) =
        let mutable d = 0.0

        for i in 0 .. p.Mus.Length - 1 do
            let s = p.Sigmas.[i]
            let mass = normalCdf ((p.Hi - p.Mus.[i]) / s) - normalCdf ((p.Lo - p.Mus.[i]) / s)
            let z = (x - p.Mus.[i]) / s

            d <-
                d
                + p.Weights.[i] * exp (-0.5 * z * z) / (s * sqrt (2.0 * Math.PI) * max mass 1e-12)

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

            if (y >= p.Lo && y <= p.Hi) || tries > 100 then
                x <- max p.Lo (min p.Hi y)

        x

    /// Suggests the next point from the finished trials (random while fewer than Startup).
    let suggest (settings: TpeSettings) (rng: Random) (space: Dimension list) (trials: Trial list) : Map<string, float> =
        // failed trials carry no loss and are ignored (hyperopt keeps only trials with status "ok")
        let trials =
            trials |> List.filter (fun t -> t.Error.IsNone && not (Double.IsNaN t.Loss))

        if trials.Length < settings.Startup then
            space |> List.map (fun d -> d.Name, prior rng d) |> Map.ofList
        else
            let sorted = trials |> List.sortBy (fun t -> t.Loss) |> Array.ofList

            let nBelow =
                min (int (ceil (settings.Gamma * sqrt (float sorted.Length)))) 25 |> max 1

            let below, above = sorted.[.. nBelow - 1], sorted.[nBelow..]

            space
            |> List.map (fun d ->
                let values (ts: Trial[]) =
                    ts |> Array.map (fun t -> t.Point.[d.Name])

                match d with
                | Choice _
                | IntRange _ ->
                    // categorical (hyperopt treats randint the same way): counts plus prior_weight per option
                    let k0, count =
                        match d with
                        | IntRange(_, lo, hi) -> lo, hi - lo + 1
                        | Choice(_, options) -> 0, options.Length
                        | _ -> 0, 1

                    let dist (ts: Trial[]) =
                        let counts = Array.create count settings.PriorWeight

                        for v in values ts do
                            counts.[int v - k0] <- counts.[int v - k0] + 1.0

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

                    let best =
                        Array.init settings.Candidates (fun _ -> draw ())
                        |> Array.maxBy (fun k -> log l.[k] - log g.[k])

                    d.Name, float (best + k0)
                | _ ->
                    // continuous dimensions in their natural space (log space for log-uniform)
                    let lo, hi, toSpace, ofSpace, round =
                        match d with
                        | Uniform(_, lo, hi) -> lo, hi, id, id, id
                        | LogUniform(_, lo, hi) -> log lo, log hi, log, exp, id
                        | QUniform(_, lo, hi, q) -> lo, hi, id, id, (fun x -> Math.Round(x / q) * q)
                        | Choice _
                        | IntRange _ -> failwith "unreachable"

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

        for _ in 1..evaluations do
            let point = suggest settings rng space trials
            trials <- trials @ [ Trial.Ok(point, objective point) ]

        trials

    /// Random search with the same budget (points drawn from the prior), for comparisons.
    let randomSearch (seed: int) (space: Dimension list) (evaluations: int) (objective: Map<string, float> -> float) =
        let rng = Random(seed)

        [ for _ in 1..evaluations ->
              let point = space |> List.map (fun d -> d.Name, prior rng d) |> Map.ofList
              Trial.Ok(point, objective point) ]

/// The trial history as CSV (one row per trial: number, status, loss, error, then one column per dimension, the
/// raw value: the option's index for a Choice), written after every trial so that a search can resume.
module TrialHistory =
    let private inv = Globalization.CultureInfo.InvariantCulture

    /// Writes the trials (atomically: a temporary file, then a rename).
    let save (path: string) (space: Dimension list) (trials: Trial list) =
        let quote (t: string) =
            "\"" + t.Replace("\"", "'").Replace("\n", " ") + "\""

        let header =
            String.Join(",", [ "trial"; "status"; "loss"; "error" ] @ (space |> List.map (fun d -> d.Name)))

        let rows =
            trials
            |> List.mapi (fun i t ->
                let status, loss =
                    match t.Error with
                    | Some _ -> "failed", ""
                    | None -> "ok", t.Loss.ToString("R", inv)

                String.Join(
                    ",",
                    [ string (i + 1)
                      status
                      loss
                      (match t.Error with
                       | Some e -> quote e
                       | None -> "") ]
                    @ (space |> List.map (fun d -> t.Point.[d.Name].ToString("R", inv)))
                ))

        let tmp = path + ".tmp"
        IO.File.WriteAllLines(tmp, header :: rows)
        IO.File.Move(tmp, path, true)

    /// Reads a history written by `save` for the same space; an error names the file and line.
    let load (path: string) (space: Dimension list) : Result<Trial list, string> =
        if not (IO.File.Exists path) then
            Ok []
        else
            let lines = IO.File.ReadAllLines path
            let names = space |> List.map (fun d -> d.Name)

            if lines.Length = 0 then
                Ok []
            elif lines.[0].Split(',') |> Array.skip 4 |> List.ofArray <> names then
                Error(sprintf "%s: its columns (%s) are not this search space's (%s)" path lines.[0] (String.Join(",", names)))
            else
                let parse (k: int) (line: string) =
                    // the error text is the only quoted field
                    let q1, q2 = line.IndexOf '"', line.LastIndexOf '"'

                    let error =
                        if q1 >= 0 && q2 > q1 then
                            Some(line.Substring(q1 + 1, q2 - q1 - 1))
                        else
                            None

                    let plain =
                        if q1 >= 0 && q2 > q1 then
                            line.Remove(q1, q2 - q1 + 1)
                        else
                            line

                    let f = plain.Split ','

                    if f.Length <> 4 + names.Length then
                        Error(sprintf "%s, line %d: %d fields, expected %d" path (k + 1) f.Length (4 + names.Length))
                    else
                        let values =
                            f.[4..]
                            |> Array.map (fun v -> Double.TryParse(v, Globalization.NumberStyles.Float, inv))

                        if values |> Array.exists (fst >> not) then
                            Error(sprintf "%s, line %d: a value is not a number" path (k + 1))
                        else
                            let point = List.zip names (values |> Array.map snd |> List.ofArray) |> Map.ofList

                            match f.[1] with
                            | "ok" ->
                                match Double.TryParse(f.[2], Globalization.NumberStyles.Float, inv) with
                                | true, loss -> Ok(Trial.Ok(point, loss))
                                | _ -> Error(sprintf "%s, line %d: loss '%s' is not a number" path (k + 1) f.[2])
                            | "failed" -> Ok(Trial.Failed(point, defaultArg error "failed"))
                            | other -> Error(sprintf "%s, line %d: status '%s' (ok or failed)" path (k + 1) other)

                let parsed = lines |> Array.skip 1 |> Array.mapi (fun k l -> parse (k + 1) l)

                match
                    parsed
                    |> Array.tryPick (function
                        | Error e -> Some e
                        | Ok _ -> None)
                with
                | Some e -> Error e
                | None ->
                    Ok(
                        parsed
                        |> Array.choose (function
                            | Ok t -> Some t
                            | Error _ -> None)
                        |> List.ofArray
                    )

/// A TPE search that survives failures and interruptions: failed objective calls are recorded and skipped, the
/// history is saved after every trial and a search resumes from it, and up to `workers` trials run at once
/// (asynchronous TPE that ignores pending points, like hyperopt's tpe.suggest, which sees only finished trials).
module TpeSearch =
    /// Runs until `evaluations` trials exist in total (resumed ones included) or `cancel` is set. `objective`
    /// returns the loss or an error; an exception counts as an error. `onTrial index trial` sees each new trial.
    /// With one worker and the same history the run is reproducible from `seed`.
    let run
        (settings: TpeSettings)
        (seed: int)
        (space: Dimension list)
        (evaluations: int)
        (workers: int)
        (history: string option)
        (objective: int -> Map<string, float> -> Result<float, string>)
        (onTrial: int -> Trial -> unit)
        (cancel: Threading.CancellationToken)
        : Result<Trial list, string> =
        let previous =
            match history with
            | Some path -> TrialHistory.load path space
            | None -> Ok []

        previous
        |> Result.map (fun previous ->
            let trials = ResizeArray<Trial>(previous)
            let gate = obj ()
            let mutable issued = previous.Length

            let worker () =
                let mutable go = true

                while go do
                    let next =
                        lock gate (fun () ->
                            if issued >= evaluations || cancel.IsCancellationRequested then
                                None
                            else
                                issued <- issued + 1
                                // a stream of its own for each trial number: with one worker, trial i's point depends
                                // only on the seed and the trials before it, so a run resumed after a kill proposes
                                // what the uninterrupted run did
                                let rng = Random(seed + 1_000_003 * issued)
                                Some(issued, Tpe.suggest settings rng space (List.ofSeq trials)))

                    match next with
                    | None -> go <- false
                    | Some(index, point) ->
                        let trial =
                            try
                                match objective index point with
                                | Ok loss when Double.IsFinite loss -> Trial.Ok(point, loss)
                                | Ok loss -> Trial.Failed(point, sprintf "loss %g" loss)
                                | Error e -> Trial.Failed(point, e)
                            with e ->
                                Trial.Failed(point, e.Message)

                        lock gate (fun () ->
                            trials.Add trial

                            history
                            |> Option.iter (fun path -> TrialHistory.save path space (List.ofSeq trials))

                            onTrial index trial)

            let n = max 1 workers

            if n = 1 then
                worker ()
            else
                Array.init n (fun _ -> Threading.Tasks.Task.Run(worker))
                |> Threading.Tasks.Task.WaitAll

            List.ofSeq trials)
