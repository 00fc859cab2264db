namespace Arise.Soap

open System
open MathNet.Numerics
open MathNet.Numerics.LinearAlgebra

/// The orthonormalised equispaced-Gaussian radial basis of quippy's SOAP (notes soap.md §2.1).
type RadialBasis =
    {
        /// Gaussian exponent α = 1/(2σ²), shared by atoms and basis functions.
        Alpha: float
        /// Outer radius r_b = r_c + σ·√(2·10·ln 10) over which the centres are spread.
        CutoffBasis: float
        /// Centres r_a (r_1 = 0, then repeated addition of r_b/N).
        Centres: float[]
        /// Gaussian covariance C_ab = exp(−α (r_a − r_b)²).
        Covariance: float[,]
        /// Overlap S_ab = ∫₀^∞ x² φ_a φ_b dx (closed form).
        Overlap: float[,]
        /// Lower Cholesky factor L of S.
        Cholesky: float[,]
        /// T = C⁻¹ L: from samples at the centres to orthonormal coefficients.
        Transform: float[,]
    }

/// Building the radial basis.
module RadialBasis =
    /// quippy's basis_error_exponent.
    let basisErrorExponent = 10.0

    /// Builds the basis for cutoff r_c, atom σ and N functions.
    let create (cutoff: float) (sigma: float) (nMax: int) : RadialBasis =
        let alpha = 1.0 / (2.0 * sigma * sigma)
        let rb = cutoff + sigma * sqrt (2.0 * basisErrorExponent * log 10.0)
        let delta = rb / float nMax
        let centres = Array.zeroCreate nMax

        for a in 1 .. nMax - 1 do
            centres.[a] <- centres.[a - 1] + delta

        let c =
            Array2D.init nMax nMax (fun a b -> exp (-alpha * (centres.[a] - centres.[b]) ** 2.0))

        let s =
            Array2D.init nMax nMax (fun a b ->
                let ra, rb = centres.[a], centres.[b]

                (exp (-alpha * (ra * ra + rb * rb)) * sqrt 2.0 * alpha ** 1.5 * (ra + rb)
                 + alpha
                   * exp (-alpha * (ra - rb) ** 2.0 / 2.0)
                   * sqrt Math.PI
                   * (1.0 + alpha * (ra + rb) ** 2.0)
                   * (1.0 + SpecialFunctions.Erf(sqrt (alpha / 2.0) * (ra + rb))))
                / sqrt (128.0 * alpha ** 5.0))

        let sm = Matrix<float>.Build.DenseOfArray s
        let l = sm.Cholesky().Factor
        let cm = Matrix<float>.Build.DenseOfArray c
        let t = cm.Cholesky().Solve(l)

        { Alpha = alpha
          CutoffBasis = rb
          Centres = centres
          Covariance = c
          Overlap = s
          Cholesky = l.ToArray()
          Transform = t.ToArray() }
