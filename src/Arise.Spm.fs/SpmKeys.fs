namespace Arise.Spm

open System

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
    let ofArgmax (a: int) =
        match a with
        | -1 -> BoxLabel.Empty
        | -2 -> BoxLabel.Failed
        | k -> BoxLabel.Class k

    /// The argmax value of a label.
    let toArgmax (l: BoxLabel) =
        match l with
        | BoxLabel.Empty -> -1
        | BoxLabel.Failed -> -2
        | BoxLabel.Class k -> k

/// The keys of spm.npz and of the chunk files of a run.
module SpmKeys =
    [<Literal>]
    let Shape = "shape"

    [<Literal>]
    let Origin = "origin"

    [<Literal>]
    let Step = "step"

    [<Literal>]
    let Edge = "edge"

    [<Literal>]
    let Centres = "centres"

    [<Literal>]
    let Atoms = "atoms"

    [<Literal>]
    let Probabilities = "probabilities"

    [<Literal>]
    let MutualInformation = "mutual_information"

    [<Literal>]
    let Argmax = "argmax"

    [<Literal>]
    let Classes = "classes"

    [<Literal>]
    let MaterialTypes = "material_types"

    /// Chunk files: the run's fingerprint and the chunk's index, as two strings.
    [<Literal>]
    let Run = "run"

    /// Chunk files: the SHA-256 (hex) of the chunk's arrays, in the order they are written.
    [<Literal>]
    let Checksum = "checksum"

    /// The key of hidden layer `layer` (1 = first), numbered as `explore --layer` numbers them: hidden_1 is the first.
    let hidden (layer: int) = sprintf "hidden_%d" layer

    /// The key files written before 0.1.0's final layout used for layer `layer`: hidden_0 for the first (read only).
    let legacyHidden (layer: int) = sprintf "hidden_%d" (layer - 1)
