namespace Arise.Structure

/// How the nearest-neighbour distance d_NN of a (sub)structure is estimated.
[<RequireQualifiedAccess>]
type DnnMethod =

    /// The ARISE/ai4materials rule (paper S1.1, notes soap.md §3): histogram (100 bins, numpy binning rules) of
    /// nearest-neighbour distances divided by r², centre of the most populated bin. Reproduces the trained model's inputs.
    | AriseHistogram

    /// The physically clean estimate: the most common nearest-neighbour distance (distances equal within 1e-4
    /// relative are grouped; the most populous group wins, ties to the shorter), averaged over its members.
    | MostCommon

    /// ARISE's histogram rule made tolerant of vacancies in periodic structures: when the structure is periodic along
    /// some axis, atoms whose nearest neighbour lies beyond `vacancyTolerance` (1.4) × the 10th percentile of the
    /// nearest-neighbour distances (their whole first shell removed) are left out of the histogram. Such an atom
    /// stretches the histogram's range and moves d_NN by half a bin (0.37 % in graphite with 10 % vacancies). Finite
    /// structures are never trimmed, because their edge atoms legitimately have distant nearest neighbours. Distances
    /// all equal but for rounding (1e-9 relative: an ideal crystal) give their mean, where ARISE's rule gives d − 0.005,
    /// d or d + 0.005 as the last bits of the coordinates decide, so that one crystal read from two file formats got
    /// two d_NN. On the pristine structures of the training library this equals AriseHistogram to 1e-9 but for those
    /// (359 of 5,344 species pairs, by 0.005; checked in tests).
    | AriseVacancyTolerant

    /// The vacancy-tolerant rule with a steadier choice of peak: the histogram (ARISE's bins and 1/r² weights) is
    /// smoothed with a Gaussian of `smoothingWidth` (1 %) of each bin's centre, and d_NN is the centre of the most
    /// populated raw bin within that width of the smoothed maximum. A neighbour shell split over several bins by
    /// noise then still wins against a narrower one (ARISE's rule jumps between shells, by up to 17 %, in small
    /// multi-species clusters with 1 % displacements). It differs from ARISE's rule on 30 of the library's 5,344
    /// pristine species pairs. Experimental: with the embedded model it meets the paper in more Table 1 columns, but
    /// on broad, noisy distributions (STEM graphene, Fig. 3b) it picks another d_NN (10.81 → 11.34 px) and the
    /// model calls the image MnS₂, so the model does not use it.
    | AriseSmoothed

/// The names of the d_NN rules in model files and on the command line.
module DnnRule =

    /// Revision of the rules' numbers, part of every cache and run stamp that holds descriptors, so that none made
    /// before a change is reused: 2 since distances all equal but for rounding get their mean (2026-12-03, F14).
    val revision: int

    /// "arise", "arise-vacancy-tolerant", "arise-smoothed" or "clean".
    val name: m: DnnMethod -> string

    /// The rule of a name (case-insensitive), or an error listing the names.
    val parse: text: string -> Result<DnnMethod, string>

/// Nearest-neighbour distances and the d_NN used to scale structures.
module NearestNeighbour =

    /// The neighbour-search cutoffs the ARISE rule tries in turn (Å); a pair search at cutoff c lists neighbours
    /// closer than 2c + 0.1 (ASE NeighborList with skin 0.1).
    val ariseCutoffs: float list

    /// A rough length scale: (volume per atom)^(1/3), from the cell or the bounding box.
    val typicalSpacing: s: Structure -> float

    /// For every atom of species `fromZ` (all atoms when None): the distance to its nearest atom of species `toZ`
    /// (any when None), itself excluded but its periodic images included, computed as
    /// ‖r_j + offset·cell − r_i‖. Only neighbours closer than `searchRadius` count; atoms with no neighbour of any
    /// species within it are skipped. Returns None when some atom has neighbours but none of species `toZ`.
    /// `cl` is the cell list of `s`.
    val nearestDistances: cl: CellList -> searchRadius: float -> fromZ: int option -> toZ: int option -> s: Structure -> float array option

    /// Work allowed to the sparse-species search (centres × atoms of the neighbour species × periodic images).
    val sparseSearchBudget: int64

    /// For every atom of species `fromZ`: the distance to its nearest atom of species `toZ` anywhere in the structure
    /// (itself excluded; periodic images of the neighbouring cells included), by direct search over the `toZ` atoms.
    /// For species too sparse for the ARISE cutoffs (a few dopants far apart). None when there is no such atom or
    /// the search would exceed `sparseSearchBudget`.
    val sparseDistances: fromZ: int option -> toZ: int option -> s: Structure -> float array option

    /// The ARISE histogram rule on a set of nearest-neighbour distances: the centre of the first bin with the most
    /// counts / r² (see ariseHistogram).
    val histogramCentre: distances: float array -> float

    /// AriseSmoothed's Gaussian width, relative to each bin's centre.
    val smoothingWidth: float

    /// The smoothed-histogram rule (DnnMethod.AriseSmoothed) on a set of nearest-neighbour distances.
    val smoothedCentre: distances: float array -> float

    /// Periodic structures under AriseVacancyTolerant: nearest-neighbour distances beyond this multiple of their
    /// 10th percentile come from atoms whose first shell was removed and are left out.
    val vacancyTolerance: float

    /// At most this fraction of the atoms are left out as isolated; more distant nearest neighbours than that are
    /// a site of the crystal (in Ti4C3O2, say), not removed shells.
    val isolatedFraction: float

    /// The distances at most `vacancyTolerance` × their 10th percentile (the lower-decile element of the sorted list).
    val withoutIsolatedAtoms: distances: float array -> float array

    /// The most common distance: values within 1e-4 relative of their group's first member are grouped; the
    /// largest group wins (ties: the shorter distance); its mean is returned.
    val mostCommon: distances: float array -> float

    /// Distance below which two atoms are taken to overlap (the input's length unit): d_NN must exceed it.
    val overlapDistance: float

    /// Atoms piled onto each other, found in O(N) by hashing positions (of species `fromZ`, None = all) on a grid of
    /// the overlap distance, before any neighbour search (which would take quadratic time on them): the closest pair
    /// (0-based indices), its distance, the atoms found overlapping (at least) and the atoms looked at, when more than
    /// 8 atoms share a grid cell, or when at least half of the atoms
    /// have a partner closer than the overlap distance (then d_NN cannot be found above it either; looked for only
    /// when some grid cell holds two atoms). None otherwise: a few duplicated atoms among many are left to the d_NN
    /// rule.
    val pileUp: fromZ: int option -> s: Structure -> (int * int * float * int * int) option

    /// d_NN from species `fromZ` to species `toZ` (None = any), trying the ARISE cutoffs in turn
    /// (same length unit as the positions), with the cell list `cl` of `s`. When every cutoff leaves some atom without
    /// a neighbour of species `toZ` (a few dopants far apart, which ARISE's rule gives up on), the same rule is applied
    /// to every atom's nearest `toZ` atom anywhere in the structure (`sparseDistances`); when those distances are equal
    /// but for rounding (1e-9 relative), their mean, so that the result does not hang on the last bit. Error when no
    /// distance in (0.1, 1500) is found either way.
    val dnnBetweenWith: cl: CellList -> method: DnnMethod -> fromZ: int option -> toZ: int option -> s: Structure -> Result<float, string>

    /// d_NN from species `fromZ` to species `toZ` (None = any); see dnnBetweenWith.
    val dnnBetween: method: DnnMethod -> fromZ: int option -> toZ: int option -> s: Structure -> Result<float, string>

    /// d_NN over all atoms regardless of species.
    val dnn: method: DnnMethod -> s: Structure -> Result<float, string>

    /// d_NN for every ordered species pair (Z → Z′) present, in ascending (Z, Z′) order; each pair succeeds or
    /// fails on its own (e.g. a lone atom of a species in a cluster has no same-species neighbour).
    val pairDnns: method: DnnMethod -> s: Structure -> ((int * int) * Result<float, string>) list

    /// Queries the neighbours of atom i with a radius grown from `start` by 1.5× until at least `count` are found
    /// (at most 12 steps); the buffer holds the last query. Returns the radius used.
    val queryAtLeast: cl: CellList -> s: Structure -> i: int -> count: int -> start: float -> buffer: NeighbourBuffer -> float
