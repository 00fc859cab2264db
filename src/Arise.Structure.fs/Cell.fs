namespace Arise.Structure

/// Periodicity along the lattice vectors A, B, C.
[<Struct>]
type Pbc =
    { A: bool
      B: bool
      C: bool }

    /// Periodicity along axis k (0 = A, 1 = B, 2 = C).
    member p.Item
        with get (k: int) =
            match k with
            | 0 -> p.A
            | 1 -> p.B
            | _ -> p.C

/// Functions over Pbc.
module Pbc =
    /// Periodic along all three lattice vectors.
    let all: Pbc = { A = true; B = true; C = true }
    /// Not periodic along any axis (a finite cluster).
    let none: Pbc = { A = false; B = false; C = false }
    /// Builds periodicity from three flags.
    let make a b c : Pbc = { A = a; B = b; C = c }
    /// True when at least one axis is periodic.
    let any (p: Pbc) = p.A || p.B || p.C
    /// True when all axes are periodic.
    let isFull (p: Pbc) = p.A && p.B && p.C

/// A unit cell: three lattice vectors A, B, C (rows of the lattice matrix), in Å.
type Cell = { A: Vec3; B: Vec3; C: Vec3 }

/// Functions over Cell.
module Cell =
    /// The lattice vector k (0 = A, 1 = B, 2 = C).
    let vector (k: int) (c: Cell) =
        match k with
        | 0 -> c.A
        | 1 -> c.B
        | _ -> c.C

    /// Builds a cell from three lattice vectors.
    let make a b c = { A = a; B = b; C = c }

    /// Orthorhombic cell with edge lengths a, b, c (Å).
    let orthorhombic a b c =
        { A = Vec3.make a 0.0 0.0
          B = Vec3.make 0.0 b 0.0
          C = Vec3.make 0.0 0.0 c }

    /// A position wrapped into an orthogonal, axis-aligned cell: each coordinate into [0, edge length) (Å).
    let wrapOrthogonal (c: Cell) (p: Vec3) =
        let m x l =
            let r = x % l in if r < 0.0 then r + l else r

        Vec3.make (m p.X c.A.X) (m p.Y c.B.Y) (m p.Z c.C.Z)

    /// Signed volume A·(B×C) in Å³.
    let volume (c: Cell) = Vec3.dot c.A (Vec3.cross c.B c.C)

    /// |volume| / (|a|·|b|·|c|): 1 for a rectangular cell, 0 for a flat one; NaN when an edge is zero or not finite.
    let relativeVolume (c: Cell) =
        let scale = Vec3.norm c.A * Vec3.norm c.B * Vec3.norm c.C

        if System.Double.IsFinite scale && scale > 0.0 then
            abs (volume c) / scale
        else
            nan

    /// True when the cell has (numerically) zero volume relative to its edge lengths.
    let isSingular (c: Cell) =
        let r = relativeVolume c
        System.Double.IsNaN r || r <= 1e-10

    /// Cartesian position of fractional coordinates f: f.X·A + f.Y·B + f.Z·C, summed left to right
    /// as numpy's `frac @ cell` does.
    let toCartesian (c: Cell) (f: Vec3) =
        { X = f.X * c.A.X + f.Y * c.B.X + f.Z * c.C.X
          Y = f.X * c.A.Y + f.Y * c.B.Y + f.Z * c.C.Y
          Z = f.X * c.A.Z + f.Y * c.B.Z + f.Z * c.C.Z }

    /// Reciprocal vectors without 2π: rows a*, b*, c* with a*·A = 1, a*·B = 0, … (Å⁻¹).
    let reciprocal (c: Cell) =
        let v = volume c

        { A = (1.0 / v) * Vec3.cross c.B c.C
          B = (1.0 / v) * Vec3.cross c.C c.A
          C = (1.0 / v) * Vec3.cross c.A c.B }

    /// Fractional coordinates of a Cartesian position r.
    let toFractional (c: Cell) (r: Vec3) =
        let rc = reciprocal c

        { X = Vec3.dot rc.A r
          Y = Vec3.dot rc.B r
          Z = Vec3.dot rc.C r }

    /// Distance between neighbouring lattice planes normal to reciprocal vector k (Å).
    let planeSpacing (k: int) (c: Cell) =
        1.0 / Vec3.norm (vector k (reciprocal c))

    let imagesWithin (c: Cell) (pbc: Pbc) (lo: Vec3) (hi: Vec3) =
        if not (Vec3.isFinite lo && Vec3.isFinite hi) then
            invalidArg "lo" (sprintf "imagesWithin: the box must have finite bounds (%O to %O)" lo hi)

        let rc = reciprocal c

        let corners =
            [| for x in [ lo.X; hi.X ] do
                   for y in [ lo.Y; hi.Y ] do
                       for z in [ lo.Z; hi.Z ] -> Vec3.make x y z |]

        // the fractional range of the box along each axis (over its corners), widened for rounding: an image's
        // fractional coordinates lie inside it
        let range (r: Vec3) =
            let f = corners |> Array.map (Vec3.dot r)
            Array.min f - 1e-9, Array.max f + 1e-9

        let ra, rb, rcc = range rc.A, range rc.B, range rc.C

        fun (p: Vec3) ->
            // images along the periodic axes only
            let shifts (periodic: bool) (r: Vec3) (fmin, fmax) =
                if periodic then
                    let f = Vec3.dot r p
                    int (ceil (fmin - f)), int (floor (fmax - f))
                else
                    0, 0

            let a0, a1 = shifts pbc.A rc.A ra
            let b0, b1 = shifts pbc.B rc.B rb
            let c0, c1 = shifts pbc.C rc.C rcc
            let mutable found = false
            let mutable i = a0

            while not found && i <= a1 do
                let mutable j = b0

                while not found && j <= b1 do
                    let mutable k = c0

                    while not found && k <= c1 do
                        let q = p + float i * c.A + float j * c.B + float k * c.C

                        found <-
                            q.X >= lo.X
                            && q.X <= hi.X
                            && q.Y >= lo.Y
                            && q.Y <= hi.Y
                            && q.Z >= lo.Z
                            && q.Z <= hi.Z

                        k <- k + 1

                    j <- j + 1

                i <- i + 1

            found

    /// Edge lengths (a, b, c) in Å and angles (α, β, γ) in degrees.
    let parameters (c: Cell) =
        let angle (u: Vec3) (v: Vec3) =
            acos (max -1.0 (min 1.0 (Vec3.dot u v / (Vec3.norm u * Vec3.norm v)))) * 180.0
            / System.Math.PI

        (Vec3.norm c.A, Vec3.norm c.B, Vec3.norm c.C), (angle c.B c.C, angle c.A c.C, angle c.A c.B)

    /// Cell from edge lengths a, b, c (Å) and angles α, β, γ (degrees), A along x and B in the xy plane.
    /// Returns None when the angles admit no cell.
    let tryOfParameters a b c alpha beta gamma =
        let rad x = x * System.Math.PI / 180.0

        let cosOf deg =
            // exact zeros for right angles, as crystallographic software does
            if abs (deg - 90.0) < 1e-10 then 0.0 else cos (rad deg)

        let ca, cb, cg = cosOf alpha, cosOf beta, cosOf gamma
        let sg = if abs (gamma - 90.0) < 1e-10 then 1.0 else sin (rad gamma)
        let cy = (ca - cb * cg) / sg
        let cz2 = 1.0 - cb * cb - cy * cy

        if cz2 <= 1e-12 || a <= 0.0 || b <= 0.0 || c <= 0.0 then
            None
        else
            Some
                { A = Vec3.make a 0.0 0.0
                  B = Vec3.make (b * cg) (b * sg) 0.0
                  C = Vec3.make (c * cb) (c * cy) (c * sqrt cz2) }

    /// Multiplies every lattice vector by s.
    let scale (s: float) (c: Cell) =
        { A = s * c.A
          B = s * c.B
          C = s * c.C }

    /// Applies a linear map to each lattice vector.
    let map (f: Vec3 -> Vec3) (c: Cell) = { A = f c.A; B = f c.B; C = f c.C }
