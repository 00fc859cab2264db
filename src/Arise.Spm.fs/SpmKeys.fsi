namespace Arise.Spm

/// What an SPM box holds.
[<RequireQualifiedAccess>]
type BoxLabel =

    /// Fewer atoms than the run's minimum: not classified.
    | Empty

    /// Enough atoms, but no descriptor (overlapping atoms, a species pair without d_NN, …).
    | Failed

    /// Classified: the index of its most probable class.
    | Class of index: int

/// Box labels as `spm.npz` stores them in `argmax`: the class index, −1 for Empty, −2 for Failed.
module BoxLabel =

    /// The label of an argmax value.
    val ofArgmax: a: int -> BoxLabel

    /// The argmax value of a label.
    val toArgmax: l: BoxLabel -> int

/// The keys of spm.npz and of the chunk files of a run.
module SpmKeys =

    /// Boxes along x, y, z (int32, 3).
    [<Literal>]
    val Shape: string = "shape"

    /// Centre of the first box (float64, 3; Å).
    [<Literal>]
    val Origin: string = "origin"

    /// Step between neighbouring centres along x, y, z (float64, 3; Å).
    [<Literal>]
    val Step: string = "step"

    /// Box edge along x, y, z (float64, 3; Å).
    [<Literal>]
    val Edge: string = "edge"

    /// Box centres (float64, boxes × 3; Å).
    [<Literal>]
    val Centres: string = "centres"

    /// Atoms in each box (int32, boxes).
    [<Literal>]
    val Atoms: string = "atoms"

    /// Mean class probabilities (float32, boxes × classes; NaN for boxes not classified).
    [<Literal>]
    val Probabilities: string = "probabilities"

    /// Mutual information (float64, boxes; nats; NaN for boxes not classified).
    [<Literal>]
    val MutualInformation: string = "mutual_information"

    /// Most probable class (int32, boxes; −1 empty, −2 failed: BoxLabel).
    [<Literal>]
    val Argmax: string = "argmax"

    /// The model's class names (strings, classes).
    [<Literal>]
    val Classes: string = "classes"

    /// The material type of each class (strings, classes).
    [<Literal>]
    val MaterialTypes: string = "material_types"

    /// Chunk files: the run's fingerprint and the chunk's index, as two strings.
    [<Literal>]
    val Run: string = "run"

    /// Chunk files: the SHA-256 (hex) of the chunk's arrays, in the order they are written.
    [<Literal>]
    val Checksum: string = "checksum"

    /// The key of hidden layer `layer` (1 = first), numbered as `explore --layer` numbers them: hidden_1 is the first.
    val hidden: layer: int -> string

    /// The key files written before 0.1.0's final layout used for layer `layer`: hidden_0 for the first (read only).
    val legacyHidden: layer: int -> string
