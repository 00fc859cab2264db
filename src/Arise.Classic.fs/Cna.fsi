namespace Arise.Classic

/// Local structure types recognised by common neighbour analysis.
[<RequireQualifiedAccess>]
type CnaType =
    | Other
    | Fcc
    | Hcp
    | Bcc
    | Icosahedral

/// Common neighbour analysis: fixed cutoff (Honeycutt & Andersen; Faken & Jónsson) and adaptive (Stukowski 2012).
module Cna =

    /// Name of a type: Fcc, Hcp, Bcc, Icosahedral, Other (as printed by %A, without its cost).
    val typeName: t: CnaType -> string

    /// Per-structure label: the most frequent type among the atoms identified (Other when none is).
    val majority: types: CnaType array -> CnaType

    /// The CNA signature of the bond i–j: (common neighbours, bonds among them, longest chain of those bonds).
    /// `neighbours` and `jNeighbours` are sorted atom indices; `isBonded a b` says whether a and b are neighbours.
    val signature: isBonded: (int -> int -> bool) -> neighbours: int array -> j: int -> jNeighbours: int array -> int * int * int

    /// Classifies one atom from the signatures of its bonds.
    val classify: signatures: (int * int * int) array -> CnaType

    /// Conventional CNA with one cutoff for all atoms (e.g. between the first and second neighbour shells). Small
    /// periodic cells (a plane spacing below 3.2 × cutoff) are repeated first.
    val fixedCutoff: cutoff: float -> s: Arise.Structure.Structure -> CnaType array

    /// Adaptive CNA: per atom, the cutoff from its 12 nearest neighbours (fcc/hcp/ico, r_c = (1+√2)/2·mean) and
    /// from its 14 nearest (bcc, r_c = (1+√2)/2·[(2/√3)·mean of the 8 nearest + mean of the next 6]/2).
    val adaptive: s: Arise.Structure.Structure -> CnaType array
