namespace Arise.Model

/// How far a prediction can be trusted, read from its mutual information (Eq. 5).
type UncertaintyLevel =
    | Low
    | Moderate
    | High
    | VeryHigh

/// Levels of the mutual information. The bounds follow the embedded model's error rates on the 118,188 structures of
/// Table 1's protocol (scripts/table1.fsx prints them): about 0.06 % of the predictions were wrong below 0.03, 0.5 %
/// from 0.03 to 0.1, 3.5 % from 0.1 to 0.3, and 20 % above 0.3.
module Uncertainty =
    /// Monte Carlo passes T of the calibration; fewer passes underestimate the mutual information, and their levels
    /// read too low.
    let calibratedSamples = 100

    /// Lower bounds of Moderate, High and VeryHigh (mutual information in nats).
    let bounds = [| 0.03; 0.1; 0.3 |]

    /// All levels, from the most to the least certain.
    let levels = [| Low; Moderate; High; VeryHigh |]

    /// The share of wrong predictions measured at each level (in `levels` order) for the embedded model on the
    /// 118,188 structures of Table 1's protocol at T = 100 (scripts/table1.fsx).
    let measuredErrorRates = [| 0.0006; 0.005; 0.035; 0.20 |]

    /// The measured share of wrong predictions at a level (see measuredErrorRates).
    let errorRate (l: UncertaintyLevel) =
        measuredErrorRates.[Array.findIndex ((=) l) levels]

    /// The level of a mutual information (nats).
    let level (mutualInformation: float) =
        if mutualInformation >= bounds.[2] then VeryHigh
        elif mutualInformation >= bounds.[1] then High
        elif mutualInformation >= bounds.[0] then Moderate
        else Low

    /// "low", "moderate", "high" or "very high".
    let name (l: UncertaintyLevel) =
        match l with
        | Low -> "low"
        | Moderate -> "moderate"
        | High -> "high"
        | VeryHigh -> "very high"

    /// The mutual-information range of a level, e.g. "[0.1, 0.3)".
    let range (l: UncertaintyLevel) =
        match l with
        | Low -> sprintf "[0, %g)" bounds.[0]
        | Moderate -> sprintf "[%g, %g)" bounds.[0] bounds.[1]
        | High -> sprintf "[%g, %g)" bounds.[1] bounds.[2]
        | VeryHigh -> sprintf "[%g, ∞)" bounds.[2]

    /// For each level (in `levels` order): how many of the predictions fall in it and how many of those are wrong,
    /// from each prediction's mutual information and whether its top class was right.
    let calibration (predictions: (float * bool) seq) : (UncertaintyLevel * int * int)[] =
        let counts = Array.zeroCreate levels.Length
        let wrong = Array.zeroCreate levels.Length

        for mi, right in predictions do
            let k = Array.findIndex ((=) (level mi)) levels
            counts.[k] <- counts.[k] + 1

            if not right then
                wrong.[k] <- wrong.[k] + 1

        Array.init levels.Length (fun k -> levels.[k], counts.[k], wrong.[k])
