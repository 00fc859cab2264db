/// Real orthonormal spherical harmonics (∫ Y² dΩ = 1). Any orthonormal convention gives the same SOAP power spectrum.
module Arise.Soap.SphericalHarmonics

open System

/// Precomputed constants for l = 0…LMax, indexed l(l+1)/2 + m (m ≥ 0).
type Tables =
    {
        LMax: int
        /// √2·√((2l+1)/(4π)·(l−m)!/(l+m)!) for m > 0, √((2l+1)/(4π)) for m = 0.
        Norm: float[]
        /// Recurrence coefficients (2l−1)/(l−m) and (l+m−1)/(l−m).
        RecA: float[]
        RecB: float[]
    }

let inline internal tri l m = l * (l + 1) / 2 + m

/// Builds the tables up to lMax.
let tables (lMax: int) : Tables =
    let fact n =
        Seq.fold (fun acc k -> acc * float k) 1.0 [ 1..n ]

    let size = (lMax + 1) * (lMax + 2) / 2
    let norm = Array.zeroCreate size
    let recA = Array.zeroCreate size
    let recB = Array.zeroCreate size

    for l in 0..lMax do
        for m in 0..l do
            let n = sqrt ((2.0 * float l + 1.0) / (4.0 * Math.PI) * fact (l - m) / fact (l + m))
            norm.[tri l m] <- if m = 0 then n else sqrt 2.0 * n

            if l > m then
                recA.[tri l m] <- float (2 * l - 1) / float (l - m)
                recB.[tri l m] <- float (l + m - 1) / float (l - m)

    { LMax = lMax
      Norm = norm
      RecA = recA
      RecB = recB }
