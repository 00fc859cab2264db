/// Writing SPM results: boxes.csv and per-atom labels as extended XYZ (spm.npz: SpmFile; pictures: Arise.Pictures.SpmMaps).
module Arise.Spm.SpmOutput

/// boxes.csv: x,y,z,atoms,class,probability,mutual_information (empty boxes: class "empty"; boxes whose descriptor
/// failed: "failed"); written atomically (AtomicFile).
val writeCsv: path: string -> r: Arise.Spm.SpmResult -> unit

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
/// (averages over the boxes containing each atom), for OVITO or ASE.
val writeAtoms: path: string -> sample: Arise.Structure.Structure -> r: Arise.Spm.SpmResult -> unit

/// One process's share of atoms.xyz: the lines of the atoms of `part` (labelled) in `path`, and for each its index in
/// the whole sample (ascending) and its length in bytes in `path`.index, for placeAtoms.
val writeAtomsPart: path: string -> part: Arise.Structure.Structure -> indices: int array -> unit

/// One process's hand in atoms.xyz of `count` atoms, made from the processes' shares (writeAtomsPart, `parts` in
/// process order): every process calls it on the same `path` with its own number `mine`, and when all have returned
/// the file holds the header of `template` (a labelled part: its cell, per-atom properties and info), then each atom's
/// line in sample order: the same bytes as writeAtoms on the whole sample. Process `mine` of n writes one stretch of
/// the file, the lines of atoms count × mine / n to count × (mine + 1) / n (the first the header too), read from
/// whichever shares hold them, at the place computed from every share's index. Fails naming an atom that no share or
/// two shares hold.
val placeAtoms: path: string -> template: Arise.Structure.Structure -> count: int -> parts: string list -> mine: int -> unit
