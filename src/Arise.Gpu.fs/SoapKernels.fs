/// The SOAP kernels, written for ILGPU (CUDA, or ILGPU's CPU accelerator): per neighbour pair, the weighted real
/// spherical harmonics and the radial terms of Soap's per-neighbour kernel; per job (one centre species seen from
/// another, in one structure), the expansion sums A[a, lm] = Σ_pairs g[a, l]·(w·Y)[lm]. As in Kernels.fs, guarded work
/// goes into called functions (no `if` before more code in one method).
module internal Arise.Gpu.SoapKernels

open ILGPU
open ILGPU.Runtime
open ILGPU.Algorithms
open Arise.Gpu.Kernels

/// What the kernels need of a SoapCalculator besides its tables.
[<Struct>]
type SoapShape =
    {
        LMax: int
        NMax: int
        /// Gaussian exponent α and the radial centres' spacing (Soap's radial block).
        Alpha: float
        Delta: float
        /// Centres farther than this from r give e^−40 and less: left at 0, as on the CPU.
        Reach: float
    }

/// Writes weight·Y_lm (l, m ≥ 0 and its −m partner) of pair p: the real part at lm = l² + l + m, the imaginary at l² + l − m.
let writeY (y: Doubles) (o: int) (norm: Doubles) (tri: int) (l: int) (m: int) (q: float) (re: float) (im: float) =
    let v = norm.[tri] * q
    y.[o + l * l + l + m] <- v * re

    if m > 0 then
        y.[o + l * l + l - m] <- v * im

/// The column m of the harmonics of a pair (unit vector z; re, im = w·(x + iy)^m; q = (2m − 1)!!): the recurrence over
/// l as Soap's harmonics block runs it.
let harmonicsColumn
    (y: Doubles)
    (o: int)
    (tables: Doubles)
    (size: int)
    (s: SoapShape)
    (m: int)
    (z: float)
    (dfact: float)
    (re: float)
    (im: float)
    =
    let mutable qm2 = dfact
    writeY y o tables (m * (m + 1) / 2 + m) m m qm2 re im
    let mutable qm1 = z * float (2 * m + 1) * dfact

    for l in m + 1 .. s.LMax do
        let k = l * (l + 1) / 2 + m

        let q =
            if l = m + 1 then
                qm1
            else
                tables.[size + k] * z * qm1 - tables.[2 * size + k] * qm2

        writeY y o tables k l m q re im
        // past l = m + 1 the recurrence moves on; at it, q is Q(m+1, m) itself and Q(m, m) stays the older one
        qm2 <- (if l > m + 1 then qm1 else qm2)
        qm1 <- q

/// The radial terms g[a, l] of a pair at distance r for radial centre a (GAP's scaled upward recurrence).
let radialCentre (g: Doubles) (o: int) (centres: Doubles) (s: SoapShape) (a: int) (r: float) =
    let l1 = s.LMax + 1
    let ra = centres.[a]
    let aLo = XMath.Max(0, int (XMath.Ceiling((r - s.Reach) / s.Delta)) - 1)
    let aHi = XMath.Min(s.NMax - 1, int (XMath.Floor((r + s.Reach) / s.Delta)) + 1)
    let near = a >= aLo && a <= aHi

    let em =
        if near then
            XMath.Exp(-s.Alpha * (r - ra) * (r - ra))
        else
            0.0

    let ep =
        if near && ra > 0.0 && 2.0 * s.Alpha * ra * r < 20.0 then
            XMath.Exp(-s.Alpha * (r + ra) * (r + ra))
        else
            0.0

    let ix = if ra > 0.0 then 1.0 / (2.0 * s.Alpha * ra) / r else 0.0
    let mutable gm2 = 0.5 * (em + ep) * ix
    let mutable gm1 = if ra > 0.0 then 0.5 * (em - ep) * ix else em
    g.[o + a * l1] <- gm1

    for l in 1 .. s.LMax do
        let gl = if ra > 0.0 then gm2 - float (2 * l - 1) * gm1 * ix else 0.0
        g.[o + a * l1 + l] <- gl
        gm2 <- gm1
        gm1 <- gl

/// The degree l of harmonic index lm = l² + l + m.
let degreeOf (lm: int) =
    int (XMath.Floor(XMath.Sqrt(float lm) + 1e-9))

/// The distance of pair p (rows of `pairs`: dx, dy, dz, weight).
let pairDistance (pairs: Doubles) (p: int) =
    let dx = pairs.[4 * p]
    let dy = pairs.[4 * p + 1]
    let dz = pairs.[4 * p + 2]
    XMath.Sqrt(dx * dx + dy * dy + dz * dz)

/// weight·Y_lm of pair p (r > 0) into y[oy + lm].
let harmonicsOf (pairs: Doubles) (p: int) (y: Doubles) (oy: int) (tables: Doubles) (size: int) (s: SoapShape) =
    let r = pairDistance pairs p
    let x = pairs.[4 * p] / r
    let yy = pairs.[4 * p + 1] / r
    let z = pairs.[4 * p + 2] / r
    let mutable dfact = 1.0
    let mutable re = pairs.[4 * p + 3]
    let mutable im = 0.0

    for m in 0 .. s.LMax do
        let f = if m > 0 then float (2 * m - 1) else 1.0
        dfact <- dfact * f
        let rotated = if m > 0 then re * x - im * yy else re
        im <- if m > 0 then re * yy + im * x else im
        re <- rotated
        harmonicsColumn y oy tables size s m z dfact re im

/// Per pair p (rows of `pairs`: dx, dy, dz, weight; r > 0): weight·Y_lm into y[p·(L+1)² + lm] and g[a, l] into
/// g[p·N·(L+1) + a·(L+1) + l]. `tables` holds the harmonics' Norm, RecA and RecB (each `size` long).
let pairTerms (index: Index1D) (pairs: Doubles) (y: Doubles) (g: Doubles) (tables: Doubles) (centres: Doubles) (size: int) (s: SoapShape) =
    let p = index.X
    harmonicsOf pairs p y (p * (s.LMax + 1) * (s.LMax + 1)) tables size s
    let r = pairDistance pairs p
    let og = p * s.NMax * (s.LMax + 1)

    for a in 0 .. s.NMax - 1 do
        radialCentre g og centres s a r

/// Pairs a tile of the fused kernel holds in shared memory.
[<Literal>]
let PairTile = 32

/// Largest (l_max + 1)², n_max·(l_max + 1) and n_max·(l_max + 1)² the fused kernel takes (ARISE: 49, 63, 441).
[<Literal>]
let MaxLm = 64

[<Literal>]
let MaxRadial = 80

[<Literal>]
let MaxOutputs = 640

/// Whether the fused kernel takes this shape (else the pair terms and the job sums run as two kernels).
let fusedFits (s: SoapShape) =
    let l1 = s.LMax + 1
    l1 * l1 <= MaxLm && s.NMax * l1 <= MaxRadial && s.NMax * l1 * l1 <= MaxOutputs

/// Task `task` of a tile of `count` pairs from p0: the radial terms of pair task / N at centre task mod N for the first
/// count·N tasks, the harmonics of pair task − PairTile·N from PairTile·N on; others none.
let tileTask
    (task: int)
    (count: int)
    (p0: int)
    (pairs: Doubles)
    (sy: Doubles)
    (sg: Doubles)
    (tables: Doubles)
    (centres: Doubles)
    (size: int)
    (s: SoapShape)
    =
    let n = s.NMax
    let l1 = s.LMax + 1

    if task < count * n then
        let q = task / n
        radialCentre sg (q * n * l1) centres s (task % n) (pairDistance pairs (p0 + q))
    elif task >= PairTile * n && task < PairTile * n + count then
        let q = task - PairTile * n
        harmonicsOf pairs (p0 + q) sy (q * l1 * l1) tables size s

/// Output o = a·(L+1)² + lm summed over the tile's `count` pairs.
let tileSum (o: int) (count: int) (sy: Doubles) (sg: Doubles) (s: SoapShape) =
    let l1 = s.LMax + 1
    let lm = l1 * l1
    let a = o / lm
    let k = o % lm
    let l = degreeOf k
    let mutable sum = 0.0

    for q in 0 .. count - 1 do
        sum <- sum + sg.[q * s.NMax * l1 + a * l1 + l] * sy.[q * lm + k]

    sum

/// The fused kernel, one group a chunk of pairs (chunkFirst[c] … chunkLast[c] − 1, all of one job): tiles of
/// PairTile pairs have their radial terms and harmonics computed into shared memory by the group's threads, then
/// each output A[a, lm] adds the tile's products; the chunk's sums go to partial[c·N·(L+1)² + o]. Any group size
/// works (threads step through tasks and outputs); in a chunk the pairs are summed in order, a tile at a time.
let chunkSums
    (pairs: Doubles)
    (chunkFirst: Ints)
    (chunkLast: Ints)
    (partial: Doubles)
    (tables: Doubles)
    (centres: Doubles)
    (size: int)
    (s: SoapShape)
    =
    let sy = SharedMemory.Allocate1D<float>(Index1D(PairTile * MaxLm))
    let sg = SharedMemory.Allocate1D<float>(Index1D(PairTile * MaxRadial))
    let sacc = SharedMemory.Allocate1D<float>(Index1D MaxOutputs)
    let t = Group.IdxX
    let threads = Group.DimX
    let c = Grid.IdxX
    let l1 = s.LMax + 1
    let outputs = s.NMax * l1 * l1
    let tasks = PairTile * s.NMax + PairTile
    let last = chunkLast.[c]
    let mutable o = t

    while o < outputs do
        sacc.[o] <- 0.0
        o <- o + threads

    let mutable p0 = chunkFirst.[c]

    while p0 < last do
        let count = XMath.Min(PairTile, last - p0)
        let mutable task = t

        while task < tasks do
            tileTask task count p0 pairs sy sg tables centres size s
            task <- task + threads

        Group.Barrier()
        o <- t

        while o < outputs do
            sacc.[o] <- sacc.[o] + tileSum o count sy sg s
            o <- o + threads

        Group.Barrier()
        p0 <- p0 + PairTile

    o <- t

    while o < outputs do
        partial.[c * outputs + o] <- sacc.[o]
        o <- o + threads

/// Per (job, a, lm): the job's chunks' sums (jobChunk[job] … jobChunk[job + 1] − 1) added in order; odd l are 0 for a
/// job in half-pair mode, as in jobSums.
let chunkTotals (index: Index1D) (partial: Doubles) (jobChunk: Ints) (half: Ints) (acc: Doubles) (s: SoapShape) =
    let lm = (s.LMax + 1) * (s.LMax + 1)
    let outputs = s.NMax * lm
    let job = index.X / outputs
    let o = index.X % outputs
    let l = degreeOf (o % lm)
    let mutable sum = 0.0

    for c in jobChunk.[job] .. jobChunk.[job + 1] - 1 do
        sum <- sum + partial.[c * outputs + o]

    acc.[index] <- (if half.[job] = 1 && l % 2 = 1 then 0.0 else sum)

/// Per (job, a, lm): A = Σ over the job's pairs (first[job] … first[job + 1] − 1) of g[a, l]·y[lm]; odd l are 0 for a
/// job in half-pair mode (half[job] = 1: each unordered pair once, weight 2, its mirror's odd l cancelling).
let jobSums (index: Index1D) (y: Doubles) (g: Doubles) (first: Ints) (half: Ints) (acc: Doubles) (s: SoapShape) =
    let lm = (s.LMax + 1) * (s.LMax + 1)
    let l1 = s.LMax + 1
    let job = index.X / (s.NMax * lm)
    let a = (index.X / lm) % s.NMax
    let k = index.X % lm
    let l = degreeOf k
    let mutable sum = 0.0

    for p in first.[job] .. first.[job + 1] - 1 do
        sum <- sum + g.[p * s.NMax * l1 + a * l1 + l] * y.[p * lm + k]

    acc.[index] <- (if half.[job] = 1 && l % 2 = 1 then 0.0 else sum)

/// One job of the device's neighbour search: the structure's atoms (first … first + atoms − 1 of the positions), the
/// neighbours' species, half-pair mode (1) and the scale 1/(extrinsic · d_NN).
[<Struct>]
type ListJob =
    { First: int
      Atoms: int
      Zb: int
      Half: int
      Scale: float }

/// One centre of a job: the job and the centre's atom (an index into the positions).
[<Struct>]
type ListTask = { Job: int; Atom: int }

/// The cutoff radius r_c and the transition width of Soap's cutoff function (scaled units).
[<Struct>]
type ListShape = { Cutoff: float; Width: float }

/// Soap.weight on the device: 1 inside r_c − width, a cosine to 0 at r_c, doubled in half-pair mode; 0 at r ≤ 1e-12.
let pairWeight (r: float) (cut: ListShape) (half: int) =
    let f =
        if r <= cut.Cutoff - cut.Width then
            1.0
        elif r <= cut.Cutoff then
            0.5
            * (XMath.Cos(3.141592653589793 * (r - cut.Cutoff + cut.Width) / cut.Width) + 1.0)
        else
            0.0

    let w = f * (if half = 1 then 2.0 else 1.0)
    if r > 1e-12 then w else 0.0

/// The weight of a neighbour of species zb at vector (dx, dy, dz) from centre i, atom j (0: not its neighbour: another
/// species, j ≤ i in half-pair mode, or outside the cutoff).
let neighbourWeight (dx: float) (dy: float) (dz: float) (zb: int) (i: int) (j: int) (job: ListJob) (cut: ListShape) =
    let r = XMath.Sqrt(dx * dx + dy * dy + dz * dz) * job.Scale
    let w = pairWeight r cut job.Half

    if zb = job.Zb && (job.Half = 0 || j > i) then w else 0.0

/// Writes v at pairs[k] when the weight w is not 0 (one statement a guard: see Kernels.fs).
let putIfWeighted (pairs: Doubles) (k: int) (w: float) (v: float) =
    if w > 0.0 then
        pairs.[k] <- v

/// Neighbour j of centre i: written at row o (dx, dy, dz scaled, weight) when it is one and `fill` = 1; the rows it
/// takes (0 or 1).
let writeNeighbour (pos: Doubles) (numbers: Ints) (i: int) (j: int) (job: ListJob) (pairs: Doubles) (o: int) (cut: ListShape) (fill: int) =
    let dx = pos.[3 * j] - pos.[3 * i]
    let dy = pos.[3 * j + 1] - pos.[3 * i + 1]
    let dz = pos.[3 * j + 2] - pos.[3 * i + 2]
    let w = neighbourWeight dx dy dz numbers.[j] i j job cut
    let put = if fill = 1 then w else 0.0
    putIfWeighted pairs (4 * o) put (dx * job.Scale)
    putIfWeighted pairs (4 * o + 1) put (dy * job.Scale)
    putIfWeighted pairs (4 * o + 2) put (dz * job.Scale)
    putIfWeighted pairs (4 * o + 3) put w
    if w > 0.0 then 1 else 0

/// The count of a task's neighbours into rows[task] (counting pass, `fill` = 0).
let storeCount (rows: Ints) (task: int) (fill: int) (count: int) =
    if fill = 0 then
        rows.[task] <- count

/// Per centre task, in two passes over its job's structure (every atom tried): with `fill` = 0 how many neighbours it
/// has, into rows[task]; with `fill` = 1 its neighbours as pair rows from row rows[task] on, in atom order.
let neighbourRows
    (index: Index1D)
    (pos: Doubles)
    (numbers: Ints)
    (tasks: ArrayView1D<ListTask, Stride1D.Dense>)
    (jobs: ArrayView1D<ListJob, Stride1D.Dense>)
    (rows: Ints)
    (pairs: Doubles)
    (cut: ListShape)
    (fill: int)
    =
    let task = tasks.[index]
    let job = jobs.[task.Job]
    let first = if fill = 1 then rows.[index] else 0
    let mutable o = first

    for j in job.First .. job.First + job.Atoms - 1 do
        o <- o + writeNeighbour pos numbers task.Atom j job pairs o cut fill

    storeCount rows index.X fill (o - first)
