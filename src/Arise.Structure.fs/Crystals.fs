/// Ideal cubic crystals by lattice constant: quick test structures, samples and benchmarks.
module Arise.Structure.Crystals

/// Conventional fcc cell of element Z with lattice constant a (Å): 4 atoms, periodic.
let fcc (z: int) (a: float) =
    let h = a / 2.0
    Structure.periodic (Cell.orthorhombic a a a) [| Vec3.zero; Vec3.make 0.0 h h; Vec3.make h 0.0 h; Vec3.make h h 0.0 |] (Array.create 4 z)

/// Conventional bcc cell of element Z with lattice constant a (Å): 2 atoms, periodic.
let bcc (z: int) (a: float) =
    Structure.periodic (Cell.orthorhombic a a a) [| Vec3.zero; Vec3.make (a / 2.0) (a / 2.0) (a / 2.0) |] (Array.create 2 z)

/// Simple cubic cell of element Z with lattice constant a (Å): 1 atom, periodic.
let simpleCubic (z: int) (a: float) =
    Structure.periodic (Cell.orthorhombic a a a) [| Vec3.zero |] [| z |]

/// Cubic diamond, conventional cell of element Z with lattice constant a (Å): 8 atoms, periodic.
let diamond (z: int) (a: float) =
    let f = fcc z a
    let shift = Vec3.make (a / 4.0) (a / 4.0) (a / 4.0)

    Structure.periodic
        (Cell.orthorhombic a a a)
        (Array.append f.Positions (f.Positions |> Array.map (fun p -> p + shift)))
        (Array.create 8 z)

/// An orthogonal (a × √3a × c) cell holding two hexagonal cells, from fractional coordinates in the hexagonal cell.
let private orthoHexagonal (z: int) (a: float) (c: float) (fractional: (float * float * float) list) =
    let ax, bx = Vec3.make a 0.0 0.0, Vec3.make (-a / 2.0) (a * sqrt 3.0 / 2.0) 0.0
    let cell = Cell.orthorhombic a (a * sqrt 3.0) c

    let positions =
        [| for (u, v, w) in fractional do
               let p = u * ax + v * bx + Vec3.make 0.0 0.0 (w * c)
               yield Cell.wrapOrthogonal cell p
               yield Cell.wrapOrthogonal cell (p + ax + bx) |]

    Structure.periodic cell positions (Array.create positions.Length z)

/// Hexagonal close-packed, orthogonal cell (a × √3a × c) of element Z: 4 atoms, periodic. Ideal c = a·√(8/3).
let hcp (z: int) (a: float) (c: float) =
    orthoHexagonal z a c [ (0.0, 0.0, 0.0); (1.0 / 3.0, 2.0 / 3.0, 0.5) ]

/// Hexagonal diamond (lonsdaleite) with bond length d (Å) and ideal tetrahedra, orthogonal cell: 8 atoms, periodic.
let lonsdaleite (z: int) (d: float) =
    let a = d * sqrt (8.0 / 3.0)
    let c = a * sqrt (8.0 / 3.0)

    orthoHexagonal
        z
        a
        c
        [ (1.0 / 3.0, 2.0 / 3.0, 0.0)
          (2.0 / 3.0, 1.0 / 3.0, 0.5)
          (1.0 / 3.0, 2.0 / 3.0, 0.375)
          (2.0 / 3.0, 1.0 / 3.0, 0.875) ]

/// Graphene with bond length d (Å) in the xy plane, orthogonal cell (√3d × 3d × vacuum): 4 atoms, periodic in
/// all three directions (the vacuum separates the periodic images of the sheet).
let graphene (z: int) (d: float) (vacuum: float) =
    orthoHexagonal z (d * sqrt 3.0) vacuum [ (1.0 / 3.0, 2.0 / 3.0, 0.0); (2.0 / 3.0, 1.0 / 3.0, 0.0) ]
