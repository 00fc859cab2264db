namespace Arise.Model

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

    /// The dimension's name (the hyperparameter).
    member Name: string

/// A finished trial: the point tried and its loss; a failed trial (e.g. diverged training) has Loss = NaN and
/// its error, and the estimator ignores it.
type Trial =
    { Point: Map<string, float>
      Loss: float
      Error: string option }

    /// A failed trial.
    static member Failed: point: Map<string, float> * error: string -> Trial

    /// A successful trial.
    static member Ok: point: Map<string, float> * loss: float -> Trial

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
    val defaults: TpeSettings

    /// Suggests the next point from the finished trials (random while fewer than Startup).
    val suggest: settings: TpeSettings -> rng: System.Random -> space: Dimension list -> trials: Trial list -> Map<string, float>

    /// Minimises `objective` over `space` with `evaluations` trials; seeded. Returns the trials in order.
    val minimize:
        settings: TpeSettings ->
        seed: int ->
        space: Dimension list ->
        evaluations: int ->
        objective: (Map<string, float> -> float) ->
            Trial list

    /// Random search with the same budget (points drawn from the prior), for comparisons.
    val randomSearch: seed: int -> space: Dimension list -> evaluations: int -> objective: (Map<string, float> -> float) -> Trial list

/// The trial history as CSV (one row per trial: number, status, loss, error, then one column per dimension, the
/// raw value: the option's index for a Choice), written after every trial so that a search can resume.
module TrialHistory =

    /// Writes the trials (atomically: a temporary file, then a rename).
    val save: path: string -> space: Dimension list -> trials: Trial list -> unit

    /// Reads a history written by `save` for the same space; an error names the file and line.
    val load: path: string -> space: Dimension list -> Result<Trial list, string>

/// A TPE search that survives failures and interruptions: failed objective calls are recorded and skipped, the
/// history is saved after every trial and a search resumes from it, and up to `workers` trials run at once
/// (asynchronous TPE that ignores pending points, like hyperopt's tpe.suggest, which sees only finished trials).
module TpeSearch =

    /// Runs until `evaluations` trials exist in total (resumed ones included) or `cancel` is set. `objective`
    /// returns the loss or an error; an exception counts as an error. `onTrial index trial` sees each new trial.
    /// With one worker the run is reproducible from `seed`, also when resumed: trial i's point depends only on the
    /// seed, i and the trials before it (a run killed and resumed proposes what the uninterrupted run did).
    val run:
        settings: TpeSettings ->
        seed: int ->
        space: Dimension list ->
        evaluations: int ->
        workers: int ->
        history: string option ->
        objective: (int -> Map<string, float> -> Result<float, string>) ->
        onTrial: (int -> Trial -> unit) ->
        cancel: System.Threading.CancellationToken ->
            Result<Trial list, string>
