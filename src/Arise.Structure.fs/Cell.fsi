namespace Arise.Structure

/// Periodicity along the lattice vectors A, B, C.
[<Struct>]
type Pbc =
    { A: bool
      B: bool
      C: bool }

    /// Periodicity along axis k (0 = A, 1 = B, 2 = C).
    member Item: k: int -> bool with get

/// Functions over Pbc.
module Pbc =

    /// Periodic along all three lattice vectors.
    val all: Pbc

    /// Not periodic along any axis (a finite cluster).
    val none: Pbc

    /// Builds periodicity from three flags.
    val make: a: bool -> b: bool -> c: bool -> Pbc

    /// True when at least one axis is periodic.
    val any: p: Pbc -> bool

    /// True when all axes are periodic.
    val isFull: p: Pbc -> bool

/// A unit cell: three lattice vectors A, B, C (rows of the lattice matrix), in Å.
type Cell = { A: Vec3; B: Vec3; C: Vec3 }

/// Functions over Cell.
module Cell =

    /// The lattice vector k (0 = A, 1 = B, 2 = C).
    val vector: k: int -> c: Cell -> Vec3

    /// Builds a cell from three lattice vectors.
    val make: a: Vec3 -> b: Vec3 -> c: Vec3 -> Cell

    /// Orthorhombic cell with edge lengths a, b, c (Å).
    val orthorhombic: a: float -> b: float -> c: float -> Cell

    /// A position wrapped into an orthogonal, axis-aligned cell: each coordinate into [0, edge length) (Å).
    val wrapOrthogonal: c: Cell -> p: Vec3 -> Vec3

    /// Signed volume A·(B×C) in Å³.
    val volume: c: Cell -> float

    /// |volume| / (|a|·|b|·|c|): 1 for a rectangular cell, 0 for a flat one; NaN when an edge is zero or not finite.
    val relativeVolume: c: Cell -> float

    /// True when the cell has (numerically) zero volume relative to its edge lengths.
    val isSingular: c: Cell -> bool

    /// Cartesian position of fractional coordinates f: f.X·A + f.Y·B + f.Z·C, summed left to right
    /// as numpy's `frac @ cell` does.
    val toCartesian: c: Cell -> f: Vec3 -> Vec3

    /// Reciprocal vectors without 2π: rows a*, b*, c* with a*·A = 1, a*·B = 0, … (Å⁻¹).
    val reciprocal: c: Cell -> Cell

    /// Fractional coordinates of a Cartesian position r.
    val toFractional: c: Cell -> r: Vec3 -> Vec3

    /// Distance between neighbouring lattice planes normal to reciprocal vector k (Å).
    val planeSpacing: k: int -> c: Cell -> float

    /// Whether a position or one of its periodic images (r + iA + jB + kC, integers i, j, k; zero along the axes that
    /// `pbc` leaves open) lies in the axis-aligned box from lo to hi (Å, bounds included, finite); the box is prepared
    /// once for many positions.
    val imagesWithin: c: Cell -> pbc: Pbc -> lo: Vec3 -> hi: Vec3 -> (Vec3 -> bool)

    /// Edge lengths (a, b, c) in Å and angles (α, β, γ) in degrees.
    val parameters: c: Cell -> (float * float * float) * (float * float * float)

    /// Cell from edge lengths a, b, c (Å) and angles α, β, γ (degrees), A along x and B in the xy plane.
    /// Returns None when the angles admit no cell.
    val tryOfParameters: a: float -> b: float -> c: float -> alpha: float -> beta: float -> gamma: float -> Cell option

    /// Multiplies every lattice vector by s.
    val scale: s: float -> c: Cell -> Cell

    /// Applies a linear map to each lattice vector.
    val map: f: (Vec3 -> Vec3) -> c: Cell -> Cell
