/// Real orthonormal spherical harmonics (∫ Y² dΩ = 1). Any orthonormal convention gives the same SOAP power spectrum.
module Arise.Soap.SphericalHarmonics

open System

/// Precomputed constants for l = 0…LMax, indexed l(l+1)/2 + m (m ≥ 0).
type Tables =
    { LMax: int
      /// √2·√((2l+1)/(4π)·(l−m)!/(l+m)!) for m > 0, √((2l+1)/(4π)) for m = 0.
      Norm: float[]
      /// Recurrence coefficients (2l−1)/(l−m) and (l+m−1)/(l−m).
      RecA: float[]
      RecB: float[] }

let inline private tri l m = l * (l + 1) / 2 + m

/// Builds the tables up to lMax.
let tables (lMax: int) : Tables =
    let fact n = Seq.fold (fun acc k -> acc * float k) 1.0 { 1 .. n }
    let size = (lMax + 1) * (lMax + 2) / 2
    let norm = Array.zeroCreate size
    let recA = Array.zeroCreate size
    let recB = Array.zeroCreate size
    for l in 0 .. lMax do
        for m in 0 .. l do
            let n = sqrt ((2.0 * float l + 1.0) / (4.0 * Math.PI) * fact (l - m) / fact (l + m))
            norm.[tri l m] <- if m = 0 then n else sqrt 2.0 * n
            if l > m then
                recA.[tri l m] <- float (2 * l - 1) / float (l - m)
                recB.[tri l m] <- float (l + m - 1) / float (l - m)
    { LMax = lMax; Norm = norm; RecA = recA; RecB = recB }

/// Writes Y_lm of the unit vector (x, y, z) into `out` at index l² + l + m (m = −l…l), for l = 0…LMax.
/// `q` is scratch of length (LMax+1)(LMax+2)/2.
let evaluate (t: Tables) (q: float[]) (x: float) (y: float) (z: float) (out: Span<float>) =
    let lMax = t.LMax
    let norm, recA, recB = t.Norm, t.RecA, t.RecB
    // Q_l^m = P_l^m(z)/sin^m θ (no Condon–Shortley phase): Q_m^m = (2m−1)!!, Q_{m+1}^m = (2m+1) z Q_m^m,
    // Q_l^m = [(2l−1) z Q_{l−1}^m − (l+m−1) Q_{l−2}^m]/(l−m)
    let mutable dfact = 1.0
    for m in 0 .. lMax do
        if m > 0 then dfact <- dfact * float (2 * m - 1)
        q.[tri m m] <- dfact
        if m + 1 <= lMax then q.[tri (m + 1) m] <- z * float (2 * m + 1) * dfact
        for l in m + 2 .. lMax do
            let k = tri l m
            q.[k] <- recA.[k] * z * q.[k - l] - recB.[k] * q.[k - l - (l - 1)]
    // (x + iy)^m = sin^m θ (cos mφ + i sin mφ)
    let mutable re = 1.0
    let mutable im = 0.0
    for m in 0 .. lMax do
        if m > 0 then
            let r = re * x - im * y
            im <- re * y + im * x
            re <- r
        for l in m .. lMax do
            let k = tri l m
            let v = norm.[k] * q.[k]
            if m = 0 then out.[l * l + l] <- v
            else
                out.[l * l + l + m] <- v * re
                out.[l * l + l - m] <- v * im
