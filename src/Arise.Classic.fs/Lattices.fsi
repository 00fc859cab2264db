/// The ideal lattices the classical methods are defined for, as periodic test cells of about 150–260 atoms with
/// orthogonal boxes (so that LAMMPS reads the same cells), and the displacement series of the paper's Table 1.
/// Used by the tests against LAMMPS, by `arise benchmark` and by scripts/lammps-fixtures.fsx.
module Arise.Classic.Lattices

/// One reference lattice: its cell, nearest-neighbour distance (Å), the fixed CNA cutoff of the LAMMPS
/// documentation for it (between the shells CNA needs), and what each method should call it.
type Lattice =
    { Name: string
      Structure: Arise.Structure.Structure
      NearestNeighbour: float
      CnaCutoff: float
      Cna: Arise.Classic.CnaType
      Ptm: Arise.Classic.Ptm.PtmType }

/// fcc Cu, bcc W, hcp Mg (ideal c/a), sc Po, cubic diamond Si, hexagonal diamond Si, graphene C.
val all: Lattice list

/// The paper's displacement levels (fractions of the nearest-neighbour distance).
val displacements: float list

/// A lattice with random displacements of δ·d_NN (seeded by the lattice's position in `all` and the level).
val displaced: lattice: Lattice -> delta: float -> Arise.Structure.Structure

/// Checksum of the positions wrapped into the orthogonal cell (Σ x + 2y + 3z, Å): detects drift between a
/// frozen fixture and the generator.
val positionChecksum: s: Arise.Structure.Structure -> float
