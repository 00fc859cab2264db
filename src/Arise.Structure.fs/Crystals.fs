/// Ideal cubic crystals by lattice constant: quick test structures, samples and benchmarks.
module Arise.Structure.Crystals

/// Conventional fcc cell of element Z with lattice constant a (Å): 4 atoms, periodic.
let fcc (z: int) (a: float) =
    let h = a / 2.0
    Structure.periodic (Cell.orthorhombic a a a)
        [| Vec3.zero; Vec3.make 0.0 h h; Vec3.make h 0.0 h; Vec3.make h h 0.0 |]
        (Array.create 4 z)

/// Conventional bcc cell of element Z with lattice constant a (Å): 2 atoms, periodic.
let bcc (z: int) (a: float) =
    Structure.periodic (Cell.orthorhombic a a a) [| Vec3.zero; Vec3.make (a / 2.0) (a / 2.0) (a / 2.0) |] (Array.create 2 z)
