/// Bond-angle analysis after Ackland & Jones (Phys. Rev. B 73, 054104, 2006): per atom, the histogram of bond-angle
/// cosines among its near neighbours decides fcc, hcp, bcc, icosahedral or unknown.
module Arise.Classic.BondAngle

/// Classifies one atom from its neighbour vectors (sorted or not; all within at least 1.25× the sixth-nearest
/// distance). Decision rules of LAMMPS's `compute ackland/atom` (Barnes's revision of Ackland & Jones 2006, the
/// reference of our tests): r0² = mean squared distance of the 6 nearest; n0 / n1 = neighbours within 1.45 / 1.55 r0²;
/// the cosine histogram χ over the n0 neighbours decides.
val classifyVectors: vectors: Arise.Structure.Vec3 array -> Arise.Classic.CnaType

/// Bond-angle analysis of every atom (neighbours from the cell list, periodic images included).
val analyse: s: Arise.Structure.Structure -> Arise.Classic.CnaType array
