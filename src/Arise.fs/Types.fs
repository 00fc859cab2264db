namespace Arise

open System
open System.Globalization
open System.Text

/// Raised by the library face for bad input: names the file (when there is one), the line (when one is at fault)
/// and the reason.
type AriseException(file: string, line: Nullable<int>, reason: string) =
    inherit
        Exception(
            match file, line with
            | null, _ -> reason
            | f, l when l.HasValue -> sprintf "%s:%d: %s" f l.Value reason
            | f, _ -> sprintf "%s: %s" f reason
        )

    /// The file at fault, or null when the input was not a file.
    member _.File = file
    /// The 1-based line at fault, when one is.
    member _.Line = line
    /// Why the input was refused, without the file and line.
    member _.Reason = reason

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
        Top: RankedClass[]
        /// Mean probability of every class, in the model's class order (empty when Error is set).
        Probabilities: float[]
        /// Mutual information between the prediction and the network weights (paper Eq. 5), in nats: 0 when every
        /// Monte Carlo pass agrees, larger when the model is less sure (NaN when Error is set).
        MutualInformation: float
        /// Predictive entropy of the mean probabilities, in nats (NaN when Error is set).
        Entropy: float
        /// The level of the mutual information: "low" (< 0.03), "moderate" (< 0.1), "high" (< 0.3) or "very high".
        Uncertainty: string
        /// The share of wrong predictions measured at that level on Table 1's protocol (embedded model, T = 100).
        ErrorRate: float
        /// Monte Carlo dropout passes T.
        Samples: int
        /// Why the structure could not be classified; null when it was.
        Error: string
    }

    /// True when the structure was classified (Error is null).
    member r.Succeeded = isNull r.Error

    /// The most probable class (raises AriseException when the structure could not be classified).
    member r.Best =
        if r.Succeeded then
            r.Top.[0]
        else
            raise (AriseException(r.Source, Nullable(), r.Error))

    /// A small table: source, atoms, the ranked classes and the uncertainty.
    member r.Display =
        let inv = CultureInfo.InvariantCulture
        let b = StringBuilder()

        let source =
            if String.IsNullOrEmpty r.Source then
                "structure"
            else
                r.Source

        if not r.Succeeded then
            b.AppendFormat(inv, "{0}: not classified: {1}", source, r.Error) |> ignore
        else
            b.AppendFormat(inv, "{0} ({1} atoms, T = {2})", source, r.Atoms, r.Samples).AppendLine()
            |> ignore

            let width =
                r.Top
                |> Array.map (fun c -> c.Class.Length + c.MaterialType.Length + 3)
                |> Array.fold max 5

            for c in r.Top do
                let name = sprintf "%s (%s)" c.Class c.MaterialType

                b.Append("  ").Append(name.PadRight width).Append("  ").AppendLine(c.Probability.ToString("0.0000", inv))
                |> ignore

            b.AppendFormat(inv, "  mutual information {0:0.0000} nats: {1} uncertainty", r.MutualInformation, r.Uncertainty)
            |> ignore

            if not (Double.IsNaN r.ErrorRate) then
                b.AppendFormat(inv, " ({0} % of such predictions were wrong)", (100.0 * r.ErrorRate).ToString("0.##", inv))
                |> ignore

        b.ToString()

    override r.ToString() = r.Display

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
