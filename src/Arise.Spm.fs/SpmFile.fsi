namespace Arise.Spm

/// An SPM run as `spm.npz` holds it, read back.
type SpmData =
    {
        Grid: SpmGrid
        Classes: string array
        MaterialTypes: string array

        /// Each box's label.
        Labels: BoxLabel array

        /// Mutual information per box (nats; NaN when not classified).
        MutualInformation: float array

        /// Hidden-layer pre-activations, one array boxes × width per hidden layer (index 0 = the first layer).
        /// (The grid's mode is not stored: it reads back as Bulk.)
        Hidden: float32 array array
    }

    /// The width of hidden layer `layer` (1 = first).
    member Width: layer: int -> int

    /// Number of boxes.
    member Count: int

/// The `spm.npz` schema, in one place: its keys, writing a run, and reading one back with every array checked.
module SpmFile =

    /// Writes a run as spm.npz: grid (shape, origin, step, edge), centres, atoms, probabilities, mutual_information,
    /// argmax, classes, material_types, hidden_1.. (hidden_1 = the first hidden layer; numpy.load-able).
    val write: path: string -> r: SpmResult -> unit

    /// Reads spm.npz back, checking that every array is there with one row per box and class indices in range.
    val read: path: string -> Result<SpmData, string>
