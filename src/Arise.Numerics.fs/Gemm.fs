/// Single-precision matrix products C ← A·B (+ C), row-major, with optional transposes: a packed, cache-blocked
/// SIMD micro-kernel (6×16 tile, AVX2 + FMA) and a portable Vector<T> path for other CPUs.
module Arise.Numerics.Gemm

#nowarn "9"

open System
open System.Numerics
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open System.Threading.Tasks
open System.Runtime.CompilerServices
open System.Runtime.InteropServices
open Microsoft.FSharp.NativeInterop

/// Rows of the micro-tile.
let private mr = 6
/// Columns of the micro-tile (two AVX2 vectors of 8 floats).
let private nr = 16
let private kc = 256
let private mc = 96
let private nc = 2048

/// True when the AVX2 + FMA micro-kernel is used.
let isAccelerated = Fma.IsSupported && Avx.IsSupported

/// Packs rows i0..i0+mb−1, columns p0..p0+kb−1 of op(A) into panels of `mr` rows: [panel][p][r].
let private packA (transA: bool) (a: float32[]) (lda: int) (i0: int) (mb: int) (p0: int) (kb: int) (dst: float32[]) =
    use pa = fixed a
    use pd = fixed dst
    let panels = (mb + mr - 1) / mr

    for panel in 0 .. panels - 1 do
        let d = NativePtr.add pd (panel * kb * mr)
        let full = panel * mr + mr <= mb

        if not transA && full then
            // six contiguous rows of A read side by side, the panel written in order
            let src = NativePtr.add pa ((i0 + panel * mr) * lda + p0)

            for p in 0 .. kb - 1 do
                let o = NativePtr.add d (p * mr)
                let s0 = NativePtr.add src p
                NativePtr.set o 0 (NativePtr.get s0 0)
                NativePtr.set o 1 (NativePtr.get s0 lda)
                NativePtr.set o 2 (NativePtr.get s0 (2 * lda))
                NativePtr.set o 3 (NativePtr.get s0 (3 * lda))
                NativePtr.set o 4 (NativePtr.get s0 (4 * lda))
                NativePtr.set o 5 (NativePtr.get s0 (5 * lda))
        else
            for r in 0 .. mr - 1 do
                let i = panel * mr + r

                if i >= mb then
                    for p in 0 .. kb - 1 do
                        NativePtr.set d (p * mr + r) 0.0f
                elif transA then
                    for p in 0 .. kb - 1 do
                        NativePtr.set d (p * mr + r) (NativePtr.get pa ((p0 + p) * lda + i0 + i))
                else
                    let src = NativePtr.add pa ((i0 + i) * lda + p0)

                    for p in 0 .. kb - 1 do
                        NativePtr.set d (p * mr + r) (NativePtr.get src p)

/// Transposes an 8×8 block: row r of the source (8 floats at src + r·ld) becomes column r of the destination (8 rows
/// of 8 floats at dst + i·ldd). AVX unpack, shuffle and lane permutes: 24 instructions instead of 64 strided moves.
let private transpose8 (src: nativeptr<float32>) (ld: int) (dst: nativeptr<float32>) (ldd: int) =
    let r0 = Avx.LoadVector256 src
    let r1 = Avx.LoadVector256(NativePtr.add src ld)
    let r2 = Avx.LoadVector256(NativePtr.add src (2 * ld))
    let r3 = Avx.LoadVector256(NativePtr.add src (3 * ld))
    let r4 = Avx.LoadVector256(NativePtr.add src (4 * ld))
    let r5 = Avx.LoadVector256(NativePtr.add src (5 * ld))
    let r6 = Avx.LoadVector256(NativePtr.add src (6 * ld))
    let r7 = Avx.LoadVector256(NativePtr.add src (7 * ld))
    let t0, t1 = Avx.UnpackLow(r0, r1), Avx.UnpackHigh(r0, r1)
    let t2, t3 = Avx.UnpackLow(r2, r3), Avx.UnpackHigh(r2, r3)
    let t4, t5 = Avx.UnpackLow(r4, r5), Avx.UnpackHigh(r4, r5)
    let t6, t7 = Avx.UnpackLow(r6, r7), Avx.UnpackHigh(r6, r7)
    let s0, s1 = Avx.Shuffle(t0, t2, 0x44uy), Avx.Shuffle(t0, t2, 0xEEuy)
    let s2, s3 = Avx.Shuffle(t1, t3, 0x44uy), Avx.Shuffle(t1, t3, 0xEEuy)
    let s4, s5 = Avx.Shuffle(t4, t6, 0x44uy), Avx.Shuffle(t4, t6, 0xEEuy)
    let s6, s7 = Avx.Shuffle(t5, t7, 0x44uy), Avx.Shuffle(t5, t7, 0xEEuy)
    Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20uy))
    Avx.Store(NativePtr.add dst ldd, Avx.Permute2x128(s1, s5, 0x20uy))
    Avx.Store(NativePtr.add dst (2 * ldd), Avx.Permute2x128(s2, s6, 0x20uy))
    Avx.Store(NativePtr.add dst (3 * ldd), Avx.Permute2x128(s3, s7, 0x20uy))
    Avx.Store(NativePtr.add dst (4 * ldd), Avx.Permute2x128(s0, s4, 0x31uy))
    Avx.Store(NativePtr.add dst (5 * ldd), Avx.Permute2x128(s1, s5, 0x31uy))
    Avx.Store(NativePtr.add dst (6 * ldd), Avx.Permute2x128(s2, s6, 0x31uy))
    Avx.Store(NativePtr.add dst (7 * ldd), Avx.Permute2x128(s3, s7, 0x31uy))

/// Packs rows p0..p0+kb−1, columns j0..j0+nb−1 of op(B) into panels of `nr` columns: [panel][p][c].
let private packB (transB: bool) (b: float32[]) (ldb: int) (p0: int) (kb: int) (j0: int) (nb: int) (dst: float32[]) =
    use pb = fixed b
    use pd = fixed dst
    let panels = (nb + nr - 1) / nr

    for panel in 0 .. panels - 1 do
        let d = NativePtr.add pd (panel * kb * nr)
        let jStart = panel * nr
        let full = jStart + nr <= nb

        if transB && full && isAccelerated then
            // the stored B's 16 rows, 8 × 8 blocks at a time, transposed into the panel
            let src = NativePtr.add pb ((j0 + jStart) * ldb + p0)
            let mutable p = 0

            while p + 8 <= kb do
                transpose8 (NativePtr.add src p) ldb (NativePtr.add d (p * nr)) nr
                transpose8 (NativePtr.add src (8 * ldb + p)) ldb (NativePtr.add d (p * nr + 8)) nr
                p <- p + 8

            while p < kb do
                for c in 0 .. nr - 1 do
                    NativePtr.set d (p * nr + c) (NativePtr.get src (c * ldb + p))

                p <- p + 1
        elif transB then
            // contiguous reads along the rows of the stored (transposed) B
            for c in 0 .. nr - 1 do
                let j = jStart + c

                if j < nb then
                    let src = NativePtr.add pb ((j0 + j) * ldb + p0)

                    for p in 0 .. kb - 1 do
                        NativePtr.set d (p * nr + c) (NativePtr.get src p)
                else
                    for p in 0 .. kb - 1 do
                        NativePtr.set d (p * nr + c) 0.0f
        elif full && Vector256.IsHardwareAccelerated then
            for p in 0 .. kb - 1 do
                let src = NativePtr.add pb ((p0 + p) * ldb + j0 + jStart)
                let o = NativePtr.add d (p * nr)
                Vector256.Store(Vector256.Load src, o)
                Vector256.Store(Vector256.Load(NativePtr.add src 8), NativePtr.add o 8)
        else
            for p in 0 .. kb - 1 do
                for c in 0 .. nr - 1 do
                    let j = jStart + c

                    NativePtr.set
                        d
                        (p * nr + c)
                        (if j < nb then
                             NativePtr.get pb ((p0 + p) * ldb + j0 + j)
                         else
                             0.0f)

/// The FMA loop of the 6×16 micro-kernel: tile (6×16, row-major, at `tile`) ← Ap(6×kb)·Bp(kb×16). Only pointers and
/// the twelve accumulators live in it (per step 12 FMAs, 2 loads, 6 broadcast loads, 2 pointer increments and the
/// counter's decrement, test and branch); NoInlining keeps it a method of its own. When the loop shared one method with
/// the array pins and the C update, a run without tiered compilation (DOTNET_TieredCompilation=0) loaded and stored
/// every accumulator at every step (23–27 % of the peak at 2048²). On packed panels in L1 this loop reaches 97 % of the
/// peak. The command line compiles it optimised at its first call (no tiers, Arise.Cli.fsproj); a host with .NET's
/// default tiers runs it unoptimised first (F# does not emit MethodImplOptions.AggressiveOptimization).
[<MethodImpl(MethodImplOptions.NoInlining)>]
let private fmaTile (pa0: nativeptr<float32>) (pb0: nativeptr<float32>) (kb: int) (tile: nativeptr<float32>) =
    let mutable c00 = Vector256<float32>.Zero
    let mutable c01 = Vector256<float32>.Zero
    let mutable c10 = Vector256<float32>.Zero
    let mutable c11 = Vector256<float32>.Zero
    let mutable c20 = Vector256<float32>.Zero
    let mutable c21 = Vector256<float32>.Zero
    let mutable c30 = Vector256<float32>.Zero
    let mutable c31 = Vector256<float32>.Zero
    let mutable c40 = Vector256<float32>.Zero
    let mutable c41 = Vector256<float32>.Zero
    let mutable c50 = Vector256<float32>.Zero
    let mutable c51 = Vector256<float32>.Zero
    let mutable pa = pa0
    let mutable pb = pb0
    let mutable left = kb

    while left > 0 do
        let b0 = Avx.LoadVector256 pb
        let b1 = Avx.LoadVector256(NativePtr.add pb 8)
        let a0 = Avx.BroadcastScalarToVector256 pa
        c00 <- Fma.MultiplyAdd(a0, b0, c00)
        c01 <- Fma.MultiplyAdd(a0, b1, c01)
        let a1 = Avx.BroadcastScalarToVector256(NativePtr.add pa 1)
        c10 <- Fma.MultiplyAdd(a1, b0, c10)
        c11 <- Fma.MultiplyAdd(a1, b1, c11)
        let a2 = Avx.BroadcastScalarToVector256(NativePtr.add pa 2)
        c20 <- Fma.MultiplyAdd(a2, b0, c20)
        c21 <- Fma.MultiplyAdd(a2, b1, c21)
        let a3 = Avx.BroadcastScalarToVector256(NativePtr.add pa 3)
        c30 <- Fma.MultiplyAdd(a3, b0, c30)
        c31 <- Fma.MultiplyAdd(a3, b1, c31)
        let a4 = Avx.BroadcastScalarToVector256(NativePtr.add pa 4)
        c40 <- Fma.MultiplyAdd(a4, b0, c40)
        c41 <- Fma.MultiplyAdd(a4, b1, c41)
        let a5 = Avx.BroadcastScalarToVector256(NativePtr.add pa 5)
        c50 <- Fma.MultiplyAdd(a5, b0, c50)
        c51 <- Fma.MultiplyAdd(a5, b1, c51)
        pa <- NativePtr.add pa mr
        pb <- NativePtr.add pb nr
        left <- left - 1

    Avx.Store(tile, c00)
    Avx.Store(NativePtr.add tile 8, c01)
    Avx.Store(NativePtr.add tile 16, c10)
    Avx.Store(NativePtr.add tile 24, c11)
    Avx.Store(NativePtr.add tile 32, c20)
    Avx.Store(NativePtr.add tile 40, c21)
    Avx.Store(NativePtr.add tile 48, c30)
    Avx.Store(NativePtr.add tile 56, c31)
    Avx.Store(NativePtr.add tile 64, c40)
    Avx.Store(NativePtr.add tile 72, c41)
    Avx.Store(NativePtr.add tile 80, c50)
    Avx.Store(NativePtr.add tile 88, c51)

/// Calls `tile ip jp rows cols` for every micro-tile of an mb × nb packed block (A panel ip, B panel jp, with its
/// rows and columns inside the block), B panels outermost so that one B panel stays in L1 across the A panels.
let inline private forEachTile (mb: int) (nb: int) ([<InlineIfLambda>] tile: int -> int -> int -> int -> unit) =
    let aPanels = (mb + mr - 1) / mr
    let bPanels = (nb + nr - 1) / nr

    for jp in 0 .. bPanels - 1 do
        let cols = min nr (nb - jp * nr)

        for ip in 0 .. aPanels - 1 do
            tile ip jp (min mr (mb - ip * mr)) cols

/// Every 6×16 tile of one packed block into C: C[i0.., j0..] += Ap(mb×kb)·Bp(kb×nb), with edge masking. The arrays
/// are pinned once per block, and each C tile is prefetched before its FMA loop so that its cache misses overlap the
/// kb FMA steps instead of following them.
let private blockAvx
    (ap: float32[])
    (bp: float32[])
    (kb: int)
    (mb: int)
    (nb: int)
    (c: float32[])
    (ldc: int)
    (i0: int)
    (j0: int)
    (tmp: float32[])
    =
    use pa = fixed ap
    use pb = fixed bp
    use pc = fixed c
    use pt = fixed tmp

    forEachTile mb nb (fun ip jp rows cols ->
        let ct = NativePtr.add pc ((i0 + ip * mr) * ldc + j0 + jp * nr)

        for r in 0 .. rows - 1 do
            Sse.Prefetch0(NativePtr.toVoidPtr (NativePtr.add ct (r * ldc)))
            Sse.Prefetch0(NativePtr.toVoidPtr (NativePtr.add ct (r * ldc + cols - 1)))

        fmaTile (NativePtr.add pa (ip * kb * mr)) (NativePtr.add pb (jp * kb * nr)) kb pt

        if rows = mr && cols = nr then
            for r in 0 .. mr - 1 do
                let p = NativePtr.add ct (r * ldc)
                let t = NativePtr.add pt (r * nr)
                Avx.Store(p, Avx.Add(Avx.LoadVector256 p, Avx.LoadVector256 t))
                let p8 = NativePtr.add p 8
                Avx.Store(p8, Avx.Add(Avx.LoadVector256 p8, Avx.LoadVector256(NativePtr.add t 8)))
        else
            for r in 0 .. rows - 1 do
                for q in 0 .. cols - 1 do
                    NativePtr.set ct (r * ldc + q) (NativePtr.get ct (r * ldc + q) + NativePtr.get pt (r * nr + q)))

/// Portable micro-kernel with Vector<float32>.
let private kernelPortable
    (ap: float32[])
    (aOff: int)
    (bp: float32[])
    (bOff: int)
    (kb: int)
    (c: float32[])
    (ldc: int)
    (row: int)
    (col: int)
    (rows: int)
    (cols: int)
    (tmp: float32[])
    =
    Array.Clear(tmp, 0, mr * nr)
    let w = Vector<float32>.Count

    for p in 0 .. kb - 1 do
        for r in 0 .. mr - 1 do
            let av = Vector<float32>(ap.[aOff + p * mr + r])
            let mutable q = 0

            while q + w <= nr do
                let acc =
                    Vector<float32>(tmp, r * nr + q) + av * Vector<float32>(bp, bOff + p * nr + q)

                acc.CopyTo(tmp, r * nr + q)
                q <- q + w

            while q < nr do
                tmp.[r * nr + q] <- tmp.[r * nr + q] + ap.[aOff + p * mr + r] * bp.[bOff + p * nr + q]
                q <- q + 1

    for r in 0 .. rows - 1 do
        for q in 0 .. cols - 1 do
            c.[(row + r) * ldc + col + q] <- c.[(row + r) * ldc + col + q] + tmp.[r * nr + q]

let private packedALocal =
    new Threading.ThreadLocal<float32[]>(fun () -> Array.zeroCreate (kc * (mc + mr)))

let private packedBLocal =
    new Threading.ThreadLocal<float32[]>(fun () -> Array.zeroCreate 0)

let private tileLocal =
    new Threading.ThreadLocal<float32[]>(fun () -> Array.zeroCreate (mr * nr))

/// C (m×n, row-major) ← op(A)·op(B) + (C if accumulate, else 0). op(A) is m×k: A is m×k (lda = k) or, transposed,
/// k×m (lda = m); op(B) is k×n: B is k×n (ldb = n) or, transposed, n×k (ldb = k). Uses up to `threads` threads.
let multiply
    (threads: int)
    (transA: bool)
    (transB: bool)
    (m: int)
    (n: int)
    (k: int)
    (a: float32[])
    (b: float32[])
    (c: float32[])
    (accumulate: bool)
    =
    if not accumulate then
        Array.Clear(c, 0, m * n)

    if m > 0 && n > 0 && k > 0 then
        let lda = if transA then m else k
        let ldb = if transB then k else n
        let need = kc * (min nc n + nr)

        if packedBLocal.Value.Length < need then
            packedBLocal.Value <- Array.zeroCreate need

        let packedB = packedBLocal.Value
        let mutable j0 = 0

        while j0 < n do
            let nb = min nc (n - j0)
            let mutable p0 = 0

            while p0 < k do
                let kb = min kc (k - p0)
                packB transB b ldb p0 kb j0 nb packedB
                let blocks = (m + mc - 1) / mc

                let doBlock (blk: int) =
                    let pa = packedALocal.Value
                    let tile = tileLocal.Value
                    let i0 = blk * mc
                    let mb = min mc (m - i0)
                    packA transA a lda i0 mb p0 kb pa

                    if isAccelerated then
                        blockAvx pa packedB kb mb nb c n i0 j0 tile
                    else
                        forEachTile mb nb (fun ip jp rows cols ->
                            kernelPortable pa (ip * kb * mr) packedB (jp * kb * nr) kb c n (i0 + ip * mr) (j0 + jp * nr) rows cols tile)

                if threads > 1 && blocks > 1 && int64 m * int64 nb * int64 kb > 2_000_000L then
                    Parallel.For(0, blocks, ParallelOptions(MaxDegreeOfParallelism = threads), (fun blk -> doBlock blk))
                    |> ignore
                else
                    for blk in 0 .. blocks - 1 do
                        doBlock blk

                p0 <- p0 + kb

            j0 <- j0 + nb

/// Reference product by the definition (for tests).
let reference (transA: bool) (transB: bool) (m: int) (n: int) (k: int) (a: float32[]) (b: float32[]) =
    Array.init (m * n) (fun idx ->
        let i, j = idx / n, idx % n
        let mutable s = 0.0

        for p in 0 .. k - 1 do
            let av = if transA then a.[p * m + i] else a.[i * k + p]
            let bv = if transB then b.[j * k + p] else b.[p * n + j]
            s <- s + float av * float bv

        float32 s)

/// One burst of `n` × 12 independent 8-wide FMAs; returns a value that depends on all of them.
[<Runtime.CompilerServices.MethodImpl(Runtime.CompilerServices.MethodImplOptions.NoInlining)>]
let private fmaBurst (n: int) (seed: float32) =
    let x = Vector256.Create(0.999999f)
    let y = Vector256.Create(1e-7f)
    let mutable a0 = Vector256.Create(seed)
    let mutable a1 = Vector256.Create(seed + 1.0f)
    let mutable a2 = Vector256.Create(seed + 2.0f)
    let mutable a3 = Vector256.Create(seed + 3.0f)
    let mutable a4 = Vector256.Create(seed + 4.0f)
    let mutable a5 = Vector256.Create(seed + 5.0f)
    let mutable a6 = Vector256.Create(seed + 6.0f)
    let mutable a7 = Vector256.Create(seed + 7.0f)
    let mutable a8 = Vector256.Create(seed + 8.0f)
    let mutable a9 = Vector256.Create(seed + 9.0f)
    let mutable a10 = Vector256.Create(seed + 10.0f)
    let mutable a11 = Vector256.Create(seed + 11.0f)
    let mutable i = 0

    while i < n do
        a0 <- Fma.MultiplyAdd(a0, x, y)
        a1 <- Fma.MultiplyAdd(a1, x, y)
        a2 <- Fma.MultiplyAdd(a2, x, y)
        a3 <- Fma.MultiplyAdd(a3, x, y)
        a4 <- Fma.MultiplyAdd(a4, x, y)
        a5 <- Fma.MultiplyAdd(a5, x, y)
        a6 <- Fma.MultiplyAdd(a6, x, y)
        a7 <- Fma.MultiplyAdd(a7, x, y)
        a8 <- Fma.MultiplyAdd(a8, x, y)
        a9 <- Fma.MultiplyAdd(a9, x, y)
        a10 <- Fma.MultiplyAdd(a10, x, y)
        a11 <- Fma.MultiplyAdd(a11, x, y)
        i <- i + 1

    (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement 0

/// Peak single-core FMA rate (GFLOP/s) measured by a tight loop of independent 8-wide FMAs for about `seconds`.
let measurePeak (seconds: float) =
    if not isAccelerated then
        nan
    else
        fmaBurst 1000 1.0f |> ignore
        let mutable best = 0.0
        let total = Diagnostics.Stopwatch.StartNew()
        let mutable sink = 0.0f

        while total.Elapsed.TotalSeconds < seconds do
            let sw = Diagnostics.Stopwatch.StartNew()
            sink <- sink + fmaBurst 1_000_000 sink
            best <- max best (1_000_000.0 * 12.0 * 16.0 / sw.Elapsed.TotalSeconds / 1e9)

        if sink = 12345.0f then
            printf " "

        best
