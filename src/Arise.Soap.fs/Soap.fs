namespace Arise.Soap

open System
open System.Threading.Tasks
open System.Numerics
open System.Numerics.Tensors
open Arise.Structure

/// Everything the SOAP sums need that depends only on the parameters: build once, reuse for many structures.
type SoapCalculator =
    {
        Parameters: SoapParameters
        Basis: RadialBasis
        /// Spherical-harmonic constants.
        Harmonics: SphericalHarmonics.Tables
        /// Number of (l, m) components, (L+1)².
        LmCount: int
    }

/// quippy-compatible averaged SOAP (notes soap.md §2): Gaussian densities of neighbour atoms expanded in the
/// orthonormal radial basis and real spherical harmonics, summed over centres, power spectrum, unit norm.
module Soap =
    /// Prepares a calculator; Error names an invalid parameter.
    let create (p: SoapParameters) : Result<SoapCalculator, string> =
        SoapParameters.validate p
        |> Result.map (fun p ->
            { Parameters = p
              Basis = RadialBasis.create p.Cutoff p.AtomSigma p.NMax
              Harmonics = SphericalHarmonics.tables p.LMax
              LmCount = (p.LMax + 1) * (p.LMax + 1) })

    /// Smooth cutoff: 1 below r_c − w, ½[cos(π(r − r_c + w)/w) + 1] up to r_c, 0 beyond.
    let cutoffFunction (rc: float) (w: float) (r: float) =
        if r <= rc - w then
            1.0
        elif r <= rc then
            0.5 * (cos (Math.PI * (r - rc + w) / w) + 1.0)
        else
            0.0

    /// Neighbours are processed in blocks of this many, structure-of-arrays: harmonics and radial terms are computed
    /// with SIMD vectors over neighbours, then the block's contribution A[a, lm] += Σ_j g_j[a, l]·Y_j[lm] is taken as
    /// SIMD dot products over j. Nothing is allocated per neighbour.
    let private blockSize = 128

    /// Per-thread scratch space.
    type private Scratch(calc: SoapCalculator) =
        let l1 = calc.Parameters.LMax + 1
        let n = calc.Parameters.NMax
        /// unit vectors, distances and weights (f_cut × pair weight) of the block's neighbours
        member val Ux: float[] = Array.zeroCreate blockSize
        member val Uy: float[] = Array.zeroCreate blockSize
        member val Uz: float[] = Array.zeroCreate blockSize
        member val R: float[] = Array.zeroCreate blockSize
        member val RInv: float[] = Array.zeroCreate blockSize
        member val W: float[] = Array.zeroCreate blockSize
        /// e₋ and e₊ per radial centre, a·blockSize + j
        member val Em: float[] = Array.zeroCreate (n * blockSize)
        member val Ep: float[] = Array.zeroCreate (n * blockSize)
        member val Q: Vector<float>[] = Array.zeroCreate (l1 * (l1 + 1) / 2)
        member val Acc: float[] = Array.zeroCreate (n * calc.LmCount)
        /// radial terms, (a·(L+1) + l)·blockSize + j
        member val Gt: float[] = Array.zeroCreate (n * l1 * blockSize)
        /// weight·Y, lm·blockSize + j
        member val Yt: float[] = Array.zeroCreate (calc.LmCount * blockSize)
        member val Count = 0 with get, set
        /// Half-pair mode (centre and neighbour species equal): each unordered pair is added once with weight 2;
        /// its mirror −d has Y_lm(−d̂) = (−1)^l Y_lm(d̂), so odd l cancel exactly and even l double.
        member val EvenOnly = false with get, set
        member val Buffer = NeighbourBuffer()
        /// The calculator this scratch space was made for.
        member val Calculator = calc

        /// This thread's last scratch space (see For).
        [<ThreadStatic; DefaultValue>]
        static val mutable private cached: Scratch

        /// A clean scratch space for `calc` on this thread: the thread's last one when it was made for the same
        /// calculator (about 140 KB not allocated again for each structure and species pair), else a new one.
        static member For(calc: SoapCalculator) =
            let last = Scratch.cached

            if not (isNull (box last)) && obj.ReferenceEquals(last.Calculator, calc) then
                last.Count <- 0
                Array.Clear last.Acc
                last
            else
                let fresh = Scratch(calc)
                Scratch.cached <- fresh
                fresh

    let inline private tri l m = SphericalHarmonics.tri l m

    /// weight·Y_lm of every neighbour of the block into Yt.
    let private harmonicsBlock (calc: SoapCalculator) (sc: Scratch) =
        let t = calc.Harmonics
        let lMax = t.LMax
        let norm, recA, recB = t.Norm, t.RecA, t.RecB
        let qv = sc.Q
        let yt = sc.Yt
        let width = Vector<float>.Count

        for j0 in 0..width .. blockSize - 1 do
            let x = Vector<float>(sc.Ux, j0)
            let y = Vector<float>(sc.Uy, j0)
            let z = Vector<float>(sc.Uz, j0)
            let w = Vector<float>(sc.W, j0)
            let mutable dfact = 1.0

            for m in 0..lMax do
                if m > 0 then
                    dfact <- dfact * float (2 * m - 1)

                qv.[tri m m] <- Vector<float>(dfact)

                if m + 1 <= lMax then
                    qv.[tri (m + 1) m] <- z * Vector<float>(float (2 * m + 1) * dfact)

                for l in m + 2 .. lMax do
                    let k = tri l m

                    qv.[k] <-
                        Vector<float>(recA.[k]) * z * qv.[k - l]
                        - Vector<float>(recB.[k]) * qv.[k - l - (l - 1)]

            let mutable re = w
            let mutable im = Vector<float>.Zero

            for m in 0..lMax do
                if m > 0 then
                    let r = re * x - im * y
                    im <- re * y + im * x
                    re <- r

                for l in m..lMax do
                    let k = tri l m
                    let v = Vector<float>(norm.[k]) * qv.[k]

                    if m = 0 then
                        (v * re).CopyTo(yt, (l * l + l) * blockSize + j0)
                    else
                        (v * re).CopyTo(yt, (l * l + l + m) * blockSize + j0)
                        (v * im).CopyTo(yt, (l * l + l - m) * blockSize + j0)

    /// Radial terms g_{l,a}(r) of every neighbour of the block into Gt (GAP's scaled upward recurrence).
    let private radialBlock (calc: SoapCalculator) (sc: Scratch) =
        let basis = calc.Basis
        let alpha = basis.Alpha
        let lMax = calc.Parameters.LMax
        let l1 = lMax + 1
        let width = Vector<float>.Count
        let gt = sc.Gt
        let centres = basis.Centres
        let n = centres.Length
        let r, rInv, em, ep = sc.R, sc.RInv, sc.Em, sc.Ep
        // e₋ = exp(−α(r − r_a)²) only for the centres within reach of each r (smaller ones are below e^−40,
        // 1e-16 of the largest radial Gaussian); e₊ = e₋·exp(−2x) only where x = 2α r r_a < 20
        Span<float>(em).Clear()
        Span<float>(ep).Clear()
        let delta = if n > 1 then centres.[1] else 1.0
        let reach = sqrt (40.0 / alpha)

        for j in 0 .. blockSize - 1 do
            let rj = r.[j]
            let aLo = max 0 (int (ceil ((rj - reach) / delta)) - 1)
            let aHi = min (n - 1) (int (floor ((rj + reach) / delta)) + 1)

            for a in aLo..aHi do
                let ra = centres.[a]
                let dm = rj - ra
                em.[a * blockSize + j] <- Math.Exp(-alpha * dm * dm)

                if ra > 0.0 && 2.0 * alpha * ra * rj < 20.0 then
                    let dp = rj + ra
                    ep.[a * blockSize + j] <- Math.Exp(-alpha * dp * dp)

        let half = Vector<float>(0.5)

        for a in 0 .. n - 1 do
            let ra = centres.[a]
            let o = a * l1

            if ra = 0.0 then
                // x = 0: g_0 = exp(−α(r_a² + r²)) = e₋, higher l vanish
                Array.blit em (a * blockSize) gt (o * blockSize) blockSize
                Span<float>(gt, (o + 1) * blockSize, lMax * blockSize).Clear()
            else
                let invTwoAlphaRa = Vector<float>(1.0 / (2.0 * alpha * ra))

                for j0 in 0..width .. blockSize - 1 do
                    let vm = Vector<float>(em, a * blockSize + j0)
                    let vp = Vector<float>(ep, a * blockSize + j0)
                    let ix = invTwoAlphaRa * Vector<float>(rInv, j0)
                    let mutable gm2 = half * (vm + vp) * ix
                    let mutable gm1 = half * (vm - vp) * ix
                    gm1.CopyTo(gt, o * blockSize + j0)

                    for l in 1..lMax do
                        let gl = gm2 - Vector<float>(float (2 * l - 1)) * gm1 * ix
                        gl.CopyTo(gt, (o + l) * blockSize + j0)
                        gm2 <- gm1
                        gm1 <- gl

    /// Pads the block from `count` on with zero-weight entries (they contribute nothing).
    let private pad (calc: SoapCalculator) (sc: Scratch) (count: int) =
        for j in count .. blockSize - 1 do
            sc.Ux.[j] <- 0.0
            sc.Uy.[j] <- 0.0
            sc.Uz.[j] <- 1.0
            sc.R.[j] <- calc.Parameters.Cutoff
            sc.RInv.[j] <- 1.0 / calc.Parameters.Cutoff
            sc.W.[j] <- 0.0

    /// A[a, lm] += Σ_j g_j[a, l]·(w·Y)_j[lm] over the block (even l only in half-pair mode).
    let private accumulateBlock (calc: SoapCalculator) (sc: Scratch) =
        let lMax = calc.Parameters.LMax
        let l1 = lMax + 1
        let lm = calc.LmCount

        for a in 0 .. calc.Parameters.NMax - 1 do
            for l in 0 .. (if sc.EvenOnly then 2 else 1) .. lMax do
                let gRow = ReadOnlySpan<float>(sc.Gt, (a * l1 + l) * blockSize, blockSize)

                for k in l * l .. l * l + 2 * l do
                    let yRow = ReadOnlySpan<float>(sc.Yt, k * blockSize, blockSize)
                    sc.Acc.[a * lm + k] <- sc.Acc.[a * lm + k] + TensorPrimitives.Dot(gRow, yRow)

    /// Computes the stored block and adds it to the accumulator.
    let private flush (calc: SoapCalculator) (sc: Scratch) =
        if sc.Count > 0 then
            pad calc sc sc.Count
            harmonicsBlock calc sc
            radialBlock calc sc
            accumulateBlock calc sc
            sc.Count <- 0

    /// The weight of a neighbour at distance r (already scaled): the cutoff function, doubled in half-pair mode; 0 for
    /// coincident atoms (r = 0 has no direction), which are left out.
    let weight (calc: SoapCalculator) (half: bool) (r: float) =
        let p = calc.Parameters
        let w = cutoffFunction p.Cutoff p.TransitionWidth r * (if half then 2.0 else 1.0)
        if r > 1e-12 then w else 0.0

    /// Adds one neighbour at vector (dx, dy, dz), length r (already scaled), to the block.
    let private addNeighbour (calc: SoapCalculator) (sc: Scratch) (dx: float) (dy: float) (dz: float) (r: float) =
        let w = weight calc sc.EvenOnly r

        if w > 0.0 then
            let j = sc.Count
            let inv = 1.0 / r
            sc.Ux.[j] <- dx * inv
            sc.Uy.[j] <- dy * inv
            sc.Uz.[j] <- dz * inv
            sc.R.[j] <- r
            sc.RInv.[j] <- inv
            sc.W.[j] <- w
            sc.Count <- j + 1

            if sc.Count = blockSize then
                flush calc sc

    /// Profiling aid: runs the per-neighbour kernel over the given neighbour vectors (full pairs, one thread) and
    /// returns the seconds spent in (spherical harmonics, radial terms, accumulation).
    let profileKernel (calc: SoapCalculator) (vectors: Vec3[]) =
        let sc = Scratch(calc)
        let sw = Diagnostics.Stopwatch()
        let mutable tH, tR, tA = 0L, 0L, 0L
        let lMax = calc.Parameters.LMax
        let l1 = lMax + 1
        let lm = calc.LmCount
        let mutable start = 0

        while start < vectors.Length do
            let cnt = min blockSize (vectors.Length - start)

            for j in 0 .. cnt - 1 do
                let v = vectors.[start + j]
                let r = Vec3.norm v
                sc.Ux.[j] <- v.X / r
                sc.Uy.[j] <- v.Y / r
                sc.Uz.[j] <- v.Z / r
                sc.R.[j] <- r
                sc.RInv.[j] <- 1.0 / r
                sc.W.[j] <- cutoffFunction calc.Parameters.Cutoff calc.Parameters.TransitionWidth r

            pad calc sc cnt
            sw.Restart()
            harmonicsBlock calc sc
            tH <- tH + sw.ElapsedTicks
            sw.Restart()
            radialBlock calc sc
            tR <- tR + sw.ElapsedTicks
            sw.Restart()
            accumulateBlock calc sc
            tA <- tA + sw.ElapsedTicks
            start <- start + cnt

        let sec (t: int64) =
            float t / float Diagnostics.Stopwatch.Frequency

        sec tH, sec tR, sec tA

    /// The centres of species `centreZ` (all when None), in order.
    let centresOf (s: Structure) (centreZ: int option) =
        [| for i in 0 .. Structure.count s - 1 do
               if centreZ.IsNone || s.Numbers.[i] = centreZ.Value then
                   i |]

    /// Calls `add dx dy dz r` for each neighbour of centre i of species `neighbourZ` (all when None) within the cutoff
    /// (vectors and r multiplied by `scale`), found through `cells` into `buffer`: in half-pair mode (`half`) only
    /// j > i, or i's own periodic images with a lexicographically positive offset.
    let neighboursOf calc (cells: CellList) (s: Structure) (buffer: NeighbourBuffer) scale i (half: bool) (neighbourZ: int option) add =
        let b = buffer
        CellList.queryAtom cells s i (calc.Parameters.Cutoff / scale) b
        let offsets = b.Offset
        let numbers = s.Numbers

        for t in 0 .. b.Count - 1 do
            let j = b.Index.[t]

            if neighbourZ.IsNone || numbers.[j] = neighbourZ.Value then
                let keep =
                    not half
                    || j > i
                    || (j = i
                        && (offsets.[3 * t] > 0
                            || (offsets.[3 * t] = 0
                                && (offsets.[3 * t + 1] > 0 || (offsets.[3 * t + 1] = 0 && offsets.[3 * t + 2] > 0)))))

                if keep then
                    let r = sqrt b.R2.[t] * scale
                    add (b.Dx.[t] * scale) (b.Dy.[t] * scale) (b.Dz.[t] * scale) r

    /// Summed expansion coefficients A[a·(L+1)² + lm] (before the radial transform) over centres of species
    /// `centreZ` (all when None), counting neighbours of species `neighbourZ` (all when None). Positions are
    /// multiplied by `scale` first (1/d_NN in ARISE); `cells` must be built on the unscaled structure.
    /// Uses up to `threads` threads; the sum is bit-identical for any number of threads. Returns the sum and the number
    /// of centres.
    let accumulate
        (calc: SoapCalculator)
        (threads: int)
        (cells: CellList)
        (s: Structure)
        (scale: float)
        (centreZ: int option)
        (neighbourZ: int option)
        : float[] * int =
        let centres = centresOf s centreZ
        let total = Array.zeroCreate (calc.Parameters.NMax * calc.LmCount)
        let half = centreZ = neighbourZ

        let work (sc: Scratch) (k: int) =
            sc.EvenOnly <- half
            neighboursOf calc cells s sc.Buffer scale centres.[k] half neighbourZ (addNeighbour calc sc)
        // the centres in fixed chunks (at least 64, at most about 256 chunks), each summed on its own, and the chunks'
        // sums added in order: the result is bit-identical whatever the number of threads and their scheduling
        let chunk = max 64 ((centres.Length + 255) / 256)
        let chunks = (centres.Length + chunk - 1) / chunk
        let partials: float[][] = Array.zeroCreate chunks

        let sumChunk (sc: Scratch) (c: int) =
            for k in c * chunk .. min centres.Length ((c + 1) * chunk) - 1 do
                work sc k

            flush calc sc
            partials.[c] <- Array.copy sc.Acc
            Array.Clear sc.Acc

        if threads <= 1 || chunks = 1 then
            let sc = Scratch.For calc

            for c in 0 .. chunks - 1 do
                sumChunk sc c
        else
            let options = ParallelOptions(MaxDegreeOfParallelism = threads)

            Parallel.For(
                0,
                chunks,
                options,
                (fun () -> Scratch.For calc),
                (fun c _ sc ->
                    sumChunk sc c
                    sc),
                ignore
            )
            |> ignore

        for p in partials do
            for k in 0 .. total.Length - 1 do
                total.[k] <- total.[k] + p.[k]

        total, centres.Length

    /// Summed coefficients A[a·(L+1)² + lm] of one centre whose neighbours sit at the given vectors
    /// (only those closer than the cutoff count).
    let accumulateVectors (calc: SoapCalculator) (vectors: Vec3[]) : float[] =
        let sc = Scratch(calc)

        for v in vectors do
            let r = Vec3.norm v

            if r < calc.Parameters.Cutoff then
                addNeighbour calc sc v.X v.Y v.Z r

        flush calc sc
        sc.Acc

    /// Orthonormal-basis coefficients C[b·(L+1)² + lm] = Σ_a T[a, b] A[a, lm] (real spherical harmonics).
    let transform (calc: SoapCalculator) (acc: float[]) : float[] =
        let n, lm = calc.Parameters.NMax, calc.LmCount
        let t = calc.Basis.Transform
        let c = Array.zeroCreate (n * lm)

        for b in 0 .. n - 1 do
            for a in 0 .. n - 1 do
                let tab = t.[a, b]

                if tab <> 0.0 then
                    for k in 0 .. lm - 1 do
                        c.[b * lm + k] <- c.[b * lm + k] + tab * acc.[a * lm + k]

        c

    /// The normalised power spectrum of summed coefficients A (from `accumulate`) over `centres` centres:
    /// ordering a ≥ b, then l fastest; √2 for a ≠ b; 1/√(2l+1); unit norm; last element 0.
    let powerSpectrum (calc: SoapCalculator) (acc: float[]) (centres: int) : float[] =
        let p = calc.Parameters
        let n, lm, l1 = p.NMax, calc.LmCount, p.LMax + 1
        let c = transform calc acc
        // the centre's own Gaussian: central_weight · L[1, b] · Y_00 per centre
        if p.CentralWeight <> 0.0 then
            for b in 0 .. n - 1 do
                c.[b * lm] <-
                    c.[b * lm]
                    + float centres * p.CentralWeight * calc.Basis.Cholesky.[0, b]
                      / sqrt (4.0 * Math.PI)

        let dim = SoapParameters.dimension p
        let out = Array.zeroCreate dim

        for a in 1..n do
            for b in 1..a do
                for l in 0 .. p.LMax do
                    let k = (a * (a - 1) / 2 + (b - 1)) * l1 + l
                    let mutable sum = 0.0

                    for q in l * l .. l * l + 2 * l do
                        sum <- sum + c.[(a - 1) * lm + q] * c.[(b - 1) * lm + q]

                    out.[k] <- sum / sqrt (float (2 * l + 1)) * (if a <> b then sqrt 2.0 else 1.0)

        let norm = sqrt (Array.sumBy (fun v -> v * v) out)
        let norm = if norm < 1e-300 then Double.Epsilon else norm

        for k in 0 .. dim - 1 do
            out.[k] <- out.[k] / norm

        out.[dim - 1] <- 0.0
        out

    /// Averaged SOAP of a structure as it is (no d_NN scaling): centres of species `centreZ`, density of species
    /// `neighbourZ` (None = all).
    let compute (calc: SoapCalculator) (centreZ: int option) (neighbourZ: int option) (s: Structure) =
        let cells = CellList.build s

        let acc, centres =
            accumulate calc Environment.ProcessorCount cells s 1.0 centreZ neighbourZ

        powerSpectrum calc acc centres
