/// Ideal cubic crystals by lattice constant: quick test structures, samples and benchmarks.
module Arise.Structure.Crystals

/// Conventional fcc cell of element Z with lattice constant a (Å): 4 atoms, periodic.
val fcc: z: int -> a: float -> Arise.Structure.Structure

/// Conventional bcc cell of element Z with lattice constant a (Å): 2 atoms, periodic.
val bcc: z: int -> a: float -> Arise.Structure.Structure

/// Simple cubic cell of element Z with lattice constant a (Å): 1 atom, periodic.
val simpleCubic: z: int -> a: float -> Arise.Structure.Structure

/// Cubic diamond, conventional cell of element Z with lattice constant a (Å): 8 atoms, periodic.
val diamond: z: int -> a: float -> Arise.Structure.Structure

/// Hexagonal close-packed, orthogonal cell (a × √3a × c) of element Z: 4 atoms, periodic. Ideal c = a·√(8/3).
val hcp: z: int -> a: float -> c: float -> Arise.Structure.Structure

/// Hexagonal diamond (lonsdaleite) with bond length d (Å) and ideal tetrahedra, orthogonal cell: 8 atoms, periodic.
val lonsdaleite: z: int -> d: float -> Arise.Structure.Structure

/// Graphene with bond length d (Å) in the xy plane, orthogonal cell (√3d × 3d × vacuum): 4 atoms, periodic in
/// all three directions (the vacuum separates the periodic images of the sheet).
val graphene: z: int -> d: float -> vacuum: float -> Arise.Structure.Structure
