/// Supercells, with the replica rules of the ARISE training set (paper Methods, "Dataset creation").
module Arise.Structure.Supercell

/// Repeats a structure n0 × n1 × n2 times along its lattice vectors, in ASE's `Atoms.repeat` order
/// (the first index slowest; each copy shifted by m0·a + m1·b + m2·c). Per-atom properties are tiled.
let repeat (n0: int) (n1: int) (n2: int) (s: Structure) : Structure =
    if n0 < 1 || n1 < 1 || n2 < 1 then
        invalidArg "n" (sprintf "replicas must be ≥ 1 (got %dx%dx%d)" n0 n1 n2)

    match s.Cell with
    | None -> invalidArg "s" "a structure without a cell cannot be repeated"
    | Some cell ->
        let n = Structure.count s
        let copies = n0 * n1 * n2
        let positions = Array.zeroCreate (n * copies)
        let mutable t = 0

        for m0 in 0 .. n0 - 1 do
            for m1 in 0 .. n1 - 1 do
                for m2 in 0 .. n2 - 1 do
                    let f0, f1, f2 = float m0, float m1, float m2

                    let shift =
                        Vec3.make
                            (f0 * cell.A.X + f1 * cell.B.X + f2 * cell.C.X)
                            (f0 * cell.A.Y + f1 * cell.B.Y + f2 * cell.C.Y)
                            (f0 * cell.A.Z + f1 * cell.B.Z + f2 * cell.C.Z)

                    for i in 0 .. n - 1 do
                        positions.[t * n + i] <- s.Positions.[i] + shift

                    t <- t + 1

        let tile (a: 'T[]) =
            Array.init (a.Length * copies) (fun k -> a.[k % a.Length])

        let tileProperty p =
            match p with
            | Reals(c, v) -> Reals(c, tile v)
            | Integers(c, v) -> Integers(c, tile v)
            | Logicals(c, v) -> Logicals(c, tile v)
            | Texts(c, v) -> Texts(c, tile v)

        { s with
            Positions = positions
            Numbers = tile s.Numbers
            Cell = Some(Cell.make (float n0 * cell.A) (float n1 * cell.B) (float n2 * cell.C))
            AtomProperties = s.AtomProperties |> List.map (fun (name, p) -> name, tileProperty p) }

/// The smallest n such that n³ (or n² for a 2D material, repeated n × n × 1) copies of a cell of
/// `atomsPerCell` atoms hold at least `minAtoms` atoms.
let smallestReplica (minAtoms: int) (twoD: bool) (atomsPerCell: int) =
    if atomsPerCell < 1 then
        invalidArg "atomsPerCell" "must be ≥ 1"

    let copies n = if twoD then n * n else n * n * n
    let mutable n = 1

    while atomsPerCell * copies n < minAtoms do
        n <- n + 1

    n

/// The replicas of the ARISE training set: the smallest isotropic n with at least 100 atoms, then n + 1 and n + 2
/// (n × n × n, or n × n × 1 for 2D materials).
let trainingReplicas (twoD: bool) (s: Structure) =
    let n0 = smallestReplica 100 twoD (Structure.count s)
    [ for n in n0 .. n0 + 2 -> if twoD then n, n, 1 else n, n, n ]

/// A finite (non-periodic) supercell: repeated, then the cell dropped, as the training set's cluster versions.
let finite (n0: int) (n1: int) (n2: int) (s: Structure) =
    repeat n0 n1 n2 s |> Structure.toCluster
