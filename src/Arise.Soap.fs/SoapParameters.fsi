namespace Arise.Soap

/// Parameters of the SOAP descriptor (quippy `soap`, equispaced Gaussian radial basis). Lengths are in the units of
/// the structure the descriptor is computed on; in ARISE the structure is first divided by d_NN, so they are in d_NN.
type SoapParameters =
    {

        /// Cutoff radius r_c.
        Cutoff: float

        /// Width σ of the Gaussian on each atom.
        AtomSigma: float

        /// Number of radial basis functions N.
        NMax: int

        /// Maximum angular momentum L.
        LMax: int

        /// Width w of the cosine transition to zero below the cutoff.
        TransitionWidth: float

        /// Weight of the centre's own Gaussian (0 in ARISE).
        CentralWeight: float
    }

/// Defaults and dimensions.
module SoapParameters =

    /// ARISE's settings: r_c = 4, σ = 0.1 (in d_NN), N = 9, L = 6, w = 0.5, central weight 0.
    val arise: SoapParameters

    /// Length of the descriptor: (L+1)·N(N+1)/2 + 1 (316 for ARISE).
    val dimension: p: SoapParameters -> int

    /// Checks the parameters; Error names the bad one.
    val validate: p: SoapParameters -> Result<SoapParameters, string>
