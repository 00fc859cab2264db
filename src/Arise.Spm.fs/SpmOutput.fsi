/// Writing SPM results: boxes.csv and per-atom labels as extended XYZ (spm.npz: SpmFile; pictures: Arise.Pictures.SpmMaps).
module Arise.Spm.SpmOutput

/// boxes.csv: x,y,z,atoms,class,probability,mutual_information (empty boxes: class "empty"; boxes whose descriptor
/// failed: "failed"); written atomically (AtomicFile).
val writeCsv: path: string -> r: Arise.Spm.SpmResult -> unit

/// The sample with per-atom arise_class, arise_probability, arise_mutual_information (−1 for an atom in no
/// classified box) and arise_boxes from its labels (Spm.atomLabels), as atoms.xyz holds them.
val labelledBy: sample: Arise.Structure.Structure -> classes: string array -> labels: Arise.Spm.AtomLabels -> Arise.Structure.Structure

/// The sample with per-atom arise_class, arise_probability, arise_mutual_information and arise_boxes from per-atom
/// means (probabilities atoms × classes, mutual information in nats, counts of boxes), as atoms.xyz holds them.
val labelled:
    sample: Arise.Structure.Structure ->
    classes: string array ->
    probs: float32 array ->
    mi: float array ->
    boxes: int array ->
        Arise.Structure.Structure

/// atoms.xyz: the sample with per-atom arise_class, arise_probability, arise_mutual_information, arise_boxes
/// (averages over the boxes containing each atom), for OVITO or ASE. The labels come from the result's per-atom means
/// (Spm.run), or, when it has none (Spm.runMaps, Spm.assemble), from its boxes (Spm.atomLabels): the same lines.
val writeAtoms: path: string -> sample: Arise.Structure.Structure -> r: Arise.Spm.SpmResult -> unit

/// One process's lines of atoms.xyz, formatted in memory (atomLines), for placeAtoms: about 130 bytes an atom.
[<Sealed>]
type AtomLines =
    /// Number of atoms.
    member Count: int
    member internal Indices: int array
    member internal Lengths: int array
    member internal Copy: p: int * target: byte array * at: int -> unit

/// The lines of the atoms of `part` (labelled), which are atoms `indices` of the whole sample (ascending, counted from
/// 0), as writeAtoms writes them.
val atomLines: part: Arise.Structure.Structure -> indices: int array -> AtomLines

/// One process's hand in atoms.xyz of `count` atoms, made from the processes' lines (atomLines): every process of
/// `world` calls it at the same point on the same `path`, and when all have returned the file holds the header of
/// `template` (a labelled part: its cell, per-atom properties and info), then each atom's line in sample order: the
/// same bytes as writeAtoms on the whole sample. Process k of n writes one stretch of the file, the lines of atoms
/// count × k / n to count × (k + 1) / n (the first the header too), received from whichever processes hold them (MPI
/// send and receive, in windows of at most 262,144 atoms). Fails, after taking part in every exchange, naming an atom
/// that no process or two hold.
val placeAtoms:
    world: Arise.Numerics.Mpi.World -> path: string -> template: Arise.Structure.Structure -> count: int -> lines: AtomLines -> unit
