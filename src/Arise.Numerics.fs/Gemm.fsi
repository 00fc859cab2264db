/// Single-precision matrix products C ← A·B (+ C), row-major, with optional transposes: a packed, cache-blocked
/// SIMD micro-kernel (6×16 tile, AVX2 + FMA) and a portable Vector<T> path for other CPUs.
module Arise.Numerics.Gemm

/// True when the AVX2 + FMA micro-kernel is used.
val isAccelerated: bool

/// C (m×n, row-major) ← op(A)·op(B) + (C if accumulate, else 0). op(A) is m×k: A is m×k (lda = k) or, transposed,
/// k×m (lda = m); op(B) is k×n: B is k×n (ldb = n) or, transposed, n×k (ldb = k). Uses up to `threads` threads.
val multiply:
    threads: int ->
    transA: bool ->
    transB: bool ->
    m: int ->
    n: int ->
    k: int ->
    a: float32 array ->
    b: float32 array ->
    c: float32 array ->
    accumulate: bool ->
        unit

/// Reference product by the definition (for tests).
val internal reference: transA: bool -> transB: bool -> m: int -> n: int -> k: int -> a: float32 array -> b: float32 array -> float32 array

/// Peak single-core FMA rate (GFLOP/s) measured by a tight loop of independent 8-wide FMAs for about `seconds`.
val internal measurePeak: seconds: float -> float
