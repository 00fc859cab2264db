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

    /// Area under the ROC curve (Mann–Whitney, ties half), positives scored high.
    let auroc (positives: float[]) (negatives: float[]) =
        if positives.Length = 0 || negatives.Length = 0 then
            nan
        else
            // rank all scores together (average ranks for ties), then U = rank sum of positives − n⁺(n⁺+1)/2
            let all =
                Array.append (positives |> Array.map (fun v -> v, true)) (negatives |> Array.map (fun v -> v, false))
                |> Array.sortBy fst

            let mutable rankSum = 0.0
            let mutable i = 0

            while i < all.Length do
                let mutable j = i

                while j + 1 < all.Length && fst all.[j + 1] = fst all.[i] do
                    j <- j + 1

                // ranks i+1 … j+1 share their mean
                let rank = float (i + j + 2) / 2.0

                for k in i..j do
                    if snd all.[k] then
                        rankSum <- rankSum + rank

                i <- j + 1

            let np = float positives.Length
            (rankSum - np * (np + 1.0) / 2.0) / (np * float negatives.Length)

    /// Share of negatives at or above the threshold that flags `recall` of the positives.
    let falsePositiveRate (recall: float) (positives: float[]) (negatives: float[]) =
        if positives.Length = 0 || negatives.Length = 0 then
            nan
        else
            let sorted = Array.sortDescending positives
            let needed = max 1 (int (ceil (recall * float sorted.Length - 1e-9)))
            let threshold = sorted.[min sorted.Length needed - 1]

            float (negatives |> Array.filter (fun v -> v >= threshold) |> Array.length)
            / float negatives.Length
