module Arise.Structure.Registration

open System
open MathNet.Numerics.LinearAlgebra

type Alignment =
    { Rotation: float array
      Translation: Vec3
      Angle: float
      Axis: Vec3
      Rmsd: float
      Matched: int
      Aligned: Structure }

let private apply (r: float array) (p: Vec3) =
    Vec3.make (r.[0] * p.X + r.[1] * p.Y + r.[2] * p.Z) (r.[3] * p.X + r.[4] * p.Y + r.[5] * p.Z) (r.[6] * p.X + r.[7] * p.Y + r.[8] * p.Z)

let private multiply (a: float array) (b: float array) =
    Array.init 9 (fun k ->
        let i, j = k / 3, k % 3
        a.[3 * i] * b.[j] + a.[3 * i + 1] * b.[3 + j] + a.[3 * i + 2] * b.[6 + j])

let private transpose (a: float array) =
    Array.init 9 (fun k -> a.[(k % 3) * 3 + k / 3])

let transform (rotation: float array) (translation: Vec3) (s: Structure) : Structure =
    { Structure.toCluster s with
        Positions = s.Positions |> Array.map (fun p -> apply rotation p + translation) }

let private centroid (ps: Vec3 array) =
    let mutable c = Vec3.zero

    for p in ps do
        c <- c + p

    c * (1.0 / float ps.Length)

/// The rotation (row-major) maximising Σ w (x · R y) for the cross-covariance A = Σ w x yᵀ: R = U diag(1, 1, ±1) Vᵀ.
let private kabsch (a: float array) =
    let svd = Matrix<float>.Build.Dense(3, 3, (fun i j -> a.[3 * i + j])).Svd(true)
    let u, vt = svd.U, svd.VT
    let d = if (u * vt).Determinant() < 0.0 then -1.0 else 1.0
    let r = u * Matrix<float>.Build.DiagonalOfDiagonalArray [| 1.0; 1.0; d |] * vt
    Array.init 9 (fun k -> r.[k / 3, k % 3])

/// Principal axes (columns, largest variance first, right-handed) of centred points, row-major, and their variances.
let private principalFrame (ps: Vec3 array) =
    let c = Array.zeroCreate<float> 9

    for p in ps do
        let v = [| p.X; p.Y; p.Z |]

        for i in 0..2 do
            for j in 0..2 do
                c.[3 * i + j] <- c.[3 * i + j] + v.[i] * v.[j]

    let evd =
        Matrix<float>.Build.Dense(3, 3, (fun i j -> c.[3 * i + j])).Evd(Symmetricity.Symmetric)

    let order = [| 0..2 |] |> Array.sortByDescending (fun k -> evd.EigenValues.[k].Real)
    let e = Array.init 9 (fun k -> evd.EigenVectors.[k / 3, order.[k % 3]])
    // right-handed: third column = first × second
    let a = Vec3.make e.[0] e.[3] e.[6]
    let b = Vec3.make e.[1] e.[4] e.[7]
    let n = Vec3.cross a b
    e.[2] <- n.X
    e.[5] <- n.Y
    e.[8] <- n.Z
    e, order |> Array.map (fun k -> evd.EigenValues.[k].Real)

/// Rotation by `angle` (radians) about the coordinate axis k, row-major.
let private axisRotation (k: int) (angle: float) =
    let c, s = cos angle, sin angle
    let m = Array.zeroCreate<float> 9
    let i, j = (k + 1) % 3, (k + 2) % 3
    m.[3 * k + k] <- 1.0
    m.[3 * i + i] <- c
    m.[3 * j + j] <- c
    m.[3 * i + j] <- -s
    m.[3 * j + i] <- s
    m

/// The 24 proper rotations that map the coordinate axes onto themselves (signed permutations, determinant +1).
let private cubeRotations =
    [| for perm in
           [ [| 0; 1; 2 |]
             [| 0; 2; 1 |]
             [| 1; 0; 2 |]
             [| 1; 2; 0 |]
             [| 2; 0; 1 |]
             [| 2; 1; 0 |] ] do
           for signs in 0..7 do
               let m = Array.zeroCreate<float> 9

               for i in 0..2 do
                   m.[3 * i + perm.[i]] <- if (signs >>> i) &&& 1 = 1 then -1.0 else 1.0

               let det =
                   m.[0] * (m.[4] * m.[8] - m.[5] * m.[7])
                   - m.[1] * (m.[3] * m.[8] - m.[5] * m.[6])
                   + m.[2] * (m.[3] * m.[7] - m.[4] * m.[6])

               if det > 0.0 then
                   yield m |]

/// Every k-th point, at most `count` of them (deterministic).
let private subsample (count: int) (n: int) =
    let step = max 1 (n / count)
    [| 0..step .. n - 1 |]

let align (moving: Structure) (reference: Structure) : Result<Alignment, string> =
    let speciesM = Set.ofArray moving.Numbers
    let speciesF = Set.ofArray reference.Numbers

    if moving.Positions.Length < 4 || reference.Positions.Length < 4 then
        Error(
            sprintf "too few atoms to align (%d moving, %d reference; at least 4 each)" moving.Positions.Length reference.Positions.Length
        )
    elif Set.intersect speciesM speciesF |> Set.isEmpty then
        Error "the two structures have no species in common"
    elif
        Array.append moving.Positions reference.Positions
        |> Array.exists (Vec3.isFinite >> not)
    then
        Error "a position is not a finite number"
    else
        let cm = centroid moving.Positions
        let cf = centroid reference.Positions
        let y = moving.Positions |> Array.map (fun p -> p - cm)
        let x = reference.Positions |> Array.map (fun p -> p - cf)
        let em, varianceM = principalFrame y
        let ef, _ = principalFrame x
        // the frames fix the orientation up to the 24 symmetries of the axes; where two variances are close (a round
        // particle), the angle about the third axis is not fixed either: 12 turns of 30° about it
        let spinAxis =
            if varianceM.[0] - varianceM.[1] < varianceM.[1] - varianceM.[2] then
                2
            else
                0

        let starts =
            [| for g in cubeRotations do
                   for k in 0..11 -> multiply ef (multiply (multiply (axisRotation spinAxis (float k * Math.PI / 6.0)) g) (transpose em)) |]

        // fine: ICP on all atoms, pairs of the same species within half the nearest-neighbour distance of `reference`
        let referenceCentred =
            { Structure.toCluster reference with
                Positions = x }

        let cells = CellList.build referenceCentred
        let buffer = NeighbourBuffer()

        let dnn =
            let probe = subsample 200 x.Length

            probe
            |> Array.choose (fun i ->
                CellList.queryAtom cells referenceCentred i 8.0 buffer

                if buffer.Count = 0 then
                    None
                else
                    Some(sqrt (Array.min buffer.R2.[.. buffer.Count - 1])))
            |> Array.sort
            |> fun d -> if d.Length = 0 then 2.5 else d.[d.Length / 2]

        let pairsWithin (cutoff: float) (atoms: int array) (r: float array) (t: Vec3) =
            let buffer = NeighbourBuffer()

            [| for i in atoms do
                   let p = apply r y.[i] + t
                   CellList.queryPoint cells p cutoff -1 buffer
                   let mutable best = -1
                   let mutable bestR2 = infinity

                   for k in 0 .. buffer.Count - 1 do
                       let j = buffer.Index.[k]

                       if reference.Numbers.[j] = moving.Numbers.[i] && buffer.R2.[k] < bestR2 then
                           best <- j
                           bestR2 <- buffer.R2.[k]

                   if best >= 0 then
                       yield i, best, bestR2 |]

        let all = Array.init y.Length id
        let pairs = pairsWithin (0.5 * dnn) all

        // ICP from (r, t) for at most `rounds` rounds: Kabsch fits to the matched pairs
        let icp (cutoff: float) (atoms: int array) (rounds: int) (r0: float array) (t0: Vec3) =
            let mutable r = r0
            let mutable t = t0
            let mutable iteration = 0
            let mutable moved = infinity

            while iteration < rounds && moved > 1e-7 do
                let matched = pairsWithin cutoff atoms r t

                if matched.Length >= 3 then
                    let my = centroid (matched |> Array.map (fun (i, _, _) -> y.[i]))
                    let mx = centroid (matched |> Array.map (fun (_, j, _) -> x.[j]))
                    let a = Array.zeroCreate<float> 9

                    for i, j, _ in matched do
                        let u, v = x.[j] - mx, y.[i] - my
                        let uv = [| u.X; u.Y; u.Z |]
                        let vv = [| v.X; v.Y; v.Z |]

                        for k in 0..8 do
                            a.[k] <- a.[k] + uv.[k / 3] * vv.[k % 3]

                    let next = kabsch a
                    let nextT = mx - apply next my
                    moved <- Array.sum (Array.map2 (fun p q -> abs (p - q)) next r) + Vec3.norm (nextT - t)
                    r <- next
                    t <- nextT
                else
                    moved <- 0.0

                iteration <- iteration + 1

            r, t

        // every start: ICP of a subsample with a shrinking match radius (2, 1, then 0.5 d_NN: the shape first, then
        // the lattice); the three that match the most atoms are refined on all atoms, and the best of them wins
        let sample = subsample 300 y.Length

        let coarse (start: float array) =
            let r, t = icp (2.0 * dnn) sample 4 start Vec3.zero
            let r, t = icp dnn sample 4 r t
            let r, t = icp (0.5 * dnn) sample 4 r t
            (r, t), (pairsWithin (0.5 * dnn) sample r t).Length

        let r, t =
            starts
            |> Array.map coarse
            |> Array.sortByDescending snd
            |> Array.truncate 3
            |> Array.map (fun ((r, t), _) -> icp (0.5 * dnn) all 50 r t)
            |> Array.maxBy (fun (r, t) -> (pairs r t).Length)

        let matched = pairs r t
        // p ↦ r (p − cm) + t + cf
        let translation = t + cf - apply r cm
        let cosine = max -1.0 (min 1.0 ((r.[0] + r.[4] + r.[8] - 1.0) / 2.0))
        let angle = acos cosine
        let axis = Vec3.make (r.[7] - r.[5]) (r.[2] - r.[6]) (r.[3] - r.[1])

        Ok
            { Rotation = r
              Translation = translation
              Angle = angle * 180.0 / Math.PI
              Axis =
                (if Vec3.norm axis > 1e-12 then
                     axis * (1.0 / Vec3.norm axis)
                 else
                     Vec3.make 0.0 0.0 1.0)
              Rmsd =
                (if matched.Length = 0 then
                     nan
                 else
                     sqrt (Array.averageBy (fun (_, _, d2) -> d2) matched))
              Matched = matched.Length
              Aligned = transform r translation moving }
