namespace Arise

/// Raised by the library face for bad input: names the file (when there is one), the line (when one is at fault)
/// and the reason.
type AriseException =
    inherit System.Exception

    new: file: string * line: System.Nullable<int> * reason: string -> AriseException

    /// The file at fault, or null when the input was not a file.
    member File: string

    /// The 1-based line at fault, when one is.
    member Line: System.Nullable<int>

    /// Why the input was refused, without the file and line.
    member Reason: string

/// One class of a ranked prediction.
type RankedClass =
    {

        /// The prototype class, e.g. "fcc_Cu_A_cF4_225_a".
        Class: string

        /// Its material type, e.g. "Elemental solids".
        MaterialType: string

        /// Mean probability over the Monte Carlo dropout passes (0–1).
        Probability: float
    }

/// The recognition of one structure: the classes ranked by probability and how sure the model is.
[<StructuredFormatDisplay("{Display}")>]
type Recognition =
    {

        /// Where the structure came from: a file path, or a name given by the caller.
        Source: string

        /// Number of atoms.
        Atoms: int

        /// The most probable classes, best first (empty when Error is set).
        Top: RankedClass array

        /// Mean probability of every class, in the model's class order (empty when Error is set).
        Probabilities: float array

        /// Mutual information between the prediction and the network weights (paper Eq. 5), in nats: 0 when every
        /// Monte Carlo pass agrees, larger when the model is less sure (NaN when Error is set).
        MutualInformation: float

        /// Predictive entropy of the mean probabilities, in nats (NaN when Error is set).
        Entropy: float

        /// The level of the mutual information: "low" (< 0.03), "moderate" (< 0.1), "high" (< 0.3) or "very high".
        Uncertainty: string

        /// The share of wrong predictions measured at that level on Table 1's protocol (embedded model, T = 100); NaN
        /// for other models, whose levels were not measured.
        ErrorRate: float

        /// Monte Carlo dropout passes T.
        Samples: int

        /// Why the structure could not be classified; null when it was.
        Error: string
    }

    override ToString: unit -> string

    /// The most probable class (raises AriseException when the structure could not be classified).
    member Best: RankedClass

    /// A small table: source, atoms, the ranked classes and the uncertainty.
    member Display: string

    /// True when the structure was classified (Error is null).
    member Succeeded: bool

/// The share of one class among the classified boxes of an SPM map.
type ClassShare =
    {
        Class: string
        MaterialType: string

        /// Boxes whose most probable class it is.
        Boxes: int

        /// Their share of the classified boxes (0–1).
        Share: float

        /// Their mean mutual information (nats).
        MeanMutualInformation: float
    }
