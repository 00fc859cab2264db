/// Single-wall carbon nanotubes from chiral indices (n, m), rolled from a graphene sheet.
module Arise.Structure.Nanotube

open System

/// The C–C bond length used by the ARISE nanotube prototypes (Å).
let defaultBond = 1.42

let rec private gcd a b = if b = 0 then abs a else gcd b (a % b)

let private check n m =
    if n < 0 || m < 0 || n + m = 0 || m > n then
        invalidArg "n, m" (sprintf "chiral indices must satisfy n ≥ m ≥ 0, n > 0 (got (%d, %d))" n m)

/// Number of atoms in one translational unit cell of the (n, m) tube: 4(n² + nm + m²)/d_R, d_R = gcd(2n+m, 2m+n).
let atomsPerCell (n: int) (m: int) =
    check n m
    4 * (n * n + n * m + m * m) / gcd (2 * n + m) (2 * m + n)

/// Tube diameter (Å) for bond length `bond` (Å): √3·bond·√(n² + nm + m²)/π.
let diameter (bond: float) (n: int) (m: int) =
    check n m
    sqrt 3.0 * bond * sqrt (float (n * n + n * m + m * m)) / Math.PI

/// Length of one translational unit cell along the axis (Å): √3·|C_h|/d_R.
let cellLength (bond: float) (n: int) (m: int) =
    check n m
    let a = sqrt 3.0 * bond

    sqrt 3.0 * a * sqrt (float (n * n + n * m + m * m))
    / float (gcd (2 * n + m) (2 * m + n))

/// Chiral angle in degrees (0 for zigzag (n, 0), 30 for armchair (n, n)).
let chiralAngle (n: int) (m: int) =
    check n m
    atan2 (sqrt 3.0 * float m) (float (2 * n + m)) * 180.0 / Math.PI

/// The smallest number of unit cells giving at least `minAtoms` atoms.
let cellsFor (minAtoms: int) (n: int) (m: int) =
    let per = atomsPerCell n m
    max 1 ((minAtoms + per - 1) / per)

/// A finite (n, m) tube of `cells` translational unit cells with C–C bond `bond` (Å): axis along z starting
/// at z = 0, centred on the z axis; no cell (a cluster, like the ARISE prototype files).
let build (bond: float) (n: int) (m: int) (cells: int) : Structure =
    check n m

    if cells < 1 then
        invalidArg "cells" "must be ≥ 1"

    if not (bond > 0.0) then
        invalidArg "bond" "must be > 0"

    let dR = gcd (2 * n + m) (2 * m + n)
    // translation vector T = t1 a1 + t2 a2
    let t1 = (2 * m + n) / dR
    let t2 = -(2 * n + m) / dR
    let l2 = n * n + n * m + m * m
    // With lattice coordinates x = (3i+s)/3, y = (3j+s)/3 (s = 0, 1 for the two basis atoms), 6(p·v)/a² is the
    // integer 2(3i+s)v1 + (3i+s)v2 + (3j+s)v1 + 2(3j+s)v2 for v = v1 a1 + v2 a2: exact membership tests.
    let proj (i: int) (j: int) (s: int) (v1: int) (v2: int) =
        let x = 3 * i + s
        let y = 3 * j + s
        2 * x * v1 + x * v2 + y * v1 + 2 * y * v2

    let chLen2 = 6 * l2 // 6|C_h|²/a²
    let tLen2 = 2 * (t1 * t1 + t1 * t2 + t2 * t2) * 3 // 6|T|²/a²
    let radius = diameter bond n m / 2.0
    let tLength = cellLength bond n m
    let span = 2 * (n + m + abs t1 + abs t2) + 2

    let atoms =
        [| for i in -span .. span do
               for j in -span .. span do
                   for s in 0..1 do
                       let u = proj i j s n m
                       let v = proj i j s t1 t2

                       if u >= 0 && u < chLen2 && v >= 0 && v < tLen2 then
                           yield float u / float chLen2, float v / float tLen2 |]

    let per = atoms.Length

    let positions =
        [| for c in 0 .. cells - 1 do
               for (u, v) in atoms do
                   let theta = 2.0 * Math.PI * u
                   yield Vec3.make (radius * cos theta) (radius * sin theta) ((v + float c) * tLength) |]

    if per <> atomsPerCell n m then
        failwithf "internal: (%d,%d) unit cell has %d atoms, expected %d" n m per (atomsPerCell n m)

    Structure.cluster positions (Array.create positions.Length 6)
    |> Structure.withInfo "chirality" (sprintf "(%d,%d)" n m)
