/// Real orthonormal spherical harmonics (∫ Y² dΩ = 1). Any orthonormal convention gives the same SOAP power spectrum.
module Arise.Soap.SphericalHarmonics

/// Precomputed constants for l = 0…LMax, indexed l(l+1)/2 + m (m ≥ 0).
type Tables =
    {
        LMax: int

        /// √2·√((2l+1)/(4π)·(l−m)!/(l+m)!) for m > 0, √((2l+1)/(4π)) for m = 0.
        Norm: float array

        /// Recurrence coefficients (2l−1)/(l−m) and (l+m−1)/(l−m).
        RecA: float array
        RecB: float array
    }

val inline internal tri: l: int -> m: int -> int

/// Builds the tables up to lMax.
val tables: lMax: int -> Tables
