namespace Arise.Model

/// A labelled set of descriptors with the settings each was computed with.
type TrainingSet =
    {

        /// Class names, indexed by label.
        Classes: string array

        /// Material type of each class.
        MaterialTypes: string array

        /// Descriptor length (316).
        Dimension: int

        /// Descriptors, row-major (rows × Dimension).
        X: float32 array

        /// Class index of each row.
        Y: int array

        /// R_C, σ (in d_NN) and extrinsic scale of each row.
        Cutoff: float array
        Sigma: float array
        ExtrinsicScale: float array

        /// "periodic" or the replicas of the finite supercell ("5x5x5"; "tube" for nanotubes).
        Version: string array
    }

    /// Number of descriptors (rows of X).
    member Rows: int

/// The pristine training set of the paper (Methods, "Dataset creation"): every class × R_C × σ × extrinsic scale ×
/// (periodic cell + three finite supercells; nanotubes: the finite tube only).
module TrainingSet =

    /// The 99 descriptor settings of the training set: (R_C, σ, extrinsic scale), R_C slowest.
    val settings: (float * float * float) array

    /// The structures of one class: ("periodic", unit cell) unless lattice-free, then the finite supercells.
    val structures: p: Arise.Structure.Prototype -> (string * Arise.Structure.Structure) list

    /// The defect-test structures of one class (paper's Table 1 protocol): each training supercell both periodic and
    /// finite ("5x5x5 periodic", "5x5x5 finite"); lattice-free classes (nanotubes): the finite tube only.
    val testStructures: p: Arise.Structure.Prototype -> (string * Arise.Structure.Structure) list

    /// Number of descriptors the library gives: structures × 99 settings.
    val expectedRows: lib: Arise.Structure.PrototypeLibrary -> int

    /// The d_NN rule of the descriptors trained on and selected with (ARISE's histogram rule, vacancy-tolerant in
    /// periodic structures, equal distances averaged; on the pristine library ARISE's numbers but for 359 of 5,344
    /// species pairs, 0.005 apart). Models record it as `dnnRuleName`.
    val dnnRule: Arise.Structure.DnnMethod

    /// The name of the d_NN rule the training descriptors use (stored in the model file).
    val dnnRuleName: string

    /// All 99 descriptors of one structure (rows in `settings` order), sharing one d_NN search and cell list.
    val descriptorsOf:
        calcs: Map<(float * float), Arise.Soap.SoapCalculator> -> s: Arise.Structure.Structure -> Result<float32 array, string>

    /// Generates the set, in parallel over structures, caching each structure's 99 descriptors under `cacheDir`
    /// (re-running skips what is done). `progress done total` is called after each structure (from any thread).
    /// Structures whose descriptors fail are reported in the error list; the rest are kept.
    val generate:
        lib: Arise.Structure.PrototypeLibrary ->
        cacheDir: string ->
        threads: int ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            TrainingSet * string list

    /// generate with the descriptors made by a device, `describeMany (calculator, options, structures)` (the GPU
    /// engine's IDescriptorEngine.DescribeMany), 16 structures at a time, every setting each: the same set within
    /// float rounding, the same cache. An Error from describeMany fails the structures of that call.
    val generateOn:
        describeMany:
            (Arise.Soap.SoapCalculator * Arise.Soap.DescriptorOptions * Arise.Structure.Structure array
                    -> Result<Result<Arise.Soap.Descriptor, string> array, string>) ->
        lib: Arise.Structure.PrototypeLibrary ->
        cacheDir: string ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            TrainingSet * string list

    /// The defect levels (η, δ, as fractions) on which the paper ranks candidate models (Methods, "Neural network
    /// architecture and training procedure": ≤ 5 % atoms missing or < 1 % displacement): δ 0.1 and 0.6 %, η 1 and 5 %,
    /// and the pairs (η, δ) = (1, 0.1) and (5, 0.6) %.
    val selectionLevels: (float * float) array

    /// All 20 defect levels (η, δ) of the paper's Table 1, S2 and S3: δ 0.1–10 %, η 1–30 %, and the seven pairs.
    val tableLevels: (float * float) array

    /// Seed of one selection realisation. Different from scripts/table1.fsx's seeds, so that Table 1's realisations
    /// are never seen by the selection.
    val selectionSeed: structure: int -> level: int -> realisation: int -> int

    /// Defective copies of the test structures (`testStructures`) of the library's classes that are in `classes` (a
    /// model's class order), at each (η, δ) of `levels` (η fraction removed, δ·d_NN displacements), `realisations`
    /// each, with their descriptors at the prediction setting (R_C = 4 d_NN, σ = 0.1 d_NN, extrinsic scale 1),
    /// labelled by their index in `classes`. `seedOf structure level realisation` seeds each copy. Parallel over
    /// structures; `progress done total` after each. Structures whose descriptor fails are listed in the errors and
    /// left out.
    val defectiveSet:
        classes: string array ->
        lib: Arise.Structure.PrototypeLibrary ->
        levels: (float * float) array ->
        realisations: int ->
        seedOf: (int -> int -> int -> int) ->
        threads: int ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            TrainingSet * string list

    /// `defectiveSet` at `levels` (e.g. `selectionLevels`) for all classes of the library, seeded by
    /// `selectionSeed`: the structures that choose the kept epoch of a training run.
    val selectionSet:
        lib: Arise.Structure.PrototypeLibrary ->
        levels: (float * float) array ->
        realisations: int ->
        threads: int ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            TrainingSet * string list

    /// The defect level (index into `levels`) of each row of a set made by `defectiveSet`/`selectionSet` with
    /// `levelCount` levels and `realisations` realisations: rows run structure by structure, level by level.
    val selectionLevelOfRows: levelCount: int -> realisations: int -> rows: int -> int array

    /// Rows of `t` computed at the prediction setting (R_C = 4 d_NN, σ = 0.1 d_NN, extrinsic scale 1): one per
    /// pristine structure.
    val predictionSettingRows: t: TrainingSet -> int array

    /// Saves as .npz: x (float32 rows × 316), y (int32), cutoff, sigma, extrinsic_scale (float64), version,
    /// classes, material_types (strings). Read in Python with numpy.load(path).
    val save: path: string -> t: TrainingSet -> unit

    /// Loads a set saved by `save`.
    val load: path: string -> Result<TrainingSet, string>

    /// The rows of `sets` whose class is in `classes`, relabelled by its index there, in the order of the sets and
    /// their rows; each class's rows and material type come from the first set that has it. For adding classes to a model
    /// (`arise train --from`): the old set in the model's class order, then the new classes. Error naming a class no
    /// set has, or sets whose descriptor lengths differ.
    val select: classes: string array -> sets: TrainingSet list -> Result<TrainingSet, string>

    /// Stratified split: for each class, a seeded shuffle of its rows, the first `trainFraction` to training.
    /// Returns (training rows, validation rows).
    val split: seed: int -> trainFraction: float -> y: int array -> int array * int array
