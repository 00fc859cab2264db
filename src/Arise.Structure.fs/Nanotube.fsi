/// Single-wall carbon nanotubes from chiral indices (n, m), rolled from a graphene sheet.
module Arise.Structure.Nanotube

/// The C–C bond length used by the ARISE nanotube prototypes (Å).
val defaultBond: float

/// Number of atoms in one translational unit cell of the (n, m) tube: 4(n² + nm + m²)/d_R, d_R = gcd(2n+m, 2m+n).
val atomsPerCell: n: int -> m: int -> int

/// Tube diameter (Å) for bond length `bond` (Å): √3·bond·√(n² + nm + m²)/π.
val diameter: bond: float -> n: int -> m: int -> float

/// Length of one translational unit cell along the axis (Å): √3·|C_h|/d_R.
val cellLength: bond: float -> n: int -> m: int -> float

/// Chiral angle in degrees (0 for zigzag (n, 0), 30 for armchair (n, n)).
val chiralAngle: n: int -> m: int -> float

/// The smallest number of unit cells giving at least `minAtoms` atoms.
val cellsFor: minAtoms: int -> n: int -> m: int -> int

/// A finite (n, m) tube of `cells` translational unit cells with C–C bond `bond` (Å): axis along z starting
/// at z = 0, centred on the z axis; no cell (a cluster, like the ARISE prototype files).
val build: bond: float -> n: int -> m: int -> cells: int -> Arise.Structure.Structure
