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
    let arise =
        { Cutoff = 4.0
          AtomSigma = 0.1
          NMax = 9
          LMax = 6
          TransitionWidth = 0.5
          CentralWeight = 0.0 }

    /// Length of the descriptor: (L+1)·N(N+1)/2 + 1 (316 for ARISE).
    let dimension (p: SoapParameters) =
        (p.LMax + 1) * p.NMax * (p.NMax + 1) / 2 + 1

    /// Checks the parameters; Error names the bad one.
    let validate (p: SoapParameters) : Result<SoapParameters, string> =
        if not (p.Cutoff > 0.0 && p.Cutoff <= 1000.0) then
            Error(sprintf "cutoff must be in (0, 1000] (got %g)" p.Cutoff)
        elif not (p.AtomSigma > 0.0 && System.Double.IsFinite p.AtomSigma) then
            Error(sprintf "sigma must be > 0 (got %g)" p.AtomSigma)
        elif p.AtomSigma < 1e-3 * p.Cutoff || p.AtomSigma > p.Cutoff then
            Error(sprintf "sigma must lie between 0.001 × cutoff and the cutoff (got sigma %g, cutoff %g)" p.AtomSigma p.Cutoff)
        elif p.NMax < 1 || p.NMax > 30 then
            Error(sprintf "n_max must be in 1..30 (got %d)" p.NMax)
        elif p.LMax < 0 || p.LMax > 20 then
            Error(sprintf "l_max must be in 0..20 (got %d)" p.LMax)
        elif not (p.TransitionWidth >= 0.0) then
            Error(sprintf "transition width must be ≥ 0 (got %g)" p.TransitionWidth)
        elif p.TransitionWidth > p.Cutoff then
            Error(sprintf "cutoff %g is below the width %g over which the cutoff function falls to zero" p.Cutoff p.TransitionWidth)
        elif not (System.Double.IsFinite p.CentralWeight) then
            Error "central weight must be finite"
        else
            Ok p
