namespace Arise.Model

/// Settings of a training run.
type TrainingOptions =
    {
        Hidden: int array
        DropoutRate: float
        LearningRate: float
        BatchSize: int
        MaxEpochs: int

        /// Stop after this many epochs without a better validation accuracy (None: run all epochs).
        Patience: int option

        /// When > 0, epochs are judged (and kept) on an exponential moving average of the weights over about this many
        /// epochs, updated after every batch, instead of on the raw weights (Polyak averaging; 0 = off).
        AveragingEpochs: float
        Seed: int
        Threads: int

        /// Weights to start from instead of fresh Glorot-uniform ones (`arise train --from`): a network whose inputs,
        /// hidden sizes and classes are the set's and Hidden; None = a fresh network from Seed.
        Start: Network option
    }

/// What one epoch achieved.
type EpochReport =
    {
        Epoch: int
        Loss: float
        TrainingAccuracy: float
        ValidationAccuracy: float

        /// Accuracy on the pristine structures (MC dropout, with a margin; see selectionScore) and on the defective
        /// selection structures (dropout off), when the run selects on them.
        Selection: (float * float) option
        Seconds: float
        IsBest: bool
    }

/// How the defective structures of a checkpoint selection are scored.
type DefectScore =

    /// Accuracy over all defective structures together: the levels with most misses (large displacements) dominate.
    | Pooled

    /// Mean over the defect levels of −ln(error rate) (misses add-one smoothed): halving the errors at any level counts
    /// the same, whether 4 → 2 misses at 20 % vacancies or 60 → 30 at 10 % displacements.
    | PerLevel

/// Structures that, besides the validation split, choose which epoch's weights are kept (the paper's Methods:
/// candidate models are ranked on pristine and slightly defective structures at the prediction setting).
type CheckpointSelection =
    {

        /// Descriptors of defective structures at the prediction setting (TrainingSet.selectionSet).
        Defective: TrainingSet

        /// Defect level (index into the selection's levels) of each defective row (TrainingSet.selectionLevelOfRows).
        Level: int array

        /// How the defective structures count in the score.
        Score: DefectScore

        /// Rows of the training set at the prediction setting: one per pristine structure.
        PristineRows: int array
    }

/// The training data of a model's own classes, needed to add classes to it without losing them.
type KnownData =

    /// The prototype library it was trained on (described again; a descriptor cache makes that quick).
    | KnownLibrary of Arise.Structure.PrototypeLibrary

    /// Its saved training set (`arise train` writes MODEL.training-set.npz beside the model).
    | KnownSet of TrainingSet

/// What adding a library's classes to a trained model describes and trains on (Training.planAddition).
type Addition =
    {
        /// The library to describe: the model's classes first, in its order, when they come from a library; then the
        /// new classes.
        Library: Arise.Structure.PrototypeLibrary

        /// The model's rows, labelled in its class order, when they come from a saved set.
        Known: TrainingSet option

        /// The classes added, in the order of their new output columns.
        Added: string array
    }

/// Training with Adam and softmax cross-entropy, keeping the weights of the epoch with the best validation accuracy
/// or, with a checkpoint selection, the best selection score.
/// One optimisation step at a time on some device (forward with dropout, backpropagation, Adam), for
/// Training.trainSelectingWith. Made for one network, whose weights it starts from and writes back on Sync.
type IStepper =
    inherit System.IDisposable

    /// One step on the first `rows` rows of x (rows × inputs) with labels y; returns (summed cross-entropy, correct
    /// predictions).
    abstract Step: x: float32 array * y: int array * rows: int -> float * int

    /// Writes the current weights into the network the stepper was made for.
    abstract Sync: unit -> unit

module Training =

    /// The paper's settings (256-512-256, dropout 3.17 %, Adam 2.16e-4, batch 64, up to 300 epochs); stops 80 epochs
    /// after the best score. Measured here on the 108 classes with the checkpoint selection on Table 1's defect
    /// levels (`arise train` default): epoch 299 kept, validation 99.22 %, all 396 pristine structures right, and 15 of
    /// Table 1's 21 columns at or above the paper. Without the selection, 2.16e-4 kept an epoch that called
    /// rhombohedral graphite hexagonal; 5e-4 (the previous default) was less robust to displacements.
    val ariseOptions: TrainingOptions

    /// SHA-256 (hex) of descriptors and labels.
    val dataHash: set: TrainingSet -> string

    /// For `rows` of `set`, with dropout off: the fraction whose most probable class is the label, and the mean
    /// probability given to the label.
    val evaluate: threads: int -> net: Network -> set: TrainingSet -> rows: int array -> float * float

    /// Fraction of `rows` whose most probable class (dropout off) is the label.
    val accuracy: threads: int -> net: Network -> set: TrainingSet -> rows: int array -> float

    /// Fraction of `rows` whose Monte Carlo dropout prediction (T = `samples`, seed 1, as `arise classify`) gives
    /// the label a probability at least `margin` above every other class.
    val confidentAccuracy: threads: int -> samples: int -> margin: float -> net: Network -> set: TrainingSet -> rows: int array -> float

    /// The per-level defect term of the selection score: the mean over levels of −ln((misses + 1) / (structures + 1)),
    /// divided by 10 so that one pristine miss (10/396 of the score) still outweighs any gain here. `misses` and
    /// `structures` are per level.
    val perLevelTerm: misses: int array -> structures: int array -> float

    /// Misses per defect level of `net` (dropout off) on the selection's defective structures, with the number of
    /// structures per level; and the mean probability given to the label.
    val levelMisses: threads: int -> net: Network -> sel: CheckpointSelection -> int array * int array * float

    /// The score that picks the kept epoch. Without a selection: the validation accuracy. With one: 10 × pristine
    /// accuracy + validation accuracy + the defect term + 0.01 × mean probability of the true class on the
    /// defective structures, so that a pristine miss outweighs any gain elsewhere and the probability term only
    /// breaks ties. The defect term is the defective accuracy (Pooled) or `perLevelTerm` (PerLevel). A pristine
    /// structure counts as right when its MC-dropout prediction (T = 100) puts the true class at least 0.05 above
    /// every other: near-ties (rhombohedral against hexagonal graphite at R_C = 4 d_NN) flip
    /// between Monte Carlo runs, and the MC mean sits below the dropout-off probability. Defective structures are
    /// judged with dropout off. Also returns (pristine accuracy, defective accuracy).
    val selectionScore:
        threads: int ->
        net: Network ->
        set: TrainingSet ->
        validAcc: float ->
        selection: CheckpointSelection option ->
            float * (float * float) option

    /// Trains on `trainRows`, validating on `validRows` after each epoch and keeping the weights of the epoch with
    /// the best `selectionScore` (the validation accuracy when `selection` is None); `report` sees every epoch. With
    /// AveragingEpochs > 0 the epochs are judged and kept on the moving average of the weights, not the raw ones.
    /// Stops at MaxEpochs, when patience (epochs without a better score) runs out, or when `cancel` fires (the best
    /// weights so far are returned).
    val trainSelecting:
        options: TrainingOptions ->
        set: TrainingSet ->
        trainRows: int array ->
        validRows: int array ->
        selection: CheckpointSelection option ->
        report: (EpochReport -> unit) ->
        cancel: System.Threading.CancellationToken ->
            Network * TrainingInfo

    /// The managed engine's stepper: gradients and Adam on the CPU, dropout masks from one seeded stream.
    val managedStepper: options: TrainingOptions -> net: Network -> IStepper

    /// trainSelecting with the steps taken by the stepper that `stepper` makes for the fresh network (the managed
    /// engine's, or a GPU's): the epochs, shuffling, validation, checkpoint selection and averaging stay here.
    val trainSelectingWith:
        stepper: (TrainingOptions -> Network -> IStepper) ->
        options: TrainingOptions ->
        set: TrainingSet ->
        trainRows: int array ->
        validRows: int array ->
        selection: CheckpointSelection option ->
        report: (EpochReport -> unit) ->
        cancel: System.Threading.CancellationToken ->
            Network * TrainingInfo

    /// Trains keeping the epoch with the best validation accuracy (see trainSelecting).
    val train:
        options: TrainingOptions ->
        set: TrainingSet ->
        trainRows: int array ->
        validRows: int array ->
        report: (EpochReport -> unit) ->
        cancel: System.Threading.CancellationToken ->
            Network * TrainingInfo

    /// The descriptor settings of the ARISE training set (R_C = 4 d_NN, σ = 0.1 d_NN at prediction, d_NN by
    /// TrainingSet.dnnRule).
    val ariseDescriptor: DescriptorSettings

    /// Adding the classes of `lib` that `model` (called `name` in messages) lacks: what to describe and train on. Error
    /// when the model was trained on other descriptors than `ariseDescriptor`, when nothing is new, or when `known`
    /// (called `knownName`) lacks some of the model's classes (named).
    val planAddition:
        model: Model ->
        name: string ->
        known: KnownData ->
        knownName: string ->
        lib: Arise.Structure.PrototypeLibrary ->
            Result<Addition, string>

    /// The training set of an addition: the described set (`Addition.Library`'s) after the known rows, in the order
    /// model's classes, then the added ones.
    val additionSet: model: Model -> addition: Addition -> described: TrainingSet -> TrainingSet

    /// `options` that start from `model` widened by `added` output columns (Network.addClasses from options.Seed), with
    /// its hidden sizes.
    val startFrom: model: Model -> added: int -> options: TrainingOptions -> TrainingOptions

    /// Model metadata for a network trained on `set` with `options`.
    val metadata: set: TrainingSet -> options: TrainingOptions -> info: TrainingInfo -> ModelMetadata
