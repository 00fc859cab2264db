/// The GPU engine's kernels, written for ILGPU (compiled from IL to PTX for CUDA, or run on ILGPU's CPU accelerator).
/// Kernel bodies avoid an `if` before more code in one method: F# would lift the rest into a continuation method
/// called with a unit argument (IL `ldnull`), which ILGPU cannot compile; guarded work goes into a called function.
module internal Arise.Gpu.Kernels

open ILGPU
open ILGPU.Runtime
open ILGPU.Algorithms
open Arise.Model

[<assembly: System.Runtime.CompilerServices.InternalsVisibleTo("ILGPURuntime")>]
do ()

type Floats = ArrayView1D<float32, Stride1D.Dense>
type Doubles = ArrayView1D<float, Stride1D.Dense>
type Keys = ArrayView1D<uint32, Stride1D.Dense>
type Ints = ArrayView1D<int, Stride1D.Dense>

/// Shape and epilogue of one dense layer's product out = a · w + bias (a: Rows × Depth, w: Depth × Cols, row-major).
[<Struct>]
type Layer =
    {
        Rows: int
        Cols: int
        Depth: int
        /// 1: the output is the next layer's input: ReLU, then dropout of element Offset + column by the row's key, kept
        /// elements scaled by Keep; 0: the pre-activations themselves.
        Activate: int
        Threshold: uint32
        Keep: float32
        Offset: int
    }

/// The next layer's input from pre-activation v at (row, col): ReLU, then dropout by the row's key.
let activate (s: Layer) (keys: Keys) (v: float32) (row: int) (col: int) =
    if Dropout.hash keys.[row] (s.Offset + col) < s.Threshold then
        0.0f
    elif v > 0.0f then
        v * s.Keep
    else
        0.0f

/// The value written for output (row, col): the pre-activation, or the next layer's input after ReLU and dropout
/// (the hash only for the latter).
let epilogue (s: Layer) (keys: Keys) (v: float32) (row: int) (col: int) =
    if s.Activate = 0 then v else activate s keys v row col

let store (out: Floats) (bias: Floats) (keys: Keys) (s: Layer) (row: int) (col: int) (v: float32) =
    if row < s.Rows && col < s.Cols then
        out.[row * s.Cols + col] <- epilogue s keys (v + bias.[col]) row col

/// Element (r, q) of a product's input a (0 past its rows or depth).
let loadA (a: Floats) (s: Layer) (r: int) (q: int) =
    if r < s.Rows && q < s.Depth then
        a.[r * s.Depth + q]
    else
        0.0f

/// Element (q, c) of a product's weights w (0 past its depth or columns).
let loadW (w: Floats) (s: Layer) (q: int) (c: int) =
    if q < s.Depth && c < s.Cols then
        w.[q * s.Cols + c]
    else
        0.0f

/// A start failure's message with the cause ILGPU wraps inside it (a compile error names its IL instruction only there).
let failureMessage (e: exn) =
    if isNull e.InnerException then
        e.Message
    else
        e.Message + " (" + e.InnerException.Message + ")"

/// Largest group edge G of the tiled product (G × G threads, 4G × 4G outputs a group).
[<Literal>]
let MaxGroup = 16

/// Depth of a shared-memory tile.
[<Literal>]
let TileDepth = 16

/// Tiled product: each group of G × G threads computes a 4G × 4G block of outputs, stepping through the depth in
/// tiles of 16 staged in shared memory; each thread keeps 4 × 4 outputs (rows ty + G·i, columns tx + G·j) in registers.
let gemmTiled (a: Floats) (w: Floats) (bias: Floats) (out: Floats) (keys: Keys) (s: Layer) =
    let sa = SharedMemory.Allocate1D<float32>(Index1D(4 * MaxGroup * TileDepth))
    let sb = SharedMemory.Allocate1D<float32>(Index1D(4 * MaxGroup * TileDepth))
    let g = Group.DimX
    let tx = Group.IdxX
    let ty = Group.IdxY
    let bm = 4 * g
    let threads = g * g
    let tid = ty * g + tx
    let row0 = Grid.IdxY * bm
    let col0 = Grid.IdxX * bm
    let mutable c00 = 0.0f
    let mutable c01 = 0.0f
    let mutable c02 = 0.0f
    let mutable c03 = 0.0f
    let mutable c10 = 0.0f
    let mutable c11 = 0.0f
    let mutable c12 = 0.0f
    let mutable c13 = 0.0f
    let mutable c20 = 0.0f
    let mutable c21 = 0.0f
    let mutable c22 = 0.0f
    let mutable c23 = 0.0f
    let mutable c30 = 0.0f
    let mutable c31 = 0.0f
    let mutable c32 = 0.0f
    let mutable c33 = 0.0f
    let mutable p0 = 0

    while p0 < s.Depth do
        // stage a (bm × 16) and w (16 × bm); threads step through both tiles together
        let mutable e = tid

        while e < bm * TileDepth do
            let r = row0 + e / TileDepth
            let q = p0 + e % TileDepth

            sa.[e] <- loadA a s r q
            sb.[e] <- loadW w s (p0 + e / bm) (col0 + e % bm)

            e <- e + threads

        Group.Barrier()

        for q in 0 .. TileDepth - 1 do
            let a0 = sa.[ty * TileDepth + q]
            let a1 = sa.[(ty + g) * TileDepth + q]
            let a2 = sa.[(ty + 2 * g) * TileDepth + q]
            let a3 = sa.[(ty + 3 * g) * TileDepth + q]
            let b0 = sb.[q * bm + tx]
            let b1 = sb.[q * bm + tx + g]
            let b2 = sb.[q * bm + tx + 2 * g]
            let b3 = sb.[q * bm + tx + 3 * g]
            c00 <- c00 + a0 * b0
            c01 <- c01 + a0 * b1
            c02 <- c02 + a0 * b2
            c03 <- c03 + a0 * b3
            c10 <- c10 + a1 * b0
            c11 <- c11 + a1 * b1
            c12 <- c12 + a1 * b2
            c13 <- c13 + a1 * b3
            c20 <- c20 + a2 * b0
            c21 <- c21 + a2 * b1
            c22 <- c22 + a2 * b2
            c23 <- c23 + a2 * b3
            c30 <- c30 + a3 * b0
            c31 <- c31 + a3 * b1
            c32 <- c32 + a3 * b2
            c33 <- c33 + a3 * b3

        Group.Barrier()
        p0 <- p0 + TileDepth

    let r = row0 + ty
    let c = col0 + tx
    store out bias keys s r c c00
    store out bias keys s r (c + g) c01
    store out bias keys s r (c + 2 * g) c02
    store out bias keys s r (c + 3 * g) c03
    store out bias keys s (r + g) c c10
    store out bias keys s (r + g) (c + g) c11
    store out bias keys s (r + g) (c + 2 * g) c12
    store out bias keys s (r + g) (c + 3 * g) c13
    store out bias keys s (r + 2 * g) c c20
    store out bias keys s (r + 2 * g) (c + g) c21
    store out bias keys s (r + 2 * g) (c + 2 * g) c22
    store out bias keys s (r + 2 * g) (c + 3 * g) c23
    store out bias keys s (r + 3 * g) c c30
    store out bias keys s (r + 3 * g) (c + g) c31
    store out bias keys s (r + 3 * g) (c + 2 * g) c32
    store out bias keys s (r + 3 * g) (c + 3 * g) c33

/// Wide tiled product: each group of G × G threads computes an 8G × 8G block of outputs, stepping through the depth in
/// tiles of G staged in shared memory; each thread keeps 8 × 8 outputs (rows ty + G·i, columns tx + G·j) in registers,
/// so a tile step reads 16 values from shared memory for 64 products (the 4 × 4 kernel: 8 for 16). Each thread stages
/// 8 values of a (rows ty + G·k, depth tx) and 8 of w (depth ty, columns tx + G·k), and loads the next tile's into
/// registers before it multiplies the current one, so the loads' latency hides behind the products. The depth is summed
/// in order, as in gemmTiled: the same bits.
let gemmWide (a: Floats) (w: Floats) (bias: Floats) (out: Floats) (keys: Keys) (s: Layer) =
    let sa = SharedMemory.Allocate1D<float32>(Index1D(8 * MaxGroup * MaxGroup))
    let sb = SharedMemory.Allocate1D<float32>(Index1D(8 * MaxGroup * MaxGroup))
    let g = Group.DimX
    let tx = Group.IdxX
    let ty = Group.IdxY
    let bm = 8 * g
    let row0 = Grid.IdxY * bm
    let col0 = Grid.IdxX * bm
    let ar0 = ty
    let ra0 = ar0 * g
    let ar1 = ty + g
    let ra1 = ar1 * g
    let ar2 = ty + 2 * g
    let ra2 = ar2 * g
    let ar3 = ty + 3 * g
    let ra3 = ar3 * g
    let ar4 = ty + 4 * g
    let ra4 = ar4 * g
    let ar5 = ty + 5 * g
    let ra5 = ar5 * g
    let ar6 = ty + 6 * g
    let ra6 = ar6 * g
    let ar7 = ty + 7 * g
    let ra7 = ar7 * g
    let cb0 = tx
    let cb1 = tx + g
    let cb2 = tx + 2 * g
    let cb3 = tx + 3 * g
    let cb4 = tx + 4 * g
    let cb5 = tx + 5 * g
    let cb6 = tx + 6 * g
    let cb7 = tx + 7 * g
    let sbRow = ty * bm
    // the first tile into registers
    let mutable pa0 = loadA a s (row0 + ar0) tx
    let mutable pa1 = loadA a s (row0 + ar1) tx
    let mutable pa2 = loadA a s (row0 + ar2) tx
    let mutable pa3 = loadA a s (row0 + ar3) tx
    let mutable pa4 = loadA a s (row0 + ar4) tx
    let mutable pa5 = loadA a s (row0 + ar5) tx
    let mutable pa6 = loadA a s (row0 + ar6) tx
    let mutable pa7 = loadA a s (row0 + ar7) tx
    let mutable pb0 = loadW w s ty (col0 + cb0)
    let mutable pb1 = loadW w s ty (col0 + cb1)
    let mutable pb2 = loadW w s ty (col0 + cb2)
    let mutable pb3 = loadW w s ty (col0 + cb3)
    let mutable pb4 = loadW w s ty (col0 + cb4)
    let mutable pb5 = loadW w s ty (col0 + cb5)
    let mutable pb6 = loadW w s ty (col0 + cb6)
    let mutable pb7 = loadW w s ty (col0 + cb7)
    let mutable c00 = 0.0f
    let mutable c01 = 0.0f
    let mutable c02 = 0.0f
    let mutable c03 = 0.0f
    let mutable c04 = 0.0f
    let mutable c05 = 0.0f
    let mutable c06 = 0.0f
    let mutable c07 = 0.0f
    let mutable c10 = 0.0f
    let mutable c11 = 0.0f
    let mutable c12 = 0.0f
    let mutable c13 = 0.0f
    let mutable c14 = 0.0f
    let mutable c15 = 0.0f
    let mutable c16 = 0.0f
    let mutable c17 = 0.0f
    let mutable c20 = 0.0f
    let mutable c21 = 0.0f
    let mutable c22 = 0.0f
    let mutable c23 = 0.0f
    let mutable c24 = 0.0f
    let mutable c25 = 0.0f
    let mutable c26 = 0.0f
    let mutable c27 = 0.0f
    let mutable c30 = 0.0f
    let mutable c31 = 0.0f
    let mutable c32 = 0.0f
    let mutable c33 = 0.0f
    let mutable c34 = 0.0f
    let mutable c35 = 0.0f
    let mutable c36 = 0.0f
    let mutable c37 = 0.0f
    let mutable c40 = 0.0f
    let mutable c41 = 0.0f
    let mutable c42 = 0.0f
    let mutable c43 = 0.0f
    let mutable c44 = 0.0f
    let mutable c45 = 0.0f
    let mutable c46 = 0.0f
    let mutable c47 = 0.0f
    let mutable c50 = 0.0f
    let mutable c51 = 0.0f
    let mutable c52 = 0.0f
    let mutable c53 = 0.0f
    let mutable c54 = 0.0f
    let mutable c55 = 0.0f
    let mutable c56 = 0.0f
    let mutable c57 = 0.0f
    let mutable c60 = 0.0f
    let mutable c61 = 0.0f
    let mutable c62 = 0.0f
    let mutable c63 = 0.0f
    let mutable c64 = 0.0f
    let mutable c65 = 0.0f
    let mutable c66 = 0.0f
    let mutable c67 = 0.0f
    let mutable c70 = 0.0f
    let mutable c71 = 0.0f
    let mutable c72 = 0.0f
    let mutable c73 = 0.0f
    let mutable c74 = 0.0f
    let mutable c75 = 0.0f
    let mutable c76 = 0.0f
    let mutable c77 = 0.0f
    let mutable p0 = 0

    while p0 < s.Depth do
        sa.[ra0 + tx] <- pa0
        sa.[ra1 + tx] <- pa1
        sa.[ra2 + tx] <- pa2
        sa.[ra3 + tx] <- pa3
        sa.[ra4 + tx] <- pa4
        sa.[ra5 + tx] <- pa5
        sa.[ra6 + tx] <- pa6
        sa.[ra7 + tx] <- pa7
        sb.[sbRow + cb0] <- pb0
        sb.[sbRow + cb1] <- pb1
        sb.[sbRow + cb2] <- pb2
        sb.[sbRow + cb3] <- pb3
        sb.[sbRow + cb4] <- pb4
        sb.[sbRow + cb5] <- pb5
        sb.[sbRow + cb6] <- pb6
        sb.[sbRow + cb7] <- pb7
        Group.Barrier()
        // the next tile's loads, in flight while this one is multiplied (past the depth they give 0)
        let next = p0 + g
        pa0 <- loadA a s (row0 + ar0) (next + tx)
        pa1 <- loadA a s (row0 + ar1) (next + tx)
        pa2 <- loadA a s (row0 + ar2) (next + tx)
        pa3 <- loadA a s (row0 + ar3) (next + tx)
        pa4 <- loadA a s (row0 + ar4) (next + tx)
        pa5 <- loadA a s (row0 + ar5) (next + tx)
        pa6 <- loadA a s (row0 + ar6) (next + tx)
        pa7 <- loadA a s (row0 + ar7) (next + tx)
        pb0 <- loadW w s (next + ty) (col0 + cb0)
        pb1 <- loadW w s (next + ty) (col0 + cb1)
        pb2 <- loadW w s (next + ty) (col0 + cb2)
        pb3 <- loadW w s (next + ty) (col0 + cb3)
        pb4 <- loadW w s (next + ty) (col0 + cb4)
        pb5 <- loadW w s (next + ty) (col0 + cb5)
        pb6 <- loadW w s (next + ty) (col0 + cb6)
        pb7 <- loadW w s (next + ty) (col0 + cb7)

        for q in 0 .. g - 1 do
            let qm = q * bm
            let a0 = sa.[ra0 + q]
            let a1 = sa.[ra1 + q]
            let a2 = sa.[ra2 + q]
            let a3 = sa.[ra3 + q]
            let a4 = sa.[ra4 + q]
            let a5 = sa.[ra5 + q]
            let a6 = sa.[ra6 + q]
            let a7 = sa.[ra7 + q]
            let b0 = sb.[qm + cb0]
            let b1 = sb.[qm + cb1]
            let b2 = sb.[qm + cb2]
            let b3 = sb.[qm + cb3]
            let b4 = sb.[qm + cb4]
            let b5 = sb.[qm + cb5]
            let b6 = sb.[qm + cb6]
            let b7 = sb.[qm + cb7]
            c00 <- c00 + a0 * b0
            c01 <- c01 + a0 * b1
            c02 <- c02 + a0 * b2
            c03 <- c03 + a0 * b3
            c04 <- c04 + a0 * b4
            c05 <- c05 + a0 * b5
            c06 <- c06 + a0 * b6
            c07 <- c07 + a0 * b7
            c10 <- c10 + a1 * b0
            c11 <- c11 + a1 * b1
            c12 <- c12 + a1 * b2
            c13 <- c13 + a1 * b3
            c14 <- c14 + a1 * b4
            c15 <- c15 + a1 * b5
            c16 <- c16 + a1 * b6
            c17 <- c17 + a1 * b7
            c20 <- c20 + a2 * b0
            c21 <- c21 + a2 * b1
            c22 <- c22 + a2 * b2
            c23 <- c23 + a2 * b3
            c24 <- c24 + a2 * b4
            c25 <- c25 + a2 * b5
            c26 <- c26 + a2 * b6
            c27 <- c27 + a2 * b7
            c30 <- c30 + a3 * b0
            c31 <- c31 + a3 * b1
            c32 <- c32 + a3 * b2
            c33 <- c33 + a3 * b3
            c34 <- c34 + a3 * b4
            c35 <- c35 + a3 * b5
            c36 <- c36 + a3 * b6
            c37 <- c37 + a3 * b7
            c40 <- c40 + a4 * b0
            c41 <- c41 + a4 * b1
            c42 <- c42 + a4 * b2
            c43 <- c43 + a4 * b3
            c44 <- c44 + a4 * b4
            c45 <- c45 + a4 * b5
            c46 <- c46 + a4 * b6
            c47 <- c47 + a4 * b7
            c50 <- c50 + a5 * b0
            c51 <- c51 + a5 * b1
            c52 <- c52 + a5 * b2
            c53 <- c53 + a5 * b3
            c54 <- c54 + a5 * b4
            c55 <- c55 + a5 * b5
            c56 <- c56 + a5 * b6
            c57 <- c57 + a5 * b7
            c60 <- c60 + a6 * b0
            c61 <- c61 + a6 * b1
            c62 <- c62 + a6 * b2
            c63 <- c63 + a6 * b3
            c64 <- c64 + a6 * b4
            c65 <- c65 + a6 * b5
            c66 <- c66 + a6 * b6
            c67 <- c67 + a6 * b7
            c70 <- c70 + a7 * b0
            c71 <- c71 + a7 * b1
            c72 <- c72 + a7 * b2
            c73 <- c73 + a7 * b3
            c74 <- c74 + a7 * b4
            c75 <- c75 + a7 * b5
            c76 <- c76 + a7 * b6
            c77 <- c77 + a7 * b7

        Group.Barrier()
        p0 <- next

    let r = row0 + ty
    let c = col0 + tx
    store out bias keys s r c c00
    store out bias keys s r (c + g) c01
    store out bias keys s r (c + 2 * g) c02
    store out bias keys s r (c + 3 * g) c03
    store out bias keys s r (c + 4 * g) c04
    store out bias keys s r (c + 5 * g) c05
    store out bias keys s r (c + 6 * g) c06
    store out bias keys s r (c + 7 * g) c07
    store out bias keys s (r + g) c c10
    store out bias keys s (r + g) (c + g) c11
    store out bias keys s (r + g) (c + 2 * g) c12
    store out bias keys s (r + g) (c + 3 * g) c13
    store out bias keys s (r + g) (c + 4 * g) c14
    store out bias keys s (r + g) (c + 5 * g) c15
    store out bias keys s (r + g) (c + 6 * g) c16
    store out bias keys s (r + g) (c + 7 * g) c17
    store out bias keys s (r + 2 * g) c c20
    store out bias keys s (r + 2 * g) (c + g) c21
    store out bias keys s (r + 2 * g) (c + 2 * g) c22
    store out bias keys s (r + 2 * g) (c + 3 * g) c23
    store out bias keys s (r + 2 * g) (c + 4 * g) c24
    store out bias keys s (r + 2 * g) (c + 5 * g) c25
    store out bias keys s (r + 2 * g) (c + 6 * g) c26
    store out bias keys s (r + 2 * g) (c + 7 * g) c27
    store out bias keys s (r + 3 * g) c c30
    store out bias keys s (r + 3 * g) (c + g) c31
    store out bias keys s (r + 3 * g) (c + 2 * g) c32
    store out bias keys s (r + 3 * g) (c + 3 * g) c33
    store out bias keys s (r + 3 * g) (c + 4 * g) c34
    store out bias keys s (r + 3 * g) (c + 5 * g) c35
    store out bias keys s (r + 3 * g) (c + 6 * g) c36
    store out bias keys s (r + 3 * g) (c + 7 * g) c37
    store out bias keys s (r + 4 * g) c c40
    store out bias keys s (r + 4 * g) (c + g) c41
    store out bias keys s (r + 4 * g) (c + 2 * g) c42
    store out bias keys s (r + 4 * g) (c + 3 * g) c43
    store out bias keys s (r + 4 * g) (c + 4 * g) c44
    store out bias keys s (r + 4 * g) (c + 5 * g) c45
    store out bias keys s (r + 4 * g) (c + 6 * g) c46
    store out bias keys s (r + 4 * g) (c + 7 * g) c47
    store out bias keys s (r + 5 * g) c c50
    store out bias keys s (r + 5 * g) (c + g) c51
    store out bias keys s (r + 5 * g) (c + 2 * g) c52
    store out bias keys s (r + 5 * g) (c + 3 * g) c53
    store out bias keys s (r + 5 * g) (c + 4 * g) c54
    store out bias keys s (r + 5 * g) (c + 5 * g) c55
    store out bias keys s (r + 5 * g) (c + 6 * g) c56
    store out bias keys s (r + 5 * g) (c + 7 * g) c57
    store out bias keys s (r + 6 * g) c c60
    store out bias keys s (r + 6 * g) (c + g) c61
    store out bias keys s (r + 6 * g) (c + 2 * g) c62
    store out bias keys s (r + 6 * g) (c + 3 * g) c63
    store out bias keys s (r + 6 * g) (c + 4 * g) c64
    store out bias keys s (r + 6 * g) (c + 5 * g) c65
    store out bias keys s (r + 6 * g) (c + 6 * g) c66
    store out bias keys s (r + 6 * g) (c + 7 * g) c67
    store out bias keys s (r + 7 * g) c c70
    store out bias keys s (r + 7 * g) (c + g) c71
    store out bias keys s (r + 7 * g) (c + 2 * g) c72
    store out bias keys s (r + 7 * g) (c + 3 * g) c73
    store out bias keys s (r + 7 * g) (c + 4 * g) c74
    store out bias keys s (r + 7 * g) (c + 5 * g) c75
    store out bias keys s (r + 7 * g) (c + 6 * g) c76
    store out bias keys s (r + 7 * g) (c + 7 * g) c77

/// The 4 × 4 outputs from (r0, c0) of the register-blocked product, read straight from memory (rows and columns
/// past the edge read the last one and are not stored).
let blockedBody (r0: int) (c0: int) (a: Floats) (w: Floats) (bias: Floats) (out: Floats) (keys: Keys) (s: Layer) =
    let k = s.Depth
    let n = s.Cols
    let r1 = min (r0 + 1) (s.Rows - 1)
    let r2 = min (r0 + 2) (s.Rows - 1)
    let r3 = min (r0 + 3) (s.Rows - 1)
    let k1 = min (c0 + 1) (n - 1)
    let k2 = min (c0 + 2) (n - 1)
    let k3 = min (c0 + 3) (n - 1)
    let mutable c00 = 0.0f
    let mutable c01 = 0.0f
    let mutable c02 = 0.0f
    let mutable c03 = 0.0f
    let mutable c10 = 0.0f
    let mutable c11 = 0.0f
    let mutable c12 = 0.0f
    let mutable c13 = 0.0f
    let mutable c20 = 0.0f
    let mutable c21 = 0.0f
    let mutable c22 = 0.0f
    let mutable c23 = 0.0f
    let mutable c30 = 0.0f
    let mutable c31 = 0.0f
    let mutable c32 = 0.0f
    let mutable c33 = 0.0f

    for p in 0 .. k - 1 do
        let a0 = a.[r0 * k + p]
        let a1 = a.[r1 * k + p]
        let a2 = a.[r2 * k + p]
        let a3 = a.[r3 * k + p]
        let b0 = w.[p * n + c0]
        let b1 = w.[p * n + k1]
        let b2 = w.[p * n + k2]
        let b3 = w.[p * n + k3]
        c00 <- c00 + a0 * b0
        c01 <- c01 + a0 * b1
        c02 <- c02 + a0 * b2
        c03 <- c03 + a0 * b3
        c10 <- c10 + a1 * b0
        c11 <- c11 + a1 * b1
        c12 <- c12 + a1 * b2
        c13 <- c13 + a1 * b3
        c20 <- c20 + a2 * b0
        c21 <- c21 + a2 * b1
        c22 <- c22 + a2 * b2
        c23 <- c23 + a2 * b3
        c30 <- c30 + a3 * b0
        c31 <- c31 + a3 * b1
        c32 <- c32 + a3 * b2
        c33 <- c33 + a3 * b3

    store out bias keys s r0 c0 c00
    store out bias keys s r0 (c0 + 1) c01
    store out bias keys s r0 (c0 + 2) c02
    store out bias keys s r0 (c0 + 3) c03
    store out bias keys s (r0 + 1) c0 c10
    store out bias keys s (r0 + 1) (c0 + 1) c11
    store out bias keys s (r0 + 1) (c0 + 2) c12
    store out bias keys s (r0 + 1) (c0 + 3) c13
    store out bias keys s (r0 + 2) c0 c20
    store out bias keys s (r0 + 2) (c0 + 1) c21
    store out bias keys s (r0 + 2) (c0 + 2) c22
    store out bias keys s (r0 + 2) (c0 + 3) c23
    store out bias keys s (r0 + 3) c0 c30
    store out bias keys s (r0 + 3) (c0 + 1) c31
    store out bias keys s (r0 + 3) (c0 + 2) c32
    store out bias keys s (r0 + 3) (c0 + 3) c33

/// Register-blocked product without shared memory or barriers (one thread per 4 × 4 outputs): the fast form on ILGPU's
/// CPU accelerator, whose group barriers are operating-system thread barriers.
let gemmBlocked (index: Index2D) (a: Floats) (w: Floats) (bias: Floats) (out: Floats) (keys: Keys) (s: Layer) =
    let r0 = index.Y * 4
    let c0 = index.X * 4

    if r0 < s.Rows && c0 < s.Cols then
        blockedBody r0 c0 a w bias out keys s

/// The key of every row: row r is pass r mod T over input first + r / T (Dropout.passKey).
let passKeys (index: Index1D) (keys: Keys) (seed: int) (first: int) (samples: int) =
    keys.[index] <- Dropout.passKey seed (first + index.X / samples) (index.X % samples)

/// The first layer's input: row r holds input r / T of x, each element dropped by the row's key or scaled by keep.
let dropInput (index: Index1D) (x: Floats) (input: Floats) (keys: Keys) (width: int) (samples: int) (threshold: uint32) (keep: float32) =
    let r = index.X / width
    let e = index.X % width
    let v = x.[(r / samples) * width + e]

    input.[index] <-
        (if Dropout.hash keys.[r] e < threshold then
             0.0f
         else
             v * keep)

/// exp(logit − the row's maximum) of the row starting at `o` into `out`; returns 1 / their sum (the softmax's scale).
let shiftedExp (logits: Floats) (out: Floats) (o: int) (classes: int) =
    let mutable m = logits.[o]

    for c in 1 .. classes - 1 do
        m <- XMath.Max(m, logits.[o + c])

    let mutable sum = 0.0f

    for c in 0 .. classes - 1 do
        let v = XMath.Exp(logits.[o + c] - m)
        out.[o + c] <- v
        sum <- sum + v

    1.0f / sum

/// Softmax of one row of logits into p (shifted by the row's maximum), and Σ p ln p of the row (p floored at 1e-30
/// inside the log) into plnp, summed in class order.
let softmaxRow (index: Index1D) (logits: Floats) (p: Floats) (plnp: Floats) (classes: int) =
    let o = index.X * classes
    let inv = shiftedExp logits p o classes
    let mutable h = 0.0f

    for c in 0 .. classes - 1 do
        let v = p.[o + c] * inv
        p.[o + c] <- v
        h <- h + v * XMath.Log(XMath.Max(v, 1e-30f))

    plnp.[index] <- h

/// Running sums over the T passes of each input, in pass order, widened to float64: mean-probability sums (columns
/// 0 … classes−1 of each input's row of `sums`) and the negated Σ p ln p (column `classes`).
let accumulate (index: Index1D) (p: Floats) (plnp: Floats) (sums: Doubles) (classes: int) (samples: int) =
    let width = classes + 1
    let i = index.X / width
    let c = index.X % width
    let mutable s = 0.0
    let mutable h = 0.0

    for t in 0 .. samples - 1 do
        let row = i * samples + t
        s <- s + float p.[row * classes + XMath.Min(c, classes - 1)]
        h <- h - float plnp.[row]

    sums.[index] <- (if c < classes then s else h)

/// Shape and strides of a plain product c = a · b for training's transposed products: c is M × N row-major,
/// a(i, p) = a[i·Sai + p·Sap], b(p, j) = b[p·Sbp + j·Sbj], summed over p < K.
[<Struct>]
type Strided =
    { M: int
      N: int
      K: int
      Sai: int
      Sap: int
      Sbp: int
      Sbj: int }

let stridedBody (i: int) (j: int) (a: Floats) (b: Floats) (c: Floats) (g: Strided) =
    let mutable s = 0.0f

    for p in 0 .. g.K - 1 do
        s <- s + a.[i * g.Sai + p * g.Sap] * b.[p * g.Sbp + j * g.Sbj]

    c.[i * g.N + j] <- s

/// One output a thread of a strided product.
let gemmStrided (index: Index2D) (a: Floats) (b: Floats) (c: Floats) (g: Strided) =
    if index.Y < g.M && index.X < g.N then
        stridedBody index.Y index.X a b c g

/// Softmax cross-entropy of one row of logits with label y: delta = (p − onehot(y)) / rows, the true class's
/// probability into truth, and 1 into correct when the row's first most probable class is y.
let lossRow (index: Index1D) (logits: Floats) (y: Ints) (delta: Floats) (truth: Floats) (correct: Ints) (classes: int) (rows: int) =
    let o = index.X * classes
    let label = y.[index]
    let inv = shiftedExp logits delta o classes
    let scale = 1.0f / float32 rows
    let mutable best = 0
    let mutable bestP = -1.0f
    let mutable truthP = 0.0f

    for c in 0 .. classes - 1 do
        let p = delta.[o + c] * inv
        let better = p > bestP
        best <- (if better then c else best)
        bestP <- (if better then p else bestP)
        truthP <- (if c = label then p else truthP)
        delta.[o + c] <- (if c = label then p - 1.0f else p) * scale

    truth.[index] <- truthP
    correct.[index] <- (if best = label then 1 else 0)

/// Column sums of a rows × cols block (the bias gradient), rows in order.
let columnSums (index: Index1D) (d: Floats) (out: Floats) (rows: int) (cols: int) =
    let mutable s = 0.0f

    for r in 0 .. rows - 1 do
        s <- s + d.[r * cols + index.X]

    out.[index] <- s

/// The gradient through dropout and the previous ReLU: the layer input `acts` is positive exactly where the
/// pre-activation was positive and the element kept, and there it was scaled by keep.
let reluBack (index: Index1D) (da: Floats) (acts: Floats) (previous: Floats) (keep: float32) =
    previous.[index] <- (if acts.[index] > 0.0f then da.[index] * keep else 0.0f)

/// One Adam update of parameter k (lr already bias-corrected, as Network.adamStep does).
let adamUpdate (index: Index1D) (p: Floats) (g: Floats) (m: Floats) (v: Floats) (b1: float32) (b2: float32) (lr: float32) (eps: float32) =
    let gk = g.[index]
    let mk = b1 * m.[index] + (1.0f - b1) * gk
    let vk = b2 * v.[index] + (1.0f - b2) * gk * gk
    m.[index] <- mk
    v.[index] <- vk
    p.[index] <- p.[index] - lr * mk / (XMath.Sqrt vk + eps)
