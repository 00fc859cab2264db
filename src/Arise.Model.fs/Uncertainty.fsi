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
    val calibratedSamples: int

    /// Lower bounds of Moderate, High and VeryHigh (mutual information in nats).
    val bounds: float array

    /// All levels, from the most to the least certain.
    val levels: UncertaintyLevel array

    /// The share of wrong predictions measured at each level (in `levels` order) for the embedded model on the
    /// 118,188 structures of Table 1's protocol at T = 100 (scripts/table1.fsx).
    val measuredErrorRates: float array

    /// The measured share of wrong predictions at a level (see measuredErrorRates).
    val errorRate: l: UncertaintyLevel -> float

    /// The level of a mutual information (nats).
    val level: mutualInformation: float -> UncertaintyLevel

    /// "low", "moderate", "high" or "very high".
    val name: l: UncertaintyLevel -> string

    /// The mutual-information range of a level, e.g. "[0.1, 0.3)".
    val range: l: UncertaintyLevel -> string

    /// For each level (in `levels` order): how many of the predictions fall in it and how many of those are wrong,
    /// from each prediction's mutual information and whether its top class was right.
    val calibration: predictions: (float * bool) seq -> (UncertaintyLevel * int * int) array

    /// How well a score separates `positives` (e.g. structures of classes the model never saw) from `negatives`
    /// (known classes), scored high = positive: the area under the ROC curve, i.e. the chance that a random positive
    /// scores above a random negative, ties counting half (Mann–Whitney U / (n⁺ n⁻)). 0.5 = no separation, 1 = perfect.
    /// NaN when either side is empty.
    val auroc: positives: float array -> negatives: float array -> float

    /// The share of `negatives` flagged when the threshold flags the fraction `recall` of `positives` (the largest
    /// threshold that reaches it; a negative equal to the threshold is flagged). "FPR at 95 % recall" is
    /// falsePositiveRate 0.95. NaN when either side is empty.
    val falsePositiveRate: recall: float -> positives: float array -> negatives: float array -> float
