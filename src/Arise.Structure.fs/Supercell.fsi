/// Supercells, with the replica rules of the ARISE training set (paper Methods, "Dataset creation").
module Arise.Structure.Supercell

/// Repeats a structure n0 × n1 × n2 times along its lattice vectors, in ASE's `Atoms.repeat` order
/// (the first index slowest; each copy shifted by m0·a + m1·b + m2·c). Per-atom properties are tiled.
val repeat: n0: int -> n1: int -> n2: int -> s: Arise.Structure.Structure -> Arise.Structure.Structure

/// The smallest n such that n³ (or n² for a 2D material, repeated n × n × 1) copies of a cell of
/// `atomsPerCell` atoms hold at least `minAtoms` atoms.
val smallestReplica: minAtoms: int -> twoD: bool -> atomsPerCell: int -> int

/// The replicas of the ARISE training set: the smallest isotropic n with at least 100 atoms, then n + 1 and n + 2
/// (n × n × n, or n × n × 1 for 2D materials).
val trainingReplicas: twoD: bool -> s: Arise.Structure.Structure -> (int * int * int) list

/// A finite (non-periodic) supercell: repeated, then the cell dropped, as the training set's cluster versions.
val finite: n0: int -> n1: int -> n2: int -> s: Arise.Structure.Structure -> Arise.Structure.Structure
