namespace Arise.Model

/// One tried setting: its TPE trial (loss = 1 − validation accuracy), the trained network and how it trained.
type TuningCandidate =
    { Trial: Trial
      Options: TrainingOptions
      Network: Network
      Info: TrainingInfo }

/// Hyperparameter search with TPE, and the paper's model selection for robustness on defective structures.
module Tuning =

    /// The paper's search space (S1.4): hidden layers {2, 3, 4, 5}, neurons per layer {256, 512}, batch {64, 128},
    /// learning rate uniform(1e-4, 1e-2), dropout rate uniform(0.01, 0.05).
    val space: Dimension list

    /// Training options of a point of the space.
    val optionsOf: baseOptions: TrainingOptions -> p: Map<string, float> -> TrainingOptions

    /// Runs TPE until `evaluations` trials exist: each trains with `baseOptions` (MaxEpochs, Seed) at the suggested
    /// point and scores 1 − best validation accuracy; a diverged training (non-finite loss) is a failed trial. With a
    /// `folder`, the history (trials.csv) and every trial's model (trial-N.model) are saved there as they finish and
    /// a second run resumes. `workers` trials train at once (pending points ignored). `onEpoch trial` sees each epoch,
    /// `report trial result candidate` each finished trial.
    val search:
        settings: TpeSettings ->
        seed: int ->
        evaluations: int ->
        workers: int ->
        baseOptions: TrainingOptions ->
        set: TrainingSet ->
        trainRows: int array ->
        validRows: int array ->
        folder: string option ->
        onEpoch: (int -> EpochReport -> unit) ->
        report: (int -> Trial -> TuningCandidate option -> unit) ->
        cancel: System.Threading.CancellationToken ->
            Result<TuningCandidate list, string>

    /// search with every trial trained on `engine` (the managed one, or a GPU engine).
    val searchOn:
        engine: IEngine ->
        settings: TpeSettings ->
        seed: int ->
        evaluations: int ->
        workers: int ->
        baseOptions: TrainingOptions ->
        set: TrainingSet ->
        trainRows: int array ->
        validRows: int array ->
        folder: string option ->
        onEpoch: (int -> EpochReport -> unit) ->
        report: (int -> Trial -> TuningCandidate option -> unit) ->
        cancel: System.Threading.CancellationToken ->
            Result<TuningCandidate list, string>

    /// Descriptors (R_C = 4 d_NN, σ = 0.1 d_NN) of defective versions of the test structures of the library's
    /// classes that are in `classes` (a model's class order), `realizations` random realisations of each (η, δ) of
    /// `levels`; rows labelled by their index in `classes` (TrainingSet.defectiveSet, seeded from `seed`).
    val defectiveSet:
        classes: string array ->
        lib: Arise.Structure.PrototypeLibrary ->
        levels: (float * float) list ->
        realizations: int ->
        seed: int ->
            TrainingSet

    /// defectiveSet, with `progress done total` (structures) from any thread.
    val defectiveSetWith:
        progress: (int -> int -> unit) ->
        classes: string array ->
        lib: Arise.Structure.PrototypeLibrary ->
        levels: (float * float) list ->
        realizations: int ->
        seed: int ->
            TrainingSet

    /// The ranking of the `top` candidates: (candidate, accuracy on the defective descriptors), most robust first.
    val rankRobust: top: int -> defective: TrainingSet -> candidates: TuningCandidate list -> (TuningCandidate * float) list

    /// The paper's selection: among the `top` candidates with the best validation accuracy, the one with the best
    /// accuracy on the defective descriptors (ties: better validation). Returns it with that accuracy.
    val selectRobust: top: int -> defective: TrainingSet -> candidates: TuningCandidate list -> TuningCandidate * float
