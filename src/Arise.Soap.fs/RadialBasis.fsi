namespace Arise.Soap

/// The orthonormalised equispaced-Gaussian radial basis of quippy's SOAP (notes soap.md §2.1).
type RadialBasis =
    {

        /// Gaussian exponent α = 1/(2σ²), shared by atoms and basis functions.
        Alpha: float

        /// Outer radius r_b = r_c + σ·√(2·10·ln 10) over which the centres are spread.
        CutoffBasis: float

        /// Centres r_a (r_1 = 0, then repeated addition of r_b/N).
        Centres: float array

        /// Gaussian covariance C_ab = exp(−α (r_a − r_b)²).
        Covariance: float array2d

        /// Overlap S_ab = ∫₀^∞ x² φ_a φ_b dx (closed form).
        Overlap: float array2d

        /// Lower Cholesky factor L of S.
        Cholesky: float array2d

        /// T = C⁻¹ L: from samples at the centres to orthonormal coefficients.
        Transform: float array2d
    }

/// Building the radial basis.
module RadialBasis =

    /// quippy's basis_error_exponent.
    val basisErrorExponent: float

    /// Builds the basis for cutoff r_c, atom σ and N functions.
    val create: cutoff: float -> sigma: float -> nMax: int -> RadialBasis
