/// Polyhedral template matching after Larsen, Schmidt & Schiøtz (Modelling Simul. Mater. Sci. Eng. 24, 055007,
/// 2016): each atom's neighbourhood is compared, after the best rotation and scaling, with ideal templates; the
/// template with the smallest root-mean-square deviation wins if that RMSD is below a cutoff.
///
/// RMSD as in the paper and the PTM library: both point sets contain the central atom; the sample is centred on its
/// barycentre and scaled by the factor that fits it best to the template, whose neighbours have mean distance 1;
/// RMSD = √((G₁ − k²/G₂)/N), G₁ = Σ|t|², G₂ = Σ|s|², k = max over rotations of Σ (R t)·s (Horn's quaternion).
///
/// Correspondences: the PTM library enumerates them through the convex hull's graph automorphisms. Here they come
/// from anchor rotations (the sample's nearest neighbour and the one closest to 90° from it, mapped onto every
/// template pair at a similar angle), nearest-point assignment and up to four refinement rounds (assignment →
/// optimal rotation → assignment). The convex-hull topology test of the library is not made: an environment whose
/// hull differs from the template's but whose RMSD is below the cutoff is accepted here.
///
/// Neighbours are ordered by distance (the library orders them by Voronoi face area; both pick the same shells in
/// the structures tested). Diamond and graphene templates use two shells: the 4 (3) nearest neighbours and, for
/// each of them, its 3 (2) nearest neighbours other than the central atom and the atoms already taken.
module Arise.Classic.Ptm

/// Structure types PTM recognises.
[<RequireQualifiedAccess>]
type PtmType =
    | Other
    | Fcc
    | Hcp
    | Bcc
    | Icosahedral
    | SimpleCubic
    | CubicDiamond
    | HexagonalDiamond
    | Graphene

/// Chemical ordering of a matched environment (PTM's alloy types), from the species of the centre and its shells:
/// Pure (one species); L1₀ (fcc, 8 of 12 neighbours unlike); L1₂ (fcc, 4 or 12 unlike: the majority or the
/// minority site); B2 (bcc, the 8 nearest unlike, the 6 next like); zincblende/wurtzite (diamonds, 4 inner unlike,
/// 12 outer like); hexagonal BN (graphene, 3 inner unlike, 6 outer like); NoOrdering otherwise (also for Other).
/// Counts only: the library also checks the arrangement of the unlike neighbours (L1₀ vs L1₂ at the same counts
/// cannot differ in ideal crystals).
[<RequireQualifiedAccess>]
type PtmOrdering =
    | NoOrdering
    | Pure
    | L10
    | L12
    | B2
    | ZincblendeWurtzite
    | BoronNitride

/// One atom's result: the best template (Other when none is below the cutoff), its RMSD (dimensionless; infinity
/// when the atom has too few neighbours) and the interatomic (nearest-neighbour) distance it implies, in the input's
/// length units (NaN for Other).
type PtmMatch =
    { Type: PtmType
      Rmsd: float
      InteratomicDistance: float
      Ordering: PtmOrdering }

/// Which templates to try and the RMSD cutoff (OVITO and ARISE: 0.1; 0 or infinity = no cutoff).
type PtmSettings =
    { Types: PtmType list
      RmsdCutoff: float }

/// √3, used by the templates.
val sqrt3: float

/// All eight types with the RMSD cutoff 0.1 (OVITO's default and the paper's benchmark setting).
val defaults: PtmSettings

/// Parses a type name as used on the command line (fcc, hcp, bcc, ico, sc, dcub, dhex, graphene).
val parseType: name: string -> Result<PtmType, string>

/// Short name of a type (the inverse of parseType; "other" for Other).
val typeName: t: PtmType -> string

/// Matches one environment against one template. `points`: the central atom (origin) then the neighbour vectors in
/// the template's order convention (nearest first; for diamond/graphene 4/3 inner neighbours, then each inner's
/// 3/2 outer neighbours in the same order). Returns (RMSD, interatomic distance in the input's units).
val matchEnvironment: t: PtmType -> points: Arise.Structure.Vec3 array -> float * float

/// Number of points (centre + neighbours) of a type's template.
val templateSize: t: PtmType -> int

/// The template's points (centre first), in template units (mean neighbour distance 1).
val templatePoints: t: PtmType -> Arise.Structure.Vec3 array

/// PTM for every atom of a structure (periodic images count as neighbours; parallel over atoms).
val analyseWith: settings: PtmSettings -> s: Arise.Structure.Structure -> PtmMatch array

/// PTM with all eight types and RMSD cutoff 0.1.
val analyse: s: Arise.Structure.Structure -> PtmMatch array

/// Short name of an ordering ("" for NoOrdering).
val orderingName: o: PtmOrdering -> string

/// The label of a match with its ordering: the lattice for pure or unordered environments (fcc, bcc, dcub, …),
/// the ordered phase otherwise (L10, L12, B2, zincblende, wurtzite, hBN); "other" when nothing matched.
val label: m: PtmMatch -> string
