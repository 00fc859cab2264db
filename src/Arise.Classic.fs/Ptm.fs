/// Polyhedral template matching after Larsen, Schmidt & Schiøtz (Modelling Simul. Mater. Sci. Eng. 24, 055007,
/// 2016): each atom's neighbourhood is compared, after the best rotation and scaling, with ideal templates; the
/// template with the smallest root-mean-square deviation wins if that RMSD is below a cutoff.
///
/// RMSD as in the paper and the PTM library: both point sets contain the central atom; the sample is centred on its
/// barycentre and scaled by the factor that fits it best to the template, whose neighbours have mean distance 1;
/// RMSD = √((G₁ − k²/G₂)/N), G₁ = Σ|t|², G₂ = Σ|s|², k = max over rotations of Σ (R t)·s (Horn's quaternion).
///
/// Correspondences: the PTM library enumerates them through the convex hull's graph automorphisms. Here they come
/// from anchor rotations (the sample's nearest neighbour and the one closest to 90° from it, mapped onto every
/// template pair at a similar angle), nearest-point assignment and up to four refinement rounds (assignment →
/// optimal rotation → assignment). The convex-hull topology test of the library is not made: an environment whose
/// hull differs from the template's but whose RMSD is below the cutoff is accepted here.
///
/// Neighbours are ordered by distance (the library orders them by Voronoi face area; both pick the same shells in
/// the structures tested). Diamond and graphene templates use two shells: the 4 (3) nearest neighbours and, for
/// each of them, its 3 (2) nearest neighbours other than the central atom and the atoms already taken.
module Arise.Classic.Ptm

open System
open Arise.Structure

/// Structure types PTM recognises.
[<RequireQualifiedAccess>]
type PtmType =
    | Other
    | Fcc
    | Hcp
    | Bcc
    | Icosahedral
    | SimpleCubic
    | CubicDiamond
    | HexagonalDiamond
    | Graphene

/// Chemical ordering of a matched environment (PTM's alloy types), from the species of the centre and its shells:
/// Pure (one species); L1₀ (fcc, 8 of 12 neighbours unlike); L1₂ (fcc, 4 or 12 unlike: the majority or the
/// minority site); B2 (bcc, the 8 nearest unlike, the 6 next like); zincblende/wurtzite (diamonds, 4 inner unlike,
/// 12 outer like); hexagonal BN (graphene, 3 inner unlike, 6 outer like); NoOrdering otherwise (also for Other).
/// Counts only: the library also checks the arrangement of the unlike neighbours (L1₀ vs L1₂ at the same counts
/// cannot differ in ideal crystals).
[<RequireQualifiedAccess>]
type PtmOrdering =
    | NoOrdering
    | Pure
    | L10
    | L12
    | B2
    | ZincblendeWurtzite
    | BoronNitride

/// One atom's result: the best template (Other when none is below the cutoff), its RMSD (dimensionless; infinity
/// when the atom has too few neighbours) and the interatomic (nearest-neighbour) distance it implies, in the input's
/// length units (NaN for Other).
type PtmMatch =
    { Type: PtmType
      Rmsd: float
      InteratomicDistance: float
      Ordering: PtmOrdering }

/// Which templates to try and the RMSD cutoff (OVITO and ARISE: 0.1; 0 or infinity = no cutoff).
type PtmSettings =
    { Types: PtmType list
      RmsdCutoff: float }

/// A template: centre first, then the neighbours (inner shell, then each inner atom's outer atoms in order),
/// scaled so that the neighbours' mean distance from the centre is 1.
type private Template =
    {
        Type: PtmType
        /// x, y, z of each point, centre at index 0
        Points: float[]
        /// two-shell templates: number of inner neighbours (0 for one-shell templates)
        Inner: int
        /// outer atoms per inner neighbour
        Outer: int
        /// the template's nearest-neighbour distance (in template units)
        Nearest: float
        /// size of the anchor shell (points 1…FirstShell: the nearest shell, or the inner shell of two-shell templates)
        FirstShell: int
        /// anchor pairs (a, b, cos of their angle) of the first shell, one per orbit of the template's rotation group:
        /// pairs related by a symmetry of the template give the same fit, so one of each is enough
        Anchors: (int * int * float)[]
    }

let private sqrt2, sqrt3 = sqrt 2.0, sqrt 3.0

/// Orthonormal frame (e1 along x, e2 in the x–y plane) of two non-collinear vectors.
let private frame (x: Vec3) (y: Vec3) =
    let e1 = x * (1.0 / Vec3.norm x)
    let y' = y - Vec3.dot y e1 * e1
    let e2 = y' * (1.0 / Vec3.norm y')
    e1, e2, Vec3.cross e1 e2

/// The rotations mapping the point set onto itself, as permutations of the point indices.
let private symmetries (points: Vec3[]) (firstShell: int) =
    let n = points.Length

    let cosine (u: Vec3) (v: Vec3) =
        Vec3.dot u v / (Vec3.norm u * Vec3.norm v)

    let u = points.[1]
    let k = [ 2..firstShell ] |> List.find (fun k -> abs (cosine u points.[k]) < 0.999)
    let v = points.[k]
    let u1, u2, u3 = frame u v

    [| for i in 1..firstShell do
           for j in 1..firstShell do
               if i <> j && abs (cosine points.[i] points.[j] - cosine u v) < 1e-9 then
                   let t1, t2, t3 = frame points.[i] points.[j]
                   // R x = Σ_k (x·u_k) t_k maps (u, v) to (p_i, p_j)
                   let rotate (x: Vec3) =
                       Vec3.dot x u1 * t1 + Vec3.dot x u2 * t2 + Vec3.dot x u3 * t3

                   let image =
                       points
                       |> Array.map (fun p -> let r = rotate p in points |> Array.tryFindIndex (fun q -> Vec3.norm (q - r) < 1e-9))

                   if image |> Array.forall Option.isSome then
                       image |> Array.map Option.get |]

let private makeTemplate t inner outer (neighbours: Vec3[]) =
    let mean = neighbours |> Array.averageBy Vec3.norm
    let scaled = neighbours |> Array.map (fun v -> v * (1.0 / mean))
    let points = Array.append [| Vec3.zero |] scaled
    let centroid = (points |> Array.fold (+) Vec3.zero) * (1.0 / float points.Length)
    let centred = points |> Array.map (fun p -> p - centroid)
    let nearest = scaled |> Array.map Vec3.norm |> Array.min

    let firstShell =
        if inner > 0 then
            inner
        else
            scaled |> Array.filter (fun v -> Vec3.norm v < nearest * 1.05) |> Array.length

    let group = symmetries centred firstShell

    let anchors =
        [| for a in 1..firstShell do
               for b in 1..firstShell do
                   let c =
                       Vec3.dot centred.[a] centred.[b]
                       / (Vec3.norm centred.[a] * Vec3.norm centred.[b])
                   // keep the pair if it is the smallest (a, b) in its orbit and not collinear
                   if
                       a <> b
                       && abs c < 0.999
                       && group |> Array.forall (fun g -> compare (g.[a], g.[b]) (a, b) >= 0)
                   then
                       a, b, c |]

    { Type = t
      Points = centred |> Array.collect Vec3.toArray
      Inner = inner
      Outer = outer
      Nearest = nearest
      FirstShell = firstShell
      Anchors = anchors }

/// Two-shell neighbours: inner bonds b_i and, for each, the outer atoms b_i + c with c the inner atom's own bonds.
let private twoShell (inner: Vec3[]) (outerBonds: int -> Vec3[]) =
    Array.append
        inner
        (inner
         |> Array.mapi (fun i b -> outerBonds i |> Array.map (fun c -> b + c))
         |> Array.concat)

let private templates =
    let v = Vec3.make

    let fcc =
        [| for (a, b) in [ (1.0, 1.0); (1.0, -1.0); (-1.0, 1.0); (-1.0, -1.0) ] do
               yield v a b 0.0
               yield v 0.0 a b
               yield v a 0.0 b |]

    let hcp =
        [| for k in 0..5 -> v (cos (float k * Math.PI / 3.0)) (sin (float k * Math.PI / 3.0)) 0.0
           for z in [ 1.0; -1.0 ] do
               for k in 0..2 ->
                   let phi = Math.PI / 6.0 + float k * 2.0 * Math.PI / 3.0
                   v (cos phi / sqrt3) (sin phi / sqrt3) (z * sqrt (2.0 / 3.0)) |]

    let bcc =
        [| for x in [ 1.0; -1.0 ] do
               for y in [ 1.0; -1.0 ] do
                   for z in [ 1.0; -1.0 ] -> v x y z
           for s in [ 2.0; -2.0 ] do
               yield v s 0.0 0.0
               yield v 0.0 s 0.0
               yield v 0.0 0.0 s |]

    let phi = (1.0 + sqrt 5.0) / 2.0

    let ico =
        [| for a in [ 1.0; -1.0 ] do
               for b in [ phi; -phi ] do
                   yield v 0.0 a b
                   yield v a b 0.0
                   yield v b 0.0 a |]

    let sc =
        [| v 1.0 0.0 0.0
           v (-1.0) 0.0 0.0
           v 0.0 1.0 0.0
           v 0.0 (-1.0) 0.0
           v 0.0 0.0 1.0
           v 0.0 0.0 (-1.0) |]
    // tetrahedral bonds with one bond along z (the hexagonal c axis for lonsdaleite)
    let tetra =
        [| yield v 0.0 0.0 1.0
           for k in 0..2 ->
               let a = float k * 2.0 * Math.PI / 3.0
               v (sqrt (8.0 / 9.0) * cos a) (sqrt (8.0 / 9.0) * sin a) (-1.0 / 3.0) |]

    let others (bonds: Vec3[]) i =
        bonds |> Array.indexed |> Array.filter (fun (k, _) -> k <> i) |> Array.map snd
    // cubic diamond: every bond staggered, the inner atom's bonds are the centre's other bonds reversed
    let dcub = twoShell tetra (fun i -> others tetra i |> Array.map (~-))
    // hexagonal diamond: the bond along c is eclipsed (mirror image through the plane normal to it), the rest staggered
    let mirror (n: Vec3) (c: Vec3) = c - 2.0 * Vec3.dot c n * n

    let dhex =
        twoShell tetra (fun i ->
            if i = 0 then
                others tetra i |> Array.map (mirror tetra.[0])
            else
                others tetra i |> Array.map (~-))

    let tri =
        [| for k in 0..2 ->
               v (cos (Math.PI / 2.0 + float k * 2.0 * Math.PI / 3.0)) (sin (Math.PI / 2.0 + float k * 2.0 * Math.PI / 3.0)) 0.0 |]

    let graphene = twoShell tri (fun i -> others tri i |> Array.map (~-))

    dict
        [ PtmType.Fcc, makeTemplate PtmType.Fcc 0 0 fcc
          PtmType.Hcp, makeTemplate PtmType.Hcp 0 0 hcp
          PtmType.Bcc, makeTemplate PtmType.Bcc 0 0 bcc
          PtmType.Icosahedral, makeTemplate PtmType.Icosahedral 0 0 ico
          PtmType.SimpleCubic, makeTemplate PtmType.SimpleCubic 0 0 sc
          PtmType.CubicDiamond, makeTemplate PtmType.CubicDiamond 4 3 dcub
          PtmType.HexagonalDiamond, makeTemplate PtmType.HexagonalDiamond 4 3 dhex
          PtmType.Graphene, makeTemplate PtmType.Graphene 3 2 graphene ]

/// All eight types with the RMSD cutoff 0.1 (OVITO's default and the paper's benchmark setting).
let defaults =
    { Types =
        [ PtmType.Fcc
          PtmType.Hcp
          PtmType.Bcc
          PtmType.Icosahedral
          PtmType.SimpleCubic
          PtmType.CubicDiamond
          PtmType.HexagonalDiamond
          PtmType.Graphene ]
      RmsdCutoff = 0.1 }

/// Parses a type name as used on the command line (fcc, hcp, bcc, ico, sc, dcub, dhex, graphene).
let parseType (name: string) =
    match name.Trim().ToLowerInvariant() with
    | "fcc" -> Ok PtmType.Fcc
    | "hcp" -> Ok PtmType.Hcp
    | "bcc" -> Ok PtmType.Bcc
    | "ico"
    | "icosahedral" -> Ok PtmType.Icosahedral
    | "sc"
    | "simple-cubic" -> Ok PtmType.SimpleCubic
    | "dcub"
    | "cubic-diamond"
    | "diamond" -> Ok PtmType.CubicDiamond
    | "dhex"
    | "hexagonal-diamond" -> Ok PtmType.HexagonalDiamond
    | "graphene" -> Ok PtmType.Graphene
    | other -> Error(sprintf "unknown PTM structure type '%s' (fcc, hcp, bcc, ico, sc, dcub, dhex, graphene)" other)

/// Short name of a type (the inverse of parseType; "other" for Other).
let typeName t =
    match t with
    | PtmType.Other -> "other"
    | PtmType.Fcc -> "fcc"
    | PtmType.Hcp -> "hcp"
    | PtmType.Bcc -> "bcc"
    | PtmType.Icosahedral -> "ico"
    | PtmType.SimpleCubic -> "sc"
    | PtmType.CubicDiamond -> "dcub"
    | PtmType.HexagonalDiamond -> "dhex"
    | PtmType.Graphene -> "graphene"

// ---------------------------------------------------------------------------------------------------------------
// Optimal rotation (Horn 1987): the largest eigenvalue of a symmetric 4×4 matrix and its eigenvector, by Jacobi.

/// Largest eigenvalue and its eigenvector (w, x, y, z) of the symmetric 4×4 matrix m (row-major, overwritten).
let private largestEigen (m: float[]) (q: float[]) =
    let v = Array.zeroCreate 16

    for i in 0..3 do
        v.[5 * i] <- 1.0

    let mutable sweep = 0
    let mutable off = 1.0

    while sweep < 30 && off > 1e-22 do
        off <- 0.0

        for p in 0..2 do
            for r in p + 1 .. 3 do
                off <- off + m.[4 * p + r] * m.[4 * p + r]

        if off > 1e-22 then
            for p in 0..2 do
                for r in p + 1 .. 3 do
                    let apr = m.[4 * p + r]

                    if abs apr > 1e-300 then
                        let theta = (m.[4 * r + r] - m.[4 * p + p]) / (2.0 * apr)

                        let t =
                            (if theta >= 0.0 then 1.0 else -1.0) / (abs theta + sqrt (theta * theta + 1.0))

                        let c = 1.0 / sqrt (t * t + 1.0)
                        let s = t * c

                        for k in 0..3 do
                            let mkp, mkr = m.[4 * k + p], m.[4 * k + r]
                            m.[4 * k + p] <- c * mkp - s * mkr
                            m.[4 * k + r] <- s * mkp + c * mkr

                        for k in 0..3 do
                            let mpk, mrk = m.[4 * p + k], m.[4 * r + k]
                            m.[4 * p + k] <- c * mpk - s * mrk
                            m.[4 * r + k] <- s * mpk + c * mrk

                        for k in 0..3 do
                            let vkp, vkr = v.[4 * k + p], v.[4 * k + r]
                            v.[4 * k + p] <- c * vkp - s * vkr
                            v.[4 * k + r] <- s * vkp + c * vkr

            sweep <- sweep + 1

    let mutable best = 0

    for i in 1..3 do
        if m.[5 * i] > m.[5 * best] then
            best <- i

    for k in 0..3 do
        q.[k] <- v.[4 * k + best]

    m.[5 * best]

/// Workspace for one thread.
type private Work(maxPoints: int) =
    member val Sample: float[] = Array.zeroCreate (3 * maxPoints)
    member val Frame: float[] = Array.zeroCreate (3 * maxPoints)
    member val Mapping: int[] = Array.zeroCreate maxPoints
    /// the previous assignment of the current refinement (-1: none)
    member val Best: int[] = Array.zeroCreate maxPoints
    member val Taken: bool[] = Array.zeroCreate maxPoints
    member val Used: bool[] = Array.zeroCreate maxPoints
    member val H: float[] = Array.zeroCreate 16
    member val Q: float[] = Array.zeroCreate 4
    member val R: float[] = Array.zeroCreate 9

/// k = max_R Σ (R t_i)·s_m(i) for the mapping; writes the rotation (template → sample) into w.R.
let private fitRotation (t: float[]) (s: float[]) (mapping: int[]) (n: int) (w: Work) =
    let mutable sxx, sxy, sxz, syx, syy, syz, szx, szy, szz =
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0

    for i in 0 .. n - 1 do
        let j = mapping.[i]
        let tx, ty, tz = t.[3 * i], t.[3 * i + 1], t.[3 * i + 2]
        let ux, uy, uz = s.[3 * j], s.[3 * j + 1], s.[3 * j + 2]
        sxx <- sxx + tx * ux
        sxy <- sxy + tx * uy
        sxz <- sxz + tx * uz
        syx <- syx + ty * ux
        syy <- syy + ty * uy
        syz <- syz + ty * uz
        szx <- szx + tz * ux
        szy <- szy + tz * uy
        szz <- szz + tz * uz

    let h = w.H
    h.[0] <- sxx + syy + szz
    h.[1] <- syz - szy
    h.[2] <- szx - sxz
    h.[3] <- sxy - syx
    h.[4] <- h.[1]
    h.[5] <- sxx - syy - szz
    h.[6] <- sxy + syx
    h.[7] <- szx + sxz
    h.[8] <- h.[2]
    h.[9] <- h.[6]
    h.[10] <- -sxx + syy - szz
    h.[11] <- syz + szy
    h.[12] <- h.[3]
    h.[13] <- h.[7]
    h.[14] <- h.[11]
    h.[15] <- -sxx - syy + szz
    let k = largestEigen h w.Q
    let q0, q1, q2, q3 = w.Q.[0], w.Q.[1], w.Q.[2], w.Q.[3]
    let r = w.R
    r.[0] <- q0 * q0 + q1 * q1 - q2 * q2 - q3 * q3
    r.[1] <- 2.0 * (q1 * q2 - q0 * q3)
    r.[2] <- 2.0 * (q1 * q3 + q0 * q2)
    r.[3] <- 2.0 * (q1 * q2 + q0 * q3)
    r.[4] <- q0 * q0 - q1 * q1 + q2 * q2 - q3 * q3
    r.[5] <- 2.0 * (q2 * q3 - q0 * q1)
    r.[6] <- 2.0 * (q1 * q3 - q0 * q2)
    r.[7] <- 2.0 * (q2 * q3 + q0 * q1)
    r.[8] <- q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3
    k

/// Assigns each sample point (in the template frame, w.Frame) to a template point: centre to centre; for two-shell
/// templates inner to inner and each inner atom's outer atoms among its template partner's; nearest first.
let private assign (tpl: Template) (n: int) (w: Work) =
    let t = tpl.Points
    let f = w.Frame
    let m = w.Mapping // template index -> sample index
    let taken = w.Taken

    let d2 (i: int) (j: int) =
        let dx, dy, dz =
            t.[3 * i] - f.[3 * j], t.[3 * i + 1] - f.[3 * j + 1], t.[3 * i + 2] - f.[3 * j + 2]

        dx * dx + dy * dy + dz * dz
    // greedy matching of template points with sample points: repeatedly the closest unused pair
    let greedy (tIdx: int -> int) (sIdx: int -> int) (len: int) =
        let tUsed = w.Used

        for a in 0 .. len - 1 do
            tUsed.[a] <- false

        for _ in 1..len do
            let mutable best = Double.MaxValue
            let mutable bi, bj = 0, 0

            for a in 0 .. len - 1 do
                if not tUsed.[a] then
                    for b in 0 .. len - 1 do
                        if not taken.[b] then
                            let d = d2 (tIdx a) (sIdx b)

                            if d < best then
                                best <- d
                                bi <- a
                                bj <- b

            tUsed.[bi] <- true
            taken.[bj] <- true
            m.[tIdx bi] <- sIdx bj

    let matchBlock (tIdx: int -> int) (sIdx: int -> int) (len: int) =
        for a in 0 .. len - 1 do
            taken.[a] <- false
        // fast path: every template point's nearest sample point, accepted when no two share one
        let mutable unique = true
        let mutable a = 0

        while unique && a < len do
            let mutable best = Double.MaxValue
            let mutable bj = 0

            for b in 0 .. len - 1 do
                let d = d2 (tIdx a) (sIdx b)

                if d < best then
                    best <- d
                    bj <- b

            if taken.[bj] then
                unique <- false
            else
                taken.[bj] <- true
                m.[tIdx a] <- sIdx bj

            a <- a + 1

        if not unique then
            for a in 0 .. len - 1 do
                taken.[a] <- false

            greedy tIdx sIdx len

    m.[0] <- 0

    if tpl.Inner = 0 then
        matchBlock (fun a -> a + 1) (fun b -> b + 1) (n - 1)
    else
        let ni, no = tpl.Inner, tpl.Outer
        matchBlock (fun a -> a + 1) (fun b -> b + 1) ni

        for a in 0 .. ni - 1 do
            let si = m.[a + 1] - 1 // sample inner atom matched to template inner a
            matchBlock (fun c -> 1 + ni + no * a + c) (fun c -> 1 + ni + no * si + c) no

/// RMSD of the template against the sample (n points, centred, in w.Sample); returns (rmsd, scale) with scale the
/// sample → template length factor. Starts more than 0.1 behind min(best so far, `bound`: the best RMSD of the
/// templates already tried) are not refined (a heuristic: refinement does not gain 0.1; the LAMMPS agreement test
/// checks the result).
let private matchTemplate (tpl: Template) (n: int) (bound: float) (w: Work) =
    let t, s = tpl.Points, w.Sample
    let mutable g1, g2 = 0.0, 0.0

    for k in 0 .. 3 * n - 1 do
        g1 <- g1 + t.[k] * t.[k]
        g2 <- g2 + s.[k] * s.[k]

    let meanNorm =
        let mutable acc = 0.0

        for j in 1 .. n - 1 do
            acc <-
                acc
                + sqrt (
                    s.[3 * j] * s.[3 * j]
                    + s.[3 * j + 1] * s.[3 * j + 1]
                    + s.[3 * j + 2] * s.[3 * j + 2]
                )

        acc / float (n - 1)
    // anchors: the sample's first neighbour (nearest / first inner) and, within the first shell, the one most nearly
    // perpendicular to it; matched to the template's anchor pairs at an angle within 20°
    let vec (a: float[]) i =
        Vec3.make a.[3 * i] a.[3 * i + 1] a.[3 * i + 2]

    let a = vec s 1
    let mutable b = 2
    let mutable bestSin = -1.0

    for j in 2 .. tpl.FirstShell do
        let c = Vec3.cross a (vec s j)
        let sn = Vec3.norm c / (Vec3.norm a * Vec3.norm (vec s j))

        if sn > bestSin then
            bestSin <- sn
            b <- j

    let bv = vec s b
    let cosS = Vec3.dot a bv / (Vec3.norm a * Vec3.norm bv)
    let s1, s2, s3 = frame a bv
    let mutable bestRmsd = Double.PositiveInfinity
    let mutable bestScale = nan
    let tolerance = cos (20.0 * Math.PI / 180.0)
    let sinS = sqrt (max 0.0 (1.0 - cosS * cosS))

    for (ta, tb, cosT) in tpl.Anchors do
        // angle within 20°: cos(θs − θt) ≥ cos 20°
        let sinT = sqrt (max 0.0 (1.0 - cosT * cosT))

        if cosS * cosT + sinS * sinT >= tolerance then
            let t1, t2, t3 = frame (vec t ta) (vec t tb)
            // sample → template frame: x' = Σ_k (x·s_k) t_k, scaled to mean neighbour distance 1
            let sc = 1.0 / meanNorm

            for j in 0 .. n - 1 do
                let x = vec s j
                let p = (Vec3.dot x s1 * t1 + Vec3.dot x s2 * t2 + Vec3.dot x s3 * t3) * sc
                w.Frame.[3 * j] <- p.X
                w.Frame.[3 * j + 1] <- p.Y
                w.Frame.[3 * j + 2] <- p.Z

            let mutable rounds = 0
            let mutable changed = true
            let mutable rmsd = Double.PositiveInfinity

            while changed && rounds < 4 do
                assign tpl n w
                changed <- false

                for i in 0 .. n - 1 do
                    if w.Mapping.[i] <> w.Best.[i] then
                        changed <- true

                if changed || rounds = 0 then
                    let k = fitRotation t s w.Mapping n w
                    let r = sqrt (max 0.0 (g1 - k * k / g2) / float n)
                    let scale = k / g2
                    rmsd <- r
                    // a start this far behind the best so far is not refined further
                    if r > min bestRmsd bound + 0.1 then
                        changed <- false

                    if r < bestRmsd then
                        bestRmsd <- r
                        bestScale <- scale

                    Array.blit w.Mapping 0 w.Best 0 n
                    // the sample in the template frame: scale · Rᵀ s
                    let rm = w.R

                    for j in 0 .. n - 1 do
                        let x, y, z = s.[3 * j], s.[3 * j + 1], s.[3 * j + 2]
                        w.Frame.[3 * j] <- scale * (rm.[0] * x + rm.[3] * y + rm.[6] * z)
                        w.Frame.[3 * j + 1] <- scale * (rm.[1] * x + rm.[4] * y + rm.[7] * z)
                        w.Frame.[3 * j + 2] <- scale * (rm.[2] * x + rm.[5] * y + rm.[8] * z)

                rounds <- rounds + 1

                if rmsd > min bestRmsd bound + 0.1 then
                    changed <- false

            for i in 0 .. n - 1 do
                w.Best.[i] <- -1

    bestRmsd, bestScale

/// Loads the first n points (centre at the origin first, then neighbour offsets) into the workspace, centred on
/// their barycentre.
let private load (points: Vec3[]) (n: int) (w: Work) =
    let mutable centroid = Vec3.zero

    for j in 0 .. n - 1 do
        centroid <- centroid + points.[j]

    let centroid = centroid * (1.0 / float n)

    for j in 0 .. n - 1 do
        let p = points.[j] - centroid
        w.Sample.[3 * j] <- p.X
        w.Sample.[3 * j + 1] <- p.Y
        w.Sample.[3 * j + 2] <- p.Z

    for i in 0 .. n - 1 do
        w.Best.[i] <- -1

/// Matches one environment against one template. `points`: the central atom (origin) then the neighbour vectors in
/// the template's order convention (nearest first; for diamond/graphene 4/3 inner neighbours, then each inner's
/// 3/2 outer neighbours in the same order). Returns (RMSD, interatomic distance in the input's units).
let matchEnvironment (t: PtmType) (points: Vec3[]) =
    let tpl = templates.[t]

    if points.Length <> tpl.Points.Length / 3 then
        invalidArg "points" (sprintf "%s needs %d points (centre + neighbours), got %d" (typeName t) (tpl.Points.Length / 3) points.Length)

    let w = Work(points.Length)
    load points points.Length w
    let rmsd, scale = matchTemplate tpl points.Length Double.PositiveInfinity w
    rmsd, tpl.Nearest / scale

/// Number of points (centre + neighbours) of a type's template.
let templateSize (t: PtmType) = templates.[t].Points.Length / 3

/// The template's points (centre first), in template units (mean neighbour distance 1).
let templatePoints (t: PtmType) =
    let p = templates.[t].Points in Array.init (p.Length / 3) (fun i -> Vec3.make p.[3 * i] p.[3 * i + 1] p.[3 * i + 2])

/// Neighbour vectors of an atom, nearest first (at least `count` when the structure has them).
let private nearest (cells: CellList) (s: Structure) (start: float) (buffer: NeighbourBuffer) (i: int) (count: int) =
    NearestNeighbour.queryAtLeast cells s i count start buffer |> ignore
    // insertion selection of the `count` smallest distances (ties keep the query's order, as a stable sort would)
    let m = min count buffer.Count
    let sel = Array.zeroCreate<int> m
    let mutable filled = 0

    for t in 0 .. buffer.Count - 1 do
        let r = buffer.R2.[t]

        if filled < m || r < buffer.R2.[sel.[m - 1]] then
            let mutable k = if filled < m then filled else m - 1

            while k > 0 && buffer.R2.[sel.[k - 1]] > r do
                sel.[k] <- sel.[k - 1]
                k <- k - 1

            sel.[k] <- t

            if filled < m then
                filled <- filled + 1

    Array.init m (fun k -> let t = sel.[k] in buffer.Index.[t], Vec3.make buffer.Dx.[t] buffer.Dy.[t] buffer.Dz.[t])

/// Two-shell environment (diamond: 4 inner, 3 outer each; graphene: 3 and 2) of atom i, or None.
let private twoShellEnvironment (near6: int -> (int * Vec3)[]) (i: int) inner outer =
    let first = near6 i |> Array.truncate inner

    if first.Length < inner then
        None
    else
        let claimed = Collections.Generic.List<Vec3>([ Vec3.zero ])

        for (_, v) in first do
            claimed.Add v

        let scaleTol = 1e-6 * (first |> Array.averageBy (snd >> Vec3.norm))

        let isClaimed (p: Vec3) =
            claimed |> Seq.exists (fun c -> Vec3.norm (c - p) < scaleTol)
        // candidates: each inner atom's 6 nearest not yet claimed, then nearest (to its inner atom) first, per inner ≤ outer
        let candidates =
            [| for k in 0 .. inner - 1 do
                   let (j, off) = first.[k]

                   for (jj, v) in near6 j do
                       let p = off + v

                       if not (isClaimed p) then
                           k, Vec3.norm v, p, jj |]
            |> Array.sortBy (fun (_, d, _, _) -> d)

        let counts = Array.zeroCreate inner
        let outers = Array.init inner (fun _ -> Collections.Generic.List<Vec3>())
        let outerIndex = Array.init inner (fun _ -> Collections.Generic.List<int>())

        for (k, _, p, jj) in candidates do
            if counts.[k] < outer && not (isClaimed p) then
                outers.[k].Add p
                outerIndex.[k].Add jj
                claimed.Add p
                counts.[k] <- counts.[k] + 1

        if counts |> Array.forall ((=) outer) then
            Some(
                Array.concat
                    [ [| Vec3.zero |]
                      Array.map snd first
                      outers |> Array.collect (fun l -> l.ToArray()) ],
                Array.concat
                    [ [| i |]
                      Array.map fst first
                      outerIndex |> Array.collect (fun l -> l.ToArray()) ]
            )
        else
            None

/// The ordering of a matched environment from the atomic numbers of its points (centre first, in template order).
let private ordering (t: PtmType) (numbers: int[]) =
    let centre = numbers.[0]
    let others = numbers |> Array.distinct

    if others.Length = 1 then
        PtmOrdering.Pure
    elif others.Length > 2 then
        PtmOrdering.NoOrdering
    else
        let unlike (a: int) (b: int) =
            [ a..b ] |> List.filter (fun k -> numbers.[k] <> centre) |> List.length

        let shells inner total =
            unlike 1 inner = inner && unlike (inner + 1) total = 0

        match t with
        | PtmType.Fcc ->
            match unlike 1 12 with
            | 8 -> PtmOrdering.L10
            | 4
            | 12 -> PtmOrdering.L12
            | _ -> PtmOrdering.NoOrdering
        | PtmType.Bcc when shells 8 14 -> PtmOrdering.B2
        | PtmType.CubicDiamond
        | PtmType.HexagonalDiamond when shells 4 16 -> PtmOrdering.ZincblendeWurtzite
        | PtmType.Graphene when shells 3 9 -> PtmOrdering.BoronNitride
        | _ -> PtmOrdering.NoOrdering

/// PTM for every atom of a structure (periodic images count as neighbours; parallel over atoms).
let analyseWith (settings: PtmSettings) (s: Structure) : PtmMatch[] =
    let n = Structure.count s

    let cutoff =
        if settings.RmsdCutoff <= 0.0 then
            Double.PositiveInfinity
        else
            settings.RmsdCutoff

    let types = settings.Types |> List.filter ((<>) PtmType.Other) |> List.distinct
    // the library's order of trials (ties go to the earlier one)
    let order =
        [ PtmType.SimpleCubic
          PtmType.Fcc
          PtmType.Hcp
          PtmType.Icosahedral
          PtmType.Bcc
          PtmType.CubicDiamond
          PtmType.HexagonalDiamond
          PtmType.Graphene ]

    let singleShell =
        order |> List.filter (fun t -> List.contains t types && templates.[t].Inner = 0)

    let diamonds =
        order
        |> List.filter (fun t ->
            List.contains t types
            && (t = PtmType.CubicDiamond || t = PtmType.HexagonalDiamond))

    let graphene = List.contains PtmType.Graphene types

    let results =
        Array.create
            n
            { Type = PtmType.Other
              Rmsd = Double.PositiveInfinity
              InteratomicDistance = nan
              Ordering = PtmOrdering.NoOrdering }

    if n > 0 then
        let cells = CellList.build s
        let start = 2.0 * NearestNeighbour.typicalSpacing s
        let maxSingle = singleShell |> List.map templateSize |> List.fold max 0
        // the 6 nearest neighbours of every atom, once, for the two-shell templates (each atom's inner neighbours
        // need theirs)
        let near6 =
            if diamonds.IsEmpty && not graphene then
                [||]
            else
                PerAtom.init n (fun buffer i -> nearest cells s start buffer i 6)

        Threading.Tasks.Parallel.For(
            0,
            n,
            (fun () -> NeighbourBuffer(), Work(17)),
            (fun i _ (buffer: NeighbourBuffer, w: Work) ->
                let mutable best = Double.PositiveInfinity
                let mutable bestType = PtmType.Other
                let mutable bestDistance = nan
                let mutable bestIndices: int[] = [||]
                let mutable bestSize = 0
                // the template's points are the first `size` of `points` (centre first); `indices` their atoms
                let consider t (points: Vec3[]) (indices: int[]) =
                    let tpl = templates.[t]
                    let size = templateSize t
                    load points size w
                    let rmsd, scale = matchTemplate tpl size best w

                    if rmsd < best then
                        best <- rmsd
                        bestType <- t
                        bestDistance <- tpl.Nearest / scale
                        bestIndices <- indices
                        bestSize <- size

                if maxSingle > 0 then
                    let found = nearest cells s start buffer i (maxSingle - 1)
                    let points = Array.append [| Vec3.zero |] (found |> Array.map snd)
                    let idx = Array.append [| i |] (found |> Array.map fst)

                    for t in singleShell do
                        if points.Length >= templateSize t then
                            consider t points idx

                if not diamonds.IsEmpty then
                    match twoShellEnvironment (fun j -> near6.[j]) i 4 3 with
                    | Some(points, indices) ->
                        for t in diamonds do
                            consider t points indices
                    | None -> ()

                if graphene then
                    match twoShellEnvironment (fun j -> near6.[j]) i 3 2 with
                    | Some(points, indices) -> consider PtmType.Graphene points indices
                    | None -> ()

                results.[i] <-
                    if best <= cutoff then
                        { Type = bestType
                          Rmsd = best
                          InteratomicDistance = bestDistance
                          Ordering = ordering bestType (Array.init bestSize (fun k -> s.Numbers.[bestIndices.[k]])) }
                    else
                        { Type = PtmType.Other
                          Rmsd = best
                          InteratomicDistance = nan
                          Ordering = PtmOrdering.NoOrdering }

                buffer, w),
            (fun _ -> ())
        )
        |> ignore

    results

/// PTM with all eight types and RMSD cutoff 0.1.
let analyse (s: Structure) = analyseWith defaults s

/// Short name of an ordering ("" for NoOrdering).
let orderingName o =
    match o with
    | PtmOrdering.NoOrdering -> ""
    | PtmOrdering.Pure -> "pure"
    | PtmOrdering.L10 -> "L10"
    | PtmOrdering.L12 -> "L12"
    | PtmOrdering.B2 -> "B2"
    | PtmOrdering.ZincblendeWurtzite -> "zincblende/wurtzite"
    | PtmOrdering.BoronNitride -> "hBN"

/// The label of a match with its ordering: the lattice for pure or unordered environments (fcc, bcc, dcub, …),
/// the ordered phase otherwise (L10, L12, B2, zincblende, wurtzite, hBN); "other" when nothing matched.
let label (m: PtmMatch) =
    match m.Type, m.Ordering with
    | PtmType.Fcc, PtmOrdering.L10 -> "L10"
    | PtmType.Fcc, PtmOrdering.L12 -> "L12"
    | PtmType.Bcc, PtmOrdering.B2 -> "B2"
    | PtmType.CubicDiamond, PtmOrdering.ZincblendeWurtzite -> "zincblende"
    | PtmType.HexagonalDiamond, PtmOrdering.ZincblendeWurtzite -> "wurtzite"
    | PtmType.Graphene, PtmOrdering.BoronNitride -> "hBN"
    | t, _ -> typeName t
