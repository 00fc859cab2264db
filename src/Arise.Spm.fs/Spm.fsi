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

/// The arrays of one chunk of boxes (first .. first + count − 1 of the grid): what a run stores to resume.
type SpmChunk =
    {
        /// Chunk number (0-based).
        Index: int

        /// Flat index of the chunk's first box.
        First: int

        /// Boxes in the chunk.
        Count: int

        /// As in SpmResult, for the chunk's boxes only.
        Atoms: int array
        Probabilities: float32 array
        MutualInformation: float array
        Argmax: int array
        Hidden: float32 array array
    }

/// Timing of a run (seconds).
type SpmTiming =
    { Extraction: float
      Descriptors: float
      Network: float }

/// Per-atom labels from the boxes of a run (Spm.atomLabels), as atoms.xyz holds them (SpmOutput.labelledBy).
type AtomLabels =
    {
        /// Each atom's most probable class by its mean probabilities over the classified boxes that hold it (the
        /// first on a tie); −1 for an atom in no classified box.
        Best: int array

        /// That mean probability (0 for an atom in no classified box).
        Probability: float array

        /// The mean mutual information over those boxes (nats; NaN for an atom in none).
        MutualInformation: float array

        /// The classified boxes that hold each atom.
        Boxes: int array
    }

/// Chunks that the processes of a run share out as they go, to even out their times when one runs slower (Spm.runPartOf):
/// a process's own last chunks, which another may take, and the last chunks of another's block, which it may take once
/// its own are done. Each is computed by whichever process claims it first; the results do not depend on which.
type ChunkSharing =
    {
        /// This process's own chunks that another may take (the end of its block), ascending.
        Lent: int array

        /// Chunks of another process's block that this process may take once its own are done, in the order it tries
        /// them (from the end of that block).
        Borrowed: int array

        /// Claims chunk c for this process: false when another process claimed it first. Atomic across the processes.
        Claim: int -> bool
    }

/// Running strided pattern matching over a sample.
module Spm =

    /// Boxes per chunk: computed together, written together (the unit of resumption).
    val chunkSize: int

    /// No chunk shared: a process computes its own block, all of it.
    val noSharing: ChunkSharing

    /// Chunks of a grid.
    val chunkCount: grid: SpmGrid -> int

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

    /// fingerprint from the sample's atom count and Structure.digest (a sample streamed in parts has no Structure whole).
    val fingerprintOf:
        model: Arise.Model.Model ->
        samples: int ->
        seed: int ->
        settings: SpmSettings ->
        grid: SpmGrid ->
        count: int ->
        digest: string ->
            string

    /// The scan itself, touching no file: chunk by chunk, the atoms of each box are found, then the chunk is taken
    /// from `reuse c first count` when that gives one, or classified (descriptors through the pipeline's guards: a box
    /// whose descriptor fails is marked Failed; dropout masks seeded by seed + c) and handed to `computed`. Returns
    /// the maps, the per-atom means and the timing. `progress done total` after each chunk; `cancel` stops between
    /// chunks.
    val scan:
        pipeline: Arise.Model.Pipeline ->
        samples: int ->
        seed: int ->
        settings: SpmSettings ->
        grid: SpmGrid ->
        sample: Arise.Structure.Structure ->
        reuse: (int -> int -> int -> SpmChunk option) ->
        computed: (SpmChunk -> unit) ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            SpmResult * SpmTiming

    /// Chunks of run `stamp` (a fingerprint) already in `chunkDir`: 0 when the folder holds another run's, or none.
    val storedChunks: chunkDir: string -> stamp: string -> int

    /// Runs SPM: the scan, with a run store (RunStore) when `chunkDir` is given: each finished chunk is written
    /// there (with the run's fingerprint and a checksum of its arrays) and chunks already present, whole and of this
    /// run, are read back instead of recomputed (an interrupted run resumes where it stopped); a damaged or foreign
    /// chunk is recomputed. Chunks left by a different run (another model, T, seed, settings or sample: `run.sha256`
    /// in the folder) are deleted. `progress done total`.
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

    /// run without the per-atom means (empty arrays): the maps and the timing, with no sums of atoms × classes held
    /// through the scan (4.3 GB for 10^7 atoms and 108 classes). For a large sample open along every axis: its atoms
    /// labelled afterwards by atomLabels on every core, to the bit as run's means label them (SpmOutput.writeAtoms does
    /// so for such a result); a periodic sample's are labelled box by box on one core there, where run is faster.
    val runMaps:
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

    /// Claims `chunkDir` for this run, as run does: writes the run's fingerprint (`run.sha256`, returned) and deletes
    /// the chunks of another run. For several processes, the first claims before the others start (runPart).
    val claim:
        pipeline: Arise.Model.Pipeline ->
        samples: int ->
        seed: int ->
        settings: SpmSettings ->
        grid: SpmGrid ->
        sample: Arise.Structure.Structure ->
        chunkDir: string ->
            string

    /// One process's part of a run over several (MPI ranks): computes and stores in the claimed `chunkDir` the
    /// chunks that `owned` picks and that are not already there, whole; assembles nothing (the first process then
    /// runs `run`, which reads every chunk back). `progress done total` counts this process's chunks. Returns its
    /// timing.
    val runPart:
        pipeline: Arise.Model.Pipeline ->
        samples: int ->
        seed: int ->
        settings: SpmSettings ->
        grid: SpmGrid ->
        sample: Arise.Structure.Structure ->
        chunkDir: string ->
        owned: (int -> bool) ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            SpmTiming

    /// runPart over a part of the sample (the atoms of this process's boxes, in sample order: StructureIO.readPart),
    /// under the whole run's fingerprint `stamp` (fingerprintOf): the chunks are those a process holding the whole
    /// sample computes, bit for bit (a box's atoms are taken in sample order). `sharing` (noSharing: none): this process
    /// claims its lent chunks one by one and stops at the first another has claimed, then claims borrowed chunks until
    /// one is taken; the part must hold the atoms of the borrowed chunks' boxes. Returns the timing and the chunks this
    /// process took (computed, or read back from an earlier run), in the order it took them, for assembleWith (about
    /// 4.3 KB a box with the default model's hidden layers).
    val runPartOf:
        pipeline: Arise.Model.Pipeline ->
        samples: int ->
        seed: int ->
        settings: SpmSettings ->
        grid: SpmGrid ->
        part: Arise.Structure.Structure ->
        stamp: string ->
        chunkDir: string ->
        owned: (int -> bool) ->
        sharing: ChunkSharing ->
        progress: (int -> int -> unit) ->
        cancel: System.Threading.CancellationToken ->
            SpmTiming * SpmChunk array

    /// The box maps of a finished run read back from `chunkDir` (every chunk of run `stamp`), without the per-atom means
    /// (empty arrays): what the first of several processes writes. Error naming the first chunk missing or damaged.
    val assemble: model: Arise.Model.Model -> grid: SpmGrid -> chunkDir: string -> stamp: string -> Result<SpmResult, string>

    /// assemble, with the chunks in `held` (runPartOf's) taken as they are instead of read back: a process reads only
    /// the chunks the others computed. The same result, to the bit. A held chunk that is not one of the grid's (its
    /// index, first box or count) is refused (ArgumentException).
    val assembleWith:
        model: Arise.Model.Model -> grid: SpmGrid -> chunkDir: string -> stamp: string -> held: SpmChunk array -> Result<SpmResult, string>

    /// The labels of means (probabilities atoms × classes, mutual information, box counts: SpmResult's per-atom arrays).
    val internal labelsOfMeans: classes: int -> probs: float32 array -> mi: float array -> boxes: int array -> AtomLabels

    /// The labels of atoms `atoms` (indices into `part`, a sample or the part of one that a process holds) from the
    /// boxes of a finished run (`r`: run's or assemble's; its per-atom arrays are not used): the mean probabilities and
    /// mutual information over the classified boxes that hold each atom, equal to the bit to run's per-atom means. A
    /// sample open along every axis: each atom's boxes found from its position (no cell list, no per-atom sums); with a
    /// periodic axis: the atoms' cell list, box by box (a box also holds atoms' images).
    val atomLabels: r: SpmResult -> part: Arise.Structure.Structure -> atoms: int array -> AtomLabels
