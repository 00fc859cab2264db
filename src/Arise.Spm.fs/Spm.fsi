namespace Arise.Spm

/// Everything a strided-pattern-matching run produces, box by box (flat index: x slowest, then y, then z).
type SpmResult =
    {
        Grid: SpmGrid
        Classes: string array
        MaterialTypes: string array
        Centres: Arise.Structure.Vec3 array

        /// Atoms in each box.
        Atoms: int array

        /// Class probabilities, boxes × classes (NaN for empty boxes).
        Probabilities: float32 array

        /// Mutual information (nats; NaN for empty boxes).
        MutualInformation: float array

        /// Most probable class (−1 for empty boxes, −2 for boxes with enough atoms whose descriptor failed, e.g.
        /// overlapping atoms).
        Argmax: int array

        /// Hidden-layer pre-activations (dropout off), one array boxes × width per hidden layer (NaN for empty boxes).
        Hidden: float32 array array

        /// Per atom of the sample: mean probabilities over the boxes containing it (atoms × classes) and the count.
        AtomProbabilities: float32 array
        AtomMutualInformation: float array
        AtomBoxes: int array
    }

/// Timing of a run (seconds).
type SpmTiming =
    { Extraction: float
      Descriptors: float
      Network: float }

/// Running strided pattern matching over a sample.
module Spm =

    /// Boxes per chunk: computed together, written together (the unit of resumption).
    val chunkSize: int

    /// SHA-256 (hex) of named arrays' bytes, in order: what a chunk file carries to be checked on resume.
    val checksum: arrays: (string * Arise.Numerics.Npy.NpyArray) list -> string

    /// A fingerprint of everything a run's results depend on: the model's weights, T, the seed, the settings and
    /// grid, and the sample's atoms and positions (SHA-256, hex).
    val fingerprint:
        model: Arise.Model.Model ->
        samples: int ->
        seed: int ->
        settings: SpmSettings ->
        grid: SpmGrid ->
        sample: Arise.Structure.Structure ->
            string

    /// Runs SPM. When `chunkDir` is given, each finished chunk is written there (with the run's fingerprint and a
    /// checksum of its arrays) and chunks already present, whole and of this run, are read back instead of recomputed
    /// (an interrupted run resumes where it stopped); a damaged or foreign chunk is recomputed. Chunks left by a
    /// different run (another model, T, seed, settings or sample: `run.sha256` in the folder) are deleted.
    /// `progress done total`.
    val run:
        pipeline: Arise.Model.Pipeline ->
        samples: int ->
        seed: int ->
        settings: SpmSettings ->
        grid: SpmGrid ->
        sample: Arise.Structure.Structure ->
        chunkDir: string option ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            SpmResult * SpmTiming
