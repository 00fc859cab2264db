namespace Arise.Soap

open System
open System.Threading.Tasks
open Arise.Structure

/// Everything the SOAP sums need that depends only on the parameters: build once, reuse for many structures.
type SoapCalculator =
    { Parameters: SoapParameters
      Basis: RadialBasis
      /// Spherical-harmonic constants.
      Harmonics: SphericalHarmonics.Tables
      /// Number of (l, m) components, (L+1)².
      LmCount: int
      /// exp(−2αΔ²): step of the ratio recurrence for the radial Gaussians.
      RatioStep: float }

/// quippy-compatible averaged SOAP (notes soap.md §2): Gaussian densities of neighbour atoms expanded in the
/// orthonormal radial basis and real spherical harmonics, summed over centres, power spectrum, unit norm.
module Soap =
    /// −ln(1e-16): radial Gaussians this far below the largest are skipped (changes results by < 1e-18).
    let private dropExponent = 36.85

    /// Prepares a calculator; Error names an invalid parameter.
    let create (p: SoapParameters) : Result<SoapCalculator, string> =
        SoapParameters.validate p
        |> Result.map (fun p ->
            { Parameters = p
              Basis = RadialBasis.create p.Cutoff p.AtomSigma p.NMax
              Harmonics = SphericalHarmonics.tables p.LMax
              LmCount = (p.LMax + 1) * (p.LMax + 1)
              RatioStep =
                let a = 1.0 / (2.0 * p.AtomSigma * p.AtomSigma)
                let rb = p.Cutoff + p.AtomSigma * sqrt (2.0 * RadialBasis.basisErrorExponent * log 10.0)
                let d = rb / float p.NMax
                exp (-2.0 * a * d * d) })

    /// Smooth cutoff: 1 below r_c − w, ½[cos(π(r − r_c + w)/w) + 1] up to r_c, 0 beyond.
    let cutoffFunction (rc: float) (w: float) (r: float) =
        if r <= rc - w then 1.0
        elif r <= rc then 0.5 * (cos (Math.PI * (r - rc + w) / w) + 1.0)
        else 0.0

    /// Radial terms g_{l,a}(r) = exp(−α(r² + r_a²))·i_l(2α r r_a) (GAP's scaled upward recurrence) for the centres a
    /// that matter at distance r, written to g[a·(L+1) + l]. Returns the window (first a, last a).
    let radialTerms (calc: SoapCalculator) (r: float) (g: float[]) : struct (int * int) =
        let basis = calc.Basis
        let alpha = basis.Alpha
        let lMax = calc.Parameters.LMax
        let l1 = lMax + 1
        let centres = basis.Centres
        let n = centres.Length
        // window of radial centres within dropExponent of the nearest one
        let delta = if n > 1 then centres.[1] else 1.0
        let nearest = min (n - 1) (max 0 (int (Math.Round(r / delta))))
        let minExp = alpha * (r - centres.[nearest]) * (r - centres.[nearest])
        let reach = sqrt ((dropExponent + minExp) / alpha)
        let aLo = max 0 (int (ceil ((r - reach) / delta)))
        let aHi = min (n - 1) (int (floor ((r + reach) / delta)))
        // exp(−α(r − r_a)²) along the window by ratios: e_{a+1} = e_a·q_a, q_{a+1} = q_a·exp(−2αΔ²)
        // (exact in exact arithmetic; the centres are equispaced up to rounding)
        let mutable em = exp (-alpha * (r - centres.[aLo]) * (r - centres.[aLo]))
        let mutable ratio = exp (-alpha * delta * (2.0 * (centres.[aLo] - r) + delta))
        let k = calc.RatioStep
        for a in aLo .. aHi do
            let ra = centres.[a]
            let x = 2.0 * alpha * r * ra
            let o = a * l1
            if x = 0.0 then
                g.[o] <- exp (-alpha * (ra * ra + r * r))
                for l in 1 .. lMax do
                    g.[o + l] <- 0.0
            else
                // e₊/e₋ = exp(−2x): negligible beyond x = 40
                let ep = if x > 40.0 then 0.0 else exp (-alpha * (r + ra) * (r + ra))
                let invX = 1.0 / x
                let mutable gm2 = 0.5 * (em + ep) * invX // g_{-1}
                let mutable gm1 = 0.5 * (em - ep) * invX // g_0
                g.[o] <- gm1
                for l in 1 .. lMax do
                    let gl = gm2 - float (2 * l - 1) * gm1 * invX
                    g.[o + l] <- gl
                    gm2 <- gm1
                    gm1 <- gl
            em <- em * ratio
            ratio <- ratio * k
        struct (aLo, aHi)

    /// Neighbours are processed in blocks of this many: radial terms and harmonics are stored column-wise, then
    /// the block's contribution A[a, lm] += Σ_j g_j[a, l]·Y_j[lm] is taken as SIMD dot products over j.
    let private blockSize = 64

    /// Per-thread scratch space, so that nothing is allocated per neighbour.
    type private Scratch(calc: SoapCalculator) =
        let l1 = calc.Parameters.LMax + 1
        let n = calc.Parameters.NMax
        member val Y: float[] = Array.zeroCreate calc.LmCount
        member val Q: float[] = Array.zeroCreate (l1 * (l1 + 1) / 2)
        member val G: float[] = Array.zeroCreate (n * l1)
        member val Acc: float[] = Array.zeroCreate (n * calc.LmCount)
        /// radial terms, (a·(L+1) + l)·blockSize + j
        member val Gt: float[] = Array.zeroCreate (n * l1 * blockSize)
        /// f_cut·Y, lm·blockSize + j
        member val Yt: float[] = Array.zeroCreate (calc.LmCount * blockSize)
        member val Count = 0 with get, set
        member val ALo = Int32.MaxValue with get, set
        member val AHi = -1 with get, set
        member val Buffer = NeighbourBuffer()

    /// Adds the stored block to the accumulator and empties it.
    let private flush (calc: SoapCalculator) (sc: Scratch) =
        let cnt = sc.Count
        if cnt > 0 then
            let lMax = calc.Parameters.LMax
            let l1 = lMax + 1
            let lm = calc.LmCount
            for a in sc.ALo .. sc.AHi do
                for l in 0 .. lMax do
                    let gRow = ReadOnlySpan<float>(sc.Gt, (a * l1 + l) * blockSize, cnt)
                    for k in l * l .. l * l + 2 * l do
                        let yRow = ReadOnlySpan<float>(sc.Yt, k * blockSize, cnt)
                        sc.Acc.[a * lm + k] <- sc.Acc.[a * lm + k] + System.Numerics.Tensors.TensorPrimitives.Dot(gRow, yRow)
            sc.Count <- 0
            sc.ALo <- Int32.MaxValue
            sc.AHi <- -1

    /// Adds one neighbour at vector (dx, dy, dz), length r (already scaled), to the block.
    let private addNeighbour (calc: SoapCalculator) (sc: Scratch) (dx: float) (dy: float) (dz: float) (r: float) =
        let p = calc.Parameters
        let lMax = p.LMax
        let l1 = lMax + 1
        let lm = calc.LmCount
        let fcut = cutoffFunction p.Cutoff p.TransitionWidth r
        if fcut > 0.0 then
            let inv = if r > 0.0 then 1.0 / r else 0.0
            let ux, uy, uz = (if r > 0.0 then dx * inv, dy * inv, dz * inv else 0.0, 0.0, 1.0)
            SphericalHarmonics.evaluate calc.Harmonics sc.Q ux uy uz (Span<float>(sc.Y))
            let y = sc.Y
            let g = sc.G
            let j = sc.Count
            let struct (aLo, aHi) = radialTerms calc r g
            let gt = sc.Gt
            for a in 0 .. p.NMax - 1 do
                let inWindow = a >= aLo && a <= aHi
                for l in 0 .. lMax do
                    gt.[(a * l1 + l) * blockSize + j] <- if inWindow then g.[a * l1 + l] else 0.0
            let yt = sc.Yt
            for k in 0 .. lm - 1 do
                yt.[k * blockSize + j] <- fcut * y.[k]
            if aLo < sc.ALo then sc.ALo <- aLo
            if aHi > sc.AHi then sc.AHi <- aHi
            sc.Count <- j + 1
            if sc.Count = blockSize then flush calc sc

    /// Summed expansion coefficients A[a·(L+1)² + lm] (before the radial transform) over centres of species
    /// `centreZ` (all when None), counting neighbours of species `neighbourZ` (all when None). Positions are
    /// multiplied by `scale` first (1/d_NN in ARISE); `cells` must be built on the unscaled structure.
    /// Uses up to `threads` threads. Returns the sum and the number of centres.
    let accumulate (calc: SoapCalculator) (threads: int) (cells: CellList) (s: Structure) (scale: float)
                   (centreZ: int option) (neighbourZ: int option) : float[] * int =
        let centres = [| for i in 0 .. Structure.count s - 1 do if centreZ.IsNone || s.Numbers.[i] = centreZ.Value then i |]
        let searchRadius = calc.Parameters.Cutoff / scale
        let total = Array.zeroCreate (calc.Parameters.NMax * calc.LmCount)
        let numbers = s.Numbers
        let work (sc: Scratch) (k: int) =
            let i = centres.[k]
            let b = sc.Buffer
            CellList.queryAtom cells s i searchRadius b
            for t in 0 .. b.Count - 1 do
                if neighbourZ.IsNone || numbers.[b.Index.[t]] = neighbourZ.Value then
                    let r = sqrt b.R2.[t] * scale
                    addNeighbour calc sc (b.Dx.[t] * scale) (b.Dy.[t] * scale) (b.Dz.[t] * scale) r
        let merge (sc: Scratch) =
            flush calc sc
            lock total (fun () ->
                for k in 0 .. total.Length - 1 do
                    total.[k] <- total.[k] + sc.Acc.[k])
        if threads <= 1 || centres.Length < 64 then
            let sc = Scratch(calc)
            for k in 0 .. centres.Length - 1 do
                work sc k
            merge sc
        else
            let options = ParallelOptions(MaxDegreeOfParallelism = threads)
            Parallel.For(0, centres.Length, options, (fun () -> Scratch(calc)), (fun k _ sc -> work sc k; sc), merge) |> ignore
        total, centres.Length

    /// Summed coefficients A[a·(L+1)² + lm] of one centre whose neighbours sit at the given vectors
    /// (only those closer than the cutoff count).
    let accumulateVectors (calc: SoapCalculator) (vectors: Vec3[]) : float[] =
        let sc = Scratch(calc)
        for v in vectors do
            let r = Vec3.norm v
            if r < calc.Parameters.Cutoff then addNeighbour calc sc v.X v.Y v.Z r
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
                c.[b * lm] <- c.[b * lm] + float centres * p.CentralWeight * calc.Basis.Cholesky.[0, b] / sqrt (4.0 * Math.PI)
        let dim = SoapParameters.dimension p
        let out = Array.zeroCreate dim
        for a in 1 .. n do
            for b in 1 .. a do
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
        let acc, centres = accumulate calc Environment.ProcessorCount cells s 1.0 centreZ neighbourZ
        powerSpectrum calc acc centres
